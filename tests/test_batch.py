"""`--batch-api`: the same run through OpenAI's Batch API (files, batches, polling) against
the test server, which runs each batch line with the same answer logic as a live request."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from helpers import (
    SEEDS,
    assert_consistent_run,
    cli,
    cli_env,
    generate_args,
    read_jsonl,
    start_cli,
)

from selfinstruct import generate

PRICES = {"fake-teacher": {"input": 1.0, "output": 2.0}}
#: poll and gather fast: the protocol is the same at 30 s
FAST = {"batch_poll_s": 0.05, "batch_gather_s": 0.2}


def run_kwargs(server, out: Path, n: int = 60, **extra):
    return dict(base_url=server.base_url, model="fake-teacher", seeds=[SEEDS],
                num_instructions=n, seed=7, out=out, prices=PRICES, **extra)


def fast_config(tmp_path: Path) -> Path:
    path = tmp_path / "fast.toml"
    path.write_text("[generate]\nbatch_poll_s = 0.05\nbatch_gather_s = 0.2\n")
    return path


def batch_args(server, out: Path, n: int, tmp_path: Path, *extra: str) -> list[str]:
    return generate_args(server.base_url, out, n, "--batch-api", "--config",
                         str(fast_config(tmp_path)), *extra)


def start_held_run(server, out: Path, n: int, tmp_path: Path):
    """A CLI run whose first batch is held at the provider; returns once it is journaled."""
    server.batches.hold()
    args = batch_args(server, out, n, tmp_path)
    process = start_cli(*args)
    deadline = time.monotonic() + 30
    while not any("batch_id" in e for e in read_jsonl(out / "batches.jsonl")):
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("no batch was journaled")
        time.sleep(0.05)
    return process, args


def kill(process) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def live_chat_requests(server) -> int:
    return server.count_by_path().get("/v1/chat/completions", 0)


def executed_ids(server) -> Counter[str]:
    return Counter(line["custom_id"] for line in server.batches.lines)


def test_batch_run_gives_the_live_run_dataset_at_half_the_cost(fake_teacher, tmp_path):
    live = generate(**run_kwargs(fake_teacher, tmp_path / "live"))
    sent_live = live_chat_requests(fake_teacher)
    batched = generate(**run_kwargs(fake_teacher, tmp_path / "batch", batch_api=True, **FAST))
    assert batched.accepted == live.accepted == 60
    assert live_chat_requests(fake_teacher) == sent_live  # nothing sent outside the batches
    assert fake_teacher.batches.created >= 1
    assert max(executed_ids(fake_teacher).values()) == 1
    # the same request bodies, so the same answers and the same dataset, byte for byte
    assert (tmp_path / "live" / "data.jsonl").read_bytes() == (
        tmp_path / "batch" / "data.jsonl"
    ).read_bytes()
    assert batched.cost_usd == pytest.approx(live.cost_usd / 2)
    manifest = json.loads((tmp_path / "batch" / "run.json").read_text())
    assert manifest["config"]["batch_api"] is True
    assert manifest["counts"]["requests"] == batched.requests
    journal = read_jsonl(tmp_path / "batch" / "batches.jsonl")
    assert any(entry.get("read") for entry in journal)

    created = fake_teacher.batches.created
    again = generate(**run_kwargs(fake_teacher, tmp_path / "batch", n=60, batch_api=True, **FAST))
    assert again.accepted == 60 and fake_teacher.batches.created == created


def test_kill_while_a_batch_runs_then_resume_collects_it(fake_teacher, tmp_path):
    out = tmp_path / "run"
    process, args = start_held_run(fake_teacher, out, 80, tmp_path)
    kill(process)
    assert fake_teacher.batches.created == 1
    fake_teacher.batches.release()
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert_consistent_run(out, expected=80)
    ids = executed_ids(fake_teacher)
    assert ids and max(ids.values()) == 1  # no request ran twice
    assert "from an earlier session" in result.stderr
    assert live_chat_requests(fake_teacher) == 0


def test_batch_created_but_not_journaled_is_found_again(fake_teacher, tmp_path):
    """A kill between creating a batch and writing its id: the rerun finds it by metadata."""
    out = tmp_path / "run"
    process, args = start_held_run(fake_teacher, out, 40, tmp_path)
    kill(process)
    journal = (out / "batches.jsonl").read_text().splitlines()
    (out / "batches.jsonl").write_text(
        "".join(line + "\n" for line in journal if '"batch_id"' not in line)
    )
    fake_teacher.batches.release()
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert_consistent_run(out, expected=40)
    assert max(executed_ids(fake_teacher).values()) == 1


def test_ctrl_c_leaves_the_batch_running_and_a_rerun_collects_it(fake_teacher, tmp_path):
    out = tmp_path / "run"
    process, args = start_held_run(fake_teacher, out, 40, tmp_path)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=20)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "rerun" in stderr
    fake_teacher.batches.release()
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert_consistent_run(out, expected=40)
    assert fake_teacher.batches.created == 1
    assert max(executed_ids(fake_teacher).values()) == 1


def test_failed_lines_go_into_a_later_batch(fake_teacher, tmp_path):
    fake_teacher.batches.fail_lines(3, status=500)
    summary = generate(**run_kwargs(fake_teacher, tmp_path / "run", n=40, batch_api=True, **FAST))
    assert summary.accepted == 40
    assert fake_teacher.batches.created >= 2
    assert summary.errors.get("failed:TeacherError") is None
    assert_consistent_run(tmp_path / "run", expected=40)


def test_an_expired_batch_resends_only_what_did_not_run(fake_teacher, tmp_path):
    fake_teacher.batches.next_outcome("expired")
    summary = generate(**run_kwargs(fake_teacher, tmp_path / "run", n=60, batch_api=True, **FAST))
    assert summary.accepted == 60
    assert fake_teacher.batches.created >= 2
    assert max(executed_ids(fake_teacher).values()) == 1


def test_a_failed_batch_stops_the_run_with_its_reason(fake_teacher, tmp_path):
    fake_teacher.batches.next_outcome("failed")
    result = cli(*batch_args(fake_teacher, tmp_path / "run", 20, tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "batch" in last and "failed" in last, result.stderr


def test_a_client_error_in_a_line_is_not_resent(fake_teacher, tmp_path):
    """A 400 for one line is that request's failure, as it would be live: not retried."""
    fake_teacher.batches.fail_lines(1, status=400)
    summary = generate(**run_kwargs(fake_teacher, tmp_path / "run", n=40, batch_api=True, **FAST))
    assert summary.accepted == 40
    assert sum(v for k, v in summary.errors.items() if k.startswith("failed:")) == 1


