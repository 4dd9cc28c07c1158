"""Crash safety: a run killed with SIGKILL at random moments, again and again, ends with
exactly the target, every line valid, nothing twice, and the three files in agreement."""

from __future__ import annotations

import random
import signal
import time

from helpers import assert_consistent_run, cli, generate_args, read_jsonl, start_cli
from test_generate import assert_only_in_flight_repeated

KILLS = 20


def test_twenty_kills_then_complete(fake_teacher_factory, tmp_path):
    server = fake_teacher_factory(latency=0.02)
    out = tmp_path / "run"
    target = 400
    args = generate_args(server.base_url, out, target, "--concurrency", "3", "--tasks-per-request", "5")
    rng = random.Random(2026)
    kill_times = []
    for _ in range(KILLS):
        process = start_cli(*args)
        # startup takes about a second; kill anywhere from start-up to mid-run
        time.sleep(rng.uniform(0.3, 2.5))
        process.send_signal(signal.SIGKILL)
        kill_times.append(time.time())
        process.wait(timeout=10)
        if len(read_jsonl(out / "data.jsonl")) >= target:
            break
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert_consistent_run(out, expected=target)
    assert_only_in_flight_repeated(server, kill_times)


def test_torn_last_line_is_repaired_with_a_warning(fake_teacher, tmp_path):
    out = tmp_path / "run"
    args = generate_args(fake_teacher.base_url, out, 30)
    assert cli(*args).returncode == 0
    with open(out / "data.jsonl", "ab") as handle:
        handle.write(b'{"instruction": "half a li')
    with open(out / "records.jsonl", "ab") as handle:
        handle.write(b'{"id": "rec_0000')
    result = cli(*generate_args(fake_teacher.base_url, out, 40))
    assert result.returncode == 0, result.stderr
    assert "warning: data.jsonl: removed a torn last line" in result.stderr
    assert "warning: records.jsonl: removed a torn last line" in result.stderr
    assert_consistent_run(out, expected=40)
