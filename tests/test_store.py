"""The run directory survives crashes: commits are all-or-nothing, torn lines are repaired."""

from __future__ import annotations

import json

import pytest

from selfinstruct.errors import RunDirError
from selfinstruct.schemas import AcceptedRecord, Rejection
from selfinstruct.store.layout import DATA, JOURNAL, RECORDS, REJECTED
from selfinstruct.store.writer import RunStore


def record(i: int) -> AcceptedRecord:
    return AcceptedRecord(
        id=f"rec_{i:06d}",
        instruction=f"Task number {i} 任务",
        input="",
        output="Done.",
        model="m",
        request_index=i,
        demonstration_ids=["s1"],
        created_at="2026-01-01T00:00:00+00:00",
    )


def test_commit_and_reopen(tmp_path):
    with RunStore(tmp_path) as store:
        store.commit(0, [record(0), record(1)], [Rejection(reason="too_short", instruction="x")])
        store.commit(1, [record(2)], [])
    with RunStore(tmp_path) as store:
        assert [r.id for r in store.accepted_records()] == [
            "rec_000000",
            "rec_000001",
            "rec_000002",
        ]
        assert store.last_commit.request_index == 1
        assert store.warnings == []
    lines = (tmp_path / DATA).read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {
        "instruction": "Task number 0 任务",
        "input": "",
        "output": "Done.",
    }
    assert "任务" in lines[0]  # UTF-8 as is, not \u-escaped


def test_torn_and_uncommitted_lines_are_cut_with_a_warning(tmp_path):
    with RunStore(tmp_path) as store:
        store.commit(0, [record(0)], [])
    committed = (tmp_path / DATA).read_bytes()
    with open(tmp_path / DATA, "ab") as handle:  # a kill after a full line and half of another
        handle.write(b'{"instruction": "late", "input": "", "output": "x"}\n{"instruction": "to')
    with open(tmp_path / JOURNAL, "ab") as handle:
        handle.write(b'{"request_index": 1, "acc')
    with RunStore(tmp_path) as store:
        assert (tmp_path / DATA).read_bytes() == committed
        assert len(store.accepted_records()) == 1
        assert any("data.jsonl" in w for w in store.warnings)
        assert any("progress.jsonl" in w for w in store.warnings)
        store.commit(1, [record(1)], [])
    assert len((tmp_path / DATA).read_text().splitlines()) == 2


def test_second_writer_is_refused(tmp_path):
    with RunStore(tmp_path), pytest.raises(RunDirError, match="another selfinstruct process"):
        RunStore(tmp_path).open()


def test_foreign_directory_is_refused(tmp_path):
    (tmp_path / DATA).write_text('{"instruction": "a", "input": "", "output": "b"}\n')
    with pytest.raises(RunDirError, match="not a selfinstruct run directory"):
        RunStore(tmp_path).open()


def test_failed_write_rolls_back(tmp_path, monkeypatch):
    with RunStore(tmp_path) as store:
        store.commit(0, [record(0)], [])
        before = {n: (tmp_path / n).read_bytes() for n in (DATA, RECORDS, REJECTED, JOURNAL)}

        def full_disk(fd):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("selfinstruct.store.writer.os.fsync", full_disk)
        with pytest.raises(RunDirError, match="disk full"):
            store.commit(1, [record(1)], [])
        monkeypatch.undo()
    after = {n: (tmp_path / n).read_bytes() for n in (DATA, RECORDS, REJECTED, JOURNAL)}
    assert after == before


def test_submitted_batches_are_written_together_and_each_committed(tmp_path, monkeypatch):
    """The writer thread takes every batch queued while it syncs: one fsync a file for all of
    them, and a journal line for each, so resume may stop at any one of them."""
    synced: list[int] = []
    real_fsync = __import__("os").fsync
    monkeypatch.setattr(
        "selfinstruct.store.writer.os.fsync", lambda fd: synced.append(fd) or real_fsync(fd)
    )
    with RunStore(tmp_path) as store:
        store._changed.acquire()  # hold the writer back until all ten are queued
        try:
            for i in range(10):
                store.submit(i, [record(i)], [Rejection(reason="too_short", instruction=f"x{i}")])
        finally:
            store._changed.release()
        store.flush()
        assert store.last_commit.request_index == 9 and store.last_commit.accepted == 10
    journal = [json.loads(line) for line in (tmp_path / JOURNAL).read_text().splitlines()]
    assert [entry["request_index"] for entry in journal] == list(range(10))
    assert len(synced) <= 4 * 2  # a group or two, never 40 fsyncs
    for entry in journal:  # every line's sizes end on a line of its own batch
        for name, size in entry["sizes"].items():
            data = (tmp_path / name).read_bytes()[:size]
            assert data.endswith(b"\n") or size == 0
    with RunStore(tmp_path) as store:
        assert [r.request_index for r in store.accepted_records()] == list(range(10))


def test_a_failed_group_commits_nothing_of_it_and_later_submits_fail(tmp_path, monkeypatch):
    with RunStore(tmp_path) as store:
        store.commit(0, [record(0)], [])
        before = {n: (tmp_path / n).read_bytes() for n in (DATA, RECORDS, REJECTED, JOURNAL)}

        def full_disk(fd):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr("selfinstruct.store.writer.os.fsync", full_disk)
        store.submit(1, [record(1)], [])
        with pytest.raises(RunDirError, match="disk full"):
            store.flush()
        with pytest.raises(RunDirError, match="disk full"):
            store.submit(2, [record(2)], [])
        monkeypatch.undo()
    after = {n: (tmp_path / n).read_bytes() for n in (DATA, RECORDS, REJECTED, JOURNAL)}
    assert after == before


def test_run_json_waits_for_the_batches_submitted_before_it(tmp_path):
    with RunStore(tmp_path) as store:
        for i in range(5):
            store.submit(i, [record(i)], [])
        store.write_manifest({"accepted": 5})
        lines = (tmp_path / JOURNAL).read_text().splitlines()
        assert json.loads(lines[-1])["accepted"] == 5


def test_lines_are_written_as_json_dumps_writes_them():
    """`layout.dumps` keeps one C encoder instead of json.dumps building one a line: the same
    text for every kind of value a record holds, the same error for one it cannot hold."""
    from selfinstruct.store.layout import dumps

    values = [
        {"instruction": "Ünïcode 任务 \u2028 \x1f \"quoted\" \\ tab\t", "input": "", "n": 3},
        {"score": 0.1 + 0.2, "big": 10**30, "nan": float("nan"), "inf": float("-inf")},
        {"flags": [True, False, None], "nested": {"a": [1, 2.5, "x"], "b": {}}, "empty": []},
        record(7).model_dump(),
        Rejection(reason="near_duplicate", score=0.7501, neighbour="n").model_dump(),
    ]
    for value in values:
        assert dumps(value) == json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    with pytest.raises(TypeError, match="is not JSON serializable"):
        dumps({"when": object()})
