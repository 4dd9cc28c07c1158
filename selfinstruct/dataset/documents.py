"""What an export knows of a `--documents` run: each record's document, and the documents.

Records name their document in `records.jsonl` (`document.sha256`); the split keeps each
document's records on one side, and the card lists the documents from `run.json` by path and
hash with the records each gave. Their text never leaves the run directory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from selfinstruct.dataset.sources import UNKNOWN, Source
from selfinstruct.schemas import Record


def record_documents(source: Source) -> list[str | None] | None:
    """Each record's document hash, in record order; None when no record has one (or the
    provenance does not line up with the records, so no grouping can be trusted)."""
    if source.kind != "run" or len(source.provenance) != len(source.records):
        return None
    found: list[str | None] = []
    for row in source.provenance:
        document = row.get("document")
        sha = document.get("sha256") if isinstance(document, dict) else None
        found.append(sha if isinstance(sha, str) else None)
    return found if any(found) else None


def split_texts(records: Sequence[Record], documents: Sequence[str | None] | None) -> list[str]:
    """What the split compares: the instruction, and for a document's record its input too
    (the same "Summarise the text below." over two passages is two tasks)."""
    if documents is None:
        return [r.instruction for r in records]
    return [
        f"{r.instruction}\n{r.input}" if doc and r.input else r.instruction
        for r, doc in zip(records, documents, strict=True)
    ]


def document_rows(source: Source) -> list[tuple[Any, ...]]:
    """(path, `sha256`, chunks, records) for each document of the run, in run.json's order."""
    files = source.meta("documents.files", [])
    if not isinstance(files, list) or not files:
        return []
    counts = Counter(
        row["document"].get("sha256")
        for row in source.provenance
        if isinstance(row.get("document"), dict)
    )
    return [
        (f.get("path", UNKNOWN), f"`{f.get('sha256', UNKNOWN)}`", f.get("chunks", UNKNOWN),
         counts.get(f.get("sha256"), 0))
        for f in files
        if isinstance(f, dict)
    ]  # fmt: skip
