"""Fewer garbage collections while a run goes on.

A unit allocates some ten thousand short-lived objects (parsed tasks, views, word lists,
rejections, coroutines), nearly all freed by reference counting; the cyclic collector's
youngest generation still ran every 700 net allocations, about once per ten units, and each
pass cost 1-1.5 ms of CPU in a run's large heap: with gen-1 and gen-2 passes, 0.40-0.46 ms
per 20-task request (benchmarks/generate_throughput.py, C=64, measured with gc.callbacks).
At a 10,000 threshold the same window spent 0.07-0.10 ms. Nothing else changes: cycles are
still collected, a little later. The threshold is process-wide, so it is raised while any
run is active and restored when the last one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: the youngest generation's threshold during a run (CPython's default is 700)
RUN_THRESHOLD = 10_000

_lock = threading.Lock()
_active = 0
_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the youngest generation's threshold for the block (never lower it, and leave a
    threshold of 0, collection switched off, as it is); nested or concurrent runs share one
    change, undone when the last block exits."""
    global _active, _saved
    with _lock:
        if _active == 0:
            _saved = gc.get_threshold()
            first, *older = _saved
            gc.set_threshold(max(first, RUN_THRESHOLD) if first else 0, *older)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                gc.set_threshold(*_saved)
