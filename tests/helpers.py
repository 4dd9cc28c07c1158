"""Shared helpers for the tests that run `selfinstruct` as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seed_tasks" / "seed_tasks.jsonl"


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a child `selfinstruct`: no key or base URL leaking in from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env.update(extra)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "selfinstruct", *args],
        capture_output=True, text=True, timeout=timeout, env=env or cli_env(), cwd=cwd or ROOT,
    )


def start_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "selfinstruct", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or cli_env(), cwd=ROOT,
    )


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def generate_args(base_url: str, out: Path, n: int, *extra: str) -> list[str]:
    return [
        "generate", "--base-url", base_url, "--model", "fake-teacher", "--out", str(out),
        "-n", str(n), "--seeds", str(SEEDS), *extra,
    ]


def assert_consistent_run(
    out: Path, expected: int | None = None, instances: bool = False
) -> list[dict[str, Any]]:
    """data.jsonl, records.jsonl and run.json agree; records validate; none repeated (with
    `instances`, as self-instruct writes them, one instruction may have several inputs)."""
    from selfinstruct.schemas import Record

    data = read_jsonl(out / "data.jsonl")
    records = read_jsonl(out / "records.jsonl")
    if expected is not None:
        assert len(data) == expected
    assert len(records) == len(data)
    for row, rec in zip(data, records, strict=True):
        assert set(row) == {"instruction", "input", "output"}
        Record.model_validate(row)
        assert (rec["instruction"], rec["input"], rec["output"]) == (
            row["instruction"], row["input"], row["output"])
    fields = ("instruction", "input", "output") if instances else ("instruction",)
    keys = [tuple(" ".join(r[f].lower().split()) for f in fields) for r in data]
    assert len(set(keys)) == len(keys), "a record appears twice"
    assert len({r["id"] for r in records}) == len(records)
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["accepted"] == len(data)
    rejected = read_jsonl(out / "rejected.jsonl")
    assert sum(manifest["counts"]["rejected"].values()) == len(rejected)
    return data