def test_batch_api_is_refused_with_the_local_teacher(tmp_path):
    result = cli("generate", "--teacher", "local", "--batch-api", "-n", "1",
                 "--out", str(tmp_path / "r"))
    assert result.returncode == 1
    assert "--batch-api needs a provider" in result.stderr
    assert "Traceback" not in result.stderr


def test_dry_run_prices_the_batch(tmp_path):
    env = cli_env(OPENAI_API_KEY="sk-test")  # an API teacher: the local one has no Batch API
    result = cli("generate", "--model", "gpt-4o-mini", "-n", "1000", "--batch-api", "--dry-run",
                 "--out", str(tmp_path / "r"), env=env)
    plain = cli("generate", "--model", "gpt-4o-mini", "-n", "1000", "--dry-run",
                "--out", str(tmp_path / "r"), env=env)
    assert result.returncode == 0 and plain.returncode == 0
    cost = float(result.stdout.split("cost $")[1].split()[0])
    full = float(plain.stdout.split("cost $")[1].split()[0])
    assert cost == pytest.approx(full / 2, rel=1e-3)
    assert "Batch API" in result.stdout


def test_self_instruct_in_batches_gives_the_live_dataset(fake_teacher, tmp_path):
    """Self-Instruct's later steps (classify, instances) and its generated demonstrations
    depend on earlier answers: batches go in rounds, with the same result."""
    kwargs = dict(method="self-instruct", base_url=fake_teacher.base_url, model="fake-teacher",
                  seeds=[SEEDS], num_instructions=15, seed=11)
    live = generate(out=tmp_path / "live", **kwargs)
    batched = generate(out=tmp_path / "batch", batch_api=True, **FAST, **kwargs)
    assert live.accepted == batched.accepted == 15
    assert fake_teacher.batches.created >= 3  # bootstrap, classify, instances at least
    assert (tmp_path / "live" / "data.jsonl").read_bytes() == (
        tmp_path / "batch" / "data.jsonl"
    ).read_bytes()


@pytest.mark.parametrize("fault", ["reset", "500"])
def test_a_lost_create_answer_does_not_create_the_batch_twice(fake_teacher, tmp_path, fault):
    """The provider made the batch but its answer was lost (reset) or an error was returned
    after it (500): the retry looks for the batch by its metadata before creating another."""
    fake_teacher.fail_next(fault, path="/v1/batches")
    summary = generate(**run_kwargs(fake_teacher, tmp_path / "run", n=40, batch_api=True, **FAST))
    assert summary.accepted == 40
    assert fake_teacher.batches.created == 1
    assert max(executed_ids(fake_teacher).values()) == 1
