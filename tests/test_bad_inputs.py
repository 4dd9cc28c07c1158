"""The bad-input corpus: each case fails with one clear line naming the file and line or the
flag, exit code != 0, no traceback, and nothing already in the run directory changes."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, cli, cli_env

from selfinstruct.cli import main

CORPUS = Path(__file__).parent / "bad_inputs"
GOOD = str(CORPUS / "good_seed.jsonl")
URL = "http://127.0.0.1:9/v1"  # never contacted: every case fails before a request


def seeds(name: str) -> list[str]:
    return ["--seeds", str(CORPUS / name)]


# (case id, arguments after `generate --out RUN`, text expected in the one-line error)
CASES: list[tuple[str, list[str], str]] = [
    ("empty file", seeds("empty.jsonl"), "empty.jsonl: file is empty"),
    ("blank lines only", seeds("blank_lines.jsonl"), "blank_lines.jsonl: file is empty"),
    ("not json", seeds("not_json.jsonl"), "not_json.jsonl:1: invalid JSON"),
    ("pretty-printed object", seeds("pretty_object.jsonl"), "pretty_object.jsonl:1: invalid JSON"),
    ("array of arrays", seeds("array_of_arrays.json"), "array_of_arrays.json:1: expected a JSON object, got list"),
    ("truncated array", seeds("truncated_array.json"), "truncated_array.json:1: invalid JSON"),
    ("missing instruction", seeds("missing_instruction.jsonl"), 'missing_instruction.jsonl:2: missing field "instruction"'),
    ("instruction not a string", seeds("instruction_not_string.jsonl"), 'instruction_not_string.jsonl:1: field "instruction"'),
    ("instances empty", seeds("instances_empty.jsonl"), 'instances_empty.jsonl:1: field "instances"'),
    ("instances not a list", seeds("instances_not_list.jsonl"), 'instances_not_list.jsonl:1: field "instances"'),
    ("instance without output", seeds("instance_without_output.jsonl"), 'instance_without_output.jsonl:1: missing field "instances.0.output"'),
    ("output not a string", seeds("output_not_string.jsonl"), 'output_not_string.jsonl:1: field "instances.0.output"'),
    ("is_classification not a bool", seeds("is_classification_not_bool.jsonl"), 'is_classification_not_bool.jsonl:1: field "is_classification"'),
    ("blank instruction", seeds("blank_instruction.jsonl"), "blank_instruction.jsonl:1: field \"instruction\""),
    ("invalid utf-8", seeds("invalid_utf8.jsonl"), "invalid_utf8.jsonl:2: not valid UTF-8"),
    ("duplicate ids", seeds("duplicate_ids.jsonl"), 'duplicate_ids.jsonl:2: duplicate id "t1"'),
    ("null line", seeds("null_line.jsonl"), "null_line.jsonl:2: expected a JSON object, got null"),
    ("unknown format", seeds("unknown_format.jsonl"), 'unknown_format.jsonl:1: missing field "instruction"'),
    ("alpaca without output", seeds("alpaca_missing_output.json"), 'alpaca_missing_output.json:1: missing field "instances" (Self-Instruct format) or "output" (Alpaca)'),
    ("csv file", seeds("csv_file.csv"), "csv_file.csv:1: invalid JSON"),
    ("BOM then garbage", seeds("bom_then_garbage.jsonl"), "bom_then_garbage.jsonl:1: invalid JSON"),
    ("missing seed file", seeds("nope.jsonl"), "nope.jsonl: no such file"),
    ("folder without seed files", ["--seeds", str(CORPUS.parent / "bad_inputs_empty_dir")], "folder holds no .json or .jsonl file"),
    ("bad toml", [*seeds("good_seed.jsonl"), "--config", str(CORPUS / "bad_toml.toml")], "bad_toml.toml: invalid TOML"),
    ("unknown config key", [*seeds("good_seed.jsonl"), "--config", str(CORPUS / "unknown_key.toml")], "unknown_key.toml: concurency: Extra inputs are not permitted"),
    ("wrong config type", [*seeds("good_seed.jsonl"), "--config", str(CORPUS / "wrong_type.toml")], "wrong_type.toml: concurrency: Input should be a valid integer"),
    ("bad prices", [*seeds("good_seed.jsonl"), "--config", str(CORPUS / "bad_prices.toml")], 'bad_prices.toml: prices.x.input: Input should be a valid number'),
    ("missing config", [*seeds("good_seed.jsonl"), "--config", str(CORPUS / "nope.toml")], "nope.toml: config file not found"),
    ("base url not a url", [*seeds("good_seed.jsonl"), "--base-url", "localhost:8000"], "--base-url: base_url: not an http(s) URL: 'localhost:8000'"),
    ("zero instructions", [*seeds("good_seed.jsonl"), "-n", "0"], "--num-instructions: num_instructions: Input should be greater than or equal to 1"),
    ("threshold above one", [*seeds("good_seed.jsonl"), "--rouge-threshold", "1.5"], "--rouge-threshold: rouge_threshold: Input should be less than or equal to 1"),
    ("no concurrency", [*seeds("good_seed.jsonl"), "--concurrency", "0"], "--concurrency: concurrency: Input should be greater than or equal to 1"),
    ("cost cap without a price", [*seeds("good_seed.jsonl"), "--model", "my-model", "--max-cost", "1"], "--max-cost: no price known for model 'my-model'"),
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI in-process (fast); the subprocess cases below prove the same for a real process."""
    result = CliRunner().invoke(main, list(args), env={"OPENAI_API_KEY": None, "OPENAI_BASE_URL": None})
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def existing_run(tmp_path_factory) -> Path:
    """A run directory with committed content that no failing command may touch."""
    from selfinstruct.schemas import AcceptedRecord
    from selfinstruct.store.writer import RunStore

    run = tmp_path_factory.mktemp("existing") / "run"
    with RunStore(run) as store:
        record = AcceptedRecord(
            id="rec_000000", instruction="Name a colour of the sky.", input="", output="Blue.",
            model="m", request_index=0, demonstration_ids=[], created_at="2026-01-01T00:00:00Z",
        )
        store.commit(0, [record], [])
        store.write_manifest({"status": "complete"})
    return run


