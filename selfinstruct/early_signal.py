"""A SIGTERM handler for the command's first moments, before a run installs its own.

Importing, parsing flags and reading seeds take a moment; a SIGTERM then used to kill the
process silently (exit -15). This says so in one line and exits through SystemExit, so
cleanups run. A run replaces it with its own handlers (a clean stop), which asyncio restores
to the default when the run ends.
"""

from __future__ import annotations

import contextlib
import signal
import sys


def _on_term(signum: int, frame: object) -> None:
    sys.stderr.write(
        "error: terminated by SIGTERM; nothing committed is lost, run the same command again "
        "to resume\n"
    )
    sys.exit(128 + signum)


def install() -> None:
    """Install the handler unless someone else already handles SIGTERM."""
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        with contextlib.suppress(ValueError):  # not the main thread: not the command
            signal.signal(signal.SIGTERM, _on_term)
