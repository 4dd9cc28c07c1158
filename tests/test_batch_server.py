"""The fake Batch API through the real `openai` SDK: files, batch life cycle, answers equal to
live ones, validation failures, per-line errors, expiry, cancel, hold/release and faults."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import openai
import pytest
from openai.types import Batch

from selfinstruct.methods.prompts import render_alpaca_prompt
from selfinstruct.schemas import Instance, SeedTask
from selfinstruct_testing import FakeTeacherServer, TaskGenerator

Factory = Callable[..., FakeTeacherServer]
CHAT = "/v1/chat/completions"
DONE = ("completed", "failed", "expired", "cancelled")
SEEDS = [
    SeedTask(id="s1", instruction="Give three tips for staying healthy.",
             instances=[Instance(output="Eat well, move daily and sleep enough.")]),
    SeedTask(id="s2", instruction="Rewrite the sentence in the passive voice.",
             instances=[Instance(input="The cat chased the mouse.",
                                 output="The mouse was chased by the cat.")]),
]


@pytest.fixture
def server(fake_teacher_factory: Factory) -> FakeTeacherServer:
    """A fake teacher whose batches move fast (20 ms a phase)."""
    return fake_teacher_factory(generator=TaskGenerator.clean(), batch_delay=0.02)


def sdk(server: FakeTeacherServer, **kwargs: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="sk-test",
                         **{"max_retries": 0, **kwargs})


def chat_line(i: int, **body: Any) -> dict[str, Any]:
    messages = render_alpaca_prompt(SEEDS, 3 + i % 3) if i % 2 else [
        {"role": "user", "content": f"Say something about item {i}."}]
    return {"custom_id": f"req-{i}", "method": "POST", "url": CHAT,
            "body": {"model": "fake-teacher", "messages": messages, "seed": i} | body}


def jsonl(lines: list[Any]) -> bytes:
    return "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines).encode()


def submit(client: openai.OpenAI, lines: list[Any], endpoint: str = CHAT,
           **kwargs: Any) -> Batch:
    uploaded = client.files.create(file=("input.jsonl", jsonl(lines)), purpose="batch")
    return client.batches.create(input_file_id=uploaded.id, endpoint=endpoint,  # type: ignore[arg-type]
                                 completion_window="24h", **kwargs)


def wait(client: openai.OpenAI, batch_id: str, until: Callable[[Batch], bool] = lambda b:
         b.status in DONE, timeout: float = 5.0) -> tuple[Batch, list[str]]:
    """Poll until `until(batch)`; the batch and every status seen on the way."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        batch = client.batches.retrieve(batch_id)
        if not seen or seen[-1] != batch.status:
            seen.append(batch.status)
        if until(batch):
            return batch, seen
        assert time.monotonic() < deadline, f"batch stuck in {batch.status}"
        time.sleep(0.005)


