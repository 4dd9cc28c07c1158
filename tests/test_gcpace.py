"""The run's garbage-collector pacing: raised while runs are active, restored after the last."""

from __future__ import annotations

import gc
import threading

import pytest

from selfinstruct.run.gcpace import RUN_THRESHOLD, fewer_collections


@pytest.fixture
def threshold():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_raised_during_the_block_and_restored_after(threshold):
    with fewer_collections():
        assert gc.get_threshold() == (RUN_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_restored_when_the_block_raises(threshold):
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError
    assert gc.get_threshold() == (700, 10, 10)


def test_overlapping_runs_restore_only_when_the_last_ends(threshold):
    first_in, release = threading.Event(), threading.Event()
    seen: list[tuple[int, ...]] = []

    def first() -> None:
        with fewer_collections():
            first_in.set()
            release.wait(5)

    worker = threading.Thread(target=first)
    worker.start()
    first_in.wait(5)
    with fewer_collections():
        pass
    seen.append(gc.get_threshold())  # the first run still going: still raised
    release.set()
    worker.join(5)
    assert seen == [(RUN_THRESHOLD, 10, 10)]
    assert gc.get_threshold() == (700, 10, 10)


def test_never_lowers_nor_switches_collection_back_on(threshold):
    gc.set_threshold(50_000, 5, 5)
    with fewer_collections():
        assert gc.get_threshold() == (50_000, 5, 5)
    gc.set_threshold(0, 10, 10)  # automatic collection off: left off
    with fewer_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold() == (0, 10, 10)
