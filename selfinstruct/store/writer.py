"""The run directory: append-only JSONL files, a commit journal, the manifest and a lock.

Crash safety comes from one rule: every batch is appended to `rejected.jsonl`,
`records.jsonl` and `data.jsonl` first, and only then committed by a line in `progress.jsonl`
that records the byte length of each file. On start, each file is cut back to its last
committed length, so a kill at any moment (even mid-line) loses at most the uncommitted batch,
whose teacher answer is still in the cache and is replayed for free.

The writes and fsyncs happen on one writer thread (`submit`; `commit` waits for it): an fsync
took 2-7 ms on this machine, four a batch, and on the event loop they stalled every request in
flight. Batches submitted while the thread syncs are written together on its next turn, with
one fsync a file and their journal lines after it, so the rule above holds for each of them.
The thread starts a new group at most every `GROUP_INTERVAL_S` (unless someone waits for the
commit): at 120 units/s a group of one or two units cost four fsyncs each, 0.36 ms of CPU a
unit in the kernel; grouped, their cost is shared. A kill meanwhile loses only units not yet
committed, whose answers the cache replays for free, as before.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from selfinstruct.errors import RunDirError
from selfinstruct.schemas import AcceptedRecord, Rejection
from selfinstruct.store.layout import (
    APPENDED,
    BATCH_JOURNAL,
    CACHE,
    DATA,
    JOURNAL,
    MANIFEST,
    RECORDS,
    REJECTED,
    Commit,
    dumps,
    last_commit,
)

#: Space set aside while a run writes, freed on a full disk so the final run.json still fits.
RESERVE = ".space-reserve"
RESERVE_BYTES = 256 * 1024
#: The shortest time between the starts of two write groups while nobody waits for a commit.
GROUP_INTERVAL_S = 0.1
#: Files a run writes; an existing one in a folder without a journal is someone else's.
OWN_FILES = (*APPENDED, MANIFEST, CACHE, BATCH_JOURNAL)


@dataclass
class _Batch:
    """One submitted commit, serialised: its lines per file and its journal fields."""

    request_index: int
    accepted: int
    lines: dict[str, list[str]]
    totals: dict[str, Any]


class RunStore:
    """Owns one run directory for the length of a run (holding its lock)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.warnings: list[str] = []
        #: the last commit on disk (its journal line fsync'd)
        self.last_commit = Commit(request_index=-1, accepted=0, sizes=dict.fromkeys(APPENDED, 0))
        self._lock: int | None = None
        self._files: dict[str, Any] = {}
        self._journal: Any = None
        self._pending: list[_Batch] = []
        self._busy = False
        self._stopping = False
        #: a caller waits in `flush` (or the store closes): the next group goes at once
        self._waiters = 0
        self._failure: Exception | None = None
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    # -- opening -------------------------------------------------------------------------
    def open(self) -> RunStore:
        """Create or reopen the directory, take the lock, repair anything a crash left."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunDirError(f"{self.path}: cannot create run directory: {exc.strerror}") from None
        if not os.access(self.path, os.W_OK):
            raise RunDirError(f"{self.path}: run directory is not writable")
        self._lock = lock_directory(self.path)
        try:
            self._repair()
            # unbuffered: a failed write leaves nothing in a buffer for a later flush to tear
            self._files = {name: open(self.path / name, "ab", buffering=0) for name in APPENDED}  # noqa: SIM115
            self._journal = open(self.path / JOURNAL, "ab", buffering=0)  # noqa: SIM115
            _reserve_space(self.path / RESERVE)
        except OSError as exc:
            self.close()
            hint = " (disk full)" if exc.errno == errno.ENOSPC else ""
            raise RunDirError(f"{self.path}: cannot open the run{hint}: {exc.strerror}") from None
        except BaseException:
            self.close()
            raise
        return self

    def __enter__(self) -> RunStore:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Write what was submitted (a batch submitted is a complete unit), stop the writer
        thread, release the lock."""
        if self._thread is not None:
            with self._changed:
                self._stopping = True
                self._changed.notify_all()
            self._thread.join()
            self._thread = None
        for handle in [*self._files.values(), self._journal]:
            if handle is not None:
                handle.close()
        self._files = {}
        self._journal = None
        if self._lock is not None:
            with contextlib.suppress(OSError):
                (self.path / RESERVE).unlink(missing_ok=True)
            os.close(self._lock)  # closing the descriptor releases the flock
            self._lock = None

    def _read_journal(self) -> Commit | None:
        path = self.path / JOURNAL
        if not path.exists():
            return None
        raw = path.read_bytes()
        last, good_end = last_commit(raw, damaged=path)
        if good_end < len(raw):
            self.warnings.append(f"{JOURNAL}: dropped an unfinished last line left by a crash")
            with open(path, "r+b") as handle:
                handle.truncate(good_end)
        return last

    def _repair(self) -> None:
        if not (self.path / JOURNAL).exists():
            foreign = [n for n in OWN_FILES if (self.path / n).exists()]
            if foreign:
                raise RunDirError(
                    f"{self.path}: holds {', '.join(foreign)} but no {JOURNAL}; not a selfinstruct "
                    "run directory, and files selfinstruct did not write are never replaced: "
                    "use a new --out"
                )
        commit = self._read_journal()
        if commit is None:
            stray = [
                n for n in APPENDED if (self.path / n).exists() and (self.path / n).stat().st_size
            ]
            if stray:
                raise RunDirError(
                    f"{self.path}: holds {', '.join(stray)} but no {JOURNAL}; "
                    "not a selfinstruct run directory: use a new --out"
                )
            return
        for name in APPENDED:
            target = commit.sizes.get(name, 0)
            path = self.path / name
            size = path.stat().st_size if path.exists() else 0
            if size < target:
                raise RunDirError(
                    f"{path}: shorter than its last commit ({size} < {target} bytes); "
                    "the file was edited or truncated outside selfinstruct"
                )
            if size > target:
                tail = path.read_bytes()[target:]
                torn = not tail.endswith(b"\n")
                lines = tail.count(b"\n") + (1 if torn else 0)
                what = "a torn last line" if torn and lines == 1 else f"{lines} uncommitted line(s)"
                self.warnings.append(
                    f"{name}: removed {what} left by an interrupted run "
                    "(its teacher answer is replayed from the cache)"
                )
                with open(path, "r+b") as handle:
                    handle.truncate(target)
        verify_committed(self.path, commit.sizes)
        self.last_commit = commit

    # -- reading -------------------------------------------------------------------------
    def accepted_records(self) -> list[AcceptedRecord]:
        """Every committed record, with provenance, in acceptance order."""
        path = self.path / RECORDS
        if not path.exists():
            return []
        return [
            _parse(AcceptedRecord, path, number, line) for number, line in _lines(path.read_bytes())
        ]

    def rejections(self, reasons: frozenset[str] | set[str]) -> list[Rejection]:
        """Committed rejections with one of `reasons`, in order."""
        path = self.path / REJECTED
        if not path.exists():
            return []
        found = []
        for number, line in _lines(path.read_bytes()):
            if any(f'"reason": "{r}"'.encode() in line for r in reasons):
                item = _parse(Rejection, path, number, line)
                if item.reason in reasons:
                    found.append(item)
        return found

    def read_manifest(self) -> dict[str, Any] | None:
        path = self.path / MANIFEST
        if not path.exists():
            return None
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(manifest, dict):
                return manifest
        except (OSError, ValueError, RecursionError):
            pass
        kept = path.with_name(f"{MANIFEST}.unreadable")
        try:
            os.replace(path, kept)
            where = f"kept as {kept.name}"
        except OSError:
            where = "it will be replaced"
        self.warnings.append(f"{MANIFEST}: unreadable ({where}); a new one is written")
        return None

    # -- writing -------------------------------------------------------------------------
    def commit(
        self,
        request_index: int,
        accepted: Iterable[AcceptedRecord],
        rejected: Iterable[BaseModel | Rejection],
        totals: dict[str, Any] | None = None,
    ) -> None:
        """Append one processed request's outcome and commit it in the journal; returns once
        it is on disk."""
        self.submit(request_index, accepted, rejected, totals)
        self.flush()

    def submit(
        self,
        request_index: int,
        accepted: Iterable[AcceptedRecord],
        rejected: Iterable[BaseModel | Rejection],
        totals: dict[str, Any] | None = None,
    ) -> None:
        """Queue one request's outcome for the writer thread, in order; it is committed when
        its journal line is on disk (`flush` waits for that). Raises the writer's failure
        if an earlier batch could not be written: nothing after it is committed."""
        accepted = list(accepted)
        lines = {
            DATA: [
                dumps({"instruction": r.instruction, "input": r.input, "output": r.output})
                for r in accepted
            ],
            RECORDS: [dumps(r.model_dump()) for r in accepted],
            REJECTED: [dumps(r.model_dump(exclude_none=True)) for r in rejected],
        }
        batch = _Batch(request_index, len(accepted), lines, totals or {})
        with self._changed:
            if self._failure is not None:
                raise self._failure
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._write_loop, name="selfinstruct-store", daemon=True
                )
                self._thread.start()
            self._pending.append(batch)
            if len(self._pending) == 1:
                # only the writer's first wait (for any batch) reads `_pending`; behind the
                # first batch of a group it sleeps out the group interval, and waking it for
                # each later one cost a thread switch a unit
                self._changed.notify_all()

    def flush(self) -> None:
        """Wait until every submitted batch is committed; raise the writer's failure."""
        with self._changed:
            self._wait_written()
            if self._failure is not None:
                raise self._failure

    def _wait_written(self) -> None:
        """Wait (holding `_changed`) until every batch is written or the writer failed; the
        writer sees a waiter and skips its grouping pause."""
        self._waiters += 1
        self._changed.notify_all()
        try:
            self._changed.wait_for(lambda: not (self._pending or self._busy) or self._failure)
        finally:
            self._waiters -= 1

    def _write_loop(self) -> None:
        """The writer thread: take every batch queued, write, sync, commit; until closed. A
        group starts `GROUP_INTERVAL_S` after the previous one at the earliest, so the units
        finishing meanwhile share its fsyncs; a waiting `flush` or `close` cuts the wait short."""
        last_start = -GROUP_INTERVAL_S
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._pending or self._stopping)
                self._changed.wait_for(
                    lambda: self._stopping or self._waiters > 0,
                    timeout=last_start + GROUP_INTERVAL_S - time.monotonic(),
                )
                if not self._pending or self._failure is not None:
                    return
                last_start = time.monotonic()
                batches, self._pending = self._pending, []
                self._busy = True
            failure: Exception | None = None
            try:
                self._write(batches)
            except Exception as exc:  # raised in the run's thread by the next submit or flush
                failure = exc
            with self._changed:
                self._busy = False
                if failure is not None:
                    self._failure = failure
                    self._pending = []
                self._changed.notify_all()

    def _write(self, batches: list[_Batch]) -> None:
        """Append the batches' lines, fsync each file written, then their journal lines."""
        handles = self._files
        sizes = {name: handles[name].tell() for name in APPENDED}
        accepted = self.last_commit.accepted
        chunks: dict[str, list[bytes]] = {name: [] for name in APPENDED}
        entries: list[str] = []
        for batch in batches:
            for name in APPENDED:
                if batch.lines[name]:
                    data = ("\n".join(batch.lines[name]) + "\n").encode("utf-8")
                    chunks[name].append(data)
                    sizes[name] += len(data)
            accepted += batch.accepted
            entry = {
                "request_index": batch.request_index,
                "accepted": accepted,
                "sizes": dict(sizes),
                "totals": batch.totals,
            }
            entries.append(dumps(entry) + "\n")
        try:
            for name in APPENDED:
                if chunks[name]:
                    _write_all(handles[name], b"".join(chunks[name]))
                    os.fsync(handles[name].fileno())
            journal_size = self._journal.tell()
            try:
                _write_all(self._journal, "".join(entries).encode("utf-8"))
                os.fsync(self._journal.fileno())
            except OSError:
                _truncate(self._journal, journal_size)
                raise
        except OSError as exc:
            self._roll_back()
            hint = " (disk full)" if exc.errno == errno.ENOSPC else ""
            raise RunDirError(
                f"{self.path}: writing failed{hint}: {exc.strerror}; every record committed "
                "before is intact, free space and rerun the same command to resume"
            ) from None
        last = batches[-1]
        self.last_commit = Commit(last.request_index, accepted, sizes, last.totals)

    def _roll_back(self) -> None:
        """Cut the files back to the last commit after a failed write (best effort)."""
        for name in APPENDED:
            _truncate(self._files[name], self.last_commit.sizes.get(name, 0))

    def free_reserve(self) -> None:
        """Give back the space set aside at open (the disk is full: run.json must still fit)."""
        with contextlib.suppress(OSError):
            (self.path / RESERVE).unlink(missing_ok=True)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace `run.json` atomically: readers see the old or the new one, never half. Every
        batch submitted is committed first, so run.json never counts more than the journal."""
        with self._changed:
            self._wait_written()
        write_atomic(self.path / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))


def _lines(raw: bytes) -> list[tuple[int, bytes]]:
    """(line number, line) of JSONL bytes, split at b"\n" only (never at U+2028)."""
    return [(n, line) for n, line in enumerate(raw.split(b"\n"), start=1) if line.strip()]


def _parse(model: type[Any], path: Path, number: int, line: bytes) -> Any:
    try:
        return model.model_validate_json(line)
    except (ValidationError, ValueError):
        raise RunDirError(
            f"{path}:{number}: damaged line (edited outside selfinstruct?); restore the file, "
            "or start a new run with another --out"
        ) from None


def _committed_lines(run: Path, name: str, sizes: dict[str, int]) -> list[tuple[int, bytes]]:
    path = run / name
    if not path.exists():
        return []
    with open(path, "rb") as handle:
        return _lines(handle.read(sizes.get(name, 0)))


def verify_committed(run: Path, sizes: dict[str, int]) -> None:
    """Every committed line of the run's files parses, and `data.jsonl` says what
    `records.jsonl` says, line for line: a resume never builds on a file edited in place."""
    for number, line in _committed_lines(run, REJECTED, sizes):
        _parse(Rejection, run / REJECTED, number, line)
    records = [
        _parse(AcceptedRecord, run / RECORDS, number, line)
        for number, line in _committed_lines(run, RECORDS, sizes)
    ]
    rows = _committed_lines(run, DATA, sizes)
    hint = "(edited outside selfinstruct?); restore it, or start a new run with another --out"
    for (number, line), record in zip(rows, records, strict=False):
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if row != {
            "instruction": record.instruction,
            "input": record.input,
            "output": record.output,
        }:
            raise RunDirError(f"{run / DATA}:{number}: does not match {RECORDS} {hint}")
    if len(rows) != len(records):
        raise RunDirError(
            f"{run / DATA}: {len(rows)} committed lines, {RECORDS} {len(records)} {hint}"
        )


def lock_directory(path: Path) -> int:
    """An exclusive flock on the run directory itself, held by an open descriptor: unlike a
    lock file, it cannot be deleted from under a live run, and it dies with the process."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise RunDirError(f"{path}: cannot take the lock: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise RunDirError(
            f"{path}: another selfinstruct process is writing this run directory"
        ) from None
    except OSError as exc:
        os.close(fd)
        raise RunDirError(f"{path}: cannot take the lock: {exc.strerror}") from None
    return fd


def _write_all(handle: Any, data: bytes) -> None:
    """An unbuffered write may be short; loop until all of it is written (or it raises)."""
    view = memoryview(data)
    while view:
        written = handle.write(view)
        view = view[written:]


def _truncate(handle: Any, size: int) -> None:
    """Cut a file back to `size` (best effort: the next start repairs from the journal)."""
    try:
        os.ftruncate(handle.fileno(), size)
        handle.seek(0, os.SEEK_END)
    except OSError:
        pass


def _reserve_space(path: Path) -> None:
    """Set aside a little disk space (a file of zeros), released when the disk fills."""
    if path.exists() and path.stat().st_size >= RESERVE_BYTES:
        return
    try:
        with open(path, "wb") as handle:
            handle.write(bytes(RESERVE_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        path.unlink(missing_ok=True)  # a disk already full: the run's first write says so


def write_atomic(path: Path, text: str) -> None:
    """Write a whole file through a temporary sibling and a rename."""
    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        hint = " (disk full)" if exc.errno == errno.ENOSPC else ""
        raise RunDirError(f"{path}: cannot write{hint}: {exc.strerror}") from None
