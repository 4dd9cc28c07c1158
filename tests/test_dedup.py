"""`dedup_file`: an existing Alpaca dataset in, the kept records and the removed ones out."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from rouge_score import rouge_scorer

from selfinstruct.dataset.dedup import DedupStats, dedup_file
from selfinstruct.errors import ConfigError, SeedFileError

SCORER = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)

RECORDS = [
    {"instruction": "Write a short poem about the sea at night.", "input": "", "output": "..."},
    {"instruction": "Write a short poem about the sea at night time.", "input": "", "output": "x"},
    {"instruction": "List three uses of baking soda in the kitchen.", "input": "", "output": "y"},
    {"instruction": "Translate the sentence into French.", "input": "Où est la gare ?",
     "output": "z"},
    {"instruction": "List three uses of baking soda in a kitchen.", "input": "", "output": "w"},
    {"instruction": "Explain why the sky is blue in two sentences.", "input": "", "output": "v"},
]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_in_jsonl_out(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "data.jsonl", RECORDS)
    stats = dedup_file(source, tmp_path / "out" / "clean.jsonl", progress=False)
    assert isinstance(stats, DedupStats)
    assert (stats.read, stats.kept, stats.removed) == (6, 4, 2)
    kept = read_jsonl(tmp_path / "out" / "clean.jsonl")
    assert kept == [RECORDS[i] for i in (0, 2, 3, 5)]  # unchanged, in input order
    removed = read_jsonl(tmp_path / "out" / "clean.removed.jsonl")
    assert [r["instruction"] for r in removed] == [RECORDS[1]["instruction"],
                                                    RECORDS[4]["instruction"]]
    first = removed[0]
    assert first["_neighbour"] == RECORDS[0]["instruction"]
    assert first["_neighbour_source"] == f"{source}:1"
    expected = SCORER.score(RECORDS[1]["instruction"], RECORDS[0]["instruction"])
    assert first["_score"] == expected["rougeL"].fmeasure
    assert first["output"] == "x"  # the whole record is kept in the removed file
    assert not list((tmp_path / "out").glob(".*.tmp"))
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "out" / "clean.jsonl").stat().st_mode & 0o777 == 0o666 & ~mask


def test_json_array_in_json_array_out_utf8(tmp_path: Path) -> None:
    source = tmp_path / "alpaca_data.json"
    source.write_text(json.dumps(RECORDS, indent=4, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "clean.json"
    removed = tmp_path / "dropped.jsonl"
    dedup_file(source, out, removed_path=removed, progress=False)
    text = out.read_text(encoding="utf-8")
    assert "Où est la gare ?" in text  # ensure_ascii=False
    assert json.loads(text) == [RECORDS[i] for i in (0, 2, 3, 5)]
    assert len(read_jsonl(removed)) == 2


def test_against_files_and_other_field(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "new.jsonl", [{"prompt": r["instruction"]} for r in RECORDS])
    (tmp_path / "old").mkdir()
    seen = write_jsonl(tmp_path / "old" / "seen.jsonl",
                       [{"prompt": "Explain why the sky is blue, in two sentences."}])
    stats = dedup_file(source, tmp_path / "o.jsonl", field="prompt", against=[tmp_path / "old"],
                       progress=False)
    assert (stats.kept, stats.removed) == (3, 3)
    removed = read_jsonl(tmp_path / "o.removed.jsonl")
    assert removed[-1]["_neighbour_source"] == f"{seen}:1"
    assert [r["prompt"] for r in read_jsonl(tmp_path / "o.jsonl")] == [
        RECORDS[i]["instruction"] for i in (0, 2, 3)
    ]


def test_decisions_equal_greedy_rouge_score(tmp_path: Path) -> None:
    from selfinstruct_testing.corpus import synthetic_instructions

    texts = synthetic_instructions(200, seed=5)
    source = write_jsonl(tmp_path / "d.jsonl", [{"instruction": t} for t in texts])
    dedup_file(source, tmp_path / "o.jsonl", threshold=0.6, progress=False)
    tokens = [SCORER._tokenizer.tokenize(t) for t in texts]
    kept: list[int] = []
    for i in range(len(texts)):  # the Alpaca loop, on pre-tokenized lists
        if all(rouge_scorer._score_lcs(tokens[i], tokens[k]).fmeasure <= 0.6 for k in kept):
            kept.append(i)
    assert len(kept) < len(texts)
    assert [r["instruction"] for r in read_jsonl(tmp_path / "o.jsonl")] == [texts[i] for i in kept]


def test_empty_input_gives_empty_outputs(tmp_path: Path) -> None:
    source = tmp_path / "empty.json"
    source.write_text("[]", encoding="utf-8")
    stats = dedup_file(source, tmp_path / "o.json", progress=False)
    assert stats.read == 0
    assert json.loads((tmp_path / "o.json").read_text()) == []
    assert (tmp_path / "o.removed.jsonl").read_text() == ""


def test_missing_field_names_file_and_line(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "d.jsonl", [RECORDS[0], {"input": "no instruction"}])
    with pytest.raises(SeedFileError, match=r"d\.jsonl:2: .*instruction"):
        dedup_file(source, tmp_path / "o.jsonl", progress=False)
    assert not (tmp_path / "o.jsonl").exists()


def test_non_string_field_and_broken_json(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "d.jsonl", [{"instruction": 3}])
    with pytest.raises(SeedFileError, match=r"d\.jsonl:1: .*not a string"):
        dedup_file(source, tmp_path / "o.jsonl", progress=False)
    broken = tmp_path / "b.jsonl"
    broken.write_text('{"instruction": "a"}\n{"instruction": \n', encoding="utf-8")
    with pytest.raises(SeedFileError, match=r"b\.jsonl:2"):
        dedup_file(broken, tmp_path / "o.jsonl", progress=False)
    with pytest.raises(SeedFileError, match="no such file"):
        dedup_file(tmp_path / "missing.jsonl", tmp_path / "o.jsonl", progress=False)


def test_bad_options(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "d.jsonl", RECORDS)
    with pytest.raises(ConfigError, match="threshold"):
        dedup_file(source, tmp_path / "o.jsonl", threshold=7, progress=False)
    with pytest.raises(ConfigError, match="tokenizer"):
        dedup_file(source, tmp_path / "o.jsonl", tokenizer="nltk", progress=False)  # type: ignore[arg-type]


def test_failed_run_keeps_the_previous_output(tmp_path: Path) -> None:
    out = write_jsonl(tmp_path / "o.jsonl", [{"instruction": "old"}])
    source = write_jsonl(tmp_path / "d.jsonl", [RECORDS[0], {"nope": 1}])
    with pytest.raises(SeedFileError):
        dedup_file(source, out, progress=False)
    assert read_jsonl(out) == [{"instruction": "old"}]


def test_unicode_tokenizer_option(tmp_path: Path) -> None:
    records = [{"instruction": "用三句话解释为什么天空是蓝色的。"},
               {"instruction": "请用三句话解释天空为什么是蓝色的。"}]
    source = write_jsonl(tmp_path / "zh.jsonl", records)
    assert dedup_file(source, tmp_path / "a.jsonl", progress=False).removed == 0
    assert dedup_file(source, tmp_path / "b.jsonl", tokenizer="unicode", progress=False).removed == 1


def test_progress_goes_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_jsonl(tmp_path / "d.jsonl", RECORDS)
    dedup_file(source, tmp_path / "o.jsonl", progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "dedup" in captured.err
