"""The Batch API transport when things go wrong: kills, torn journals, outages of the status
endpoint, a cancel at the provider, Ctrl-C mid-upload, request caps. Each must neither pay for
a request twice nor lose a paid answer. Driven at the Teacher level, sessions in sequence
sharing one run directory, against the test server's Batch API."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path

import openai
from helpers import cli

from selfinstruct.errors import BatchPending, BudgetExceeded
from selfinstruct.teachers.batch import BatchTransport
from selfinstruct.teachers.cache import ResponseCache
from selfinstruct.teachers.client import Teacher, TeacherRequest, TeacherSettings


def make(server, tmp: Path, **settings):
    settings.setdefault("max_attempts", 3)
    messages: list[str] = []
    teacher = Teacher(
        TeacherSettings(model="fake-teacher", base_url=server.base_url, api_key="x", **settings),
        cache=ResponseCache(tmp / "cache.sqlite"), backoff_initial_s=0.01, backoff_max_s=0.05,
        transport=BatchTransport.factory(
            tmp / "batches.jsonl", poll_s=0.05, gather_s=0.1, say=messages.append
        ),
    )
    return teacher, messages


def request(i: int) -> TeacherRequest:
    return TeacherRequest(index=i, messages=[{"role": "user", "content": f"Tell me about {i}."}])


async def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def stop(teacher: Teacher, tasks=()) -> list:
    """Ctrl-C: stop waiting, close."""
    teacher.stop_waiting()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    cache = teacher.cache
    await teacher.close()
    cache.close()
    return results


def executed(server) -> Counter[str]:
    return Counter(line["custom_id"] for line in server.batches.lines)


def collect(server, tmp: Path, count: int, release_after: float = 0.3, **settings):
    """A session that asks for `count` requests, releases the held batches, and waits."""

    async def session():
        teacher, messages = make(server, tmp, **settings)
        tasks = [asyncio.create_task(teacher.complete(request(i))) for i in range(count)]
        await asyncio.sleep(release_after)
        created = server.batches.created
        server.batches.release()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        await stop(teacher)
        return results, created, teacher, messages

    return asyncio.run(session())


def held_then_ctrl_c(server, tmp: Path, count: int):
    """A session whose batch is created (held at the provider), then Ctrl-C."""

    async def session():
        teacher, _ = make(server, tmp)
        tasks = [asyncio.create_task(teacher.complete(request(i))) for i in range(count)]
        created = server.batches.created
        await wait_for(lambda: server.batches.created > created)
        return await stop(teacher, tasks)

    server.batches.hold()
    return asyncio.run(session())


def test_a_submission_never_created_does_not_resend_a_later_batch(fake_teacher, tmp_path):
    server = fake_teacher

    async def create_keeps_failing():
        server.fail_next("503", times=10_000, path="/v1/batches")
        teacher, _ = make(server, tmp_path, max_attempts=10_000)
        tasks = [asyncio.create_task(teacher.complete(request(i))) for i in range(6)]
        await wait_for(lambda: sum(
            n for path, n in server.count_by_path().items() if path.startswith("/v1/batches")
        ) >= 3)
        results = await stop(teacher, tasks)
        server.clear_faults()
        return results

    assert all(isinstance(r, BatchPending) for r in asyncio.run(create_keeps_failing()))
    assert server.batches.created == 0
    held_then_ctrl_c(server, tmp_path, 6)  # the rerun creates one batch, then Ctrl-C again
    assert server.batches.created == 1
    results, created, _, messages = collect(server, tmp_path, 6)
    assert created == 1, messages
    assert all(not isinstance(r, Exception) for r in results), results
    assert set(executed(server).values()) == {1}


def test_a_journal_torn_by_a_kill_is_cut_and_the_batch_still_collected(fake_teacher, tmp_path):
    server = fake_teacher
    held_then_ctrl_c(server, tmp_path, 4)
    with open(tmp_path / "batches.jsonl", "a", encoding="utf-8") as journal:
        journal.write('{"batch_id": "batch_x", "read": tr')  # a kill mid-write
    results, created, _, _ = collect(server, tmp_path, 4)
    assert created == 1 and server.batches.created == 1
    assert all(not isinstance(r, Exception) for r in results), results
    assert set(executed(server).values()) == {1}
    for line in (tmp_path / "batches.jsonl").read_text().splitlines():
        json.loads(line)


def test_an_outage_of_the_status_endpoint_fails_nothing(fake_teacher, tmp_path):
    server = fake_teacher
    server.batches.hold()

    async def session():
        teacher, messages = make(server, tmp_path, max_attempts=2)
        tasks = [asyncio.create_task(teacher.complete(request(i))) for i in range(4)]
        await wait_for(lambda: server.batches.created == 1)
        batch_id = next(
            json.loads(line)["batch_id"]
            for line in (tmp_path / "batches.jsonl").read_text().splitlines()
            if "batch_id" in line
        )
        server.fail_next("503", times=5, path=f"/v1/batches/{batch_id}")
        await wait_for(lambda: any("trying again" in m for m in messages))
        server.batches.release()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        await stop(teacher)
        return results

    results = asyncio.run(session())
    assert all(not isinstance(r, Exception) for r in results), results
    assert server.batches.created == 1


def test_a_batch_cancelled_at_the_provider_stops_and_is_not_resent(fake_teacher, tmp_path):
    server = fake_teacher
    server.batches.hold(after_lines=2)

    async def session():
        teacher, _ = make(server, tmp_path)
        tasks = [asyncio.create_task(teacher.complete(request(i))) for i in range(5)]
        await wait_for(lambda: len(server.batches.lines) == 2)
        batch_id = server.batches.lines[0]["batch_id"]
        client = openai.OpenAI(base_url=server.base_url, api_key="x")
        await asyncio.to_thread(client.batches.cancel, batch_id)
        results = await asyncio.gather(*tasks, return_exceptions=True)
        await stop(teacher)
        return results

    results = asyncio.run(session())
    answered = [r for r in results if not isinstance(r, Exception)]
    assert len(answered) == 2
    assert all(isinstance(r, BatchPending) for r in results if isinstance(r, Exception))
    assert "cancelled" in str(next(r for r in results if isinstance(r, Exception)))
    assert server.batches.created == 1


def test_ctrl_c_during_the_upload_creates_no_batch(fake_teacher, tmp_path):
    server = fake_teacher

    class SlowUpload:
        def __init__(self, client, gate):
            self.client, self.gate = client, gate
            self.files = self

        async def create(self, **kwargs):
            await self.gate.wait()
            return await self.client.files.create(**kwargs)

        def __getattr__(self, name):
            return getattr(self.client, name)

    async def session():
        teacher, _ = make(server, tmp_path)
        gate = asyncio.Event()
        teacher.wire.client = SlowUpload(teacher.wire.client, gate)
        tasks = [asyncio.create_task(teacher.complete(request(i))) for i in range(4)]
        await asyncio.sleep(0.4)  # gathered: the upload is under way
        teacher.stop_waiting()
        gate.set()
        await asyncio.sleep(0.5)
        done = all(task.done() for task in tasks)
        await stop(teacher, tasks)
        return done

    assert asyncio.run(session())
    assert server.batches.created == 0


def test_max_requests_counts_lines_when_they_are_sent(fake_teacher, tmp_path):
    """Collecting a batch an earlier session paid for sends nothing: not counted, not capped."""
    server = fake_teacher
    held_then_ctrl_c(server, tmp_path, 6)
    results, _, teacher, _ = collect(server, tmp_path, 6, max_requests=3)
    assert all(not isinstance(r, Exception) for r in results), results
    assert teacher.stats.requests_sent == 0
    # and a cap stops new lines at the cap
    (tmp_path / "new").mkdir()
    more = collect(server, tmp_path / "new", 5, max_requests=3)[0]
    assert sum(isinstance(r, BudgetExceeded) for r in more) == 2


def test_a_server_without_the_batch_api_is_named_as_such(fake_teacher, tmp_path):
    async def session():
        teacher = Teacher(
            TeacherSettings(model="fake-teacher", base_url=fake_teacher.url + "/none/v1",
                            api_key="x", max_attempts=2),
            cache=ResponseCache(tmp_path / "c.sqlite"), backoff_initial_s=0.01,
            transport=BatchTransport.factory(tmp_path / "batches.jsonl", poll_s=0.05, gather_s=0.1),
        )
        try:
            await teacher.complete(request(0))
        except Exception as exc:
            return exc
        finally:
            await teacher.close()

    error = asyncio.run(session())
    assert "has no Batch API" in str(error) and "model" not in str(error)


def test_batch_api_needs_the_cache(tmp_path):
    result = cli("generate", "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
                 "--batch-api", "--no-cache", "-n", "1", "--out", str(tmp_path / "r"))
    assert result.returncode == 1 and "--batch-api needs the response cache" in result.stderr
