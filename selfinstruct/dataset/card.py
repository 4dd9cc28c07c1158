"""The dataset card (README.md, Hugging Face format) and LLaMA-Factory's `dataset_info.json`.

A synthetic data set is only as trustworthy as what is known of its making, so the card
says which teacher wrote it, from which seeds (by hash), with which settings, what was thrown
away and why, and that the teacher's terms may restrict training competing models on it.
The YAML header's `configs` make `datasets.load_dataset(<export dir>)` load the splits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

from selfinstruct.dataset.documents import document_rows
from selfinstruct.dataset.sources import UNKNOWN, Source
from selfinstruct.dataset.stats import input_share, length_stats
from selfinstruct.printable import printable
from selfinstruct.quality.filters import by_family

FOLD_RULE = (
    "The user turn is the instruction alone when the record has no input, else the "
    'instruction, a blank line, and the input (`instruction + "\\n\\n" + input`). '
    "The assistant turn is the output."
)

TERMS_NOTICE = (
    "The outputs in this data set were written by a third-party model (the teacher). The "
    "teacher's provider may restrict the use of its outputs, for example to develop models "
    "that compete with it (OpenAI's terms of use are one such case). Check the teacher's terms "
    "before you train on, share, or publish this data set; this card does not grant a license."
)


@dataclass(frozen=True)
class CardInfo:
    """What the export did, for the card: the format, the files per split and the split."""

    format: str
    files: dict[str, str]  # split name → path (or glob) relative to the export directory
    counts: dict[str, int]  # split name → records
    validation_fraction: float
    seed: int
    threshold: float
    tokenizer: str
    moved: int = 0
    system: str | None = None
    exported_at: str = UNKNOWN
    #: the split kept each document's records on one side (`--documents` runs)
    by_document: bool = False


def package_version() -> str:
    try:
        return metadata.version("selfinstruct")
    except metadata.PackageNotFoundError:
        return UNKNOWN


def base_url_host(url: Any) -> str:
    """Only the host (and port) of the teacher's URL: paths and credentials stay private."""
    if not isinstance(url, str) or not url:
        return UNKNOWN
    parts = urlsplit(url if "//" in url else f"//{url}")
    if not parts.hostname:
        return UNKNOWN
    return f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname


