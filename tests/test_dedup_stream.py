"""`dedup` on streamed JSONL: decisions equal a brute-force rouge_score loop on random corpora,
and reading in chunks changes nothing (outputs, `file:line` errors, a file that changes)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from rouge_score import rouge_scorer

from selfinstruct.dataset import dedup_input
from selfinstruct.dataset.dedup import dedup_file
from selfinstruct.dataset.dedup_input import RecordSource
from selfinstruct.errors import SeedFileError

SCORER = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


def random_corpus(rng: random.Random, n: int, vocab: int) -> list[str]:
    """Texts over a small vocabulary, many of them edits of earlier ones (near-duplicates on
    both sides of the threshold, repeated words, empty texts)."""
    texts: list[str] = []
    for _ in range(n):
        if texts and rng.random() < 0.5:
            words = rng.choice(texts).split()
            for _ in range(rng.randint(1, 3)):
                op = rng.random()
                if op < 0.3 and words:
                    words.pop(rng.randrange(len(words)))
                elif op < 0.6 or not words:
                    words.insert(rng.randrange(len(words) + 1), f"w{rng.randrange(vocab)}")
                else:
                    words[rng.randrange(len(words))] = f"W{rng.randrange(vocab)}!"
        else:
            words = [f"w{rng.randrange(vocab)}" for _ in range(rng.randint(0, 40))]
        texts.append(" ".join(words))
    return texts


def brute_force_kept(texts: list[str], threshold: float) -> list[int]:
    """Alpaca's loop: rouge_score's tokenizer and F against every kept text."""
    tokens = [SCORER._tokenizer.tokenize(t) for t in texts]
    kept: list[int] = []
    for i, new in enumerate(tokens):
        if all(rouge_scorer._score_lcs(new, tokens[k]).fmeasure <= threshold for k in kept):
            kept.append(i)
    return kept


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.mark.parametrize("seed", range(6))
def test_random_corpora_equal_brute_force_rouge_score(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    threshold = rng.choice([0.7, 0.5, 0.9, 0.35])
    texts = random_corpus(rng, 300, vocab=rng.choice([6, 20, 80]))
    source = write_jsonl(tmp_path / "d.jsonl", [{"instruction": t, "i": i}
                                                for i, t in enumerate(texts)])
    stats = dedup_file(source, tmp_path / "o.jsonl", threshold=threshold, progress=False)
    kept = [json.loads(line)["i"] for line in (tmp_path / "o.jsonl").open(encoding="utf-8")]
    assert kept == brute_force_kept(texts, threshold)
    assert 0 < stats.removed < len(texts)
    for line in (tmp_path / "o.removed.jsonl").open(encoding="utf-8"):
        record = json.loads(line)  # each removed one names a kept neighbour above the threshold
        assert record["_neighbour"] in {texts[i] for i in kept}
        f = SCORER.score(record["_neighbour"], record["instruction"])["rougeL"].fmeasure
        assert f == record["_score"] > threshold


def test_chunked_reading_gives_the_same_outputs(tmp_path: Path, monkeypatch: Any) -> None:
    texts = random_corpus(random.Random(9), 400, vocab=15)
    source = write_jsonl(tmp_path / "d.jsonl", [{"instruction": t, "é": "ü"} for t in texts])
    dedup_file(source, tmp_path / "whole.jsonl", progress=False)
    monkeypatch.setattr(dedup_input, "CHUNK_BYTES", 97)  # many chunks, cut mid-line
    dedup_file(source, tmp_path / "chunked.jsonl", progress=False)
    for name in ("", ".removed"):
        whole = (tmp_path / f"whole{name}.jsonl").read_bytes()
        assert whole == (tmp_path / f"chunked{name}.jsonl").read_bytes()
    assert len(whole) > 0


def test_errors_name_the_line_in_any_chunk(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(dedup_input, "CHUNK_BYTES", 64)
    good = "".join(json.dumps({"instruction": f"task number {i}"}) + "\n" for i in range(30))
    cases = {
        "{broken\n": r"d\.jsonl:32: invalid JSON",
        "[1, 2]\n": r"d\.jsonl:32: expected a JSON object, got list",
        '\ufeff{"instruction": "x"}\n': r"d\.jsonl:32: invalid JSON",  # a BOM mid-file is data
        '{"output": "x"}\n': r'd\.jsonl:32: record has no "instruction" field',
    }
    for bad, message in cases.items():
        (tmp_path / "d.jsonl").write_text(good + "\n" + bad + good, "utf-8")  # a blank line 31
        lines = (tmp_path / "d.jsonl").read_text("utf-8").split("\n")
        assert lines[31] == bad.rstrip("\n")
        with pytest.raises(SeedFileError, match=message):
            dedup_file(tmp_path / "d.jsonl", tmp_path / "o.jsonl", progress=False)
        assert not (tmp_path / "o.jsonl").exists()
    (tmp_path / "d.jsonl").write_bytes(good.encode() * 2 + b'{"instruction": "\xff"}\n')
    with pytest.raises(SeedFileError, match=r"d\.jsonl:61: not valid UTF-8"):
        dedup_file(tmp_path / "d.jsonl", tmp_path / "o.jsonl", progress=False)


def test_only_regular_jsonl_files_are_streamed(tmp_path: Path) -> None:
    records = [{"instruction": "one two three"}, {"instruction": "four five six"}]
    array = tmp_path / "a.json"
    array.write_text(json.dumps(records), encoding="utf-8")
    jsonl = write_jsonl(tmp_path / "d.jsonl", records)
    held, streamed = RecordSource(array), RecordSource(jsonl)
    assert held._held is not None and streamed._held is None
    assert [r for _, r in held.records()] == [r for _, r in streamed.records()] == records
    assert [line for line, _ in streamed.records()] == [1, 2]


def test_a_file_changed_between_the_passes_is_an_error(tmp_path: Path, monkeypatch: Any) -> None:
    source = write_jsonl(tmp_path / "d.jsonl", [{"instruction": f"w{i} x{i} y"} for i in range(9)])
    real = RecordSource.records
    calls = []

    def records(self: RecordSource) -> Any:
        calls.append(1)
        if len(calls) == 2:  # the writing pass: someone appended a record meanwhile
            with open(source, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"instruction": "late"}) + "\n")
        return real(self)

    monkeypatch.setattr(RecordSource, "records", records)
    with pytest.raises(SeedFileError, match="changed while dedup was reading it"):
        dedup_file(source, tmp_path / "o.jsonl", progress=False)
    assert not (tmp_path / "o.jsonl").exists()
    assert not list(tmp_path.glob(".o.jsonl.*"))
