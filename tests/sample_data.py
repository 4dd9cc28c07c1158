"""Test data for export and report: a small run directory written file by file, as
`store.py` lays it out, and the path of a public-format Alpaca sample."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
ALPACA_SAMPLE = DATA / "alpaca_sample.json"

VERBS = (
    "Write",
    "Generate",
    "Describe",
    "Explain",
    "Create",
    "List",
    "Name",
    "Summarize",
    "Suggest",
    "Classify",
    "Translate",
    "Rewrite",
    "Give me",
)
OBJECTS = (
    "a poem",
    "a short story",
    "a list of ideas",
    "three tips",
    "a recipe",
    "an email",
    "a slogan",
    "a summary",
    "five examples",
    "a definition",
    "a question",
    "a plan",
)
TOPICS = (
    "the ocean",
    "climate change",
    "a rainy day",
    "healthy breakfasts",
    "learning Spanish",
    "saving money",
    "a job interview",
    "the solar system",
    "urban gardening",
    "chess",
    "a birthday party",
    "public transport",
    "time management",
    "volcanoes",
    "jazz music",
    "recycling",
    "a first day at school",
    "bread baking",
    "mountain hiking",
    "bees",
)
SEEDS = [
    "Write a poem about the sea.",
    "Give three tips for staying healthy.",
    "Explain how a rainbow forms.",
    "Translate the sentence into German.",
    "Classify the review as positive or negative.",
]


def sample_records(n: int, seed: int = 0) -> list[dict[str, str]]:
    """`n` distinct, varied Alpaca records (distinct verb/object/topic triples)."""
    rng = random.Random(seed)
    triples = [(v, o, t) for v in VERBS for o in OBJECTS for t in TOPICS]
    rng.shuffle(triples)
    out = []
    for verb, obj, topic in triples[:n]:
        with_input = rng.random() < 0.3
        out.append(
            {
                "instruction": f"{verb} {obj} about {topic}.",
                "input": " ".join(["context"] * rng.randint(2, 30)) if with_input else "",
                "output": " ".join(["word"] * rng.randint(5, 120)) + ".",
            }
        )
    return out


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def write_run(
    path: Path,
    records: list[dict[str, str]],
    *,
    rejected: dict[str, int] | None = None,
    manifest: dict[str, Any] | None = None,
    hours: float = 3.0,
) -> Path:
    """A complete run directory holding `records`, committed in `progress.jsonl`."""
    path.mkdir(parents=True, exist_ok=True)
    rejected = (
        {"near_duplicate": 6, "too_long": 2, "blacklist:image": 1} if rejected is None else rejected
    )
    seeds = path / "seeds.jsonl"
    seeds.write_text(
        "".join(
            _dumps(
                {
                    "id": f"seed_task_{i}",
                    "instruction": text,
                    "instances": [{"input": "", "output": "An answer."}],
                    "is_classification": False,
                }
            )
            + "\n"
            for i, text in enumerate(SEEDS)
        ),
        encoding="utf-8",
    )
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    step = timedelta(hours=hours) / max(1, len(records))
    data_lines, prov_lines = [], []
    for i, r in enumerate(records):
        data_lines.append(_dumps(r))
        prov = {
            "id": f"rec_{i}",
            **r,
            "model": "teacher-model",
            "request_index": i // 5,
            "demonstration_ids": ["seed_task_0", "seed_task_1"],
            "nearest_seed": "seed_task_0",
            "nearest_seed_rouge_l": round((i * 37 % 60) / 100, 3),
            "created_at": (start + step * i).isoformat(),
        }
        prov_lines.append(_dumps(prov))
    rej_lines = []
    for reason, count in rejected.items():
        for k in range(count):
            rej_lines.append(_dumps({"reason": reason, "instruction": f"dropped {reason} {k}"}))
    files = {
        "data.jsonl": "".join(line + "\n" for line in data_lines),
        "records.jsonl": "".join(line + "\n" for line in prov_lines),
        "rejected.jsonl": "".join(line + "\n" for line in rej_lines),
    }
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    sizes = {name: len(text.encode("utf-8")) for name, text in files.items()}
    commit = {"request_index": len(records) // 5, "accepted": len(records), "sizes": sizes}
    (path / "progress.jsonl").write_text(_dumps(commit) + "\n", encoding="utf-8")
    run = {
        "package_version": "0.1.0",
        "created_at": start.isoformat(),
        "updated_at": (start + timedelta(hours=hours)).isoformat(),
        "status": "complete",
        "config": {
            "method": "alpaca",
            "model": "teacher-model",
            "base_url": "http://user:secret@127.0.0.1:8123/v1",
            "seeds": [str(seeds)],
            "seed": 42,
            "num_instructions": len(records),
            "rouge_threshold": 0.7,
            "tokenizer": "default",
            "temperature": 1.0,
            "top_p": 1.0,
        },
        "seed_files": [{"path": str(seeds), "sha256": "ab" * 32, "tasks": len(SEEDS)}],
        "counts": {
            "requests": len(records) // 5 + 1,
            "candidates": len(records) + sum(rejected.values()),
            "accepted": len(records),
            "rejected": rejected,
        },
        "usage": {"prompt_tokens": 1000, "completion_tokens": 2000, "cost_usd": 0.01},
        "wall_time_s": hours * 3600,
    }
    run.update(manifest or {})
    (path / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    return path
