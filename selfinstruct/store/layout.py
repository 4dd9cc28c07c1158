"""What a run directory holds: its file names and the journal's line format.

The writer (`writer.RunStore`) and every reader (`reader`) name files through this module only,
so a newcomer finds the whole on-disk contract in one place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

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


def dumps(obj: Any) -> str:
    """One JSON line, UTF-8 as is (never \\u-escaped), so non-English data stays readable."""
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


@dataclass
class Commit:
    """One line of the journal: the last processed request and the files' committed sizes."""

    request_index: int
    accepted: int
    sizes: dict[str, int] = field(default_factory=dict)
    totals: dict[str, Any] = field(default_factory=dict)


def last_commit(raw: bytes) -> tuple[Commit | None, int]:
    """The journal's last complete commit and the byte offset where it ends. Reading stops
    at the first line that is unfinished (a commit being written, or torn by a crash) or
    not a commit."""
    last: Commit | None = None
    end = 0
    for line in raw.split(b"\n")[:-1]:  # JSONL lines end at "\n" only; the rest is unfinished
        try:
            data = json.loads(line)
            sizes = {str(k): int(v) for k, v in data["sizes"].items()}
            last = Commit(data["request_index"], data["accepted"], sizes, data.get("totals", {}))
        except (ValueError, KeyError, TypeError, AttributeError):
            break
        end += len(line) + 1
    return last, end
