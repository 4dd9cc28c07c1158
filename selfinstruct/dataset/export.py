"""Training formats: a run directory or Alpaca file → a folder a trainer reads as is.

Every format is a folder `OUT/` holding one file per split, the dataset card `README.md`
(whose YAML makes `datasets.load_dataset(OUT)` work) and LLaMA-Factory's `dataset_info.json`.
The folder is built beside `OUT` and renamed into place, so a failed export leaves nothing
half-written, and an existing `OUT` is only replaced when asked.

Chat formats fold the input into the user turn: `instruction` alone when there is no input,
else `instruction + "\\n\\n" + input` (see `fold_prompt`; `unfold_prompt` inverts it).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from selfinstruct.dataset.card import CardInfo, dataset_name, llamafactory_info, render_card
from selfinstruct.dataset.documents import record_documents, split_texts
from selfinstruct.dataset.sources import Source, load_source
from selfinstruct.dataset.split import Similarity, rouge_similarity, split_records
from selfinstruct.errors import ConfigError, output_error
from selfinstruct.schemas import Record

FORMATS = ("alpaca-json", "alpaca-jsonl", "openai-chat", "sharegpt", "hf")
CHAT_FORMATS = ("openai-chat", "sharegpt")
SEPARATOR = "\n\n"


def fold_prompt(record: Record) -> str:
    """The user turn of a record in the chat formats."""
    return f"{record.instruction}{SEPARATOR}{record.input}" if record.input else record.instruction


def unfold_prompt(text: str) -> tuple[str, str]:
    """`(instruction, input)` back from a user turn; exact unless the instruction itself
    holds a blank line."""
    instruction, _, rest = text.partition(SEPARATOR)
    return instruction, rest


def to_openai_chat(record: Record, system: str | None = None) -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system else []
    messages += [
        {"role": "user", "content": fold_prompt(record)},
        {"role": "assistant", "content": record.output},
    ]
    return {"messages": messages}


def to_sharegpt(record: Record, system: str | None = None) -> dict[str, Any]:
    turns = [{"from": "system", "value": system}] if system else []
    turns += [
        {"from": "human", "value": fold_prompt(record)},
        {"from": "gpt", "value": record.output},
    ]
    return {"conversations": turns}


def to_alpaca(record: Record, system: str | None = None) -> dict[str, Any]:
    return {"instruction": record.instruction, "input": record.input, "output": record.output}


CONVERTERS = {
    "alpaca-json": to_alpaca,
    "alpaca-jsonl": to_alpaca,
    "openai-chat": to_openai_chat,
    "sharegpt": to_sharegpt,
}


@dataclass(frozen=True)
class ExportResult:
    """Where the export went and what it holds."""

    out: Path
    format: str
    counts: dict[str, int]
    files: dict[str, str]
    moved: int = 0
    skipped: list[str] = field(default_factory=list)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _write_split(
    folder: Path,
    fmt: str,
    split: str,
    rows: Sequence[Record],
    system: str | None,
    scores: Sequence[Any] | None = None,
) -> str:
    """Write one split of a text format; returns its path relative to `folder`. `scores`:
    the judge's verdict of each row (`--with-scores`), added as its `judge` key."""
    convert = CONVERTERS[fmt]
    items = [convert(r, system) for r in rows]
    if scores is not None:
        items = [{**item, "judge": score} for item, score in zip(items, scores, strict=True)]
    if fmt == "alpaca-json":
        name = f"{split}.json"
        text = json.dumps(items, ensure_ascii=False, indent=4) + "\n"
    else:
        name = f"{split}.jsonl"
        text = "".join(_dumps(item) + "\n" for item in items)
    (folder / name).write_text(text, encoding="utf-8")
    return name


def _write_hf(folder: Path, splits: dict[str, list[Record]]) -> dict[str, str]:
    """A `DatasetDict` via `save_to_disk` under `arrow/`, and one Parquet file per split."""
    try:
        import datasets
        from datasets import Dataset, DatasetDict, Features, Value
    except ImportError:
        raise ConfigError("the hf format needs datasets: pip install datasets") from None
    features = Features({name: Value("string") for name in ("instruction", "input", "output")})
    dd = DatasetDict(
        {
            split: Dataset.from_list([to_alpaca(r) for r in rows], features=features)
            for split, rows in splits.items()
        }
    )
    was_enabled = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # the CLI prints its own summary
    try:
        dd.save_to_disk(str(folder / "arrow"))
        (folder / "data").mkdir()
        files = {}
        for split, ds in dd.items():
            files[split] = f"data/{split}-00000-of-00001.parquet"
            ds.to_parquet(str(folder / files[split]))
    finally:
        if was_enabled:
            datasets.enable_progress_bars()
    return files


