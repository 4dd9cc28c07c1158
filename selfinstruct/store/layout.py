"""What a run directory holds: its file names and the journal's line format.

The writer (`writer.RunStore`) and every reader (`reader`) name files through this module only,
so a newcomer finds the whole on-disk contract in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selfinstruct.errors import RunDirError
from selfinstruct.jsontext import dumps_function

#: accepted records, Alpaca-style: exactly instruction, input, output
DATA = "data.jsonl"
#: the same records with their provenance (`AcceptedRecord`)
RECORDS = "records.jsonl"
#: every dropped candidate with its reason (`Rejection`)
REJECTED = "rejected.jsonl"
#: the commit journal: one line per committed unit, holding each appended file's length
JOURNAL = "progress.jsonl"
#: the manifest: config, teacher, seed hashes, counts, usage
MANIFEST = "run.json"
#: teacher answers by request hash (`teachers.cache`)
CACHE = "cache.sqlite"
#: Batch API submissions and their batch ids (`teachers.batch`)
BATCH_JOURNAL = "batches.jsonl"
LOCK = ".lock"
#: the files a unit appends to, then commits
APPENDED = (DATA, RECORDS, REJECTED)


#: One JSON line, UTF-8 as is (never \u-escaped), so non-English data stays readable; the
#: text of `json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))`, by one C encoder
#: built at import (half of a line's cost; a unit writes ~30 lines).
dumps = dumps_function(separators=(", ", ": "))


@dataclass
class Commit:
    """One line of the journal: the last processed request and the files' committed sizes."""

    request_index: int
    accepted: int
    sizes: dict[str, int] = field(default_factory=dict)
    totals: dict[str, Any] = field(default_factory=dict)


def last_commit(raw: bytes, damaged: Path | None = None) -> tuple[Commit | None, int]:
    """The journal's last complete commit and the byte offset where it ends. Reading stops
    at an unfinished last line (a commit being written, or torn by a crash). A finished line
    that is not a commit cannot come from a crash: with `damaged` (the journal's path, as the
    writer passes it before resuming) it is reported as `path:line`; a reader stops there."""
    last: Commit | None = None
    end = 0
    for number, line in enumerate(raw.split(b"\n")[:-1], start=1):  # lines end at "\n" only
        commit = parse_commit(line)
        if commit is None:
            if damaged is None:
                break
            raise RunDirError(
                f"{damaged}:{number}: not a commit line (edited outside selfinstruct?); "
                "restore the file, or start a new run with another --out"
            )
        last = commit
        end += len(line) + 1
    return last, end


def parse_commit(line: bytes) -> Commit | None:
    """One journal line as a `Commit`, or None when it is not one."""
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    index, accepted = data.get("request_index"), data.get("accepted")
    sizes, totals = data.get("sizes"), data.get("totals", {})
    if not (isinstance(index, int) and isinstance(accepted, int) and isinstance(sizes, dict)):
        return None
    if isinstance(index, bool) or isinstance(accepted, bool):
        return None
    if not all(_is_int(v) and v >= 0 for v in sizes.values()) or not isinstance(totals, dict):
        return None
    return Commit(index, accepted, {str(k): v for k, v in sizes.items()}, totals)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