def results(client: openai.OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    if file_id is None:
        return []
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


def live_json(client: openai.OpenAI, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """What a live (non-batch) request with this body gets, as plain JSON."""
    create = client.chat.completions if path == CHAT else client.completions
    return create.with_raw_response.create(**body).http_response.json()  # type: ignore[union-attr]


def same_answer(batch_body: dict[str, Any], live: dict[str, Any]) -> bool:
    """Equal but for the fields that name one response (id, created)."""
    strip = {"id", "created"}
    return {k: v for k, v in batch_body.items() if k not in strip} == {
        k: v for k, v in live.items() if k not in strip}


# -- the happy path ------------------------------------------------------------------------------
def test_chat_batch_answers_every_line_once_as_a_live_request(server: FakeTeacherServer) -> None:
    client = sdk(server)
    lines = [chat_line(i) for i in range(8)] + [chat_line(8, max_tokens=5)]
    batch = submit(client, lines, metadata={"run": "t1"})
    assert (batch.status, batch.metadata, batch.request_counts.total) == (
        "validating", {"run": "t1"}, 0)
    done, seen = wait(client, batch.id)
    assert seen[0] == "validating" and seen[-1] == "completed"
    assert seen == [s for s in ("validating", "in_progress", "finalizing", "completed")
                    if s in seen]
    assert done.request_counts.model_dump() == {"total": 9, "completed": 9, "failed": 0}
    assert done.error_file_id is None and done.errors is None and done.model == "fake-teacher"
    assert done.created_at <= done.in_progress_at <= done.finalizing_at <= done.completed_at
    out = results(client, done.output_file_id)
    ids = [r["custom_id"] for r in out]
    assert sorted(ids) == sorted(line["custom_id"] for line in lines)
    assert ids != [line["custom_id"] for line in lines]  # shuffled, as OpenAI may do
    assert len({r["id"] for r in out}) == len({r["response"]["body"]["id"] for r in out}) == 9
    by_id = {line["custom_id"]: line["body"] for line in lines}
    for r in out:
        assert r["id"].startswith("batch_req_") and r["error"] is None
        assert r["response"]["status_code"] == 200
        assert r["response"]["request_id"].startswith("req_")
        body = r["response"]["body"]
        assert body["object"] == "chat.completion" and body["id"].startswith("chatcmpl-")
        assert same_answer(body, live_json(client, CHAT, by_id[r["custom_id"]]))
    cut = next(r for r in out if r["custom_id"] == "req-8")["response"]["body"]
    assert cut["choices"][0]["finish_reason"] == "length"
    usage = done.usage
    assert usage is not None and usage.output_tokens == sum(
        r["response"]["body"]["usage"]["completion_tokens"] for r in out)
    logged = server.batches.lines
    assert sorted(x["custom_id"] for x in logged) == sorted(by_id)  # each run exactly once
    assert all(x["batch_id"] == batch.id and x["status"] == 200 for x in logged)
    assert logged[0]["body"] == lines[0]["body"]
    assert (server.batches.created, server.batches.uploads) == (1, 1)
    output = client.files.retrieve(done.output_file_id or "")
    assert (output.purpose, output.filename) == ("batch_output", f"{batch.id}_output.jsonl")


def test_completions_batch_and_responder(fake_teacher_factory: Factory) -> None:
    server = fake_teacher_factory(
        responder=lambda body: (f"echo: {body['prompt']} " * 5, "stop"), batch_delay=0.02)
    client = sdk(server)
    lines = [{"custom_id": f"c{i}", "method": "POST", "url": "/v1/completions",
              "body": {"model": "fake-teacher", "prompt": f"prompt {i}", "max_tokens": 3 + i}}
             for i in range(4)]
    done, _ = wait(client, submit(client, lines, endpoint="/v1/completions").id)
    assert done.status == "completed" and done.endpoint == "/v1/completions"
    out = {r["custom_id"]: r["response"]["body"] for r in results(client, done.output_file_id)}
    assert set(out) == {"c0", "c1", "c2", "c3"}
    for line in lines:
        body = out[line["custom_id"]]
        assert body["object"] == "text_completion" and body["id"].startswith("cmpl-")
        assert body["choices"][0]["finish_reason"] == "length"  # max_tokens cut it
        assert same_answer(body, live_json(client, "/v1/completions", line["body"]))


def test_unicode_upload_round_trips_byte_for_byte(server: FakeTeacherServer) -> None:
    client = sdk(server)
    line = chat_line(0)
    line["body"]["messages"] = [{"role": "user", "content": "Résumé: «ça va?» 日本語 🙂"}]
    data = (json.dumps(line, ensure_ascii=False) + "\r\n\n").encode()
    uploaded = client.files.create(file=("données_ü.jsonl", data), purpose="batch")
    assert (uploaded.filename, uploaded.bytes, uploaded.purpose, uploaded.status) == (
        "données_ü.jsonl", len(data), "batch", "processed")
    assert uploaded.id.startswith("file-")
    assert client.files.retrieve(uploaded.id) == uploaded
    assert client.files.content(uploaded.id).content == data
    assert server.batches.content(uploaded.id) == data
    batch = client.batches.create(input_file_id=uploaded.id, endpoint=CHAT,
                                  completion_window="24h")
    done, _ = wait(client, batch.id)
    assert done.status == "completed"
    assert server.batches.lines[0]["body"]["messages"] == line["body"]["messages"]
    [result] = results(client, done.output_file_id)
    assert same_answer(result["response"]["body"], live_json(client, CHAT, line["body"]))


def test_list_and_counters(server: FakeTeacherServer) -> None:
    client = sdk(server)
    first = submit(client, [chat_line(0)])
    second = submit(client, [chat_line(1)])
    listed = client.batches.list()
    assert [b.id for b in listed.data] == [second.id, first.id] and listed.has_more is False
    assert (server.batches.created, server.batches.uploads) == (2, 2)
    assert server.batches.batch(first.id)["id"] == first.id
    assert {f.id for f in client.files.list()} >= {first.input_file_id, second.input_file_id}


# -- validation ----------------------------------------------------------------------------------
def _line(**changes: Any) -> dict[str, Any]:
    return chat_line(1) | changes


BAD_FILES = {
    "not json": (["{not json", chat_line(0)], "invalid_json_line", 1, None),
    "not an object": ([[1, 2]], "invalid_request", 1, None),
    "no custom_id": ([chat_line(0), {k: v for k, v in chat_line(1).items() if k != "custom_id"}],
                     "missing_required_parameter", 2, "custom_id"),
    "duplicate custom_id": ([chat_line(0), chat_line(1), _line(custom_id="req-0")],
                            "duplicate_custom_id", 3, "custom_id"),
    "url mismatch": ([chat_line(0), _line(url="/v1/completions")], "url_mismatch", 2, "url"),
    "wrong method": ([_line(method="GET")], "invalid_value", 1, "method"),
    "no body": ([_line(body=None)], "missing_required_parameter", 1, "body"),
    "no model": ([_line(body={"messages": []})], "missing_required_parameter", 1, "body.model"),
    "unknown model": ([chat_line(0), _line(body={"model": "gpt-x", "messages": []})],
                      "model_not_found", 2, "body.model"),
    "empty": (["", "  "], "empty_file", None, None),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_input_file_fails_the_batch(server: FakeTeacherServer, case: str) -> None:
    lines, code, line_no, param = BAD_FILES[case]
    client = sdk(server)
    done, seen = wait(client, submit(client, lines).id)
    assert seen == ["validating", "failed"]
    assert done.failed_at is not None and done.output_file_id is None
    assert done.errors is not None and done.errors.object == "list" and done.errors.data
    error = done.errors.data[0]
    assert (error.code, error.line, error.param) == (code, line_no, param)
    assert error.message
    assert server.batches.lines == []  # nothing runs from a file that fails validation


def test_mixed_models_fail_when_the_server_accepts_any(fake_teacher_factory: Factory) -> None:
    server = fake_teacher_factory(model=None, batch_delay=0.02)
    client = sdk(server)
    lines = [chat_line(0), _line(body={"model": "other", "messages": []})]
    done, _ = wait(client, submit(client, lines).id)
    assert done.errors is not None
    assert [(e.code, e.line) for e in done.errors.data or []] == [("model_mismatch", 2)]


def test_every_bad_line_is_listed(server: FakeTeacherServer) -> None:
    client = sdk(server)
    lines = ["nope", chat_line(1), _line(custom_id="req-1"), _line(custom_id="x", url="/v1/x")]
    done, _ = wait(client, submit(client, lines).id)
    assert done.errors is not None
    assert [(e.code, e.line) for e in done.errors.data or []] == [
        ("invalid_json_line", 1), ("duplicate_custom_id", 3), ("url_mismatch", 4)]


def test_input_file_of_another_purpose_or_missing(server: FakeTeacherServer) -> None:
    client = sdk(server)
    tuned = client.files.create(file=("train.jsonl", jsonl([chat_line(0)])), purpose="fine-tune")
    for file_id in (tuned.id, "file-missing"):
        batch = client.batches.create(input_file_id=file_id, endpoint=CHAT,
                                      completion_window="24h")
        done, _ = wait(client, batch.id)
        assert done.status == "failed" and done.errors is not None
        [error] = done.errors.data or []
        assert (error.code, error.param) == ("invalid_request", "input_file_id")


def test_scripted_failure(server: FakeTeacherServer) -> None:
    client = sdk(server)
    server.batches.next_outcome("failed")
    done, _ = wait(client, submit(client, [chat_line(0)]).id)
    assert done.status == "failed" and done.errors is not None
    assert [e.code for e in done.errors.data or []] == ["invalid_request"]
    assert wait(client, submit(client, [chat_line(0)]).id)[0].status == "completed"  # only one
    with pytest.raises(ValueError):
        server.batches.next_outcome("cancelled")  # type: ignore[arg-type]


def test_bad_create_and_upload_requests_are_http_errors(server: FakeTeacherServer) -> None:
    client = sdk(server)
    uploaded = client.files.create(file=("in.jsonl", jsonl([chat_line(0)])), purpose="batch")
    with pytest.raises(openai.BadRequestError) as error:
        client.batches.create(input_file_id=uploaded.id, endpoint="/v1/embeddings",
                              completion_window="24h")
    assert error.value.param == "endpoint"
    with pytest.raises(openai.BadRequestError):
        client.batches.create(input_file_id=uploaded.id, endpoint=CHAT,
                              completion_window="1h")  # type: ignore[arg-type]
    with pytest.raises(openai.BadRequestError):
        client.batches.create(input_file_id=uploaded.id, endpoint=CHAT,
                              completion_window="24h", metadata={"k": "v" * 600})
    with pytest.raises(openai.BadRequestError) as error:
        client.files.create(file=("in.txt", b"{}\n"), purpose="batch")
    assert "jsonl" in error.value.message
    with pytest.raises(openai.BadRequestError) as error:
        client.files.create(file=("in.jsonl", b"{}\n"), purpose="nonsense")  # type: ignore[arg-type]
    assert error.value.param == "purpose"
    assert (server.batches.created, server.batches.uploads) == (0, 1)


# -- per-line errors, expiry, cancel, hold -------------------------------------------------------
def test_failed_lines_go_to_the_error_file(server: FakeTeacherServer) -> None:
    client = sdk(server)
    server.batches.fail_lines(2)
    server.batches.fail_lines(1, status=429)
    lines = [chat_line(i) for i in range(6)]
    done, _ = wait(client, submit(client, lines).id)
    assert done.status == "completed"
    assert done.request_counts.model_dump() == {"total": 6, "completed": 3, "failed": 3}
    errors = results(client, done.error_file_id)
    assert sorted(r["custom_id"] for r in errors) == ["req-0", "req-1", "req-2"]
    assert sorted(r["response"]["status_code"] for r in errors) == [429, 500, 500]
    for r in errors:
        assert r["error"] is None and r["id"].startswith("batch_req_")
        assert set(r["response"]["body"]["error"]) == {"message", "type", "param", "code"}
    assert sorted(r["custom_id"] for r in results(client, done.output_file_id)) == [
        "req-3", "req-4", "req-5"]
    assert [x["status"] for x in server.batches.lines] == [500, 500, 429, 200, 200, 200]
    error_file = client.files.retrieve(done.error_file_id or "")
    assert (error_file.purpose, error_file.filename) == ("batch_output", f"{done.id}_error.jsonl")


def test_all_lines_failed_means_no_output_file(server: FakeTeacherServer) -> None:
    client = sdk(server)
    server.batches.fail_lines(2, status=503)
    done, _ = wait(client, submit(client, [chat_line(0), chat_line(1)]).id)
    assert done.status == "completed" and done.output_file_id is None
    assert len(results(client, done.error_file_id)) == 2


def test_expired_batch_runs_half_and_reports_the_rest(server: FakeTeacherServer) -> None:
    client = sdk(server)
    server.batches.next_outcome("expired")
    lines = [chat_line(i) for i in range(5)]
    done, seen = wait(client, submit(client, lines).id)
    assert seen[-1] == "expired" and done.expired_at is not None and done.completed_at is None
    assert done.request_counts.model_dump() == {"total": 5, "completed": 2, "failed": 3}
    assert sorted(r["custom_id"] for r in results(client, done.output_file_id)) == [
        "req-0", "req-1"]
    expired = results(client, done.error_file_id)
    assert sorted(r["custom_id"] for r in expired) == ["req-2", "req-3", "req-4"]
    for r in expired:
        assert r["response"] is None and r["error"] == {
            "code": "batch_expired",
            "message": "This request could not be executed before the completion window expired."}
    assert sorted(x["custom_id"] for x in server.batches.lines) == ["req-0", "req-1"]


def test_cancel_keeps_partial_results_and_runs_nothing_more(server: FakeTeacherServer) -> None:
    client = sdk(server)
    server.batches.hold(after_lines=2)
    batch = submit(client, [chat_line(i) for i in range(6)])
    wait(client, batch.id, lambda b: b.request_counts.completed == 2)
    cancelling = client.batches.cancel(batch.id)
    assert cancelling.status == "cancelling" and cancelling.cancelling_at is not None
    assert client.batches.cancel(batch.id).status in ("cancelling", "cancelled")  # a retry is fine
    done, _ = wait(client, batch.id)
    assert done.status == "cancelled" and done.cancelled_at is not None
    assert done.request_counts.model_dump() == {"total": 6, "completed": 2, "failed": 0}
    assert sorted(r["custom_id"] for r in results(client, done.output_file_id)) == [
        "req-0", "req-1"]
    assert done.error_file_id is None
    server.batches.release()
    time.sleep(0.1)
    assert len(server.batches.lines) == 2  # the rest never ran
    with pytest.raises(openai.ConflictError):
        client.batches.cancel(wait(client, submit(client, [chat_line(0)]).id)[0].id)


def test_cancel_while_validating(fake_teacher_factory: Factory) -> None:
    server = fake_teacher_factory(batch_delay=0.3)  # time enough to cancel before validation
    client = sdk(server)
    batch = submit(client, [chat_line(0)])
    assert client.batches.cancel(batch.id).status == "cancelling"
    done, seen = wait(client, batch.id)
    assert seen == ["cancelling", "cancelled"]
    assert done.output_file_id is None and done.error_file_id is None
    assert server.batches.lines == []


def test_hold_keeps_a_batch_in_progress_until_released(server: FakeTeacherServer) -> None:
    client = sdk(server)
    server.batches.hold()
    batch = submit(client, [chat_line(i) for i in range(3)])
    wait(client, batch.id, lambda b: b.status == "in_progress")
    time.sleep(0.15)  # several phases' worth
    pending = client.batches.retrieve(batch.id)
    assert pending.status == "in_progress" and pending.request_counts.completed == 0
    server.batches.release()
    done, _ = wait(client, batch.id)
    assert done.status == "completed" and done.request_counts.completed == 3


def test_hold_after_all_lines_still_holds_the_finish(server: FakeTeacherServer) -> None:
    client = sdk(server)
    server.batches.hold(after_lines=10)
    batch = submit(client, [chat_line(i) for i in range(2)])
    wait(client, batch.id, lambda b: b.request_counts.completed == 2)
    time.sleep(0.1)
    assert client.batches.retrieve(batch.id).status == "in_progress"
    server.batches.release()
    assert wait(client, batch.id)[0].status == "completed"


# -- errors and faults on the endpoints themselves -----------------------------------------------
def test_unknown_ids_are_404(server: FakeTeacherServer) -> None:
    client = sdk(server)
    calls = [lambda: client.files.retrieve("file-nope"),
             lambda: client.files.content("file-nope"),
             lambda: client.batches.retrieve("batch_nope"),
             lambda: client.batches.cancel("batch_nope")]
    for call in calls:
        with pytest.raises(openai.NotFoundError) as error:
            call()
        body = error.value.response.json()["error"]
        assert body["type"] == "invalid_request_error" and "nope" in body["message"]
    with pytest.raises(openai.NotFoundError):
        client.get("/batches/x/y", cast_to=object)


def test_batch_endpoints_take_faults_latency_and_auth(fake_teacher_factory: Factory) -> None:
    server = fake_teacher_factory(api_key="sk-test", batch_delay=0.02, latency=0.01)
    client = sdk(server)
    batch = submit(client, [chat_line(0)])
    server.fail_next("500")
    with pytest.raises(openai.InternalServerError):
        client.batches.retrieve(batch.id)
    server.fail_next("reset")
    with pytest.raises(openai.APIConnectionError):
        client.batches.retrieve(batch.id)
    server.fail_next("429", times=2, retry_after=0.01)
    retrieved = sdk(server, max_retries=2).batches.retrieve(batch.id)  # the SDK retries it
    assert retrieved.id == batch.id
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=server.base_url, api_key="wrong", max_retries=0).files.list()
    paths = [r["path"] for r in server.requests]
    assert paths[:2] == ["/v1/files", "/v1/batches"]
    assert paths.count(f"/v1/batches/{batch.id}") == 5
    assert server.requests[0]["body"] is None  # the multipart upload is not JSON
    assert server.requests[1]["body"]["input_file_id"] == batch.input_file_id


def test_a_reset_create_still_created_the_batch(server: FakeTeacherServer) -> None:
    """As on OpenAI: a create whose answer was lost may have happened; clients must list."""
    client = sdk(server)
    uploaded = client.files.create(file=("in.jsonl", jsonl([chat_line(0)])), purpose="batch")
    server.fail_next("reset")
    with pytest.raises(openai.APIConnectionError):
        client.batches.create(input_file_id=uploaded.id, endpoint=CHAT, completion_window="24h")
    assert server.batches.created == 1 and len(client.batches.list().data) == 1


def test_batch_endpoints_skip_the_rate_limit(fake_teacher_factory: Factory) -> None:
    server = fake_teacher_factory(rpm_limit=1, batch_delay=0.02)
    client = sdk(server)
    done, _ = wait(client, submit(client, [chat_line(i) for i in range(3)]).id)
    assert done.request_counts.completed == 3
    client.chat.completions.create(**chat_line(0)["body"])
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(**chat_line(1)["body"])


def test_stop_is_prompt_with_a_held_batch(fake_teacher_factory: Factory) -> None:
    server = fake_teacher_factory(batch_delay=0.02)
    client = sdk(server)
    server.batches.hold()
    batch = submit(client, [chat_line(0)])
    wait(client, batch.id, lambda b: b.status == "in_progress")
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 0.5
    time.sleep(0.15)
    assert not any(t.name == f"fake-batch:{batch.id}" for t in threading.enumerate())


def test_controls_reject_nonsense(fake_teacher: FakeTeacherServer) -> None:
    with pytest.raises(ValueError):
        fake_teacher.batches.fail_lines(1, status=200)
    assert fake_teacher.batches.batch_delay == 0.2


@pytest.fixture(autouse=True)
def _no_leftover_batch_threads() -> Iterator[None]:
    """Every batch worker ends with its server (the fixtures stop them)."""
    yield
    deadline = time.monotonic() + 1
    while any(t.name.startswith("fake-batch:") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "a batch worker outlived its server"
        time.sleep(0.01)
