"""OpenAI Batch API transport (`--batch-api`): the same requests, sent as batch jobs at half
the price, answered within the provider's completion window instead of seconds.

The pipeline does not know the difference. Each cache miss becomes a line of the next batch
(custom_id = the request's cache key); the sender gathers lines until the pipeline has asked
for everything it can ask for now (a quiet moment), uploads them as one JSONL file, creates
the batch and polls it. Results are written to the response cache as they are read, so every
paid answer is kept even if nothing waits for it any more, and a resumed run replays them.

`batches.jsonl` in the run directory is the journal: a submission is written there (with its
input file and the keys it carries) before the batch is created, and the batch id after. On
restart, batches not yet read are picked up again: a request whose key is in one waits for it
rather than being sent twice. A kill between creating a batch and journaling its id is
covered too: the batch carries the submission id in its metadata and is found by listing.
Lines that fail with a retryable status (429, 5xx) or were not run (expired, cancelled) go
into a later batch, up to the attempt limit.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selfinstruct.cache import CachedResponse
from selfinstruct.errors import BatchFailed, BatchPending, TeacherError

#: the statuses after which a batch changes no more
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
#: OpenAI's per-batch limit
MAX_LINES = 50_000

Notify = Callable[[str], None]
#: parses one 200 answer body and stores it in the cache; raises BadResponse if unusable
OnAnswer = Callable[[str, str, dict[str, Any]], CachedResponse]
#: turns a line's HTTP error (status, body) into the error a live request would have raised;
#: status 0: the line did not run (expired, cancelled), body is the line's `error`
OnError = Callable[[int, Any], TeacherError]
#: runs an API call with the teacher's retry policy
Retrying = Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]]


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
    batch_id: str | None = None
    input_file_id: str | None = None
    status: str = "submitted"
    task: asyncio.Task[None] | None = None


class BatchSender:
    """Sends a run's requests through the Batch API; `send` answers one request."""

    def __init__(
        self,
        client: Any,
        journal: Path,
        *,
        on_answer: OnAnswer,
        on_error: OnError,
        retrying: Retrying,
        is_retryable_status: Callable[[int], bool],
        max_attempts: int = 6,
        poll_s: float = 30.0,
        gather_s: float = 1.0,
        max_lines: int = MAX_LINES,
        say: Notify | None = None,
    ) -> None:
        self.client = client
        self.journal = journal
        self.on_answer = on_answer
        self.on_error = on_error
        self.retrying = retrying
        self.is_retryable_status = is_retryable_status
        self.max_attempts = max_attempts
        self.poll_s = poll_s
        self.gather_s = gather_s
        self.max_lines = min(max_lines, MAX_LINES)
        self.say = say or (lambda message: None)
        self._pending: dict[str, _Line] = {}  # waiting for the next submission
        self._in_batch: dict[str, tuple[_Line, _Batch]] = {}  # submitted, not yet read
        self._batches: list[_Batch] = []
        self._last_join = 0.0
        self._flusher: asyncio.Task[None] | None = None
        self._released = False
        self.batches_created = 0
        self._loaded = False

    # -- the pipeline's side ---------------------------------------------------------------
    async def send(self, key: str, path: str, body: dict[str, Any]) -> CachedResponse:
        """The answer to one request, from the batch that carries (or will carry) it."""
        if self._released:
            raise BatchPending(self._pending_message())
        await self._load()
        future: asyncio.Future[CachedResponse] = asyncio.get_running_loop().create_future()
        if key in self._in_batch:
            line, batch = self._in_batch[key]
            if not line.path:  # journaled by an earlier session: keep it resendable
                line.path, line.body = path, body
            line.waiters.append(future)
            self._watch(batch)
        elif key in self._pending:
            self._pending[key].waiters.append(future)
        else:
            self._pending[key] = _Line(key, path, body, waiters=[future])
            self._last_join = time.monotonic()
            if self._flusher is None or self._flusher.done():
                self._flusher = asyncio.create_task(self._flush_when_quiet())
        return await future

    def release_waiters(self) -> None:
        """Stop waiting (Ctrl-C): batches keep running at the provider; a rerun collects
        them. Every request waiting now, or asked later, raises BatchPending."""
        self._released = True
        error = BatchPending(self._pending_message())
        for line in [*self._pending.values(), *(line for line, _ in self._in_batch.values())]:
            for waiter in line.waiters:
                if not waiter.done():
                    waiter.set_exception(error)
            line.waiters.clear()
        self._pending.clear()

    async def close(self) -> None:
        tasks = [t for t in [self._flusher, *(b.task for b in self._batches)] if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _pending_message(self) -> str:
        running = [b.batch_id for b in self._batches if b.batch_id and b.status not in TERMINAL]
        if not running:
            return "stopped before the requests were submitted; rerun to continue"
        return (
            f"stopped while {len(running)} batch(es) run at the provider "
            f"({', '.join(running[:3])}{', ...' if len(running) > 3 else ''}); they are "
            "kept in batches.jsonl: rerun the same command to collect them"
        )

    # -- submitting --------------------------------------------------------------------------
    async def _flush_when_quiet(self) -> None:
        """Submit what is pending once no request has joined for `gather_s` seconds (the
        pipeline has asked for all it can ask for now), or a batch is full."""
        while self._pending:
            quiet = self._last_join + self.gather_s - time.monotonic()
            if quiet > 0 and len(self._pending) < self.max_lines:
                await asyncio.sleep(quiet)
                continue
            lines = list(self._pending.values())[: self.max_lines]
            for line in lines:
                del self._pending[line.key]
            try:
                await self._submit(lines)
            except TeacherError as exc:
                for line in lines:
                    self._fail(line, exc)
            except Exception as exc:  # a failure of our own: never leave a waiter hanging
                for line in lines:
                    self._fail(line, TeacherError(f"batch submission failed: {exc}"))
                raise

    async def _submit(self, lines: list[_Line]) -> None:
        by_endpoint: dict[str, list[_Line]] = {}
        for line in lines:
            by_endpoint.setdefault("/v1" + line.path, []).append(line)
        for endpoint, group in by_endpoint.items():
            batch = _Batch(uuid.uuid4().hex, [line.key for line in group], endpoint)
            content = "".join(
                json.dumps(
                    {"custom_id": line.key, "method": "POST", "url": endpoint, "body": line.body},
                    ensure_ascii=False,
                )
                + "\n"
                for line in group
            ).encode("utf-8")
            uploaded = await self.retrying(
                lambda content=content, batch=batch: self.client.files.create(
                    file=(f"selfinstruct-{batch.submission}.jsonl", content), purpose="batch"
                )
            )
            batch.input_file_id = uploaded.id
            self._write({"submission": batch.submission, "input_file_id": uploaded.id,
                         "endpoint": endpoint, "keys": batch.keys, "at": time.time()})
            for line in group:
                line.attempts += 1
                self._in_batch[line.key] = (line, batch)
            self._batches.append(batch)
            try:
                created = await self.retrying(lambda batch=batch: self._create_once(batch))
            except BaseException:
                # not created (as far as we know; a rerun looks for it by its metadata)
                for key in batch.keys:
                    self._in_batch.pop(key, None)
                self._batches.remove(batch)
                raise
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
        timeout, a cut connection) may have made it, and a second would be paid twice."""
        if batch.status == "creating":
            found = await self._find(batch.submission)
            if found is not None:
                return found
        batch.status = "creating"
        return await self.client.batches.create(
            input_file_id=batch.input_file_id,
            endpoint=batch.endpoint,
            completion_window="24h",
            metadata={"selfinstruct_submission": batch.submission},
        )

    async def _find(self, submission: str) -> Any | None:
        """The provider's batch carrying this submission id in its metadata, if any."""
        page = await self.client.batches.list(limit=100)
        for item in page.data:
            if (item.metadata or {}).get("selfinstruct_submission") == submission:
                return item
        return None

    # -- polling and reading ---------------------------------------------------------------
    def _watch(self, batch: _Batch) -> None:
        if batch.task is None or batch.task.done():
            batch.task = asyncio.create_task(self._poll(batch))

    async def _poll(self, batch: _Batch) -> None:
        try:
            if batch.batch_id is None:
                batch.batch_id = await self._adopt(batch)
                if batch.batch_id is None:  # never created: its lines go out again
                    self._requeue(batch, [], "its batch was never created")
                    return
            seen: tuple[Any, ...] = ()
            while True:
                info = await self.retrying(
                    lambda: self.client.batches.retrieve(batch.batch_id)
                )
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
                    await self._read(batch, info)
                    return
                await asyncio.sleep(self.poll_s)
        except Exception as exc:  # no waiter may hang on a poller that died
            error = exc if isinstance(exc, TeacherError) else TeacherError(
                f"batch {batch.batch_id}: cannot read its status or results: {exc!r}"
            )
            for key in batch.keys:
                entry = self._in_batch.pop(key, None)
                if entry is not None:
                    self._fail(entry[0], error)

    async def _adopt(self, batch: _Batch) -> str | None:
        """The batch a killed run created but did not journal, found by its metadata."""
        found = await self.retrying(lambda: self._find(batch.submission))
        if found is None:
            return None
        self._write({"submission": batch.submission, "batch_id": found.id})
        return str(found.id)

    async def _read(self, batch: _Batch, info: Any) -> None:
        if info.status == "failed":
            errors = getattr(info.errors, "data", None) or []
            detail = "; ".join(
                f"line {e.line}: {e.message}" if e.line is not None else str(e.message)
                for e in errors[:3]
            )
            error = BatchFailed(
                f"batch {batch.batch_id} failed: {detail or 'no reason given'}; no request of "
                "it ran (nothing billed)"
            )
            for key in batch.keys:
                entry = self._in_batch.pop(key, None)
                if entry is not None:
                    self._fail(entry[0], error)
            self._write({"batch_id": batch.batch_id, "read": True, "status": info.status})
            return
        answered: set[str] = set()
        for file_id in (info.output_file_id, info.error_file_id):
            if file_id:
                text = await self.retrying(
                    lambda file_id=file_id: self._download(file_id)
                )
                for raw in text.splitlines():
                    try:
                        item = json.loads(raw)
                    except ValueError:
                        continue  # unreadable: its request counts as not run
                    if isinstance(item, dict):
                        answered.add(self._read_line(batch, item))
        self._requeue(batch, answered, f"not run before the batch was {info.status}")
        self._write({"batch_id": batch.batch_id, "read": True, "status": info.status})

    async def _download(self, file_id: str) -> str:
        content = await self.client.files.content(file_id)
        return str(content.text)

    def _read_line(self, batch: _Batch, item: dict[str, Any]) -> str:
        """Settle one output/error line; returns its key."""
        key = str(item.get("custom_id"))
        entry = self._in_batch.get(key)
        line = entry[0] if entry else None
        response = item.get("response") or {}
        status = int(response.get("status_code") or 0)
        if status == 200:
            try:
                answer = self.on_answer(key, batch.endpoint[len("/v1"):], response.get("body"))
            except Exception as exc:  # an unusable body: retried as a live request would be
                if line is not None:
                    self._retry_or_fail(line, TeacherError(f"unusable answer: {exc}"))
                    self._in_batch.pop(key, None)
                return key
            self._in_batch.pop(key, None)
            if line is not None:
                for waiter in line.waiters:
                    if not waiter.done():
                        waiter.set_result(answer)
            return key
        if line is None:
            return key
        self._in_batch.pop(key, None)
        if not status:  # not run: expired or cancelled
            self._retry_or_fail(line, self.on_error(0, item.get("error")))
            return key
        error = self.on_error(status, response.get("body"))
        if self.is_retryable_status(status):
            self._retry_or_fail(line, error)
        else:
            self._fail(line, error)
        return key

    def _requeue(self, batch: _Batch, answered: set[str], why: str) -> None:
        for key in batch.keys:
            if key in answered:
                continue
            entry = self._in_batch.pop(key, None)
            if entry is not None:
                self._retry_or_fail(entry[0], TeacherError(f"request {key[:12]}: {why}"))

    def _retry_or_fail(self, line: _Line, error: TeacherError) -> None:
        if line.attempts >= self.max_attempts or not line.waiters or self._released:
            self._fail(line, error)
            return
        self._pending[line.key] = line
        self._last_join = time.monotonic()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_when_quiet())

    @staticmethod
    def _fail(line: _Line, error: BaseException) -> None:
        for waiter in line.waiters:
            if not waiter.done():
                waiter.set_exception(error)
        line.waiters.clear()

    # -- the journal -------------------------------------------------------------------------
    def _write(self, entry: dict[str, Any]) -> None:
        with self.journal.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    async def _load(self) -> None:
        """Batches an earlier session submitted and did not read: their keys wait for them."""
        if self._loaded:
            return
        self._loaded = True
        if not self.journal.exists():
            return
        submissions: dict[str, _Batch] = {}
        by_id: dict[str, _Batch] = {}
        for raw in self.journal.read_text("utf-8").splitlines():
            try:
                entry = json.loads(raw)
            except ValueError:
                continue  # a line torn by a kill: its batch is found by listing, or resent
            if "keys" in entry:
                submissions[entry["submission"]] = _Batch(
                    entry["submission"], list(entry["keys"]), entry["endpoint"],
                    input_file_id=entry.get("input_file_id"),
                )
            elif "batch_id" in entry and "submission" in entry:
                batch = submissions.get(entry["submission"])
                if batch is not None:
                    batch.batch_id = entry["batch_id"]
                    by_id[entry["batch_id"]] = batch
            elif entry.get("read") and entry.get("batch_id") in by_id:
                by_id[entry["batch_id"]].status = "read"
        for batch in submissions.values():
            if batch.status == "read":
                continue
            self._batches.append(batch)
            for key in batch.keys:
                self._in_batch[key] = (_Line(key, "", {}, attempts=1), batch)
            # read it whether or not this session asks for its lines: they are paid for
            self._watch(batch)
        if self._batches:
            self.say(
                f"{len(self._batches)} batch(es) from an earlier session: waiting for them "
                "before sending their requests again"
            )
