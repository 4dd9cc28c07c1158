"""The run directory: its file names (`layout`), the one writer (journal, lock, repair) and the
one reader that export, show, report and `seeds export` share."""
