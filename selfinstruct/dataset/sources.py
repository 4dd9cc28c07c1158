"""What `export` and `report` read: a run directory or any Alpaca JSON/JSONL file.

Both commands work on either, so one loader turns both into a `Source`: the records, and
whatever provenance exists (manifest, per-record metadata, rejections). A run that is still
being written is read up to its last commit in `progress.jsonl`, so a reader never sees a
half-written batch; the manifest is read tolerantly (a missing key is "unknown").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from selfinstruct.datafile import iter_json_objects
from selfinstruct.errors import RunDirError
from selfinstruct.schemas import Record, is_no_input
from selfinstruct.store.layout import DATA, RECORDS, REJECTED
from selfinstruct.store.reader import committed_rows, read_manifest

UNKNOWN = "unknown"
DEFAULT_THRESHOLD = 0.7
DEFAULT_TOKENIZER = "default"


@dataclass
class Source:
    """Records plus what is known of how they were made."""

    path: Path
    kind: Literal["run", "file"]
    name: str
    records: list[Record]
    provenance: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[dict[str, Any]] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def meta(self, dotted: str, default: Any = UNKNOWN) -> Any:
        """`run.json` value at a dotted path (`"config.model"`), or `default` when absent."""
        node: Any = self.manifest
        for part in dotted.split("."):
            if not isinstance(node, dict) or node.get(part) is None:
                return default
            node = node[part]
        return node

    @property
    def threshold(self) -> float:
        value = self.meta("config.rouge_threshold", DEFAULT_THRESHOLD)
        return float(value) if isinstance(value, (int, float)) else DEFAULT_THRESHOLD

    @property
    def tokenizer(self) -> str:
        value = self.meta("config.tokenizer", DEFAULT_TOKENIZER)
        return value if isinstance(value, str) else DEFAULT_TOKENIZER

    def rejection_counts(self) -> dict[str, int]:
        """Rejections by reason: the manifest's counters, else a tally of `rejected.jsonl`."""
        counted = self.meta("counts.rejected", None)
        if isinstance(counted, dict) and counted:
            return {str(k): int(v) for k, v in counted.items() if isinstance(v, (int, float))}
        tally: dict[str, int] = {}
        for row in self.rejections:
            reason = str(row.get("reason") or UNKNOWN)
            tally[reason] = tally.get(reason, 0) + 1
        return tally

    def seed_paths(self) -> list[Path]:
        """The run's seed files, found as recorded, or relative to the run's folders."""
        found: list[Path] = []
        for item in self.meta("config.seeds", []) or []:
            candidates = [Path(item)] + [base / item for base in self.path.resolve().parents]
            for candidate in candidates:
                if candidate.exists():
                    found.append(candidate)
                    break
        return found


def to_record(obj: dict[str, Any]) -> Record:
    """The Alpaca fields of `obj` as a `Record`; a missing input or a "<noinput>" marker is ""."""
    text = obj.get("input")
    if text is None or (isinstance(text, str) and is_no_input(text)):
        text = ""
    return Record.model_validate(
        {"instruction": obj.get("instruction"), "input": text, "output": obj.get("output")}
    )


def _records(
    path: Path, rows: list[tuple[int, dict[str, Any]]], skipped: list[str]
) -> list[Record]:
    records: list[Record] = []
    for line, obj in rows:
        try:
            records.append(to_record(obj))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"]) or "record"
            skipped.append(f"{path}:{line}: {where}: {error['msg']}")
    return records


def _load_run(path: Path) -> Source:
    data, records_file = path / DATA, path / RECORDS
    if not data.exists() and not records_file.exists():
        raise RunDirError(f"{path}: not a run directory (no {DATA} or {RECORDS})")
    manifest = read_manifest(path)
    provenance = [row for _, row in committed_rows(path, RECORDS)]
    skipped: list[str] = []
    if data.exists():
        records = _records(data, committed_rows(path, DATA), skipped)
    else:
        records = _records(records_file, list(enumerate(provenance, start=1)), skipped)
    return Source(
        path=path,
        kind="run",
        name=path.resolve().name,
        records=records,
        provenance=provenance,
        rejections=[row for _, row in committed_rows(path, REJECTED)],
        manifest=manifest,
        skipped=skipped,
    )


def load_source(path: str | Path) -> Source:
    """A run directory or an Alpaca JSON/JSONL file. Invalid records are skipped and listed
    in `Source.skipped` as `file:line: why` (public Alpaca releases hold a few empty outputs)."""
    path = Path(path)
    if path.is_dir():
        return _load_run(path)
    skipped: list[str] = []
    records = _records(path, list(iter_json_objects(path)), skipped)
    return Source(path=path, kind="file", name=path.stem, records=records, skipped=skipped)
