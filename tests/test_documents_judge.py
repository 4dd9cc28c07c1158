"""`generate --documents --judge`: a record made from a chunk is graded with that chunk shown
to the judge and a fourth question, `supported`. The test teacher answers some tasks with a
sentence of the passage negated (the passage's own words, so the textual `ungrounded` check
keeps them); the test judge scores `supported` against the document it is shown, so only a
judge that received the chunk can drop them (`judge:supported`)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import SEEDS, read_jsonl
from test_documents import real_text, run

from selfinstruct.config import GenerateConfig
from selfinstruct.documents.read import read_document
from selfinstruct.quality.judge import QUESTIONS, JudgeItem, questions_for, render_prompt
from selfinstruct.run.build import plan_run
from selfinstruct.run.estimate import estimate
from selfinstruct_testing.generator import TaskGenerator
from selfinstruct_testing.judge_answers import supported

PLAIN = [q.name for q in QUESTIONS if not q.needs_document]
PRICES = {"fake-teacher": {"input": 0.15, "output": 0.60}}


def write_docs(
    folder: Path, packages: tuple[str, ...] = ("click", "openai", "pydantic")
) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in packages:
        path = folder / f"{name}.md"
        path.write_text(real_text(name), encoding="utf-8")
        paths.append(path)
    return paths


def judge_prompts(server) -> list[str]:
    prompts = []
    for entry in server.requests:
        for message in (entry.get("body") or {}).get("messages") or []:
            if "Grade each of the" in str(message.get("content")):
                prompts.append(message["content"])
    return prompts


def chunk_of(record: dict) -> str:
    span = record["document"]
    text, _ = read_document(Path(span["path"]))
    return text[span["start"] : span["end"]]


def block(record: dict) -> str:
    shown = record["input"] or "(none)"
    return f"Instruction: {record['instruction']}\nInput: {shown}\nOutput: {record['output']}"


def test_the_fourth_question_is_asked_only_with_a_document_shown_once_a_batch():
    sourced = [JudgeItem(f"Do {i}.", "", "y", document="The chunk.") for i in range(3)]
    asked = questions_for(sourced[0])
    assert [q.name for q in asked] == [*PLAIN, "supported"]
    assert [q.name for q in questions_for(JudgeItem("Do x.", "", "y"))] == PLAIN
    prompt = render_prompt(sourced, asked)
    assert prompt.count("<document>\nThe chunk.\n</document>") == 1
    assert "- supported: Is the answer supported by the document" in prompt


def test_a_grounded_record_is_judged_with_its_chunk_and_unsupported_ones_drop(
    fake_teacher_factory, tmp_path
):
    server = fake_teacher_factory(generator=TaskGenerator(contradicted_rate=0.3))
    write_docs(tmp_path / "docs")
    out = tmp_path / "run"
    summary = run(server, out, [tmp_path / "docs"], n=40, judge=True, min_score=3)
    assert summary.accepted == 40
    records = read_jsonl(out / "records.jsonl")
    prompts = judge_prompts(server)
    for record in records:
        assert record["judge"] is not None
        assert list(record["judge"]["scores"]) == [*PLAIN, "supported"]
        assert record["judge"]["scores"]["supported"] >= 3
        # the judge saw the record's own chunk, as a document block above it
        chunk = chunk_of(record)
        assert supported(block(record), chunk)
        assert any(f"<document>\n{chunk}\n</document>" in p and record["output"] in p
                   for p in prompts)  # fmt: skip
    rejected = read_jsonl(out / "rejected.jsonl")
    dropped = [r for r in rejected if r["reason"] == "judge:supported"]
    assert dropped, "the negated answers are dropped by the judge"
    for row in dropped:
        assert row["score"] < 3 and row["detail"]
        assert " not " in f" {row['output']} "
    counts = json.loads((out / "run.json").read_text())["counts"]
    assert counts["rejected"]["judge:supported"] == len(dropped)

    report = tmp_path / "report"
    from helpers import cli

    assert cli("report", str(out), "--out", str(report)).returncode == 0
    assert "<td>supported</td>" in (report / "report.html").read_text()

    # without the judge, the same answers pass the textual check: only the judge sees them
    plain = tmp_path / "plain"
    run(server, plain, [tmp_path / "docs"], n=40)
    kept = read_jsonl(plain / "records.jsonl")
    assert any(not supported(block(r), chunk_of(r)) for r in kept)


def test_a_resumed_judged_document_run_pays_no_judge_request_twice(
    fake_teacher_factory, tmp_path
):
    server = fake_teacher_factory(generator=TaskGenerator(contradicted_rate=0.3))
    write_docs(tmp_path / "docs")
    out = tmp_path / "run"
    stopped = run(server, out, [tmp_path / "docs"], n=30, judge=True, min_score=3,
                  max_requests=6, concurrency=1)  # fmt: skip
    assert stopped.stop is not None and stopped.accepted < 30
    first = judge_prompts(server)
    assert first
    done = run(server, out, [tmp_path / "docs"], n=30, judge=True, min_score=3)
    assert done.accepted == 30
    every = judge_prompts(server)
    assert len(every) == len(set(every)), "a judge request was paid twice"
    before = server.request_count
    run(server, out, [tmp_path / "docs"], n=30, judge=True, min_score=3)
    assert server.request_count == before
    whole = tmp_path / "whole"
    run(server, whole, [tmp_path / "docs"], n=30, judge=True, min_score=3)

    def rows(folder: Path) -> list[tuple]:
        return [(r["instruction"], r["input"], r["output"], json.dumps(r["judge"]))
                for r in read_jsonl(folder / "records.jsonl")]  # fmt: skip

    assert rows(out) == rows(whole)


def test_dry_run_prices_the_document_judge_within_a_quarter(fake_teacher, tmp_path):
    write_docs(tmp_path / "docs", ("openai", "pydantic"))
    out = tmp_path / "run"
    config = GenerateConfig(
        base_url=fake_teacher.base_url, model="fake-teacher", out=out, num_instructions=120,
        seeds=[SEEDS], documents=[tmp_path / "docs"], judge=True, prices=PRICES, seed=3,
    )  # fmt: skip
    guess = estimate(plan_run(config))
    assert guess.judge_requests > 0
    summary = run(fake_teacher, out, [tmp_path / "docs"], n=120, judge=True, prices=PRICES)
    assert summary.accepted == 120
    manifest = json.loads((out / "run.json").read_text())
    judge = manifest["counts"]["judge"]
    assert abs(guess.judge_requests - judge["requests"]) <= 0.25 * judge["requests"]
    received = manifest["usage"]["received_this_session"]
    tokens = received["prompt_tokens"] + received["completion_tokens"]
    assert abs(guess.prompt_tokens + guess.completion_tokens - tokens) <= 0.25 * tokens
