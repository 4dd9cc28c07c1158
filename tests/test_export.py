"""Every format round-trips: export, load with the consumer's own loader, same records."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from datasets import load_dataset, load_from_disk
from sample_data import ALPACA_SAMPLE, sample_records, write_run

from selfinstruct.dataset.export import (
    FORMATS,
    export,
    fold_prompt,
    to_openai_chat,
    unfold_prompt,
)
from selfinstruct.dataset.sources import load_source
from selfinstruct.errors import ConfigError
from selfinstruct.schemas import Record, same_text_key

SYSTEM = "You are a concise assistant."


def as_records(rows: Any, fmt: str) -> list[Record]:
    """Records back from rows as the consumer sees them, by the format's documented rules."""
    out = []
    for row in rows:
        if fmt == "openai-chat":
            turns = [(m["role"], m["content"]) for m in row["messages"]]
            user, assistant = ("user", "assistant")
        elif fmt == "sharegpt":
            turns = [(t["from"], t["value"]) for t in row["conversations"]]
            user, assistant = ("human", "gpt")
        else:
            out.append(Record(**{k: row[k] for k in ("instruction", "input", "output")}))
            continue
        if turns[0][0] == "system":
            assert turns[0][1] == SYSTEM
            turns = turns[1:]
        assert [role for role, _ in turns] == [user, assistant]
        instruction, text = unfold_prompt(turns[0][1])
        out.append(Record(instruction=instruction, input=text, output=turns[1][1]))
    return out


def bag(records: list[Record]) -> Counter[tuple[str, str, str]]:
    return Counter((r.instruction, r.input, r.output) for r in records)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(tmp_path_factory.mktemp("runs") / "my-run", sample_records(60))


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_through_the_consumers_loaders(fmt: str, run_dir: Path, tmp_path: Path) -> None:
    system = SYSTEM if fmt in ("openai-chat", "sharegpt") else None
    out, cache = tmp_path / "export", str(tmp_path / "cache")
    result = export(run_dir, fmt, out, validation_fraction=0.2, seed=3, system=system)
    source = load_source(run_dir).records
    assert sum(result.counts.values()) == len(source)
    assert result.counts["validation"] >= 1

    loaded: dict[str, list[Record]] = {}
    if fmt == "hf":
        on_disk = load_from_disk(str(out / "arrow"))
        parquet = load_dataset("parquet", data_dir=str(out / "data"), cache_dir=cache)
        for split in result.counts:
            loaded[split] = as_records(on_disk[split], fmt)
            assert as_records(parquet[split], fmt) == loaded[split]
    else:
        for split, name in result.files.items():
            loaded[split] = as_records(
                load_dataset("json", data_files=str(out / name), split="train", cache_dir=cache),
                fmt,
            )
    if fmt == "alpaca-json":  # the Stanford release's shape: one JSON array of 3-key objects
        array = json.loads((out / "train.json").read_text(encoding="utf-8"))
        assert isinstance(array, list) and set(array[0]) == {"instruction", "input", "output"}

    assert bag(loaded["train"] + loaded["validation"]) == bag(source)
    assert {s: len(rows) for s, rows in loaded.items()} == result.counts
    # the card's YAML `configs` make the folder itself loadable, whatever the format (a fresh
    # cache: datasets keys a local folder's cache by its name and patterns, not the files)
    via_card = load_dataset(str(out), cache_dir=cache)
    for split, rows in loaded.items():
        assert as_records(via_card[split], fmt) == rows


def test_alpaca_file_source_and_leak_free_split(tmp_path: Path) -> None:
    result = export(ALPACA_SAMPLE, "alpaca-jsonl", tmp_path / "out", validation_fraction=0.3)
    sides = {}
    for split, name in result.files.items():
        for line in (tmp_path / "out" / name).read_text(encoding="utf-8").splitlines():
            sides[same_text_key(json.loads(line)["instruction"])] = split
    # near-duplicate pairs written into the sample must land on one side
    pairs = [
        ("Give three tips for sleeping better.", "Give three tips for sleeping better at night."),
        ("Translate the sentence into French.", "Translate the sentence into Spanish."),
        (
            "Classify the sentiment of the review as positive or negative.",
            "Classify the sentiment of the review as positive, negative or neutral.",
        ),
    ]
    for a, b in pairs:
        assert sides[same_text_key(a)] == sides[same_text_key(b)], (a, b)
    assert sum(result.counts.values()) == 40 and result.counts["validation"] >= 10


