"""`--judge`: a teacher grades each record that passed the filters, through the run's own
client. Against the test server, whose verdicts are scripted by content
(`selfinstruct_testing.judge_answers`): scores land in records.jsonl, --min-score drops
with `judge:<question>`, malformed verdicts get one repair and then stay unjudged (counted),
a resumed run pays no judge request twice, cost and --max-cost count the judge, the Batch
API carries judge requests, and --dry-run prices them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import SEEDS, cli, generate_args, read_jsonl

from selfinstruct.config import GenerateConfig
from selfinstruct.quality.judge import QUESTIONS, Question, parse_verdicts, render_prompt
from selfinstruct.run.build import plan_run
from selfinstruct.run.estimate import estimate
from selfinstruct.schemas import AcceptedRecord
from selfinstruct_testing.generator import TaskGenerator

ASKED = tuple(q for q in QUESTIONS if not q.needs_document)
NAMES = [q.name for q in ASKED]
PRICES = {"fake-teacher": {"input": 0.15, "output": 0.60}}


def judge_bodies(server) -> list[str]:
    """The judge requests the server received, as canonical JSON bodies."""
    out = []
    for entry in server.requests:
        body = entry.get("body") or {}
        text = json.dumps(body.get("messages"), sort_keys=True)
        if "Grade each of the" in text:
            out.append(json.dumps(body, sort_keys=True))
    return out


def verdict(n: int, **scores: int) -> dict:
    return {"record": n, **{q: {"score": scores.get(q, 5), "reason": "ok"} for q in NAMES}}


# -- parsing verdicts ---------------------------------------------------------------------------
def test_valid_verdicts_parse_also_fenced_and_with_float_scores():
    text = "```json\n" + json.dumps({"verdicts": [verdict(1), verdict(2, output=2.0)]}) + "\n```"
    grades, problem = parse_verdicts(text, 2, ASKED, "m")
    assert problem is None
    assert grades[1] is not None and grades[1].scores["output"] == 2
    assert grades[0] is not None and grades[0].model == "m"


@pytest.mark.parametrize(
    ("text", "problem", "valid"),
    [
        ("These look good to me.", 'not JSON with a "verdicts" list', 0),
        (json.dumps({"verdicts": [verdict(1)]}), "no verdict for record 2", 1),
        (json.dumps({"verdicts": [verdict(1), verdict(2, input=7)]}), "input score 7", 1),
        (json.dumps({"verdicts": [verdict(1), {"record": 2, "input": "fine"}]}), "no grade", 1),
        (json.dumps({"verdicts": [verdict(1), verdict(9)]}), "names no record", 1),
        (json.dumps({"verdicts": [verdict(1), verdict(2, output=True)]}), "no score", 1),
    ],
)
def test_malformed_verdicts_are_named_and_never_graded(text, problem, valid):
    grades, found = parse_verdicts(text, 2, ASKED, "m")
    assert found is not None and problem in found
    assert sum(g is not None for g in grades) == valid


def test_reasons_are_one_bounded_line_without_control_characters():
    reason = "bad\x1b[31m\n" + "x" * 1000
    text = json.dumps({"verdicts": [{"record": 1, **{q: {"score": 3, "reason": reason}
                                                     for q in NAMES}}]})  # fmt: skip
    grades, _ = parse_verdicts(text, 1, ASKED, "m")
    assert grades[0] is not None
    kept = grades[0].reasons["output"]
    assert "\n" not in kept and "\x1b" not in kept and len(kept) <= 300


def test_a_document_question_is_one_more_line_and_asked_only_with_a_document():
    from selfinstruct.quality.judge import JudgeItem, questions_for

    questions = (*QUESTIONS, Question("cited", "Does it cite the document?", True))
    plain, sourced = JudgeItem("Do x.", "", "y"), JudgeItem("Do x.", "", "y", document="D")
    assert [q.name for q in questions_for(plain, questions)] == NAMES
    assert [q.name for q in questions_for(sourced, questions)] == [*NAMES, "supported", "cited"]
    assert "<document>\nD\n</document>" in render_prompt([sourced], questions_for(sourced))
    other = JudgeItem("Do z.", "", "w", document="E")
    assert "Document: E" in render_prompt([sourced, other], questions_for(sourced))


# -- generate --judge ---------------------------------------------------------------------------
def test_generate_judge_scores_records_and_min_score_drops_with_the_reason(
    fake_teacher, tmp_path
):
    out = tmp_path / "run"
    result = cli(*generate_args(fake_teacher.base_url, out, 30, "--judge", "--min-score", "3"))
    assert result.returncode == 0, result.stderr
    records = [AcceptedRecord.model_validate(r) for r in read_jsonl(out / "records.jsonl")]
    assert len(records) == 30
    assert all(r.judge is not None and set(r.judge.scores) == set(NAMES) for r in records)
    assert all(min(r.judge.scores.values()) >= 3 for r in records if r.judge)
    dropped = [r for r in read_jsonl(out / "rejected.jsonl") if r["reason"].startswith("judge:")]
    assert dropped, "the scripted verdicts score some records below 3"
    assert all(r["reason"].removeprefix("judge:") in NAMES and r["score"] < 3 for r in dropped)
    assert all(r["detail"] for r in dropped)  # the judge's reason
    counts = json.loads((out / "run.json").read_text())["counts"]
    assert counts["judge"]["judged"] == 30 and counts["judge"]["unjudged"] == 0
    assert "judge: 30 judged, 0 unjudged" in result.stderr
    judged = [json.loads(b) for b in judge_bodies(fake_teacher)]
    assert len(judged) == counts["judge"]["requests"]
    # structured output, at temperature 0, several records a request
    assert all(b["response_format"]["type"] == "json_schema" for b in judged)
    assert all(b["temperature"] == 0.0 for b in judged)
    assert max(b["messages"][1]["content"].count("### Record") for b in judged) == 5


def test_malformed_verdicts_get_one_repair_then_stay_unjudged_and_counted(
    fake_teacher_factory, tmp_path
):
    server = fake_teacher_factory(generator=TaskGenerator(judge_malformed_rate=1.0))
    out = tmp_path / "run"
    result = cli(*generate_args(server.base_url, out, 10, "--judge", "--min-score", "5"))
    assert result.returncode == 0, result.stderr
    records = read_jsonl(out / "records.jsonl")
    assert len(records) == 10 and all(r["judge"] is None for r in records)
    counts = json.loads((out / "run.json").read_text())["counts"]
    assert counts["judge"]["judged"] == 0 and counts["judge"]["unjudged"] == 10
    assert "judge: 0 judged, 10 unjudged" in result.stderr
    bodies = [json.loads(b) for b in judge_bodies(server)]
    first = [b for b in bodies if len(b["messages"]) == 2]
    repairs = [b for b in bodies if len(b["messages"]) == 4]
    assert first and len(repairs) == len(first)  # exactly one repair each
    assert "could not be used" in repairs[0]["messages"][3]["content"]


def test_a_repair_that_fixes_the_verdict_counts_as_judged(fake_teacher_factory, tmp_path):
    server = fake_teacher_factory(generator=TaskGenerator(judge_malformed_rate=0.4))
    out = tmp_path / "run"
    result = cli(*generate_args(server.base_url, out, 30, "--judge"))
    assert result.returncode == 0, result.stderr
    counts = json.loads((out / "run.json").read_text())["counts"]["judge"]
    bodies = [json.loads(b) for b in judge_bodies(server)]
    assert any(len(b["messages"]) == 4 for b in bodies)
    records = read_jsonl(out / "records.jsonl")
    assert counts["judged"] == sum(r["judge"] is not None for r in records) > 0
    assert counts["unjudged"] == sum(r["judge"] is None for r in records)


def test_a_resumed_run_sends_no_judge_request_twice(fake_teacher, tmp_path):
    out = tmp_path / "run"
    stopped = cli(*generate_args(fake_teacher.base_url, out, 60, "--judge", "--max-requests", "9"))
    assert stopped.returncode == 3, stopped.stderr
    first = judge_bodies(fake_teacher)
    assert first
    again = cli(*generate_args(fake_teacher.base_url, out, 60, "--judge"))
    assert again.returncode == 0, again.stderr
    every = judge_bodies(fake_teacher)
    assert len(every) == len(set(every)), "a judge request was paid twice"
    before = fake_teacher.request_count
    rerun = cli(*generate_args(fake_teacher.base_url, out, 60, "--judge"))
    assert rerun.returncode == 0 and fake_teacher.request_count == before
    records = read_jsonl(out / "records.jsonl")
    assert len(records) == 60 and all(r["judge"] for r in records)


def test_judge_tokens_are_in_the_cost_and_max_cost_stops_the_run(fake_teacher, tmp_path):
    config = tmp_path / "prices.toml"
    config.write_text('[prices."fake-teacher"]\ninput = 0.15\noutput = 0.60\n')
    out = tmp_path / "run"
    result = cli(*generate_args(fake_teacher.base_url, out, 20, "--judge", "--config",
                                str(config)))  # fmt: skip
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "run.json").read_text())
    usage, judge = manifest["usage"], manifest["counts"]["judge"]
    prompt = usage["prompt_tokens"] + judge["prompt_tokens"]
    completion = usage["completion_tokens"] + judge["completion_tokens"]
    assert usage["cost_usd"] == pytest.approx((prompt * 0.15 + completion * 0.60) / 1e6, abs=1e-6)
    received = usage["received_this_session"]  # the one client sent both
    assert received["prompt_tokens"] >= prompt

    capped = tmp_path / "capped"
    cap = usage["cost_usd"] / 3
    stopped = cli(*generate_args(fake_teacher.base_url, capped, 20, "--judge", "--config",
                                 str(config), "--max-cost", f"{cap:.6f}"))  # fmt: skip
    assert stopped.returncode == 3, stopped.stderr
    assert "cost budget" in stopped.stderr
    spent = json.loads((capped / "run.json").read_text())["usage"]["cost_usd"]
    assert spent <= cap


def test_judge_requests_go_through_the_batch_api(fake_teacher, tmp_path):
    fast = tmp_path / "fast.toml"
    fast.write_text("[generate]\nbatch_poll_s = 0.05\nbatch_gather_s = 0.2\n")
    out = tmp_path / "run"
    result = cli(*generate_args(fake_teacher.base_url, out, 20, "--judge", "--batch-api",
                                "--config", str(fast)))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert fake_teacher.count_by_path().get("/v1/chat/completions", 0) == 0
    lines = [line["body"] for line in fake_teacher.batches.lines]
    assert any("Grade each of the" in json.dumps(body) for body in lines)
    assert all(r["judge"] for r in read_jsonl(out / "records.jsonl"))


def test_dry_run_prices_the_judge_within_a_quarter(fake_teacher, tmp_path):
    out = tmp_path / "run"
    config = GenerateConfig(
        base_url=fake_teacher.base_url, model="fake-teacher", out=out, num_instructions=200,
        seeds=[SEEDS], judge=True, prices=PRICES,
    )  # fmt: skip
    guess = estimate(plan_run(config))
    assert guess.judge_requests > 0 and "to the judge" in guess.describe()
    result = cli(*generate_args(fake_teacher.base_url, out, 200, "--judge"))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "run.json").read_text())
    sent = manifest["counts"]["requests_sent_this_session"]
    received = manifest["usage"]["received_this_session"]
    judge = manifest["counts"]["judge"]
    assert abs(guess.requests - sent) <= 0.25 * sent, (guess, sent)
    assert abs(guess.judge_requests - judge["requests"]) <= 0.25 * judge["requests"]
    tokens = received["prompt_tokens"] + received["completion_tokens"]
    assert abs(guess.prompt_tokens + guess.completion_tokens - tokens) <= 0.25 * tokens
    cost = (received["prompt_tokens"] * 0.15 + received["completion_tokens"] * 0.60) / 1e6
    assert guess.cost_usd is not None and abs(guess.cost_usd - cost) <= 0.25 * cost


def test_min_score_without_judge_is_one_line(tmp_path: Path):
    result = cli(*generate_args("http://127.0.0.1:9/v1", tmp_path / "r", 5, "--min-score", "3"))
    assert result.returncode == 1
    assert "need --judge" in result.stderr and "Traceback" not in result.stderr


# -- clean --judge ------------------------------------------------------------------------------
CLEAN_RECORDS = [
    ("Give three tips for staying healthy.", "",
     "Eat a balanced diet, exercise regularly and get enough sleep."),
    ("Translate the sentence into French.", "The weather is nice today.",
     "Il fait beau aujourd'hui."),
    ("Explain why the sky looks blue during the day (JUDGE-LOW).", "",
     "Air molecules scatter short blue wavelengths of sunlight more than red ones."),
    ("Name the capital city of Australia (JUDGE-MALFORMED).", "", "The capital is Canberra."),
    ("Write a haiku about an autumn morning (JUDGE-ONCE).", "",
     "Cold mist on the field\nred leaves falling one by one\nthe kettle whistles"),
    ("Sort these numbers from smallest to largest.", "9, 2, 7, 4", "2, 4, 7, 9"),
]  # fmt: skip


def test_clean_judge_scores_drops_below_min_score_and_reruns_free(fake_teacher, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(
        json.dumps({"instruction": i, "input": x, "output": o}) + "\n" for i, x, o in CLEAN_RECORDS
    ))  # fmt: skip
    out = tmp_path / "clean"
    args = ["clean", str(source), "--out", str(out), "--judge", "--judge-base-url",
            fake_teacher.base_url, "--judge-batch", "2", "--min-score", "2"]  # fmt: skip
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert "5 judged, 1 unjudged" in result.stdout
    rejected = {r["line"]: r for r in read_jsonl(out / "rejected.jsonl")}
    assert rejected[3]["reason"].startswith("judge:") and rejected[3]["score"] == 1
    assert rejected[3]["detail"]
    scores = {r["line"]: r["judge"] for r in read_jsonl(out / "scores.jsonl")}
    assert scores[4] is None  # malformed after its repair: kept, unjudged
    assert scores[5] is not None and set(scores[5]["scores"]) == set(NAMES)  # repaired
    kept = read_jsonl(out / "data.jsonl")
    assert len(kept) == 5 and all(set(r) == {"instruction", "input", "output"} for r in kept)
    sent = fake_teacher.request_count
    assert sent == len(judge_bodies(fake_teacher)) + 1  # + the model lookup

    first_scores = (out / "scores.jsonl").read_text()
    again = cli(*args)
    assert again.returncode == 0, again.stderr
    assert fake_teacher.request_count == sent + 1  # only the model lookup: verdicts cached
    assert (out / "scores.jsonl").read_text() == first_scores


def test_clean_judge_flags_need_judge(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"instruction": "Say hi to me.", "output": "Hi."}) + "\n")
    result = cli("clean", str(source), "--out", str(tmp_path / "o"), "--min-score", "3")
    assert result.returncode == 1 and "need --judge" in result.stderr
    assert "Traceback" not in result.stderr


# -- report and export --------------------------------------------------------------------------
def test_report_shows_scores_per_question_and_export_carries_them(fake_teacher, tmp_path):
    run = tmp_path / "run"
    assert cli(*generate_args(fake_teacher.base_url, run, 12, "--judge")).returncode == 0
    provenance = read_jsonl(run / "records.jsonl")

    result = cli("report", str(run), "--out", str(tmp_path / "report"))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "report" / "report.html").read_text()
    assert "<h2>Judge scores</h2>" in page
    for name in NAMES:
        counts = [sum(r["judge"]["scores"][name] == s for r in provenance) for s in range(1, 6)]
        row = "".join(f"<td>{c}</td>" for c in counts)
        assert f"<td>{name}</td>{row}<td>0</td>" in page

    out = tmp_path / "export"
    result = cli("export", str(run), "--format", "alpaca-jsonl", "--out", str(out),
                 "--with-scores")  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = read_jsonl(out / "train.jsonl") + (
        read_jsonl(out / "validation.jsonl") if (out / "validation.jsonl").exists() else []
    )
    by_instruction = {r["instruction"]: r["judge"] for r in provenance}
    assert len(rows) == 12
    assert all(row["judge"] == by_instruction[row["instruction"]] for row in rows)

    plain = tmp_path / "plain"
    assert cli(*generate_args(fake_teacher.base_url, plain, 5)).returncode == 0
    refused = cli("export", str(plain), "--format", "alpaca-jsonl", "--out",
                  str(tmp_path / "x"), "--with-scores")  # fmt: skip
    assert refused.returncode == 1 and "was not judged" in refused.stderr


def test_a_server_without_structured_output_gets_the_plain_json_prompt(
    fake_teacher_factory, tmp_path
):
    server = fake_teacher_factory(refuse_response_format=True)
    out = tmp_path / "run"
    result = cli(*generate_args(server.base_url, out, 10, "--judge"))
    assert result.returncode == 0, result.stderr
    bodies = [json.loads(b) for b in judge_bodies(server)]
    refused = [b for b in bodies if "response_format" in b]
    plain = [json.dumps(b["messages"]) for b in bodies if "response_format" not in b]
    assert refused and plain  # asked structured first, refused with HTTP 400
    # every refused request was asked again as the plain prompt, and later ones plain only
    assert all(json.dumps(b["messages"]) in plain for b in refused)
    assert "response_format" not in bodies[-1]
    assert all(r["judge"] for r in read_jsonl(out / "records.jsonl"))
