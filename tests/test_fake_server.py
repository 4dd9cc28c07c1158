"""The fake teacher through the real `openai` SDK: what a client sees for normal answers,
determinism, every fault kind, auth, rate limits, JSON mode and shutdown."""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
import time
import weakref
from collections.abc import Callable

import openai
import pytest
from rouge_score import rouge_scorer

from selfinstruct.methods.prompts import render_alpaca_prompt
from selfinstruct.schemas import Instance, SeedTask
from selfinstruct_testing import FakeTeacherServer, TaskGenerator, synthetic_instructions
from selfinstruct_testing.words import reword

Factory = Callable[..., FakeTeacherServer]

SEEDS = [
    SeedTask(id="s1", instruction="Give three tips for staying healthy.",
             instances=[Instance(output="Eat well, move daily and sleep enough.")]),
    SeedTask(id="s2", instruction="Rewrite the sentence in the passive voice.",
             instances=[Instance(input="The cat chased the mouse.",
                                 output="The mouse was chased by the cat.")]),
    SeedTask(id="s3", instruction="What is the capital of France?",
             instances=[Instance(output="Paris.")]),
]


def prompt(n: int = 5, demos: list[SeedTask] | None = None) -> list[dict[str, str]]:
    return render_alpaca_prompt(demos if demos is not None else SEEDS[:2], n)


def client(server: FakeTeacherServer, **kwargs: object) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0, **kwargs)


_CLIENTS: weakref.WeakKeyDictionary[FakeTeacherServer, openai.OpenAI] = (
    weakref.WeakKeyDictionary()
)


def ask(server: FakeTeacherServer, **kwargs: object) -> openai.types.chat.ChatCompletion:
    """One chat completion through a client kept per server (building one costs ~50 ms)."""
    if server not in _CLIENTS:
        _CLIENTS[server] = client(server)
    params: dict = {"model": "fake-teacher", "messages": prompt()} | kwargs
    return _CLIENTS[server].chat.completions.create(**params)


# -- normal answers ------------------------------------------------------------------------------
def test_completion_has_n_task_blocks_and_usage(fake_teacher_factory: Factory) -> None:
    server = fake_teacher_factory(generator=TaskGenerator.clean())
    messages = prompt(7)
    response = ask(server, messages=messages)
    content = response.choices[0].message.content or ""
    assert response.object == "chat.completion" and response.model == "fake-teacher"
    assert response.choices[0].finish_reason == "stop"
    assert re.findall(r"^(\d+)\. Instruction: ", content, re.M) == [str(i) for i in range(1, 8)]
    assert content.count("###\n") == 7
    chars = sum(len(m["content"]) for m in messages)
    assert response.usage is not None
    assert abs(response.usage.prompt_tokens - chars / 4) <= 1
    assert abs(response.usage.completion_tokens - len(content) / 4) <= 1
    assert response.usage.total_tokens == (
        response.usage.prompt_tokens + response.usage.completion_tokens)


def test_same_request_same_answer_and_other_demos_differ(fake_teacher: FakeTeacherServer) -> None:
    first = ask(fake_teacher).choices[0].message.content
    assert ask(fake_teacher).choices[0].message.content == first
    assert ask(fake_teacher, messages=prompt(demos=SEEDS[1:])).choices[0].message.content != first
    assert ask(fake_teacher, temperature=0.7).choices[0].message.content != first
    assert ask(fake_teacher, seed=3).choices[0].message.content != first


def test_unknown_prompt_gets_a_short_sentence(fake_teacher: FakeTeacherServer) -> None:
    answer = ask(fake_teacher, messages=[{"role": "user", "content": "Hello there"}])
    content = answer.choices[0].message.content or ""
    assert 0 < len(content) < 200 and "Instruction:" not in content


def test_async_client_runs_requests_concurrently(fake_teacher_factory: Factory) -> None:
    server = fake_teacher_factory(latency=0.3)

    async def main() -> list[str]:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="x",
                                      max_retries=0) as aclient:
            calls = [aclient.chat.completions.create(model="fake-teacher", messages=prompt(3, [s]))
                     for s in SEEDS * 4]
            done = await asyncio.gather(*calls)
        return [r.choices[0].message.content or "" for r in done]

    start = time.monotonic()
    answers = asyncio.run(main())
    assert time.monotonic() - start < 1.5  # 12 x 0.3 s of latency, overlapped
    assert len(answers) == 12 and len(set(answers)) == 3  # three distinct prompts
    assert server.request_count == 12


def test_completions_and_models_endpoints(fake_teacher: FakeTeacherServer) -> None:
    c = client(fake_teacher)
    text = prompt(3)[-1]["content"]
    done = c.completions.create(model="fake-teacher", prompt=text)
    assert done.object == "text_completion" and "Instruction:" in done.choices[0].text
    assert [m.id for m in c.models.list()] == ["fake-teacher"]
    assert fake_teacher.count_by_path() == {"/v1/completions": 1, "/v1/models": 1}