def test_fold_rule() -> None:
    plain = Record(instruction="Name a colour.", output="Blue.")
    with_input = Record(instruction="Translate.", input="Guten Tag", output="Good day")
    assert fold_prompt(plain) == "Name a colour."
    assert fold_prompt(with_input) == "Translate.\n\nGuten Tag"
    assert unfold_prompt(fold_prompt(with_input)) == ("Translate.", "Guten Tag")
    assert unfold_prompt(fold_prompt(plain)) == ("Name a colour.", "")
    assert to_openai_chat(plain, "sys")["messages"][0] == {"role": "system", "content": "sys"}


def test_card_and_llamafactory_info(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    export(run_dir, "sharegpt", out, validation_fraction=0.1, seed=0)
    text = (out / "README.md").read_text(encoding="utf-8")
    header = yaml.safe_load(text.split("---\n")[1])
    assert header["configs"][0]["data_files"] == [
        {"split": "train", "path": "train.jsonl"},
        {"split": "validation", "path": "validation.jsonl"},
    ]
    assert "synthetic" in header["tags"]
    for needed in (
        "alpaca",  # method
        "teacher-model",
        "127.0.0.1:8123",  # base URL host only
        "ab" * 32,  # seed file hash
        "selfinstruct 0.1.0",
        "2026-11-01T09:00:00",  # run date
        "| near_duplicate | 6 |",
        "| too_long | 2 |",
        "blacklist:image",
        "terms",
        "compete",
        '`instruction + "\\n\\n" + input`',
    ):
        assert needed in text, needed
    assert "secret" not in text and "/v1" not in text  # credentials and paths stay out
    info = json.loads((out / "dataset_info.json").read_text(encoding="utf-8"))
    assert info["my-run"]["file_name"] == "train.jsonl"
    assert info["my-run_validation"]["file_name"] == "validation.jsonl"
    assert info["my-run"]["formatting"] == "sharegpt"
    assert info["my-run"]["columns"] == {"messages": "conversations"}
    for entry in info.values():
        assert (out / entry["file_name"]).is_file()


def test_card_for_a_plain_alpaca_file(tmp_path: Path) -> None:
    export(ALPACA_SAMPLE, "hf", tmp_path / "out")
    text = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "alpaca_sample.json" in text and "nothing is known" in text
    info = json.loads((tmp_path / "out" / "dataset_info.json").read_text(encoding="utf-8"))
    assert info["alpaca_sample"]["columns"]["prompt"] == "instruction"


def test_invalid_records_are_skipped_and_markers_normalised(tmp_path: Path) -> None:
    source = tmp_path / "mixed.jsonl"
    rows = [
        {"instruction": "Name a colour.", "input": "<noinput>", "output": "Blue."},
        {"instruction": "Add 2 and 2.", "output": "4", "text": "extra keys are ignored"},
        {"instruction": "Empty output.", "input": "", "output": "  "},
        {"instruction": "Say hi.", "input": None, "output": "Hi."},
    ]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = export(source, "alpaca-jsonl", tmp_path / "out", validation_fraction=0)
    assert result.counts == {"train": 3}
    assert len(result.skipped) == 1 and "mixed.jsonl:3" in result.skipped[0]
    first = json.loads((tmp_path / "out" / "train.jsonl").read_text().splitlines()[0])
    assert first == {"instruction": "Name a colour.", "input": "", "output": "Blue."}


def test_uncommitted_lines_of_a_running_run_are_not_exported(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", sample_records(10))
    with open(run / "data.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"instruction": "late", "input": "", "output": "x"}) + "\n")
        handle.write('{"instruction": "torn')
    assert len(load_source(run).records) == 10


def test_output_folder_rules(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    export(run_dir, "alpaca-json", out, validation_fraction=0.1)
    with pytest.raises(ConfigError, match="--overwrite"):
        export(run_dir, "alpaca-jsonl", out)
    export(run_dir, "alpaca-jsonl", out, overwrite=True, validation_fraction=0)
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "dataset_info.json",
        "train.jsonl",
    ]
    assert not list(tmp_path.glob(".out*"))  # no temporary folder left behind
    with pytest.raises(ConfigError, match="would hold the source"):
        export(run_dir, "alpaca-jsonl", run_dir.parent, overwrite=True)
    with pytest.raises(ConfigError, match="chat formats"):
        export(run_dir, "alpaca-json", tmp_path / "o2", system="hi")
    with pytest.raises(ConfigError, match="unknown format"):
        export(run_dir, "csv", tmp_path / "o3")
