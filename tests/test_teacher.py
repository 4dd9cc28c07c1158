"""The teacher client against every fault an HTTP API produces (a real server on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from selfinstruct.errors import TeacherAuthError, TeacherHTTPError
from selfinstruct.teachers.cache import ResponseCache
from selfinstruct.teachers.client import Teacher, TeacherRequest, TeacherSettings
from selfinstruct.teachers.wire import parse_reset

MESSAGES = [{"role": "user", "content": "Now write 2 new tasks, numbered 1 to 2, in the same format."}]


def teacher_for(server, **overrides) -> Teacher:
    settings = TeacherSettings(
        model="fake-teacher", base_url=server.base_url, api_key="test-key", timeout_s=2.0,
        max_attempts=overrides.pop("max_attempts", 5), **overrides,
    )
    return Teacher(settings, backoff_initial_s=0.02, backoff_max_s=0.1)


def complete(teacher: Teacher, index: int = 0, step: str = ""):
    async def go():
        try:
            return await teacher.complete(TeacherRequest(index=index, messages=MESSAGES, step=step))
        finally:
            await teacher.close()

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("kind", "options", "error_kind"),
    [
        ("429", {"retry_after": 0.1}, "http_429"),
        ("429", {}, "http_429"),
        ("500", {}, "http_500"),
        ("502", {}, "http_502"),
        ("503", {}, "http_503"),
        ("reset", {}, "connection"),
        ("not_json", {}, "bad_response"),
        ("empty_choices", {}, "bad_response"),
        ("timeout", {"hang": 5}, "timeout"),
    ],
)
def test_recoverable_faults_are_retried(fake_teacher, kind, options, error_kind):
    fake_teacher.fail_next(kind, times=2, **options)
    teacher = teacher_for(fake_teacher)
    started = time.monotonic()
    answer = complete(teacher)
    assert "Instruction" in answer.text
    assert answer.attempts == 3 and fake_teacher.request_count == 3
    assert teacher.stats.errors[error_kind] == 2
    if kind == "429" and options:
        assert time.monotonic() - started >= 0.2  # Retry-After honoured, twice
    if kind == "timeout":
        assert teacher.stats.possibly_billed == 2


def test_gives_up_after_max_attempts(fake_teacher):
    fake_teacher.fail_next("500", times=10)
    teacher = teacher_for(fake_teacher, max_attempts=3)
    with pytest.raises(TeacherHTTPError, match="HTTP 500") as info:
        complete(teacher)
    assert info.value.status == 500 and fake_teacher.request_count == 3


def test_401_is_not_retried_and_names_the_key(fake_teacher_factory):
    server = fake_teacher_factory(api_key="right-key")
    teacher = teacher_for(server)
    with pytest.raises(TeacherAuthError, match="refused the API key") as info:
        complete(teacher)
    assert server.request_count == 1
    assert "test-key" not in str(info.value)


def test_404_names_model_and_base_url(fake_teacher):
    fake_teacher.fail_next("404")
    teacher = teacher_for(fake_teacher)
    with pytest.raises(TeacherHTTPError) as info:
        complete(teacher)
    message = str(info.value)
    assert "'fake-teacher'" in message and fake_teacher.base_url in message
    assert fake_teacher.request_count == 1


@pytest.mark.parametrize("kind", ["length", "content_filter"])
def test_cut_answers_come_back_with_their_finish_reason(fake_teacher, kind):
    fake_teacher.fail_next(kind, partial=True) if kind == "content_filter" else fake_teacher.fail_next(kind)
    answer = complete(teacher_for(fake_teacher))
    assert answer.finish_reason == kind and answer.attempts == 1


def test_cache_replays_without_a_request(fake_teacher, tmp_path):
    cache = ResponseCache(tmp_path / "cache.sqlite")
    first = Teacher(TeacherSettings(model="fake-teacher", base_url=fake_teacher.base_url, api_key="sk-secret-1"), cache=cache)
    a = complete(first)
    second = Teacher(
        TeacherSettings(model="fake-teacher", base_url=fake_teacher.base_url, api_key="other", concurrency=99, rpm=1000),
        cache=cache,
    )
    b = complete(second)
    assert fake_teacher.request_count == 1
    assert b.cached and b.text == a.text and b.prompt_tokens == a.prompt_tokens
    third = Teacher(TeacherSettings(model="fake-teacher", base_url=fake_teacher.base_url, temperature=0.5), cache=cache)
    complete(third)
    assert fake_teacher.request_count == 2  # a sampling change is a new request
    complete(Teacher(TeacherSettings(model="fake-teacher", base_url=fake_teacher.base_url), cache=cache), step="x")
    assert fake_teacher.request_count == 3  # so is another step of the same unit
    assert b"sk-secret-1" not in (tmp_path / "cache.sqlite").read_bytes()
    cache.close()


def test_rpm_spreads_requests_evenly(fake_teacher):
    teacher = teacher_for(fake_teacher, rpm=600, concurrency=8)  # one request every 0.1 s

    async def go():
        try:
            await asyncio.gather(*(teacher.complete(TeacherRequest(index=i, messages=MESSAGES)) for i in range(6)))
        finally:
            await teacher.close()

    asyncio.run(go())
    times = sorted(entry["time"] for entry in fake_teacher.requests)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    # not a burst (a burst arrives within milliseconds); the server's clock reads arrivals, so
    # one late arrival on a loaded machine shortens the next gap (seen: 0.074 s): half a slot
    assert min(gaps) >= 0.05, gaps
    assert times[-1] - times[0] >= 0.45, gaps  # 6 requests take 5 slots, however they jitter


def test_429_cools_everyone_down(fake_teacher):
    fake_teacher.fail_next("429", times=1, retry_after=0.5)
    teacher = teacher_for(fake_teacher, concurrency=1)

    async def go():
        try:
            await teacher.complete(TeacherRequest(index=0, messages=MESSAGES))
            await teacher.complete(TeacherRequest(index=1, messages=MESSAGES))
        finally:
            await teacher.close()

    started = time.monotonic()
    asyncio.run(go())
    assert time.monotonic() - started >= 0.5


@pytest.mark.parametrize(("value", "seconds"), [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m", 3720.0), ("soon", None)])
def test_reset_headers(value, seconds):
    assert parse_reset(value) == seconds


@pytest.mark.parametrize(("failures", "max_attempts"), [(0, 4), (1, 4), (3, 4), (4, 4), (2, 1)])
def test_retry_loop_applies_the_policy_as_tenacity_does(failures, max_attempts):
    """`call_with_retries` writes tenacity's AsyncRetrying loop out: the same attempts, the
    same waits (attempt numbers into the jittered backoff), the same error at the end."""
    import random

    from tenacity import AsyncRetrying

    from selfinstruct.teachers.wire import BadResponse, Wire

    async def scripted(wire: Wire, use_tenacity: bool) -> tuple[object, list[float], int]:
        waits: list[float] = []
        left = [failures]

        async def sleep(seconds: float) -> None:
            waits.append(round(seconds, 9))

        async def call() -> str:
            if left[0]:
                left[0] -= 1
                raise BadResponse("not a completion")
            return "answer"

        wire._sleep = sleep  # type: ignore[method-assign]
        random.seed(7)  # the backoff's jitter
        try:
            if not use_tenacity:
                return (await wire.call_with_retries(call, "request 0"))[0], waits, failures
            policy = wire.retrying
            reference = AsyncRetrying(
                retry=policy.retry, stop=policy.stop, wait=policy.wait, sleep=sleep, reraise=True
            )
            async for attempt in reference:
                with attempt:
                    return await call(), waits, failures
        except Exception as exc:  # the error the loop ends on, by type
            return type(exc).__name__, waits, failures
        raise AssertionError("unreachable")

    def run(use_tenacity: bool):
        settings = TeacherSettings(model="m", base_url="http://127.0.0.1:9/v1", api_key="k",
                                   max_attempts=max_attempts)  # fmt: skip
        wire = Wire(settings, backoff_initial_s=0.5, backoff_max_s=4.0)
        return asyncio.run(scripted(wire, use_tenacity))

    ours, reference = run(False), run(True)
    assert ours[1] == reference[1]
    assert len(ours[1]) == min(failures, max_attempts - 1)
    if failures < max_attempts:
        assert ours[0] == reference[0] == "answer"
    else:  # given up: ours names it as a TeacherError, tenacity re-raises the last failure
        assert (ours[0], reference[0]) == ("TeacherError", "BadResponse")
