"""Shared helpers for the tests that run the `selfinstruct` command."""

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


def cli(*args: str, env: dict[str, str] | None = None, timeout: float | None = None,
        cwd: Path | None = None, process: bool = False) -> subprocess.CompletedProcess[str]:
    """Run `selfinstruct ARGS` and return its exit code and output.

    In this process through click's runner by default (the same command code, without the
    2-3 s a fresh interpreter spends importing openai and the rest: ~100 calls in the suite);
    `process=True`, or a `timeout`, runs a real child, for what only a process shows: a wait
    that must be bounded, signals, the entry point. An exception that escapes the command is
    written to stderr as the child's traceback would be, so "no traceback" checks hold."""
    if process or timeout is not None:
        return subprocess.run(
            [sys.executable, "-m", "selfinstruct", *args],
            capture_output=True, text=True, timeout=timeout or 120, env=env or cli_env(),
            cwd=cwd or ROOT,
        )
    return _cli_in_process(list(args), env or cli_env(), cwd or ROOT)


def _cli_in_process(args: list[str], env: dict[str, str], cwd: Path):
    import traceback

    from click.testing import CliRunner

    from selfinstruct.cli import main

    overrides: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    overrides.update({k: v for k, v in env.items() if os.environ.get(k) != v})
    before = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, args, env=overrides, prog_name="selfinstruct")
    finally:
        os.chdir(before)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback (most recent call last):\n" + "".join(
            traceback.format_exception(result.exception)
        )
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, stderr)


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
