"""Client-side RPM/TPM limits against a server that enforces them the way OpenAI counts.

The provider's window is shortened to one second on both sides (`limit_window_s`), so a few
seconds exercise many windows; the arithmetic is the same as for a minute.
"""

from __future__ import annotations

import asyncio
import time

from selfinstruct.teachers.client import Teacher, TeacherRequest, TeacherSettings
from selfinstruct.teachers.limits import RateLimits

#: about 100 prompt tokens by the 4-characters-a-token estimate both sides use
PROMPT = [{"role": "user", "content": "Write one short task about tea. " * 12}]


def run_requests(teacher: Teacher, count: int) -> float:
    async def go() -> float:
        started = time.monotonic()
        try:
            await asyncio.gather(
                *(teacher.complete(TeacherRequest(index=i, messages=PROMPT)) for i in range(count))
            )
        finally:
            await teacher.close()
        return time.monotonic() - started

    return asyncio.run(go())


def test_tpm_reserved_like_openai_meets_no_429_and_uses_the_limit(fake_teacher_factory):
    window, limit = 2.0, 20_000  # 50 requests of 100 prompt + 300 max_tokens a window
    server = fake_teacher_factory(tpm_limit=limit, limit_window_s=window)
    settings = TeacherSettings(
        model="fake-teacher", base_url=server.base_url, api_key="k", max_tokens=300,
        concurrency=32, tpm=limit, limit_window_s=window, timeout_s=5.0, max_attempts=2,
    )
    teacher = Teacher(settings, backoff_initial_s=0.05)
    count = 100
    elapsed = run_requests(teacher, count)
    assert server.tpm_refusals == 0 and teacher.stats.errors["http_429"] == 0
    reserved = teacher.limits.reserved_total
    assert reserved >= count * 390  # each request reserved its prompt and max_tokens
    # the bucket starts with one large request's worth (max_tokens + 2048); the rest is paced
    # at (limit - that) a window: 0.87 of the limit here, 0.999 at OpenAI's usual limits
    achieved = (reserved - 2348) / elapsed * window
    assert achieved >= 0.75 * limit, (achieved, elapsed)


def test_tpm_refunding_admits_more_where_the_provider_counts_usage():
    async def admitted(refund: bool) -> int:
        limits = RateLimits(tpm=6000, max_request_tokens=400, refund=refund, window_s=1.0)
        count = 0
        deadline = time.monotonic() + 0.6
        while time.monotonic() < deadline:
            reserved = await limits.admit(400)
            limits.settle(reserved, 100)  # the answer used a quarter of its reservation
            count += 1
        return count

    reserved_only, refunded = asyncio.run(admitted(False)), asyncio.run(admitted(True))
    assert reserved_only <= 1 + 0.6 * 6000 / 400 + 1
    assert refunded >= 2 * reserved_only, (reserved_only, refunded)


def test_no_window_admits_more_than_the_limit():
    """The first window too: a bucket that starts full must not let a burst over the limit."""

    async def go() -> list[tuple[float, float]]:
        limits = RateLimits(tpm=5000, max_request_tokens=500, window_s=0.5)
        admitted: list[tuple[float, float]] = []
        deadline = time.monotonic() + 1.6
        while time.monotonic() < deadline:
            admitted.append((time.monotonic(), await limits.admit(450)))
        return admitted

    admitted = asyncio.run(go())
    times = [t for t, _ in admitted]
    for i, start in enumerate(times):
        in_window = sum(tokens for t, tokens in admitted[i:] if t < start + 0.5)
        assert in_window <= 5000, (start - times[0], in_window)
    assert len(admitted) >= 0.8 * 1.6 / 0.5 * 5000 / 450
