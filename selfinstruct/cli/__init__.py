"""The `selfinstruct` command: parse flags, build a config, call the API, print.

No logic lives here: each command is a thin wrapper over the importable API. One module a
group of commands: `generate`, `datasets` (validate, show, export, report, dedup, clean),
`seeds`, `serve`; `app` holds the group and the error handling they share.
"""

from selfinstruct import early_signal

early_signal.install()  # before the slow imports: a SIGTERM now gets a message, not -15

from selfinstruct.cli import datasets, generate, seeds, serve  # noqa: E402, F401  (register)
from selfinstruct.cli.app import main  # noqa: E402

__all__ = ["main"]
