"""`selfinstruct clean` on real files, through the CLI in a subprocess and through the API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from selfinstruct import clean_file

RECORDS = [
    {"instruction": "Name three primary colours.", "input": "<noinput>", "output": "Red, yellow, blue."},
    {"instruction": "Design a logo for a bakery.", "input": "", "output": "<nooutput>"},
    {"instruction": "Name three primary colours.", "input": "", "output": "Red, blue, yellow."},
    {"instruction": "Name three of the primary colours.", "input": "", "output": "Red, blue and yellow."},
    {"instruction": "Summarize this article.", "input": "https://www.bbc.com/news/world-51461830", "output": "It says..."},
    {"instruction": "Translate 'good morning' into French.", "input": "No input required.", "output": "Bonjour.", "extra": 1},
]  # fmt: skip


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "selfinstruct"), *args]  # the installed command
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_clean_cli_keeps_drops_and_explains(tmp_path: Path):
    source = tmp_path / "alpaca.json"
    source.write_text(json.dumps(RECORDS, indent=4))  # a JSON array, as the Stanford 52K
    result = run_cli("clean", str(source), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    kept = read_jsonl(tmp_path / "out" / "data.jsonl")
    assert [r["instruction"] for r in kept] == [
        RECORDS[0]["instruction"],
        RECORDS[5]["instruction"],
    ]
    assert all(set(r) == {"instruction", "input", "output"} and r["input"] == "" for r in kept)
    rejected = {
        row["reason"].partition(":")[0]: row
        for row in read_jsonl(tmp_path / "out" / "rejected.jsonl")
    }
    assert set(rejected) == {
        "empty_output",
        "exact_duplicate",
        "rouge_duplicate",
        "unreadable_input",
    }
    first_line = rejected["exact_duplicate"]["neighbour_line"]
    assert rejected["rouge_duplicate"]["neighbour_line"] == first_line
    assert (
        rejected["exact_duplicate"]["line"] > first_line
        and rejected["exact_duplicate"]["record"] == RECORDS[2]
    )
    assert "6 read, 2 kept, 4 dropped, 2 no-input markers" in result.stdout
    assert "empty_output: 1" in result.stdout
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_clean_cli_malformed_input_is_one_line_and_writes_nothing(tmp_path: Path):
    source = tmp_path / "bad.jsonl"
    source.write_text(json.dumps(RECORDS[0]) + "\n{not json\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "data.jsonl").write_text("earlier\n")
    result = run_cli("clean", str(source), "--out", str(out))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and f"{source}:2" in result.stderr
    assert "Traceback" not in result.stderr
    assert (out / "data.jsonl").read_text() == "earlier\n" and not (out / "rejected.jsonl").exists()


def test_clean_file_api_on_jsonl_without_dedup(tmp_path: Path):
    source = tmp_path / "data.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in RECORDS))
    stats = clean_file(source, tmp_path / "out", dedup=False)
    assert (stats.read, stats.kept, stats.markers) == (6, 4, 2)
    assert stats.rejected == {"empty_output": 1, "unreadable_input:link": 1}