def test_responder_scripts_the_exact_text(fake_teacher_factory: Factory) -> None:
    server = fake_teacher_factory(responder=lambda body: (f"echo {len(body['messages'])}", "stop"))
    assert ask(server).choices[0].message.content == "echo 2"


def test_max_tokens_cuts_the_answer(fake_teacher: FakeTeacherServer) -> None:
    full = ask(fake_teacher).choices[0].message.content or ""
    cut = ask(fake_teacher, max_tokens=50)
    assert cut.choices[0].finish_reason == "length"
    assert cut.choices[0].message.content == full[:200]
    assert cut.usage is not None and cut.usage.completion_tokens == 50


def test_json_response_format(fake_teacher: FakeTeacherServer) -> None:
    for fmt in ({"type": "json_object"},
                {"type": "json_schema", "json_schema": {"name": "tasks", "schema": {}}}):
        content = ask(fake_teacher, messages=prompt(6), response_format=fmt).choices[0].message
        tasks = json.loads(content.content or "")["tasks"]
        assert len(tasks) == 6
        assert all(set(t) == {"instruction", "input", "output"} for t in tasks)


def test_latency_callable_sees_the_body(fake_teacher_factory: Factory) -> None:
    seen: list[dict] = []
    server = fake_teacher_factory(latency=lambda body: seen.append(body) or 0.2)
    start = time.monotonic()
    ask(server)
    assert time.monotonic() - start >= 0.2 and seen[0]["model"] == "fake-teacher"


# -- faults --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "error", "status"), [
    ("429", openai.RateLimitError, 429),
    ("500", openai.InternalServerError, 500),
    ("502", openai.InternalServerError, 502),
    ("503", openai.InternalServerError, 503),
    ("401", openai.AuthenticationError, 401),
    ("404", openai.NotFoundError, 404),
])
def test_status_faults(fake_teacher: FakeTeacherServer, kind: str, error: type[openai.APIStatusError],
                       status: int) -> None:
    fake_teacher.fail_next(kind)
    with pytest.raises(error) as caught:
        ask(fake_teacher)
    assert caught.value.status_code == status
    assert isinstance(caught.value.body, dict) and caught.value.body.get("message")
    assert ask(fake_teacher).choices  # one fault only


def test_429_carries_retry_after(fake_teacher: FakeTeacherServer) -> None:
    fake_teacher.fail_next("429", retry_after=1.5)
    with pytest.raises(openai.RateLimitError) as caught:
        ask(fake_teacher)
    assert caught.value.response.headers["retry-after"] == "1.5"
    assert caught.value.code == "rate_limit_exceeded"


def test_faults_are_consumed_in_order(fake_teacher: FakeTeacherServer) -> None:
    fake_teacher.fail_next("500", times=2)
    fake_teacher.fail_next("503")
    statuses = []
    for _ in range(4):
        try:
            ask(fake_teacher)
            statuses.append(200)
        except openai.APIStatusError as exc:
            statuses.append(exc.status_code)
    assert statuses == [500, 500, 503, 200]


def test_reset_is_a_connection_error(fake_teacher: FakeTeacherServer) -> None:
    fake_teacher.fail_next("reset")
    with pytest.raises(openai.APIConnectionError):
        ask(fake_teacher)
    assert ask(fake_teacher).choices  # the server is fine afterwards


def test_hang_is_a_client_timeout(fake_teacher: FakeTeacherServer) -> None:
    fake_teacher.fail_next("timeout", hang=5)
    start = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        client(fake_teacher, timeout=0.5).chat.completions.create(
            model="fake-teacher", messages=prompt())
    assert time.monotonic() - start < 2


def test_not_json_body(fake_teacher: FakeTeacherServer) -> None:
    fake_teacher.fail_next("not_json")
    raw = client(fake_teacher).chat.completions.with_raw_response.create(
        model="fake-teacher", messages=prompt())
    assert raw.headers["content-type"].startswith("text/html")
    assert raw.text.startswith("<html>")
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw.text)


def test_empty_choices_length_and_content_filter(fake_teacher: FakeTeacherServer) -> None:
    full = ask(fake_teacher).choices[0].message.content or ""
    fake_teacher.fail_next("empty_choices")
    assert ask(fake_teacher).choices == []
    fake_teacher.fail_next("length")
    cut = ask(fake_teacher).choices[0]
    assert cut.finish_reason == "length"
    assert full.startswith(cut.message.content or "") and len(cut.message.content or "") < len(full)
    fake_teacher.fail_next("content_filter")
    blocked = ask(fake_teacher).choices[0]
    assert blocked.finish_reason == "content_filter" and not blocked.message.content


