"""Rendering the loop's progress on stderr: one updating line on a terminal, a line every
few seconds in a log (CI, nohup), so long runs always say what they are doing."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from selfinstruct.printable import one_line
from selfinstruct.quality.filters import by_family
from selfinstruct.run.loop import Progress


def _k(n: int) -> str:
    return f"{n / 1000:.1f}k" if n >= 1000 else str(n)


def format_progress(p: Progress) -> str:
    c = p.counts
    rate = c.accepted / p.elapsed if p.elapsed > 0 else 0.0
    pct = 100 * c.accepted / p.target if p.target else 100.0
    rejected = sum(c.rejected.values())
    top = ", ".join(f"{reason} {n}" for reason, n in by_family(c.rejected).most_common(2))
    return (
        f"accepted {c.accepted}/{p.target} ({pct:.0f}%) | requests {c.requests}"
        f" ({p.cache_hits} cached, {p.in_flight} in flight) | tokens {_k(c.prompt_tokens)} in"
        f" / {_k(c.completion_tokens)} out | {rate:.1f} rec/s | rejected {rejected}"
        + (f" ({top})" if top else "")
    )


class ProgressPrinter:
    """Callable for `generate(on_progress=...)`."""

    def __init__(self, stream: TextIO | None = None, interval_s: float | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.interval = interval_s if interval_s is not None else (0.2 if self.tty else 5.0)
        self._last = 0.0
        self._pending: Progress | None = None
        self._width = 0

    def __call__(self, progress: Progress) -> None:
        self._pending = progress
        now = time.monotonic()
        if now - self._last >= self.interval or progress.counts.accepted >= progress.target:
            self._last = now
            self._write(progress)

    def _write(self, progress: Progress) -> None:
        line = one_line(format_progress(progress))
        if self.tty:
            self.stream.write("\r" + line.ljust(self._width))
            self._width = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()
