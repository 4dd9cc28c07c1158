"""End to end: the real CLI as a process, against a real OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from helpers import (
    SEEDS,
    assert_consistent_run,
    cli,
    generate_args,
    read_jsonl,
    start_cli,
)

from selfinstruct import generate


def request_identities(server) -> list[tuple[str, int]]:
    """What makes a request unique in a run: its messages and its seed."""
    return [identity for identity, _ in timed_identities(server)]


def timed_identities(server) -> list[tuple[tuple[str, int], float]]:
    out = []
    for entry in server.requests:
        body = entry["body"]
        if entry["path"].endswith("/chat/completions"):
            identity = (json.dumps(body.get("messages"), sort_keys=True), body.get("seed"))
            out.append((identity, entry["time"]))
    return out


def assert_only_in_flight_repeated(server, kill_times: list[float], grace_s: float = 2.0) -> None:
    """A request is sent again only if its answer had not reached the client when the process
    that sent it was killed (the answer died with the process). Anything answered before that
    kill, with a moment's grace for the client to store it, is replayed from the cache."""
    first_copy: dict[tuple[str, int], dict] = {}
    for (identity, _), entry in zip(timed_identities(server), _chat_entries(server), strict=True):
        if identity not in first_copy:
            first_copy[identity] = entry
            continue
        first = first_copy[identity]
        sent, answered = first["time"], first.get("answered")
        # the server stamps a request when it reads it: one the killed process had already
        # written may be read a moment after the kill
        killer = min((k for k in kill_times if k >= sent - grace_s), default=None)
        assert killer is not None, "a request was sent twice without a kill in between"
        assert answered is None or answered >= killer - grace_s, (
            "a request answered before the kill was sent again"
        )


def _chat_entries(server) -> list[dict]:
    return [e for e in server.requests if e["path"].endswith("/chat/completions")]


def test_cli_generates_a_valid_dataset(fake_teacher, tmp_path):
    out = tmp_path / "run"
    result = cli(*generate_args(fake_teacher.base_url, out, 200))
    assert result.returncode == 0, result.stderr
    assert "complete: 200/200" in result.stderr
    data = assert_consistent_run(out, expected=200)
    assert "Traceback" not in result.stderr
    check = cli("validate", str(out / "data.jsonl"))
    assert check.returncode == 0, check.stdout
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["teacher"]["model"] == "fake-teacher"
    assert manifest["seed_files"][0]["sha256"]
    assert manifest["usage"]["prompt_tokens"] > 0
    assert manifest["counts"]["requests"] == fake_teacher.request_count
    rejected = read_jsonl(out / "rejected.jsonl")
    reasons = {r["reason"] for r in rejected}
    assert "near_duplicate" in reasons or "exact_duplicate" in reasons
    assert all(r.get("neighbour") for r in rejected if r["reason"] == "near_duplicate")
    records = read_jsonl(out / "records.jsonl")
    assert all(r["demonstration_ids"] and r["nearest_seed"] for r in records)
    assert len({d["instruction"] for d in data}) == 200


def test_same_seed_same_dataset_and_rerun_sends_nothing(fake_teacher, tmp_path):
    kwargs = dict(base_url=fake_teacher.base_url, model="fake-teacher", seeds=[SEEDS],
                  num_instructions=60, seed=7)
    first = generate(out=tmp_path / "a", **kwargs)
    sent = fake_teacher.request_count
    second = generate(out=tmp_path / "b", **kwargs)
    assert first.accepted == second.accepted == 60
    assert (tmp_path / "a" / "data.jsonl").read_bytes() == (tmp_path / "b" / "data.jsonl").read_bytes()
    before = fake_teacher.request_count
    again = generate(out=tmp_path / "a", **kwargs)  # complete already: nothing to do
    assert fake_teacher.request_count == before and again.accepted == 60
    # a larger target continues the same run, sending only new requests
    more = generate(out=tmp_path / "a", **{**kwargs, "num_instructions": 90})
    assert more.accepted == 90
    assert_consistent_run(tmp_path / "a", expected=90)
    assert sent > 0


def test_sigkill_half_way_then_resume(fake_teacher_factory, tmp_path):
    server = fake_teacher_factory(latency=0.05)
    out = tmp_path / "run"
    target = 500
    args = generate_args(server.base_url, out, target, "--concurrency", "4")
    process = start_cli(*args)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(read_jsonl(out / "data.jsonl")) >= target // 2:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    killed = time.time()
    process.wait(timeout=10)
    killed_at = len((out / "data.jsonl").read_bytes().splitlines())
    assert 0 < killed_at < target
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert_consistent_run(out, expected=target)
    identities = request_identities(server)
    assert len(identities) - len(set(identities)) <= 4  # at most the requests in flight
    assert_only_in_flight_repeated(server, [killed])


def test_resume_warns_about_changed_settings(fake_teacher, tmp_path):
    out = tmp_path / "run"
    assert cli(*generate_args(fake_teacher.base_url, out, 20)).returncode == 0
    result = cli(*generate_args(fake_teacher.base_url, out, 40, "--temperature", "0.5"))
    assert result.returncode == 0
    assert "warning: resuming with different temperature" in result.stderr


@pytest.mark.parametrize("n", [1])
def test_topic_reaches_the_prompt(fake_teacher, tmp_path, n):
    generate(out=tmp_path / "r", base_url=fake_teacher.base_url, model="fake-teacher",
             seeds=[SEEDS], num_instructions=n, topic="customer support for a bank")
    body = fake_teacher.requests[0]["body"]
    assert "customer support for a bank" in body["messages"][-1]["content"]


def test_second_writer_is_refused(fake_teacher_factory, tmp_path):
    server = fake_teacher_factory(latency=0.3)
    out = tmp_path / "run"
    args = generate_args(server.base_url, out, 300, "--concurrency", "1")
    first = start_cli(*args)
    try:
        deadline = time.monotonic() + 30
        while not (out / "run.json").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = cli(*args)
        assert second.returncode == 1
        assert "another selfinstruct process is writing" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)


def test_sigint_stops_cleanly_and_resumes(fake_teacher_factory, tmp_path):
    server = fake_teacher_factory(latency=0.2)
    out = tmp_path / "run"
    args = generate_args(server.base_url, out, 400, "--concurrency", "2")
    process = start_cli(*args)
    deadline = time.monotonic() + 30
    while len(read_jsonl(out / "data.jsonl")) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "resume" in stderr
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["status"] == "stopped" and manifest["stop"]["kind"] == "signal"
    assert_consistent_run(out)
    result = cli(*generate_args(server.base_url, out, 60))
    assert result.returncode == 0, result.stderr
    assert_consistent_run(out)


def test_data_paths_are_relative_to_cwd(fake_teacher, tmp_path: Path):
    result = cli(*generate_args(fake_teacher.base_url, Path("rel"), 5), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "rel" / "data.jsonl").exists()