def test_random_faults_follow_the_rates(fake_teacher_factory: Factory) -> None:
    server = fake_teacher_factory(seed=7)
    server.fault_rate = {"500": 0.5}
    failures = 0
    for _ in range(40):
        try:
            ask(server)
        except openai.InternalServerError:
            failures += 1
    assert 8 <= failures <= 32
    server.fault_rate = {}
    assert ask(server).choices
    with pytest.raises(ValueError):
        server.fault_rate = {"teapot": 0.1}
    with pytest.raises(ValueError):
        server.fail_next("teapot")


# -- auth, models, rate limits, the request log --------------------------------------------------
def test_api_key_required_and_never_logged(fake_teacher_factory: Factory) -> None:
    server = fake_teacher_factory(api_key="sk-secret-123")
    with pytest.raises(openai.AuthenticationError):
        ask(server)
    ok = openai.OpenAI(base_url=server.base_url, api_key="sk-secret-123", max_retries=0)
    assert ok.chat.completions.create(model="fake-teacher", messages=prompt()).choices
    assert "sk-secret" not in repr(server.requests)
    entry = server.requests[-1]
    assert entry["path"] == "/v1/chat/completions" and entry["method"] == "POST"
    assert entry["body"]["model"] == "fake-teacher" and entry["time"] > 0
    assert entry["headers"]["authorization"] == "<redacted>"


def test_unknown_model_is_404_unless_any_model_is_accepted(fake_teacher_factory: Factory) -> None:
    strict = fake_teacher_factory()
    with pytest.raises(openai.NotFoundError) as caught:
        ask(strict, model="gpt-9")
    assert caught.value.code == "model_not_found" and "`gpt-9`" in caught.value.message
    relaxed = fake_teacher_factory(model=None)
    assert ask(relaxed, model="gpt-9").model == "gpt-9"


def test_rpm_limit_answers_429_with_reset_headers(fake_teacher_factory: Factory) -> None:
    server = fake_teacher_factory(rpm_limit=3)
    for _ in range(3):
        assert ask(server).choices
    with pytest.raises(openai.RateLimitError) as caught:
        ask(server)
    headers = caught.value.response.headers
    assert 55 < float(headers["retry-after"]) <= 60
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert re.fullmatch(r"\d+(\.\d+)?s", headers["x-ratelimit-reset-requests"])


def test_counts_and_reset(fake_teacher: FakeTeacherServer) -> None:
    ask(fake_teacher)
    ask(fake_teacher)
    assert fake_teacher.request_count == 2
    assert fake_teacher.count_by_path() == {"/v1/chat/completions": 2}
    fake_teacher.reset_counts()
    assert fake_teacher.request_count == 0 and fake_teacher.requests == []


# -- lifecycle -----------------------------------------------------------------------------------
def test_stop_is_prompt_with_a_hung_handler() -> None:
    server = FakeTeacherServer().start()
    server.fail_next("timeout", hang=30)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            client(server, timeout=60).chat.completions.create(model="fake-teacher",
                                                               messages=prompt())
        except openai.APIError as exc:
            errors.append(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    while server.request_count == 0:
        time.sleep(0.01)
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 1.0
    thread.join(timeout=5)
    assert not thread.is_alive() and errors  # the client saw the connection go away


def test_context_manager_and_base_url() -> None:
    with FakeTeacherServer() as server:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", server.base_url)
        assert server.port > 0
    with pytest.raises(openai.APIConnectionError):
        ask(server)


# -- the generator and the corpus ----------------------------------------------------------------
def test_flaw_rates_are_settable() -> None:
    assert all(t.flaw is None for t in TaskGenerator.clean().generate(300))
    flawed = TaskGenerator(refusal_rate=0.5, empty_output_rate=0.5).generate(200)
    flaws = {t.flaw for t in flawed}
    assert {"refusal", "empty_output"} <= flaws and None not in flaws
    tasks = TaskGenerator().generate(2000)
    with_input = sum(1 for t in tasks if t.input) / len(tasks)
    assert 0.3 < with_input < 0.45
    assert len({t.kind for t in tasks}) >= 15


def test_corpus_is_deterministic_with_documented_near_duplicates() -> None:
    corpus = synthetic_instructions(3000, seed=1)
    assert corpus == synthetic_instructions(3000, seed=1)
    assert corpus[:1000] == synthetic_instructions(1000, seed=1)
    assert corpus != synthetic_instructions(3000, seed=2)
    repeats = len(corpus) - len(set(corpus))
    assert 0.01 < repeats / len(corpus) < 0.04
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    rng = random.Random(0)
    scores = [scorer.score(text, reword(rng, text))["rougeL"].fmeasure for text in corpus[:200]]
    assert sum(0.6 <= s <= 0.96 for s in scores) / len(scores) > 0.8
