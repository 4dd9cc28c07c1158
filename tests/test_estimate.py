"""`--dry-run` is built from the same plan a real run uses, so its figures hold: checked
against what real runs then send to the test server, for both methods."""

from __future__ import annotations

import json

import pytest
from helpers import SEEDS, cli, cli_env, generate_args

from selfinstruct.config import GenerateConfig
from selfinstruct.run.build import plan_run
from selfinstruct.run.estimate import estimate

#: a real price, so the cost comparison weighs prompt and completion tokens as a bill does
PRICES = {"fake-teacher": {"input": 0.15, "output": 0.60}}


def within(estimated: float, real: float, share: float = 0.25) -> bool:
    return abs(estimated - real) <= share * real


@pytest.mark.parametrize(("method", "n"), [("alpaca", 300), ("self-instruct", 300)])
def test_dry_run_is_within_a_quarter_of_what_the_run_sends(fake_teacher, tmp_path, method, n):
    out = tmp_path / "run"
    config = GenerateConfig(
        base_url=fake_teacher.base_url, model="fake-teacher", out=out, num_instructions=n,
        seeds=[SEEDS], method=method, prices=PRICES,
    )
    guess = estimate(plan_run(config))
    assert not out.exists()  # a dry run writes nothing

    result = cli(*generate_args(fake_teacher.base_url, out, n, "--method", method))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "run.json").read_text())
    sent = manifest["counts"]["requests_sent_this_session"]
    usage = manifest["usage"]["received_this_session"]
    prompt, completion = usage["prompt_tokens"], usage["completion_tokens"]
    cost = (prompt * 0.15 + completion * 0.60) / 1e6

    assert sent == fake_teacher.request_count
    assert within(guess.requests, sent), (guess, sent)
    assert within(guess.prompt_tokens + guess.completion_tokens, prompt + completion), (
        guess, prompt, completion,
    )
    assert guess.cost_usd is not None and within(guess.cost_usd, cost), (guess, cost)


def test_dry_run_of_a_run_under_way_uses_its_measured_rates(fake_teacher, tmp_path):
    out = tmp_path / "run"
    assert cli(*generate_args(fake_teacher.base_url, out, 100)).returncode == 0
    counts = json.loads((out / "run.json").read_text())["counts"]
    result = cli(*generate_args(fake_teacher.base_url, out, 300, "--dry-run"))
    assert result.returncode == 0, result.stderr
    assert "at this run's measured rates so far" in result.stdout
    per_request = counts["accepted"] / counts["requests"]
    expected = round(200 / per_request) + 1
    assert f"about {expected} more requests" in result.stdout or (
        f"about {expected + 1} more requests" in result.stdout
    ), result.stdout


def test_dry_run_of_the_local_teacher_costs_nothing(tmp_path):
    result = cli("generate", "-n", "20", "--out", str(tmp_path / "r"), "--dry-run", env=cli_env())
    assert result.returncode == 0, result.stderr
    assert "no cost (the local teacher runs on this machine)" in result.stdout
    assert "gpt-4o-mini" not in result.stdout


def test_dry_run_of_self_instruct_counts_every_step(tmp_path):
    """The issue's case: self-instruct -n 40 was estimated at 4 requests (Alpaca's count)."""
    result = cli("generate", "--method", "self-instruct", "-n", "40", "--model", "gpt-4o-mini",
                 "--out", str(tmp_path / "r"), "--dry-run", env=cli_env(OPENAI_API_KEY="sk-test"))
    assert result.returncode == 0, result.stderr
    requests = int(result.stdout.split("about ")[1].split()[0])
    assert 40 <= requests <= 120, result.stdout
