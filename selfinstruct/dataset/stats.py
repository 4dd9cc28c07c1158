"""Numbers about a data set, shared by the dataset card and the report.

Lengths are counted in words (whitespace-separated), as the Self-Instruct paper's figures do,
so they mean the same whatever model is trained later.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from selfinstruct.schemas import Record

FIELDS = ("instruction", "input", "output")
K = TypeVar("K", str, tuple[str, str])


def words(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True)
class LengthStats:
    """Word-count summary of one field (inputs: only the non-empty ones)."""

    field: str
    count: int
    mean: float
    median: float
    p95: float
    max: int

    @classmethod
    def of(cls, name: str, lengths: Sequence[int]) -> LengthStats:
        if not lengths:
            return cls(name, 0, 0.0, 0.0, 0.0, 0)
        ordered = sorted(lengths)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return cls(
            name,
            len(ordered),
            statistics.fmean(ordered),
            float(statistics.median(ordered)),
            float(p95),
            ordered[-1],
        )


def field_lengths(records: Iterable[Record]) -> dict[str, list[int]]:
    """Word counts per field; empty inputs are left out (they are "no input", not length 0)."""
    out: dict[str, list[int]] = {name: [] for name in FIELDS}
    for record in records:
        out["instruction"].append(words(record.instruction))
        if record.input:
            out["input"].append(words(record.input))
        out["output"].append(words(record.output))
    return out


def length_stats(records: Iterable[Record]) -> list[LengthStats]:
    return [LengthStats.of(name, values) for name, values in field_lengths(records).items()]


def input_share(records: Sequence[Record]) -> float:
    """Fraction of records that carry an input."""
    return sum(1 for r in records if r.input) / len(records) if records else 0.0


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 timestamp as aware UTC, or None for anything else."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


#: Timeline bucket widths, smallest first: the widest that still gives 8 buckets is used.
BUCKETS = (
    timedelta(seconds=1),
    timedelta(seconds=5),
    timedelta(seconds=10),
    timedelta(seconds=30),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(days=1),
)


@dataclass(frozen=True)
class Timeline:
    """Accepted records per bucket, expressed per hour so buckets of any width compare."""

    start: datetime
    width: timedelta
    accepted: list[int]
    rejected: list[int] | None  # only when rejections carry timestamps

    def per_hour(self, counts: Sequence[int]) -> list[float]:
        scale = timedelta(hours=1) / self.width
        return [c * scale for c in counts]


def _bucketize(times: list[datetime], start: datetime, width: timedelta, n: int) -> list[int]:
    counts = [0] * n
    for moment in times:
        counts[min(n - 1, int((moment - start) / width))] += 1
    return counts


def timeline(
    provenance: Sequence[dict[str, Any]], rejections: Sequence[dict[str, Any]]
) -> Timeline | None:
    """Acceptance over time from `records.jsonl` `created_at`; None when there are no times."""
    accepted = [t for t in (parse_time(r.get("created_at")) for r in provenance) if t]
    if not accepted:
        return None
    rejected = [t for t in (parse_time(r.get("created_at")) for r in rejections) if t]
    start = min(accepted + rejected)
    span = max(accepted + rejected) - start
    width = next((w for w in reversed(BUCKETS) if span / w >= 8), BUCKETS[0])
    n = int(span / width) + 1
    return Timeline(
        start=start,
        width=width,
        accepted=_bucketize(accepted, start, width, n),
        rejected=_bucketize(rejected, start, width, n) if rejected else None,
    )


def recorded_seed_scores(provenance: Sequence[dict[str, Any]], n: int) -> list[float] | None:
    """The run's own nearest-seed ROUGE-L per record (`records.jsonl`), if every one has it."""
    values = [row.get("nearest_seed_rouge_l") for row in provenance]
    if n == 0 or len(values) != n or not all(isinstance(v, (int, float)) for v in values):
        return None
    return [float(v) for v in values]  # type: ignore[arg-type]


def seed_scores(
    instructions: Sequence[str], seed_instructions: Sequence[str], tokenizer: str = "default"
) -> list[float]:
    """ROUGE-L of each instruction to its most similar seed instruction (0 when none overlaps)."""
    from selfinstruct.quality.rouge import RougeIndex

    index = RougeIndex(tokenizer=tokenizer)  # type: ignore[arg-type]
    for number, text in enumerate(seed_instructions):
        index.add(text, str(number))
    matches = (index.nearest(text) for text in instructions)
    return [float(m.score) if m is not None else 0.0 for m in matches]


def top_counts(counter: Counter[K], n: int) -> list[tuple[K, int]]:
    """Most common first, ties broken alphabetically so output is stable."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def judge_distribution(provenance: Sequence[dict[str, Any]]) -> dict[str, Counter[int]] | None:
    """Per judge question, how many records got each score (`--judge`; records.jsonl), plus
    the unjudged ones under score 0; None when no record was judged."""
    out: dict[str, Counter[int]] = {}
    unjudged = 0
    seen = False
    for row in provenance:
        if "judge" not in row:
            continue
        seen = True
        verdict = row["judge"]
        scores = verdict.get("scores") if isinstance(verdict, dict) else None
        if not isinstance(scores, dict):
            unjudged += 1
            continue
        for question, score in scores.items():
            if isinstance(score, int):
                out.setdefault(str(question), Counter())[score] += 1
    if not seen or not out:
        return None
    for counts in out.values():
        counts[0] += unjudged
    return out