def _scores(src: Source, format: str) -> list[Any]:
    """The judge's verdict of each record (None: unjudged), from the run's records.jsonl."""
    if format == "hf":
        raise ConfigError("--with-scores: the hf format holds the three Alpaca fields only")
    provenance = src.provenance
    if src.kind != "run" or len(provenance) != len(src.records):
        raise ConfigError(f"--with-scores: {src.path} is not a run directory with records.jsonl")
    if src.meta("config.judge", False) is not True:
        raise ConfigError(f"--with-scores: {src.path} was not judged (generate --judge)")
    return [row.get("judge") for row in provenance]


def _check_out(out: Path, source: Path, overwrite: bool) -> None:
    real_out, real_source = out.resolve(), source.resolve()
    if real_out == real_source or real_out in real_source.parents:
        raise ConfigError(f"{out}: the output folder would hold the source {source}; pick another")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: exists and is not a folder (the export is a folder)")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ConfigError(f"{out}: exists and is not empty; use --overwrite to replace it")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(out: Path) -> None:
    """Delete the `.OUT.tmp-PID` / `.OUT.old-PID` folders of exports that were killed (their
    process is gone); a live export's folder is left alone."""
    for prefix in (f".{out.name}.tmp-", f".{out.name}.old-"):
        for path in out.parent.glob(f"{prefix}*"):
            pid = path.name.removeprefix(prefix)
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Replace `out` by `tmp` with renames, so `out` is never a half-written export."""
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def export(
    source: str | Path | Source,
    format: str,
    out: str | Path,
    *,
    validation_fraction: float = 0.05,
    seed: int = 0,
    system: str | None = None,
    rouge_threshold: float | None = None,
    tokenizer: str | None = None,
    overwrite: bool = False,
    similarity: Similarity | None = None,
    with_scores: bool = False,
) -> ExportResult:
    """Export a run directory or Alpaca file to `out` (a folder) in `format`, split into
    train and validation with no near-duplicate across (threshold and tokenizer default to
    the run's). Invalid records of an Alpaca file are skipped and listed in the result."""
    if format not in FORMATS:
        raise ConfigError(f"unknown format {format!r}; choose from {', '.join(FORMATS)}")
    if system and format not in CHAT_FORMATS:
        raise ConfigError(f"--system applies to the chat formats ({', '.join(CHAT_FORMATS)})")
    if not 0 <= validation_fraction < 1:
        raise ConfigError(f"validation fraction must be in [0, 1), got {validation_fraction}")
    src = source if isinstance(source, Source) else load_source(source)
    out = Path(out)
    _check_out(out, src.path, overwrite)
    if not src.records:
        raise ConfigError(f"{src.path}: no valid records to export")
    scores = _scores(src, format) if with_scores else None

    threshold = src.threshold if rouge_threshold is None else rouge_threshold
    tokenizer = tokenizer or src.tokenizer
    documents = record_documents(src)
    split = split_records(
        split_texts(src.records, documents),
        validation_fraction=validation_fraction,
        seed=seed,
        similarity=similarity or rouge_similarity(threshold, tokenizer),
        groups=documents,
    )
    splits = {"train": [src.records[i] for i in split.train]}
    indices = {"train": split.train}
    if split.validation:
        splits["validation"] = [src.records[i] for i in split.validation]
        indices["validation"] = split.validation

    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(out)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    except OSError as exc:
        raise output_error(out, exc) from None
    try:
        if format == "hf":
            files = _write_hf(tmp, splits)
        else:
            files = {
                s: _write_split(
                    tmp, format, s, rows, system,
                    None if scores is None else [scores[i] for i in indices[s]],
                )
                for s, rows in splits.items()
            }  # fmt: skip
        info = CardInfo(
            format=format,
            files=files,
            counts={s: len(rows) for s, rows in splits.items()},
            validation_fraction=validation_fraction,
            seed=seed,
            threshold=threshold,
            tokenizer=tokenizer,
            moved=split.moved,
            system=system,
            exported_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            by_document=documents is not None,
        )
        (tmp / "README.md").write_text(render_card(src, info), encoding="utf-8")
        entries = llamafactory_info(dataset_name(src), info)
        (tmp / "dataset_info.json").write_text(
            json.dumps(entries, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        _swap_into_place(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise output_error(out, exc) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ExportResult(
        out=out,
        format=format,
        counts=info.counts,
        files=files,
        moved=split.moved,
        skipped=list(src.skipped),
    )


#: The package-level name (`export` would be shadowed by this module's own name).
export_dataset = export
