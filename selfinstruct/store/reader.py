"""Reading a run directory from outside the run: export, show, report and `seeds export`.

A run may be writing while it is read, so every reader stops at the journal's last complete
commit and never sees half a unit; no lock is taken.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from selfinstruct.errors import SeedFileError
from selfinstruct.store.layout import JOURNAL, MANIFEST, last_commit


def committed_sizes(run: str | Path) -> dict[str, int] | None:
    """Byte sizes of a run's files at its last complete commit. None when the run has no
    journal (a folder of hand-made files): readers then read the files whole."""
    journal = Path(run) / JOURNAL
    if not journal.exists():
        return None
    last, _ = last_commit(journal.read_bytes())
    return None if last is None else dict(last.sizes)


def committed_bytes(run: str | Path, name: str) -> bytes:
    """`name`'s bytes up to the last commit (the whole file when there is no journal)."""
    path = Path(run) / name
    if not path.exists():
        return b""
    limit = (committed_sizes(run) or {}).get(name)
    with open(path, "rb") as handle:
        return handle.read() if limit is None else handle.read(limit)


def committed_rows(run: str | Path, name: str) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for each JSON line of `name` up to the last commit. Lines end
    at "\\n" only (U+2028 inside a string is text, not a line break). A last line with no
    newline is an append in progress and is skipped; any other line that is not a JSON
    object is damage, reported as `file:line`."""
    path = Path(run) / name
    lines = committed_bytes(run, name).split(b"\n")
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            if number == len(lines):  # no newline after it: unfinished append
                break
            raise SeedFileError(path, number, "invalid JSON (a damaged run file?)") from None
        if not isinstance(value, dict):
            raise SeedFileError(path, number, "expected a JSON object")
        rows.append((number, value))
    return rows


def read_manifest(run: str | Path) -> dict[str, Any]:
    """`run.json` as a dict; {} when it is missing or unreadable."""
    path = Path(run) / MANIFEST
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
