"""OpenAI Batch API transport (`--batch-api`): the same requests, sent as batch jobs at half
the price, answered within the provider's completion window instead of seconds.

The pipeline does not know the difference. Each cache miss becomes a line of the next batch
(custom_id = the request's cache key); the sender gathers lines until the pipeline has asked
for everything it can ask for now (a quiet moment), uploads them as one JSONL file, creates
the batch and polls it. Every answer read is written to the response cache, so a paid answer
is kept even when nothing waits for it any more, and a resumed run replays it.

`batches.jsonl` in the run directory is the journal: a submission is written there (with its
input file and the keys it carries) before the batch is created, the batch id after, and
`read` once its results are in the cache. On restart, batches not yet read are collected
first: a request whose key is in one waits for it rather than being sent again. A batch created
but not journaled (a kill, or a create whose answer was lost) is found by the submission id in
its metadata; a submission that was never created is marked abandoned. Lines that failed with
429/5xx, or that an expired batch did not run, go into a later batch, up to the attempt limit.
A batch cancelled at the provider stops the run: a cancel is how a user stops spending.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selfinstruct.errors import (
    BatchFailed,
    BatchPending,
    BudgetExceeded,
    SelfInstructError,
    TeacherError,
    is_fatal,
)
from selfinstruct.teachers.cache import CachedResponse, ResponseCache
from selfinstruct.teachers.wire import (
    BATCH_API,
    BadResponse,
    TeacherRequest,
    Wire,
    body_message,
    is_retryable_status,
)

#: the statuses after which a batch changes no more
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
#: OpenAI's per-batch limits: 50,000 requests and a 200 MB input file (kept under, with room)
MAX_LINES = 50_000
MAX_BYTES = 190_000_000
#: how far back (seconds) to look for a batch created before its id was journaled
ADOPT_MARGIN_S = 600.0
#: re-reads of a completed batch whose output lacks answers its counts say were made
INCOMPLETE_REREADS = 3

Notify = Callable[[str], None]


@dataclass
class _Line:
    key: str
    path: str
    body: dict[str, Any]
    attempts: int = 0
    waiters: list[asyncio.Future[CachedResponse]] = field(default_factory=list)


@dataclass
class _Batch:
    submission: str
    keys: list[str]
    endpoint: str
    at: float
    batch_id: str | None = None
    input_file_id: str | None = None
    status: str = "submitted"
    task: asyncio.Task[None] | None = None
    #: keys whose result line was read (a completed batch may be read more than once)
    read: set[str] = field(default_factory=set)


class BatchTransport:
    """Sends a run's requests through the Batch API; `send` answers one request."""

    stores_answers = True

    def __init__(
        self,
        wire: Wire,
        cache: ResponseCache | None,
        journal: Path,
        *,
        poll_s: float = 30.0,
        gather_s: float = 1.0,
        max_lines: int = MAX_LINES,
        max_bytes: int = MAX_BYTES,
        say: Notify | None = None,
    ) -> None:
        self.wire = wire
        self.cache = cache
        self.journal = journal
        self.poll_s = poll_s
        self.gather_s = gather_s
        self.max_lines = min(max_lines, MAX_LINES)
        self.max_bytes = min(max_bytes, MAX_BYTES)
        self.say = say or (lambda message: None)
        self._pending: dict[str, _Line] = {}  # waiting for the next submission
        self._submitting: dict[str, _Line] = {}  # being uploaded, batch not created yet
        self._in_batch: dict[str, tuple[_Line, _Batch]] = {}  # in a batch not yet read
        self._batches: list[_Batch] = []
        self._last_join = 0.0
        self._flusher: asyncio.Task[None] | None = None
        self._released = False
        self._loaded = False
        self.batches_created = 0

    @classmethod
    def factory(
        cls, journal: Path, **options: Any
    ) -> Callable[[Wire, ResponseCache | None], BatchTransport]:
        """What `Teacher(transport=...)` takes: this transport on the teacher's wire."""
        return lambda wire, cache: cls(wire, cache, journal, **options)

    async def _retrying(self, call: Callable[[], Awaitable[Any]]) -> Any:
        return (await self.wire.call_with_retries(call, BATCH_API))[0]

    def _store_answer(self, key: str, path: str, data: Any) -> CachedResponse:
        """A 200 line of a batch's output: read like a live answer, kept in the cache even
        when no request waits for it any more (it was paid for)."""
        answer = self.wire.settle_answer(data, path)
        if self.cache is not None:
            self.cache.put(key, answer)
        return answer

    def _line_error(self, status: int, body: Any) -> TeacherError:
        """A batch line that failed (status) or did not run (0), counted like a live failure."""
        if not status:
            self.wire.stats.errors["batch_not_run"] += 1
            return TeacherError(
                f"not run by the batch: {self.wire.text.message(body_message(body))}"
            )
        self.wire.stats.errors[f"http_{status}"] += 1
        return self.wire.status_error(status, body_message(body))

    # -- the pipeline's side ---------------------------------------------------------------
    async def send(self, key: str, request: TeacherRequest) -> tuple[CachedResponse, int]:
        """The answer to one request, from the batch that carries (or will carry) it. The
        caller checked the cache just before; nothing here awaits before the bookkeeping, so
        an answer read meanwhile cannot be asked for twice."""
        if self._released:
            raise BatchPending(self.pending_message())
        path, body = self.wire.request_body(request)
        self._load()
        future: asyncio.Future[CachedResponse] = asyncio.get_running_loop().create_future()
        if key in self._in_batch:
            line, batch = self._in_batch[key]
            if not line.path:  # journaled by an earlier session: keep it resendable
                line.path, line.body = path, body
            line.waiters.append(future)
            self._watch(batch)
        elif key in self._pending or key in self._submitting:
            (self._pending.get(key) or self._submitting[key]).waiters.append(future)
        else:
            self._queue(_Line(key, path, body, waiters=[future]))
        return await future, 1

    def stop_waiting(self) -> str:
        """Stop waiting (Ctrl-C): batches keep running at the provider and a rerun collects
        them. Every request waiting now, or asked later, raises BatchPending; returns the
        message naming the batches still running."""
        self._released = True
        message = self.pending_message()
        lines = [*self._pending.values(), *self._submitting.values()]
        lines += [line for line, _ in self._in_batch.values()]
        for line in lines:
            _fail(line, BatchPending(message))
        self._pending.clear()
        return message

    async def close(self) -> None:
        tasks = [t for t in [self._flusher, *(b.task for b in self._batches)] if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def pending_message(self) -> str:
        running = [b.batch_id for b in self._batches if b.batch_id and b.status not in TERMINAL]
        if not running:
            return "stopped before the requests were submitted; rerun to continue"
        shown = ", ".join(str(b) for b in running[:3]) + (", ..." if len(running) > 3 else "")
        return (
            f"{len(running)} batch(es) still run at the provider and are billed ({shown}); "
            "they are kept in batches.jsonl: rerun the same command to collect them"
        )

    # -- submitting --------------------------------------------------------------------------
    def _queue(self, line: _Line) -> None:
        self._pending[line.key] = line
        self._last_join = time.monotonic()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_when_quiet())

    async def _flush_when_quiet(self) -> None:
        """Submit what is pending once no request has joined for `gather_s` seconds (the
        pipeline has asked for all it can ask for now), or a batch is full."""
        while self._pending and not self._released:
            quiet = self._last_join + self.gather_s - time.monotonic()
            if quiet > 0 and len(self._pending) < self.max_lines:
                await asyncio.sleep(quiet)
                continue
            by_endpoint: dict[str, list[_Line]] = {}
            for line in self._pending.values():
                by_endpoint.setdefault("/v1" + line.path, []).append(line)
            endpoint, lines = next(iter(by_endpoint.items()))
            group, content = self._fill(endpoint, lines)
            for line in group:
                self._submitting[line.key] = self._pending.pop(line.key)
            try:
                await self._submit(endpoint, group, content)
            except Exception as exc:  # never leave a waiter hanging on a dead flusher
                error = (
                    exc
                    if isinstance(exc, SelfInstructError)
                    else BatchFailed(f"submitting a batch failed: {exc!r}; rerun to continue")
                )
                for line in group:
                    _fail(line, error)
            finally:
                for line in group:
                    self._submitting.pop(line.key, None)

    def _fill(self, endpoint: str, lines: list[_Line]) -> tuple[list[_Line], bytes]:
        """As many lines as one batch may hold (count and bytes), with --max-requests: the
        lines over that cap fail with BudgetExceeded, as a live request would."""
        group: list[_Line] = []
        parts: list[bytes] = []
        size = 0
        for line in lines[: self.max_lines]:
            raw = (
                json.dumps(
                    {"custom_id": line.key, "method": "POST", "url": endpoint, "body": line.body},
                    ensure_ascii=False,
                )
                + "\n"
            ).encode("utf-8")
            if group and size + len(raw) > self.max_bytes:
                break
            group.append(line)
            parts.append(raw)
            size += len(raw)
        allowed = self.wire.admit(len(group))
        for line in group[allowed:]:
            del self._pending[line.key]
            _fail(line, BudgetExceeded(self.wire.max_requests_message()))
        return group[:allowed], b"".join(parts[:allowed])

    async def _submit(self, endpoint: str, group: list[_Line], content: bytes) -> None:
        if not group:
            return
        batch = _Batch(uuid.uuid4().hex, [line.key for line in group], endpoint, time.time())
        uploaded = await self._retrying(
            lambda: self.wire.client.files.create(
                file=(f"selfinstruct-{batch.submission}.jsonl", content), purpose="batch"
            )
        )
        if self._released:  # Ctrl-C during the upload: create nothing more
            return
        batch.input_file_id = uploaded.id
        self._write(
            {
                "submission": batch.submission,
                "input_file_id": uploaded.id,
                "endpoint": endpoint,
                "keys": batch.keys,
                "at": batch.at,
            }
        )
        # if this fails, the journaled submission is looked for by its metadata on rerun
        created = await self._retrying(lambda: self._create_once(batch))
        for line in group:
            line.attempts += 1
            self._in_batch[line.key] = (line, batch)
        self._batches.append(batch)
        batch.batch_id, batch.status = created.id, created.status
        self._write({"submission": batch.submission, "batch_id": created.id})
        self.batches_created += 1
        self.say(
            f"batch {created.id}: {len(group)} requests submitted to {endpoint}; polling "
            f"every {self.poll_s:g}s (Ctrl-C leaves it running: rerun to collect it)"
        )
        self._watch(batch)

    async def _create_once(self, batch: _Batch) -> Any:
        """Create the batch, unless an earlier attempt did: a create whose answer was lost (a
        timeout, a cut connection, a 5xx after the fact) may have made it, and a second one
        would be billed too."""
        if batch.status == "creating":
            found = await self._find(batch)
            if found is not None:
                return found
        batch.status = "creating"
        assert batch.input_file_id is not None  # set by the upload before any create
        return await self.wire.client.batches.create(
            input_file_id=batch.input_file_id,
            endpoint=batch.endpoint,  # type: ignore[arg-type]  # one of the SDK's literals
            completion_window="24h",
            metadata={"selfinstruct_submission": batch.submission},
        )

    async def _find(self, batch: _Batch) -> Any | None:
        """The provider's batch carrying this submission in its metadata. Pages through the
        list (newest first) back to a little before the submission was journaled."""
        since = batch.at - ADOPT_MARGIN_S
        async for item in self.wire.client.batches.list(limit=100):
            meta = item.metadata or {}
            if meta.get("selfinstruct_submission") == batch.submission:
                return item
            if item.created_at and item.created_at < since:
                return None
        return None

    # -- polling and reading ---------------------------------------------------------------
    def _watch(self, batch: _Batch) -> None:
        if batch.task is None or batch.task.done():
            batch.task = asyncio.create_task(self._poll(batch))

    async def _poll(self, batch: _Batch) -> None:
        """Follow one batch to its end and read it. A status call that keeps failing (an
        outage) is retried for as long as it takes: the batch runs on and is paid for."""
        try:
            if batch.batch_id is None and not await self._adopt(batch):
                return
            seen: tuple[Any, ...] = ()
            rereads = 0
            batches = self.wire.client.batches
            batch_id = batch.batch_id
            assert batch_id is not None  # polled only once created
            while True:
                info = await self._patiently(lambda: batches.retrieve(batch_id))
                batch.status = info.status
                counts = info.request_counts
                now = (info.status, counts.completed if counts else None)
                if now != seen:
                    seen = now
                    done = ""
                    if counts and counts.total:
                        done = f", {counts.completed + counts.failed}/{counts.total} done"
                    self.say(f"batch {batch.batch_id}: {info.status}{done}")
                if info.status in TERMINAL:
                    if await self._read(batch, info, final=rereads >= INCOMPLETE_REREADS):
                        return
                    rereads += 1
                await asyncio.sleep(self.poll_s)
        except Exception as exc:  # no waiter may hang on a poller that died
            error = (
                exc
                if isinstance(exc, SelfInstructError)
                else BatchFailed(
                    f"batch {batch.batch_id}: cannot read its results ({exc!r}); it stays in "
                    "batches.jsonl: rerun to collect it"
                )
            )
            for key in batch.keys:
                line = self._take(key, batch)
                if line is not None:
                    _fail(line, error)

    async def _patiently(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """`call` with the retry policy, and beyond it for passing faults (the batch is not
        lost when its status page is down); 401/403/404 end it."""
        while True:
            try:
                return await self._retrying(call)
            except TeacherError as exc:
                if is_fatal(exc):
                    raise
                self.say(f"Batch API: {exc}; trying again in {self.poll_s:g}s")
                await asyncio.sleep(self.poll_s)

    async def _adopt(self, batch: _Batch) -> bool:
        """Find the batch an earlier session created but did not journal; when it was never
        created, mark it abandoned and send its lines again (those nothing else carries)."""
        found = await self._patiently(lambda: self._find(batch))
        if found is not None:
            batch.batch_id = str(found.id)
            self._write({"submission": batch.submission, "batch_id": batch.batch_id})
            return True
        self._write({"submission": batch.submission, "abandoned": True})
        batch.status = "abandoned"
        self._requeue(batch, batch.keys, "its batch was never created")
        return False

    async def _read(self, batch: _Batch, info: Any, final: bool) -> bool:
        """Settle every line of a finished batch; False when a completed batch's output
        lacks answers its counts report (read again later rather than pay again)."""
        if info.status == "failed":
            self._failed(batch, info)
            return True
        answered: set[str] = set()
        ok = 0
        for file_id in (info.output_file_id, info.error_file_id):
            if file_id:
                for item in await self._lines(file_id):
                    key, good = self._read_line(batch, item)
                    answered.add(key)
                    ok += good
        counts = info.request_counts
        if info.status == "completed" and counts and ok < counts.completed and not final:
            self.say(
                f"batch {batch.batch_id}: {ok} answers in its output, {counts.completed} "
                "reported; reading it again shortly"
            )
            return False
        missing = [key for key in batch.keys if key not in answered]
        if info.status == "cancelled":
            self._stop_cancelled(batch, missing)
        else:
            self._requeue(batch, missing, f"not run before the batch was {info.status}")
        self._write({"batch_id": batch.batch_id, "read": True, "status": info.status})
        return True

    async def _lines(self, file_id: str) -> list[dict[str, Any]]:
        """The JSON objects of a result file. The download is streamed line by line (no copy
        of the whole text); a failed download starts again from the top."""
        stream = self.wire.client.files.with_streaming_response.content

        async def fetch() -> list[dict[str, Any]]:
            items = []
            async with stream(file_id) as response:
                async for raw in response.iter_lines():
                    try:
                        item = json.loads(raw)
                    except ValueError:
                        continue  # unreadable: its request counts as not answered
                    if isinstance(item, dict):
                        items.append(item)
            return items

        return list(await self._patiently(fetch))

    def _failed(self, batch: _Batch, info: Any) -> None:
        errors = getattr(info.errors, "data", None) or []
        detail = "; ".join(
            f"line {e.line}: {e.message}" if e.line is not None else str(e.message)
            for e in errors[:3]
        )
        codes = {getattr(e, "code", None) for e in errors}
        self._write({"batch_id": batch.batch_id, "read": True, "status": info.status})
        if "token_limit_exceeded" in codes:
            # the organisation's queue is full: wait for running batches, then try again
            self.say(
                f"batch {batch.batch_id}: the provider's queue is full ({detail}); its "
                "requests go again later (a smaller --batch-size helps)"
            )
            self._requeue(batch, batch.keys, detail, delay=True)
            return
        error = BatchFailed(
            f"batch {batch.batch_id} failed: {detail or 'no reason given'}; no request of it "
            f"ran (nothing billed). {self.pending_message()}"
        )
        for key in batch.keys:
            line = self._take(key, batch)
            if line is not None:
                _fail(line, error)

    def _stop_cancelled(self, batch: _Batch, missing: Iterable[str]) -> None:
        """A batch cancelled at the provider (not by us): its answered lines are kept; the
        rest are not sent again in this session, and the run stops."""
        error = BatchPending(
            f"batch {batch.batch_id} was cancelled at the provider; its answered requests are "
            "kept, the rest were not run: rerun to send them again"
        )
        for key in missing:
            line = self._take(key, batch)
            if line is not None:
                _fail(line, error)

    def _read_line(self, batch: _Batch, item: dict[str, Any]) -> tuple[str, bool]:
        """Settle one output/error line: its key, and whether it held an answer."""
        key = str(item.get("custom_id"))
        response = item.get("response") or {}
        status = int(response.get("status_code") or 0)
        if key in batch.read:
            return key, status == 200
        batch.read.add(key)
        if status == 200:
            try:  # stored even when no request of this session waits for it: it was paid
                answer = self._store_answer(key, batch.endpoint[len("/v1") :], response.get("body"))
            except BadResponse as exc:
                line = self._take(key, batch)
                if line is not None:
                    self._retry_or_fail(line, TeacherError(f"unusable answer: {exc}"))
                return key, False
            line = self._take(key, batch)
            if line is not None:
                for waiter in line.waiters:
                    if not waiter.done():
                        waiter.set_result(answer)
            return key, True
        line = self._take(key, batch)
        if line is None:
            return key, False
        error = self._line_error(status, response.get("body") if status else item.get("error"))
        if not status or is_retryable_status(status):
            self._retry_or_fail(line, error)
        else:
            _fail(line, error)
        return key, False

    def _take(self, key: str, batch: _Batch) -> _Line | None:
        """The line of `key` if `batch` carries it now (a later batch may carry it instead)."""
        entry = self._in_batch.get(key)
        if entry is None or entry[1] is not batch:
            return None
        del self._in_batch[key]
        return entry[0]

    def _requeue(self, batch: _Batch, keys: Iterable[str], why: str, delay: bool = False) -> None:
        for key in keys:
            line = self._take(key, batch)
            if line is not None:
                self._retry_or_fail(line, TeacherError(f"request {key[:12]}: {why}"), delay)

    def _retry_or_fail(self, line: _Line, error: TeacherError, delay: bool = False) -> None:
        if line.attempts >= self.wire.settings.max_attempts or not line.waiters or self._released:
            _fail(line, error)
            return
        self._queue(line)
        if delay:  # hold the next submission back a while
            self._last_join = time.monotonic() + self.poll_s

    # -- the journal -------------------------------------------------------------------------
    def _write(self, entry: dict[str, Any]) -> None:
        with self.journal.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def _load(self) -> None:
        """Batches an earlier session submitted and did not read: their keys wait for them,
        and they are read whether or not this session asks for their lines (paid for)."""
        if self._loaded:
            return
        self._loaded = True
        if not self.journal.exists():
            return
        raw = self.journal.read_bytes()
        if raw and not raw.endswith(b"\n"):  # a line torn by a kill: cut it before appending
            raw = raw[: raw.rfind(b"\n") + 1]
            with self.journal.open("r+b") as handle:
                handle.truncate(len(raw))
        submissions: dict[str, _Batch] = {}
        by_id: dict[str, _Batch] = {}
        for text in raw.decode("utf-8").splitlines():
            try:
                entry = json.loads(text)
            except ValueError:
                continue
            if "keys" in entry:
                batch = _Batch(
                    entry["submission"],
                    list(entry["keys"]),
                    entry["endpoint"],
                    float(entry.get("at") or 0.0),
                    input_file_id=entry.get("input_file_id"),
                )
                submissions[batch.submission] = batch
            elif entry.get("abandoned"):
                submissions.pop(entry.get("submission", ""), None)
            elif "batch_id" in entry and entry.get("submission") in submissions:
                batch = submissions[entry["submission"]]
                batch.batch_id = entry["batch_id"]
                by_id[batch.batch_id] = batch
            elif entry.get("read") and entry.get("batch_id") in by_id:
                submissions.pop(by_id[entry["batch_id"]].submission, None)
        for batch in submissions.values():
            self._batches.append(batch)
            for key in batch.keys:  # a later submission of the same key carries it
                self._in_batch[key] = (_Line(key, "", {}, attempts=1), batch)
            self._watch(batch)
        if submissions:
            self.say(
                f"{len(submissions)} batch(es) from an earlier session: collecting them before "
                "sending any of their requests again"
            )


def _fail(line: _Line, error: BaseException) -> None:
    for waiter in line.waiters:
        if not waiter.done():
            waiter.set_exception(error)
    line.waiters.clear()
