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
