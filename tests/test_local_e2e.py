"""The main job against the real embedded model: README's first command, small."""

from __future__ import annotations

import json

import pytest
from helpers import assert_consistent_run, cli, cli_env

from selfinstruct.teachers.local import INSTALL_HINT, is_available

pytestmark = [
    pytest.mark.local_model,
    pytest.mark.skipif(not is_available(), reason=f"the local teacher needs: {INSTALL_HINT}"),
]


def test_generate_with_the_local_teacher_and_no_key(tmp_path):
    out = tmp_path / "quick"
    result = cli("generate", "-n", "3", "--out", str(out), env=cli_env(), timeout=400)
    assert result.returncode == 0, result.stderr
    assert "Teacher: local SmolLM2-135M-Instruct" in result.stderr
    assert "OPENAI_API_KEY" in result.stderr  # how to point at a real API instead
    data = assert_consistent_run(out, expected=3)
    assert data
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["config"]["profile"] == "small-local"
    assert manifest["teacher"]["model"] == "smollm2-135m-instruct"
    assert manifest["teacher"]["base_url"].startswith("http://127.0.0.1:")
    check = cli("validate", str(out / "data.jsonl"))
    assert check.returncode == 0, check.stdout
    again = tmp_path / "again"
    result = cli("generate", "-n", "3", "--out", str(again), env=cli_env(), timeout=400)
    assert result.returncode == 0, result.stderr
    # the same --seed: byte-identical answers, so byte-identical data
    assert (again / "data.jsonl").read_bytes() == (out / "data.jsonl").read_bytes()


def test_serve_answers_and_stops_on_ctrl_c(tmp_path):
    import signal
    import socket
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "selfinstruct", "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=cli_env(),
    )  # fmt: skip
    try:
        line = server.stdout.readline() if server.stdout else ""
        assert f"http://127.0.0.1:{port}/v1" in line, line
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=10) as reply:
            assert json.loads(reply.read())["data"][0]["id"] == "smollm2-135m-instruct"
        server.send_signal(signal.SIGINT)
        assert server.wait(15) == 0
        with pytest.raises(ConnectionRefusedError):  # the server's own process went with it
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
    finally:
        if server.poll() is None:
            server.kill()


def test_self_instruct_with_the_local_teacher(tmp_path):
    """All four steps as completion documents with grammars: a grammar llama.cpp cannot
    parse, or a step the parser cannot read, leaves the run without records."""
    out = tmp_path / "si"
    args = ("generate", "--method", "self-instruct", "-n", "3", "--out", str(out))
    result = cli(*args, env=cli_env(), timeout=400)
    assert result.returncode == 0, result.stderr
    data = assert_consistent_run(out, expected=3, instances=True)
    assert data
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["config"]["method"] == "self-instruct"
    assert manifest["config"]["profile"] == "small-local"
