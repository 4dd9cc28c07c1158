"""Run control: doomed runs stop with a reason, caps stop cleanly, resumes pay nothing twice,
failures keep their evidence, and the key never leaves the process."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import assert_consistent_run, cli, cli_env, generate_args, read_jsonl

GARBAGE = "I am not sure what you mean. Could you clarify what kind of tasks you would like?"


def test_stall_stops_with_reasons_and_resumes(fake_teacher_factory, tmp_path):
    broken = {"on": True}

    def responder(body):
        if broken["on"]:
            return GARBAGE, "stop"
        return server.generator.respond(body)

    server = fake_teacher_factory(responder=responder)
    out = tmp_path / "run"
    args = generate_args(server.base_url, out, 30, "--stall-requests", "6", "--concurrency", "2")
    result = cli(*args)
    assert result.returncode == 3, result.stderr
    assert "stopped: 0 accepted in the last 6 requests (parse_error 100%)" in result.stderr
    assert "check --model, the prompt or the teacher profile" in result.stderr
    assert server.request_count <= 6 + 2
    rejected = read_jsonl(out / "rejected.jsonl")
    assert rejected and all(r["reason"] == "parse_error" for r in rejected)
    assert all(r["raw"] == GARBAGE and r["cache_key"] for r in rejected)
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["status"] == "stopped" and manifest["stop"]["kind"] == "stall"
    # the cause is fixed: the same command resumes; answers already received are not re-sent
    broken["on"] = False
    sent = server.request_count
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert_consistent_run(out, expected=30)
    fresh = server.requests[sent:]
    first_new = min(json.loads(json.dumps(r["body"]))["seed"] for r in fresh)
    assert all(r["body"]["seed"] not in {q["body"]["seed"] for q in server.requests[:sent]} for r in fresh)
    assert first_new is not None


def test_error_rate_stop(fake_teacher_factory, tmp_path):
    server = fake_teacher_factory()
    server.fault_rate = {"500": 1.0}
    out = tmp_path / "run"
    result = cli(*generate_args(server.base_url, out, 30, "--max-attempts", "2", "--concurrency", "4", "--config", str(fast_retries(tmp_path))))
    assert result.returncode == 3, result.stderr
    # the attempt count crosses the rate first (each failed request failed every attempt)
    assert "attempts failed, retries included (more than 50%)" in result.stderr
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["stop"]["kind"] == "error_rate"
    assert manifest["errors"]["failed:TeacherHTTPError"] >= 5
    assert manifest["errors"]["retried:http_500"] >= 10


def fast_retries(tmp_path: Path) -> Path:
    config = tmp_path / "fast.toml"
    config.write_text("[generate]\nretry-backoff-s = 0.01\n")
    return config


def test_401_stops_at_once_with_one_line(fake_teacher_factory, tmp_path):
    server = fake_teacher_factory(api_key="the-right-key")
    out = tmp_path / "run"
    env = cli_env(OPENAI_API_KEY="sk-wrong-key-123")
    result = cli(*generate_args(server.base_url, out, 30), env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and "refused the API key (HTTP 401)" in lines[-1]
    assert "Traceback" not in result.stderr
    assert server.request_count <= 8  # the requests already in flight, none retried
    assert "sk-wrong-key-123" not in result.stderr


def test_max_requests_then_resume_sends_nothing_twice(fake_teacher, tmp_path):
    out = tmp_path / "run"
    result = cli(*generate_args(fake_teacher.base_url, out, 100, "--max-requests", "3", "--concurrency", "2"))
    assert result.returncode == 3, result.stderr
    assert "stopped at --max-requests 3" in result.stderr
    assert fake_teacher.request_count == 3
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["stop"]["kind"] == "max_requests"
    assert_consistent_run(out)
    result = cli(*generate_args(fake_teacher.base_url, out, 100, "--max-requests", "50"))
    assert result.returncode == 0, result.stderr
    assert_consistent_run(out, expected=100)
    seeds = [r["body"]["seed"] for r in fake_teacher.requests]
    assert len(seeds) == len(set(seeds)), "a request was sent twice"


def test_token_budget_then_resume_sends_nothing_twice(fake_teacher, tmp_path):
    out = tmp_path / "run"
    result = cli(*generate_args(fake_teacher.base_url, out, 200, "--max-tokens-total", "6000", "--concurrency", "2"))
    assert result.returncode == 3, result.stderr
    assert "stopped at the token budget" in result.stderr
    manifest = json.loads((out / "run.json").read_text())
    used = manifest["usage"]["prompt_tokens"] + manifest["usage"]["completion_tokens"]
    assert 0 < used <= 6000 * 1.5  # requests in flight when the cap was near are kept
    result = cli(*generate_args(fake_teacher.base_url, out, 200))
    assert result.returncode == 0, result.stderr
    seeds = [r["body"]["seed"] for r in fake_teacher.requests]
    assert len(seeds) == len(set(seeds))
    assert_consistent_run(out, expected=200)


def test_cost_budget_with_a_price_from_the_config(fake_teacher, tmp_path):
    config = tmp_path / "prices.toml"
    config.write_text('[prices."fake-teacher"]\ninput = 1000\noutput = 1000\n')
    out = tmp_path / "run"
    result = cli(*generate_args(fake_teacher.base_url, out, 200, "--max-cost", "5", "--config", str(config)))
    assert result.returncode == 3, result.stderr
    assert "stopped at the cost budget" in result.stderr
    manifest = json.loads((out / "run.json").read_text())
    assert 0 < manifest["usage"]["cost_usd"] <= 5 * 1.5


def test_dry_run_sends_nothing(fake_teacher, tmp_path):
    result = cli(*generate_args(fake_teacher.base_url, tmp_path / "run", 1000, "--dry-run"))
    assert result.returncode == 0
    assert "dry run (alpaca): about 64 more requests" in result.stdout
    assert fake_teacher.request_count == 0 and not (tmp_path / "run").exists()


def test_secret_key_is_nowhere(fake_teacher_factory, tmp_path):
    secret = "sk-proj-SECRET-0123456789abcdef"
    server = fake_teacher_factory(api_key=secret)
    out = tmp_path / "run"
    env = cli_env(OPENAI_API_KEY=secret)
    results = [cli(*generate_args(server.base_url, out, 40), env=env)]
    config = tmp_path / "c.toml"
    config.write_text(f'[generate]\napi-key = "{secret}"\n')
    results.append(cli(*generate_args(server.base_url, out, 60, "--config", str(config))))
    results.append(cli(*generate_args(server.base_url, out, 80, "--api-key", secret)))
    results.append(cli("show", str(out), "-n", "3"))
    for result in results:
        assert result.returncode == 0, result.stderr
        assert secret not in result.stdout and secret not in result.stderr
    for path in out.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["teacher"]["base_url"] == server.base_url
    assert "api_key" not in manifest["config"]
    assert all(r["headers"].get("authorization") == "<redacted>" for r in server.requests)


def test_base_url_credentials_are_not_recorded(fake_teacher, tmp_path):
    out = tmp_path / "run"
    result = cli(*generate_args(fake_teacher.base_url + "?token=qs-secret", out, 5))
    manifest = (out / "run.json").read_text()
    assert "qs-secret" not in manifest
    # a user:key@ URL is refused before anything runs (tests/test_hostile_server.py)
    url = fake_teacher.base_url.replace("http://", "http://user:pw-secret@")
    result = cli(*generate_args(url, tmp_path / "other", 5))
    assert result.returncode == 1 and "holds credentials" in result.stderr
    assert "pw-secret" not in result.stderr


def test_show_prints_records_and_evidence(fake_teacher_factory, tmp_path):
    server = fake_teacher_factory()
    out = tmp_path / "run"
    server.fail_next("length")
    # one request in flight: the cut answer is the first one read, so the run cannot reach its
    # 40 records on the other answers and stop before the cut one is written (CI saw that)
    assert cli(*generate_args(server.base_url, out, 40, "--concurrency", "1")).returncode == 0
    records = cli("show", str(out), "-n", "2", "--seed", "1")
    assert records.returncode == 0
    assert "2 of 40 records" in records.stdout and "instruction:" in records.stdout
    truncated = cli("show", str(out), "--reason", "truncated", "-n", "1")
    assert "truncated" in truncated.stdout and "teacher's raw answer" in truncated.stdout


def test_show_reads_a_live_run_only_up_to_its_last_commit(fake_teacher, tmp_path):
    """Lines written after the last commit (a unit being written, or left by a crash) are
    not part of the run yet: show counts and samples only committed ones, like export."""
    from selfinstruct.dataset.show import sample_rows

    out = tmp_path / "run"
    assert cli(*generate_args(fake_teacher.base_url, out, 20)).returncode == 0
    with open(out / "records.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"id": "rec_999999", "instruction": "uncommitted", "input": "", ')
        handle.write('"output": "x"}\n{"id": "rec_torn", "instr')
    rows, total = sample_rows(out, n=100)
    assert total == 20
    assert all(row["instruction"] != "uncommitted" for row in rows)
