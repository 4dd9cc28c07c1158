"""The run directory: append-only JSONL files, a commit journal, the manifest and a lock.

Crash safety comes from one rule: every batch is appended to `rejected.jsonl`,
`records.jsonl` and `data.jsonl` first, and only then committed by a line in `progress.jsonl`
that records the byte length of each file. On start, each file is cut back to its last
committed length, so a kill at any moment (even mid-line) loses at most the uncommitted batch,
whose teacher answer is still in the cache and is replayed for free.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from pydantic import BaseModel

from selfinstruct.errors import RunDirError
from selfinstruct.schemas import AcceptedRecord, Rejection
from selfinstruct.store.layout import (
    APPENDED,
    DATA,
    JOURNAL,
    LOCK,
    MANIFEST,
    RECORDS,
    REJECTED,
    Commit,
    dumps,
    last_commit,
)


class RunStore:
    """Owns one run directory for the length of a run (holding its lock)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.warnings: list[str] = []
        self.last_commit = Commit(request_index=-1, accepted=0, sizes=dict.fromkeys(APPENDED, 0))
        self._lock: FileLock | None = None
        self._files: dict[str, Any] = {}
        self._journal: Any = None

    # -- opening -------------------------------------------------------------------------
    def open(self) -> RunStore:
        """Create or reopen the directory, take the lock, repair anything a crash left."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunDirError(f"{self.path}: cannot create run directory: {exc.strerror}") from None
        if not os.access(self.path, os.W_OK):
            raise RunDirError(f"{self.path}: run directory is not writable")
        self._lock = FileLock(str(self.path / LOCK))
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise RunDirError(
                f"{self.path}: another selfinstruct process is writing this run directory"
            ) from None
        except OSError as exc:
            raise RunDirError(f"{self.path}: cannot take the lock: {exc.strerror}") from None
        try:
            self._repair()
            self._files = {name: open(self.path / name, "ab") for name in APPENDED}  # noqa: SIM115
            self._journal = open(self.path / JOURNAL, "ab")  # noqa: SIM115
        except OSError as exc:
            self.close()
            raise RunDirError(f"{self.path}: {exc.strerror}") from None
        return self

    def __enter__(self) -> RunStore:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for handle in [*self._files.values(), self._journal]:
            if handle is not None:
                handle.close()
        self._files = {}
        self._journal = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _read_journal(self) -> Commit | None:
        path = self.path / JOURNAL
        if not path.exists():
            return None
        raw = path.read_bytes()
        last, good_end = last_commit(raw)
        if good_end < len(raw):
            self.warnings.append(f"{JOURNAL}: dropped an unfinished last line left by a crash")
            with open(path, "r+b") as handle:
                handle.truncate(good_end)
        return last

    def _repair(self) -> None:
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
        self.last_commit = commit

    # -- reading -------------------------------------------------------------------------
    def accepted_records(self) -> list[AcceptedRecord]:
        """Every committed record, with provenance, in acceptance order."""
        path = self.path / RECORDS
        if not path.exists():
            return []
        with open(path, encoding="utf-8") as handle:
            return [AcceptedRecord.model_validate_json(line) for line in handle if line.strip()]

    def rejections(self, reasons: frozenset[str] | set[str]) -> list[Rejection]:
        """Committed rejections with one of `reasons`, in order."""
        path = self.path / REJECTED
        if not path.exists():
            return []
        found = []
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip() and any(f'"reason": "{r}"' in line for r in reasons):
                    item = Rejection.model_validate_json(line)
                    if item.reason in reasons:
                        found.append(item)
        return found

    def read_manifest(self) -> dict[str, Any] | None:
        path = self.path / MANIFEST
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.warnings.append(f"{MANIFEST}: unreadable, it will be rewritten")
            return None

    # -- writing -------------------------------------------------------------------------
    def commit(
        self,
        request_index: int,
        accepted: Iterable[AcceptedRecord],
        rejected: Iterable[BaseModel | Rejection],
        totals: dict[str, Any] | None = None,
    ) -> None:
        """Append one processed request's outcome, then commit it in the journal."""
        accepted = list(accepted)
        lines = {
            DATA: [
                dumps({"instruction": r.instruction, "input": r.input, "output": r.output})
                for r in accepted
            ],
            RECORDS: [dumps(r.model_dump()) for r in accepted],
            REJECTED: [dumps(r.model_dump(exclude_none=True)) for r in rejected],
        }
        sizes = dict(self.last_commit.sizes)
        try:
            for name in APPENDED:
                handle = self._files[name]
                if lines[name]:
                    handle.write(("\n".join(lines[name]) + "\n").encode("utf-8"))
                    handle.flush()
                sizes[name] = handle.tell()
            for name in APPENDED:
                os.fsync(self._files[name].fileno())
            commit = Commit(
                request_index, self.last_commit.accepted + len(accepted), sizes, totals or {}
            )
            entry = {
                "request_index": commit.request_index,
                "accepted": commit.accepted,
                "sizes": sizes,
                "totals": commit.totals,
            }
            self._journal.write((dumps(entry) + "\n").encode("utf-8"))
            self._journal.flush()
            os.fsync(self._journal.fileno())
        except OSError as exc:
            self._roll_back()
            hint = " (disk full)" if exc.errno == errno.ENOSPC else ""
            raise RunDirError(
                f"{self.path}: writing failed{hint}: {exc.strerror}; every record committed "
                "before is intact, free space and rerun the same command to resume"
            ) from None
        self.last_commit = commit

    def _roll_back(self) -> None:
        """Cut the files back to the last commit after a failed write (best effort)."""
        for name in APPENDED:
            try:
                handle = self._files[name]
                handle.truncate(self.last_commit.sizes.get(name, 0))
                handle.seek(0, os.SEEK_END)
            except OSError:
                pass  # the next start repairs from the journal anyway

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace `run.json` atomically: readers see the old or the new one, never half."""
        write_atomic(self.path / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))


def write_atomic(path: Path, text: str) -> None:
    """Write a whole file through a temporary sibling and a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        hint = " (disk full)" if exc.errno == errno.ENOSPC else ""
        raise RunDirError(f"{path}: cannot write{hint}: {exc.strerror}") from None