@pytest.fixture(scope="module", autouse=True)
def empty_dir():
    folder = CORPUS.parent / "bad_inputs_empty_dir"
    folder.mkdir(exist_ok=True)
    yield
    folder.rmdir()


def assert_one_line_error(result, expected: str) -> None:
    assert result.returncode not in (0, None), result.stderr
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert expected in lines[0], lines[0]


@pytest.mark.parametrize(("args", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(args, expected, existing_run):
    before = snapshot(existing_run)
    result = run("generate", "--out", str(existing_run), "--base-url", URL, *args)
    assert_one_line_error(result, expected)
    assert snapshot(existing_run) == before


def test_huge_single_line(tmp_path):
    path = tmp_path / "huge.jsonl"
    path.write_text('{"instruction": "' + "x" * 10_000_000 + '"}\n', encoding="utf-8")
    result = run("generate", "--out", str(tmp_path / "run"), "--base-url", URL, "--seeds", str(path))
    assert_one_line_error(result, "huge.jsonl:1: line longer than 1000000 characters")
    assert not (tmp_path / "run").exists()


def test_out_is_not_a_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("generate", "--out", str(blocker / "run"), "--base-url", URL, "--seeds", GOOD)
    assert_one_line_error(result, "cannot create run directory")


def test_usage_errors_exit_2():
    result = cli("generate", "--concurrency", "lots")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_debug_shows_the_traceback():
    result = cli("--debug", "generate", "--seeds", str(CORPUS / "empty.jsonl"), "--base-url", URL)
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_validate_reports_line_numbers(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(
        '{"instruction": "Say hi.", "input": "", "output": "Hi"}\n'
        '{"instruction": "", "input": "", "output": "x"}\n'
        '{"instruction": "Say hi.", "input": "<noinput>", "output": "Hi"}\n'
        '{"instruction": "Say hi.", "input": "", "output": "Hi", "extra": 1}\n',
        encoding="utf-8",
    )
    result = cli("validate", str(path))
    assert result.returncode == 1
    out = result.stdout
    assert f"{path}:2: field \"instruction\": must not be empty" in out
    assert f"{path}:3: field \"input\"" in out
    assert f"{path}:4: unexpected field \"extra\"" in out


def test_environment_is_isolated():
    assert not any(k.startswith("OPENAI_") for k in cli_env())
    assert ROOT.exists()
