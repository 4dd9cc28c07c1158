"""The quality gate on a dataset someone already has (`selfinstruct clean`).

Any Alpaca JSON or JSONL file (the Stanford 52K, a merged set, a run's data.jsonl) goes through
the filters a run screens its candidates with (`clean_filters`), then exact and ROUGE-L
near-duplicate removal over the instructions, greedy in input order as `dedup` does it. Inputs
that are a no-input marker ("<noinput>", "None", "No input required.") become "" and stay.

Outputs in DIR, each written to a temporary file and renamed, so a crash never leaves half a file:
- `data.jsonl`: the kept records, in input order, exactly `instruction`, `input`, `output`.
- `rejected.jsonl`: one row per dropped record: its 1-based `line` in IN, the `reason`, the
  `record` as read; duplicates also name the kept `neighbour_line` (and the ROUGE-L `score`).
- with `judge` (`--judge`, `dataset.clean_judge`): `scores.jsonl`, the judge's verdict on
  each kept record by `line` (null: unjudged); with `min_score`, a record scored below it is
  dropped as `judge:<question>` with the judge's `score` and reason (`detail`).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfinstruct.datafile import iter_json_objects
from selfinstruct.dataset.dedup import atomic_file, atomic_pair
from selfinstruct.errors import ConfigError, SeedFileError
from selfinstruct.quality.chain import default_filters, first_reason
from selfinstruct.quality.defects import TemplatedOutput
from selfinstruct.quality.filters import Blacklist, Filter, InstructionLength
from selfinstruct.quality.rouge import TOKENIZERS, RougeIndex, TokenizerName
from selfinstruct.schemas import (
    CONTROL_CHARS,
    Candidate,
    JudgeScores,
    normalise_input,
    same_text_key,
)

if TYPE_CHECKING:
    from selfinstruct.dataset.clean_judge import JudgeOptions

__all__ = ["CleanStats", "clean_file", "clean_filters", "read_alpaca"]

#: Records decided per ROUGE-L kernel call (as `dedup`).
BATCH = 4096


@dataclass
class CleanStats:
    """What a clean run did: records read and kept, drops by reason, markers normalised."""

    read: int = 0
    kept: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    markers: int = 0
    seconds: float = 0.0
    #: --judge: requests, prompt/completion tokens, records judged and unjudged
    judge: Counter[str] = field(default_factory=Counter)


#: Instructions this short are still real questions in curated data ("What is Bollywood?").
CLEAN_MIN_WORDS = 3


def clean_filters() -> list[Filter]:
    """The gate `clean` applies: the generation chain, with two generation heuristics relaxed,
    plus the dataset-wide templated-output check (fresh state per call: it remembers the
    answers of one pass).

    A generated candidate is cheap to lose and a record of an existing dataset is not, so the
    word list (`Blacklist`: "go to", "video", "music", "file" anywhere in the instruction) is
    left to the precise `NonTextTask` and `UnreadableInput`; on human-written data it dropped
    2.2% of the records (GSM8K: "go to the store", "video games"). Three-word questions stay.
    """
    chain: list[Filter] = []
    for rule in default_filters():
        if isinstance(rule, Blacklist):
            continue
        chain.append(
            InstructionLength(min_words=CLEAN_MIN_WORDS)
            if isinstance(rule, InstructionLength)
            else rule
        )
    return [*chain, TemplatedOutput()]


def _text(path: Path, line: int, record: dict[str, Any], key: str, required: bool) -> str:
    value = record.get(key)
    if value is None:
        if required:
            raise SeedFileError(path, line, f'record has no "{key}" field')
        return ""
    if not isinstance(value, str):
        raise SeedFileError(path, line, f'"{key}" is {type(value).__name__}, not a string')
    return CONTROL_CHARS.sub("", value).strip()


def read_alpaca(path: str | Path) -> Iterator[tuple[int, dict[str, Any], Candidate]]:
    """(line, record as read, candidate with cleaned text) per record of an Alpaca file; the
    candidate's input is normalised (a marker is ""). A record without a string instruction or
    output is an error naming file:line, as is any malformed line."""
    path = Path(path)
    for line, record in iter_json_objects(path):
        instruction = _text(path, line, record, "instruction", required=True)
        output = _text(path, line, record, "output", required=True)
        given = _text(path, line, record, "input", required=False)
        candidate = Candidate(instruction=instruction, input=normalise_input(given), output=output)
        yield line, record, candidate


def _dedup(
    kept: list[tuple[int, Candidate]], threshold: float, tokenizer: TokenizerName
) -> dict[int, dict[str, Any]]:
    """Line → rejection detail of the records that duplicate an earlier kept one, exactly or
    by ROUGE-L F of the instructions above `threshold`."""
    dropped: dict[int, dict[str, Any]] = {}
    first_line: dict[str, int] = {}
    unique: list[tuple[int, Candidate]] = []
    for line, candidate in kept:
        key = same_text_key(candidate.instruction)
        if key in first_line:
            dropped[line] = {"reason": "exact_duplicate", "neighbour_line": first_line[key]}
            continue
        first_line[key] = line
        unique.append((line, candidate))
    index = RougeIndex(threshold, tokenizer)
    texts = [candidate.instruction for _, candidate in unique]
    keys = [str(line) for line, _ in unique]
    encoded = index.encode(texts, allocate=True)
    index.prime(encoded)
    for start in range(0, len(unique), BATCH):
        stop = min(start + BATCH, len(unique))
        found = index.accept_encoded(
            encoded.slice(start, stop), keys[start:stop], texts[start:stop]
        )
        for (line, _), match in zip(unique[start:stop], found, strict=True):
            if match is not None:
                dropped[line] = {"reason": "rouge_duplicate", "neighbour_line": int(match.key),
                                 "score": round(match.score, 4)}  # fmt: skip
    return dropped


def clean_file(
    source: str | Path,
    out_dir: str | Path,
    *,
    rouge_threshold: float = 0.7,
    tokenizer: TokenizerName = "default",
    dedup: bool = True,
    filters: Sequence[Filter] | None = None,
    judge: JudgeOptions | None = None,
) -> CleanStats:
    """Screen every record of `source` and write `data.jsonl` and `rejected.jsonl` to
    `out_dir`. `filters` default to `clean_filters()`; `dedup=False` skips duplicate removal.
    Raises `SeedFileError` (file:line) before writing anything when `source` is malformed."""
    started = time.perf_counter()
    if not 0.0 <= rouge_threshold <= 1.0:
        raise ConfigError(f"--rouge-threshold must be between 0 and 1, got {rouge_threshold}")
    if tokenizer not in TOKENIZERS:
        raise ConfigError(f"--tokenizer must be one of {', '.join(TOKENIZERS)}, got {tokenizer}")
    chain = list(filters) if filters is not None else clean_filters()
    stats = CleanStats()
    rows: list[tuple[int, dict[str, Any], Candidate]] = []
    decisions: dict[int, dict[str, Any]] = {}
    passed: list[tuple[int, Candidate]] = []
    for line, record, candidate in read_alpaca(source):
        stats.read += 1
        raw_input = record.get("input")
        if isinstance(raw_input, str) and raw_input.strip() and not candidate.input:
            stats.markers += 1
        rows.append((line, record, candidate))
        reason = first_reason(chain, candidate)
        if reason is None:
            passed.append((line, candidate))
        else:
            decisions[line] = {"reason": reason}
    if dedup and passed:
        decisions.update(_dedup(passed, rouge_threshold, tokenizer))

    out = Path(out_dir)
    scores: dict[int, JudgeScores | None] = {}
    if judge is not None:
        scores = _judge(passed, decisions, judge, out, stats)
    with atomic_pair(out / "data.jsonl", out / "rejected.jsonl") as (kept_handle, rejected_handle):
        for line, record, candidate in rows:
            decision = decisions.get(line)
            if decision is None:
                kept = {"instruction": candidate.instruction, "input": candidate.input,
                        "output": candidate.output}  # fmt: skip
                kept_handle.write(json.dumps(kept, ensure_ascii=False) + "\n")
                stats.kept += 1
                continue
            stats.rejected[decision["reason"]] += 1
            row = {"line": line, **decision, "record": record}
            rejected_handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    if judge is not None:
        with atomic_file(out / "scores.jsonl") as scores_handle:
            for line, grade in scores.items():
                if line not in decisions:
                    row = {"line": line, "judge": grade.model_dump() if grade else None}
                    scores_handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    stats.seconds = time.perf_counter() - started
    return stats


def _judge(
    passed: list[tuple[int, Candidate]],
    decisions: dict[int, dict[str, Any]],
    options: JudgeOptions,
    out: Path,
    stats: CleanStats,
) -> dict[int, JudgeScores | None]:
    """Grade the records the filters and dedup kept; below `min_score` is a decision."""
    from selfinstruct.dataset.clean_judge import judge_records
    from selfinstruct.quality.judge import lowest

    kept = [(line, candidate) for line, candidate in passed if line not in decisions]
    grades, usage = judge_records([c for _, c in kept], options, out)
    stats.judge.update(usage)
    scores: dict[int, JudgeScores | None] = {}
    for (line, _), grade in zip(kept, grades, strict=True):
        scores[line] = grade
        stats.judge["judged" if grade is not None else "unjudged"] += 1
        low = lowest(grade, options.min_score) if grade and options.min_score else None
        if low is not None and grade is not None:
            name, score = low
            decisions[line] = {"reason": f"judge:{name}", "score": score,
                               "detail": grade.reasons.get(name, "")}  # fmt: skip
    return scores
