"""One `generate`: `build` turns a config into a method, a teacher and settings (the only place
that does); the loop, its stop guards, the progress line, the dry-run estimate and the summary."""
