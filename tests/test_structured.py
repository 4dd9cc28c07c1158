"""Structured output: a profile asks for JSON following the task schema; the answer is
validated with the same models, repaired once, then rejected with its raw text."""

from __future__ import annotations

import json

from helpers import SEEDS, read_jsonl

from selfinstruct import generate
from selfinstruct.methods.profiles import TASKS_JSON_SCHEMA


def run(server, tmp_path, structured: str, n: int = 30, **kwargs):
    out = tmp_path / structured
    summary = generate(
        out=out, base_url=server.base_url, model="fake-teacher", seeds=[SEEDS],
        num_instructions=n, profile_overrides={"structured": structured}, **kwargs,
    )
    return out, summary


def test_json_schema_answers_are_parsed(fake_teacher, tmp_path):
    out, summary = run(fake_teacher, tmp_path, "json_schema")
    assert summary.status == "complete"
    body = fake_teacher.requests[0]["body"]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == TASKS_JSON_SCHEMA
    assert "Answer with JSON only" in body["messages"][-1]["content"]
    assert len(read_jsonl(out / "data.jsonl")) == 30


def test_llama_cpp_and_vllm_forms(fake_teacher, tmp_path):
    run(fake_teacher, tmp_path, "json_object_schema", n=5)
    assert fake_teacher.requests[-1]["body"]["response_format"] == {"type": "json_object", "schema": TASKS_JSON_SCHEMA}
    fake_teacher.reset_counts()
    run(fake_teacher, tmp_path, "guided_json", n=5, stall_requests=0, max_requests=2)
    assert fake_teacher.requests[0]["body"]["guided_json"] == TASKS_JSON_SCHEMA


def test_schema_failure_is_repaired_once_then_rejected_with_raw(fake_teacher_factory, tmp_path):
    good = json.dumps({"tasks": [
        {"instruction": "List three uses of a paperclip besides holding paper.", "input": "", "output": "Reset button tool, zipper pull, bookmark."},
    ]})
    answers = {"first": 0}

    def responder(body):
        last = body["messages"][-1]["content"]
        if "not valid for the required JSON shape" in last:  # the repair request
            answers["repairs"] = answers.get("repairs", 0) + 1
            return (good if answers["repairs"] == 1 else '{"tasks": "none"}'), "stop"
        answers["first"] += 1
        return '{"tasks": [{"instruction": "cut off', "stop"

    server = fake_teacher_factory(responder=responder)
    out, _ = run(server, tmp_path, "json_schema", n=2, stall_requests=0, max_requests=4, concurrency=1)
    rejected = read_jsonl(out / "rejected.jsonl")
    data = read_jsonl(out / "data.jsonl")
    assert data[0]["instruction"].startswith("List three uses of a paperclip")
    schema_errors = [r for r in rejected if r["reason"] == "schema_error"]
    assert schema_errors, rejected
    assert schema_errors[0]["raw"] == '{"tasks": "none"}'  # the repaired answer, still wrong
    assert schema_errors[0]["cache_key"]
    assert answers["repairs"] == 2 and answers["first"] == 2  # one repair per failed answer