def dataset_name(source: Source) -> str:
    """A name safe for LLaMA-Factory keys and file names."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", source.name).strip("_.") or "selfinstruct"


def size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return label
    return "100K<n<1M" if n < 1_000_000 else "1M<n<10M"


def _yaml_header(source: Source, info: CardInfo) -> str:
    q = json.dumps  # a JSON string is a valid YAML scalar, quoting included
    lines = [
        "---",
        f"pretty_name: {q(source.name)}",
        "license: unknown",
        "task_categories:",
        "- text-generation",
        "tags:",
        "- synthetic",
        "- self-instruct",
        "- instruction-tuning",
        "size_categories:",
        f"- {q(size_category(sum(info.counts.values())))}",
        "configs:",
        "- config_name: default",
        "  data_files:",
    ]
    for split, path in info.files.items():
        lines += [f"  - split: {split}", f"    path: {q(path)}"]
    lines.append("---")
    return "\n".join(lines)


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(out)


def _provenance(source: Source, info: CardInfo) -> str:
    m = source.meta
    if source.kind == "file":
        return (
            f"Converted from the Alpaca-format file `{source.path.name}`; nothing is known of how "
            f"its records were made. Exported with selfinstruct {package_version()} on "
            f"{info.exported_at}."
        )
    seeds = m("seed_files", [])
    seed_rows = [
        (s.get("path", UNKNOWN), f"`{s.get('sha256', UNKNOWN)}`", s.get("tasks", UNKNOWN))
        for s in seeds
        if isinstance(s, dict)
    ] or [(", ".join(map(str, m("config.seeds", []))) or UNKNOWN, UNKNOWN, UNKNOWN)]
    config_rows = [
        ("method", m("config.method")),
        ("teacher model", m("config.model")),
        ("teacher base URL host", base_url_host(m("config.base_url", ""))),
        ("temperature / top_p", f"{m('config.temperature')} / {m('config.top_p')}"),
        ("ROUGE-L dedup threshold", m("config.rouge_threshold")),
        ("run seed", m("config.seed")),
        ("generated with", f"selfinstruct {m('package_version')}"),
        ("run created / updated", f"{m('created_at')} / {m('updated_at')}"),
        ("run status", m("status")),
        ("exported with", f"selfinstruct {package_version()} on {info.exported_at}"),
    ]
    parts = [
        f"Generated by `selfinstruct` from the run directory `{source.name}`: seed tasks were "
        "shown to a teacher model, which wrote new tasks; these were parsed, filtered, and "
        "deduplicated with ROUGE-L before being kept.",
        _table(("setting", "value"), config_rows),
        "Seed files:",
        _table(("path", "sha256", "tasks"), seed_rows),
    ]
    rows = document_rows(source)
    if rows:
        parts += [
            "Documents the tasks are grounded in, one chunk a request (named by path and content "
            "hash; their text is not part of this card):",
            _table(("document", "sha256", "chunks", "records"), rows),
        ]
    history = [h for h in m("history", []) or [] if isinstance(h, dict)]
    if len(history) > 1:  # resumed with --allow-mixed: records come from several teachers
        parts += [
            "The run was resumed with another teacher or other seeds; its records come from:",
            _table(("from request", "teacher model", "base URL host", "seed files"),
                   [_history_row(h) for h in history]),
        ]  # fmt: skip
    return "\n\n".join(parts)


def _history_row(entry: dict[str, Any]) -> tuple[Any, ...]:
    raw_teacher = entry.get("teacher")
    teacher = raw_teacher if isinstance(raw_teacher, dict) else {}
    raw_seeds = entry.get("seed_files")
    seeds = raw_seeds if isinstance(raw_seeds, list) else []
    names = ", ".join(
        f"{s.get('path', UNKNOWN)} (`{str(s.get('sha256', UNKNOWN))[:12]}`)"
        for s in seeds
        if isinstance(s, dict)
    )
    host = "local" if teacher.get("local") else base_url_host(teacher.get("base_url") or "")
    return (entry.get("from_request", UNKNOWN), teacher.get("model", UNKNOWN), host, names)


def _format_section(name: str, info: CardInfo) -> str:
    builder = "parquet" if info.format == "hf" else "json"
    files = ", ".join(f'"{split}": f"{{folder}}/{path}"' for split, path in info.files.items())
    load = "\n".join(
        [
            "```python",
            "from datasets import load_dataset",
            'folder = "path/to/this/folder"',
            f"ds = load_dataset({builder!r}, data_files={{{files}}})".replace("'", '"'),
            "```",
            "",
            "On the Hugging Face Hub, the `configs` in this card's header list the same files, "
            'so `load_dataset("<user>/<repo>")` finds the splits.',
        ]
    )
    text = {
        "alpaca-json": "Alpaca records (`instruction`, `input`, `output`) as one JSON array per "
        'split, as in the Stanford Alpaca release. `input` is `""` when the task has none.',
        "alpaca-jsonl": "Alpaca records (`instruction`, `input`, `output`), one JSON object per "
        'line. `input` is `""` when the task has none.',
        "openai-chat": 'One `{"messages": [...]}` object per line with a user and an assistant '
        "turn, as OpenAI fine-tuning and TRL's `SFTTrainer` read it. " + FOLD_RULE,
        "sharegpt": 'One `{"conversations": [...]}` object per line, turns `human` and `gpt` '
        "(`from`/`value`), as LLaMA-Factory and axolotl read it. " + FOLD_RULE,
        "hf": "Parquet files per split under `data/` (Alpaca columns `instruction`, `input`, "
        "`output`), and the same `DatasetDict` saved with `save_to_disk` under `arrow/`: "
        '`datasets.load_from_disk("<folder>/arrow")` or '
        '`datasets.load_dataset("parquet", data_dir="<folder>/data")`.',
    }[info.format]
    system = ""
    if info.system:
        system = f"\n\nSystem prompt (the first turn of every conversation): `{info.system}`"
    keys = list(llamafactory_info(name, info))
    llama = (
        "\n\n`dataset_info.json` registers the splits for LLaMA-Factory: set `dataset_dir` to "
        f"this folder, `dataset: {keys[0]}`"
        + (f" and `eval_dataset: {keys[1]}`." if len(keys) > 1 else ".")
    )
    return f"{text}{system}\n\n{load}{llama}"


def _split_section(info: CardInfo) -> str:
    rows = [(split, n) for split, n in info.counts.items()]
    text = (
        f"Validation fraction {info.validation_fraction}, seed {info.seed}. Near-duplicate "
        f"clusters (ROUGE-L F-measure above {info.threshold} with the `{info.tokenizer}` "
        "tokenizer, or identical instructions up to case and whitespace) are kept on one side, "
        "so no validation instruction has a near-duplicate in train."
    )
    if info.by_document:
        text += (
            " The records were grounded in documents, and all records of one document are on "
            "one side: validation holds only documents train never saw (instruction and input "
            "are compared, as in generation)."
        )
    if info.moved:
        text += f" {info.moved} validation record(s) were moved to train to keep a cluster whole."
    return f"{_table(('split', 'records'), rows)}\n\n{text}"


def _statistics(source: Source) -> str:
    m = source.meta
    counts = [
        ("teacher requests", m("counts.requests")),
        ("candidate tasks", m("counts.candidates")),
        ("accepted records", len(source.records)),
        ("records with an input", f"{input_share(source.records):.1%}"),
    ]
    if source.skipped:
        counts.append(("invalid records skipped", len(source.skipped)))
    lengths = [
        (
            s.field + (" (non-empty)" if s.field == "input" else ""),
            s.count,
            f"{s.mean:.1f}",
            f"{s.median:g}",
            f"{s.p95:g}",
            s.max,
        )
        for s in length_stats(source.records)
    ]
    rejected = dict(by_family(source.rejection_counts()))
    total = sum(rejected.values())
    reasons = [
        (reason, n, f"{n / total:.1%}")
        for reason, n in sorted(rejected.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    parts = [
        _table(("count", "value"), counts),
        "Lengths in words (whitespace-separated):",
        _table(("field", "records", "mean", "median", "p95", "max"), lengths),
        "### Rejections",
        _table(("reason", "candidates", "share"), reasons) if reasons else "None recorded.",
    ]
    return "\n\n".join(parts)


def render_card(source: Source, info: CardInfo) -> str:
    """The README.md text of an export; model ids, hosts and paths in it are someone
    else's text, so no control character of theirs reaches a Markdown viewer or terminal."""
    sections = [
        _yaml_header(source, info),
        f"# {source.name}",
        "Instruction-tuning data in the Alpaca style (instruction, optional input, output).",
        "## How it was made",
        _provenance(source, info),
        "## Format",
        _format_section(dataset_name(source), info),
        "## Splits",
        _split_section(info),
        "## Statistics",
        _statistics(source),
        "## Terms of use of the teacher's outputs",
        TERMS_NOTICE,
    ]
    return printable("\n\n".join(sections) + "\n")


def llamafactory_info(name: str, info: CardInfo) -> dict[str, Any]:
    """`dataset_info.json` entries, one per split (`name`, `name_validation`)."""
    if info.format == "openai-chat":
        shape: dict[str, Any] = {
            "formatting": "sharegpt",
            "columns": {"messages": "messages"},
            "tags": {
                "role_tag": "role",
                "content_tag": "content",
                "user_tag": "user",
                "assistant_tag": "assistant",
                "system_tag": "system",
            },
        }
    elif info.format == "sharegpt":
        shape = {
            "formatting": "sharegpt",
            "columns": {"messages": "conversations"},
            "tags": {
                "role_tag": "from",
                "content_tag": "value",
                "user_tag": "human",
                "assistant_tag": "gpt",
                "system_tag": "system",
            },
        }
    else:
        shape = {
            "formatting": "alpaca",
            "columns": {"prompt": "instruction", "query": "input", "response": "output"},
        }
    entries: dict[str, Any] = {}
    for split, path in info.files.items():
        key = name if split == "train" else f"{name}_{split}"
        entries[key] = {"file_name": path, **shape}
    return entries
