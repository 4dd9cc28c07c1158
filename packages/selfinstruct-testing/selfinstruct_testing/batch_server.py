"""A fake OpenAI Batch service (the Files and Batches endpoints) inside `FakeTeacherServer`.

A Batch API client must survive what OpenAI does over hours: slow validation, whole batches
failed for one bad line, per-request errors, expiry, cancellation and outputs out of input
order. This service does all of that in a fraction of a second, and answers every line with the
server's live completion code, so a batch answer equals the live answer to the same body.
"""

from __future__ import annotations

import collections
import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, Literal, Protocol

from selfinstruct_testing.wire import ERRORS, Reply, error_body

log = logging.getLogger(__name__)

ENDPOINTS = ("/v1/chat/completions", "/v1/completions")
#: purposes a client may upload (the *_output / *-results ones are written by the server)
UPLOAD_PURPOSES = frozenset({"assistants", "batch", "fine-tune", "vision", "user_data"})
MAX_REQUESTS = 50_000  # OpenAI's per-batch limit
WINDOW_S = 24 * 3600
FILE_TTL_S = 30 * 24 * 3600  # batch input and output files expire after 30 days
EXPIRED_MESSAGE = "This request could not be executed before the completion window expired."
_TICK = 0.05  # how often a waiting worker looks at the server's stop flag

Outcome = Literal["failed", "expired"]


class _Stopped(Exception):
    """The server is stopping: the worker leaves the batch as it is."""


@dataclass
class _File:
    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int

    def obj(self) -> dict[str, Any]:
        expires = self.purpose in ("batch", "batch_output")
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.data),
            "created_at": self.created_at,
            "expires_at": self.created_at + FILE_TTL_S if expires else None,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "status_details": None,
        }


@dataclass
class _Line:
    number: int  # 1-based line number in the input file
    custom_id: str
    body: dict[str, Any]


@dataclass
class _Batch:
    id: str
    ordinal: int  # seeds the output shuffle, so a test run is reproducible
    input_file_id: str
    endpoint: str
    completion_window: str
    metadata: dict[str, str] | None
    outcome: Outcome | None
    created_at: int
    status: str = "validating"
    times: dict[str, int | None] = field(default_factory=dict)
    errors: list[dict[str, Any]] | None = None
    model: str | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    outputs: list[dict[str, Any]] = field(default_factory=list)  # successful result lines
    failures: list[dict[str, Any]] = field(default_factory=list)  # error-file lines

    def obj(self) -> dict[str, Any]:
        stamp = self.times.get
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "in_progress_at": stamp("in_progress_at"),
            "expires_at": self.created_at + WINDOW_S,
            "finalizing_at": stamp("finalizing_at"),
            "completed_at": stamp("completed_at"),
            "failed_at": stamp("failed_at"),
            "expired_at": stamp("expired_at"),
            "cancelling_at": stamp("cancelling_at"),
            "cancelled_at": stamp("cancelled_at"),
            "request_counts": {
                "total": self.total,
                "completed": self.completed,
                "failed": self.failed,
            },
            "usage": {
                "input_tokens": self.input_tokens,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": self.output_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": self.input_tokens + self.output_tokens,
            },
            "metadata": self.metadata,
            "model": self.model,
        }


class BatchHost(Protocol):
    """What the Batch service needs of the server it lives in (`FakeTeacherServer`)."""

    model: str
    _stopping: threading.Event

    def _complete(
        self, path: str, body: dict[str, Any], fault: tuple[str, dict[str, Any]] | None
    ) -> Reply: ...


class FakeBatchService:
    """OpenAI's Files and Batch API, served by a `FakeTeacherServer` (as `server.batches`).

    Endpoints: POST/GET /v1/files, GET /v1/files/{id}, GET /v1/files/{id}/content,
    POST/GET /v1/batches, GET /v1/batches/{id}, POST /v1/batches/{id}/cancel. They pass
    through the server's request log, latency, auth and `fail_next` faults like any request,
    but not its rpm/tpm limits (OpenAI limits batches separately).

    A batch is `validating` for `batch_delay` seconds, then either `failed` (with an `errors`
    list, as OpenAI reports a bad input file: not an HTTP error) or `in_progress` for about
    `batch_delay` (lines run one by one, `request_counts` rising), `finalizing` for
    `batch_delay`, then `completed`. Each line is answered by the server's own completion code
    (`responder`, generator, `max_tokens` truncation), and logged in `lines`. Result files are
    shuffled (deterministically), because OpenAI does not keep input order either.

    Controls for tests:
      - `batch_delay`: seconds per phase (default 0.2); set it per test.
      - `fail_lines(count, status=500)`: the next `count` executed lines get that HTTP status
        (a line in the error file) instead of an answer.
      - `next_outcome("failed")`: the next created batch fails validation (code
        "invalid_request"); `next_outcome("expired")`: it runs the first half of its lines,
        then ends `expired`, the rest in the error file as `batch_expired`.
      - `hold(after_lines=0)` / `release()`: while held, an in-progress batch runs no line past
        its first `after_lines` and does not finish (kill a client while a batch is pending).
        A cancel ends the hold for that batch.
      - Cancel (POST /v1/batches/{id}/cancel): `cancelling` for `batch_delay`, then `cancelled`
        with the results of the lines already run; lines not yet run are never run. Cancelling
        again is fine; cancelling a finished (or finalizing) batch is a 409.
    Validation error codes: invalid_json_line, invalid_request (not an object; input file
    missing or not of purpose "batch"), missing_required_parameter, duplicate_custom_id,
    invalid_value (method), url_mismatch, model_not_found, model_mismatch (OpenAI takes one
    model per batch), empty_file, too_many_tasks. Bad create/upload parameters are HTTP 400s.
    Inspection: `lines` (every executed line: batch_id, custom_id, body, status, time),
    `created` (batches created), `uploads` (files uploaded), `batch(id)`, `content(file_id)`.
    """

    def __init__(self, server: BatchHost, batch_delay: float = 0.2) -> None:
        self._server = server
        self.batch_delay = batch_delay
        #: batches created (POST /v1/batches answered 200), failed ones included
        self.created = 0
        #: files uploaded (POST /v1/files answered 200)
        self.uploads = 0
        self._lines: list[dict[str, Any]] = []
        self._files: dict[str, _File] = {}
        self._batches: dict[str, _Batch] = {}
        self._cond = threading.Condition()
        self._line_faults: collections.deque[int] = collections.deque()
        self._outcomes: collections.deque[Outcome] = collections.deque()
        self._held = False
        self._hold_after = 0

    # ---- controls and inspection -------------------------------------------------------------
    def fail_lines(self, count: int, status: int = 500) -> None:
        """The next `count` executed lines (any batch) fail with HTTP `status`."""
        if not 400 <= status <= 599:
            raise ValueError(f"a failed line needs a 4xx or 5xx status, got {status}")
        with self._cond:
            self._line_faults.extend([status] * count)

    def next_outcome(self, kind: Outcome) -> None:
        """Script how the next created batch ends: "failed" or "expired" (queued in order)."""
        if kind not in ("failed", "expired"):
            raise ValueError(f"unknown batch outcome {kind!r}; expected 'failed' or 'expired'")
        with self._cond:
            self._outcomes.append(kind)

    def hold(self, after_lines: int = 0) -> None:
        """Keep in-progress batches from running past `after_lines` lines, and from finishing."""
        with self._cond:
            self._held, self._hold_after = True, after_lines
            self._cond.notify_all()

    def release(self) -> None:
        """End `hold()`: held batches go on (those cancelled meanwhile stay cancelled)."""
        with self._cond:
            self._held = False
            self._cond.notify_all()

    @property
    def lines(self) -> list[dict[str, Any]]:
        """Every line executed so far (oldest first): {"batch_id", "custom_id", "body",
        "status" (200, or the failed status), "time"}. A line run twice shows up twice."""
        with self._cond:
            return list(self._lines)

    def batch(self, batch_id: str) -> dict[str, Any]:
        """The Batch object as GET /v1/batches/{id} returns it (KeyError if unknown)."""
        with self._cond:
            return self._batches[batch_id].obj()

    def content(self, file_id: str) -> bytes:
        """A stored file's bytes (KeyError if unknown)."""
        with self._cond:
            return self._files[file_id].data

    # ---- HTTP -------------------------------------------------------------------------------
    @staticmethod
    def owns(path: str) -> bool:
        """Whether `path` (query allowed) is a Files or Batches endpoint."""
        path = path.split("?")[0].rstrip("/")
        return path in ("/v1/files", "/v1/batches") or path.startswith(
            ("/v1/files/", "/v1/batches/")
        )

    def handle(self, method: str, path: str, body: Any, raw: bytes, content_type: str) -> Reply:
        """The reply to one request; `path` has no query or trailing slash."""
        match method, path.split("/")[2:]:
            case "POST", ["files"]:
                return self._upload(raw, content_type)
            case "GET", ["files"]:
                with self._cond:
                    return _list([f.obj() for f in reversed(self._files.values())])
            case "GET", ["files", file_id]:
                with self._cond:
                    file = self._files.get(file_id)
                    return Reply(200, file.obj()) if file else _no_such("File", file_id)
            case "GET", ["files", file_id, "content"]:
                with self._cond:
                    file = self._files.get(file_id)
                if file is None:
                    return _no_such("File", file_id)
                return Reply(200, raw=file.data, content_type="application/octet-stream")
            case "POST", ["batches"]:
                return self._create(body)
            case "GET", ["batches"]:
                with self._cond:
                    return _list([b.obj() for b in reversed(self._batches.values())])
            case "GET", ["batches", batch_id]:
                with self._cond:
                    batch = self._batches.get(batch_id)
                    return Reply(200, batch.obj()) if batch else _no_such("Batch", batch_id)
            case "POST", ["batches", batch_id, "cancel"]:
                return self._cancel(batch_id)
        return Reply(
            404, error_body(f"Invalid URL ({method} {path})", "invalid_request_error", None)
        )

    def _upload(self, raw: bytes, content_type: str) -> Reply:
        if not content_type.lower().startswith("multipart/form-data"):
            return _bad(f"Expected a multipart/form-data upload, got {content_type!r}.", None)
        fields, files = _parse_multipart(raw, content_type)
        purpose = fields.get("purpose")
        if purpose is None:
            return _missing("purpose")
        if purpose not in UPLOAD_PURPOSES:
            return _bad(
                f"'{purpose}' is not one of {sorted(UPLOAD_PURPOSES)} - 'purpose'",
                "purpose",
                "invalid_value",
            )
        if "file" not in files:
            return _missing("file")
        filename, data = files["file"]
        if purpose == "batch" and not filename.endswith(".jsonl"):
            return _bad("Invalid file format for Batch API. Must be .jsonl", "file")
        with self._cond:
            stored = self._store(filename, purpose, data)
            self.uploads += 1
            return Reply(200, stored.obj())

    def _create(self, body: Any) -> Reply:
        if not isinstance(body, dict):
            return _bad("We could not parse the JSON body of your request.", None)
        for name in ("input_file_id", "endpoint", "completion_window"):
            if not isinstance(body.get(name), str):
                return _missing(name)
        if body["endpoint"] not in ENDPOINTS:
            return _bad(
                f"Invalid value for 'endpoint': this server batches only {', '.join(ENDPOINTS)}.",
                "endpoint",
                "invalid_value",
            )
        if body["completion_window"] != "24h":
            return _bad(
                "Invalid value for 'completion_window': only '24h' is supported.",
                "completion_window",
                "invalid_value",
            )
        metadata = body.get("metadata")
        if metadata is not None and not _valid_metadata(metadata):
            return _bad(
                "Invalid 'metadata': at most 16 string keys (64 characters) to string values "
                "(512 characters).",
                "metadata",
                "invalid_value",
            )
        with self._cond:
            batch = _Batch(
                id=_new_id("batch_"),
                ordinal=self.created,
                input_file_id=body["input_file_id"],
                endpoint=body["endpoint"],
                completion_window="24h",
                metadata=dict(metadata) if metadata is not None else None,
                outcome=self._outcomes.popleft() if self._outcomes else None,
                created_at=int(time.time()),
            )
            self._batches[batch.id] = batch
            self.created += 1
            reply = Reply(200, batch.obj())
        threading.Thread(
            target=self._run, args=(batch,), name=f"fake-batch:{batch.id}", daemon=True
        ).start()
        return reply

    def _cancel(self, batch_id: str) -> Reply:
        with self._cond:
            batch = self._batches.get(batch_id)
            if batch is None:
                return _no_such("Batch", batch_id)
            if batch.status in ("validating", "in_progress"):
                batch.status = "cancelling"
                batch.times["cancelling_at"] = int(time.time())
                self._cond.notify_all()
            elif batch.status not in ("cancelling", "cancelled"):  # a retried cancel is fine
                return Reply(
                    409,
                    error_body(
                        f"Cannot cancel a batch with status '{batch.status}'.",
                        "invalid_request_error",
                        None,
                    ),
                )
            return Reply(200, batch.obj())

    # ---- the worker (one thread per batch) --------------------------------------------------
    def _run(self, batch: _Batch) -> None:
        try:
            self._process(batch)
        except _Stopped:
            log.debug("fake batch %s left %s: the server stopped", batch.id, batch.status)

    def _process(self, batch: _Batch) -> None:
        self._pause(batch, self.batch_delay)
        with self._cond:
            file = self._files.get(batch.input_file_id)
        errors, lines = self._validate(batch, file)
        if batch.outcome == "failed" and not errors:
            errors = [_line_error("invalid_request", "The batch failed validation (scripted).")]
        with self._cond:
            cancelled = batch.status == "cancelling"
            if not cancelled and errors:
                batch.status, batch.errors = "failed", errors
                batch.times["failed_at"] = int(time.time())
            elif not cancelled:
                batch.status, batch.total = "in_progress", len(lines)
                batch.model = str(lines[0].body["model"])
                batch.times["in_progress_at"] = int(time.time())
        if cancelled:
            return self._finish_cancel(batch)
        if errors:
            return None
        run = len(lines) // 2 if batch.outcome == "expired" else len(lines)
        step = self.batch_delay / max(1, len(lines))
        for done, line in enumerate(lines[:run]):
            self._hold_point(batch, done)
            if not self._execute(batch, line):
                return self._finish_cancel(batch)
            self._pause(batch, step)
        self._hold_point(batch, None)
        with self._cond:  # a cancel accepted from here on would be a lie: decide under the lock
            cancelled = batch.status == "cancelling"
            if not cancelled and batch.outcome == "expired":
                for line in lines[run:]:
                    batch.failures.append(_expired_result(line.custom_id))
                    batch.failed += 1
                self._write_results(batch, "expired", "expired_at")
                return None
            if not cancelled:
                batch.status = "finalizing"
                batch.times["finalizing_at"] = int(time.time())
        if cancelled:
            return self._finish_cancel(batch)
        self._sleep(self.batch_delay)
        with self._cond:
            self._write_results(batch, "completed", "completed_at")
        return None

    def _validate(
        self, batch: _Batch, file: _File | None
    ) -> tuple[list[dict[str, Any]], list[_Line]]:
        """The input file's problems (as OpenAI lists them, with line numbers) and its lines."""
        if file is None:
            message = f"No such File object: {batch.input_file_id}"
            return [_line_error("invalid_request", message, param="input_file_id")], []
        if file.purpose != "batch":
            message = f"File {file.id} has purpose '{file.purpose}'; a batch needs 'batch'."
            return [_line_error("invalid_request", message, param="input_file_id")], []
        errors: list[dict[str, Any]] = []
        lines: list[_Line] = []
        seen: set[str] = set()
        model: str | None = None
        numbered = [(n, text) for n, text in enumerate(file.data.split(b"\n"), 1) if text.strip()]
        if not numbered:
            return [_line_error("empty_file", "The batch input file is empty.")], []
        if len(numbered) > MAX_REQUESTS:
            message = f"The batch input file has more than {MAX_REQUESTS} requests."
            return [_line_error("too_many_tasks", message)], []
        for n, text in numbered:
            problem = self._check_line(batch, text, seen, model)
            if isinstance(problem, dict):
                errors.append({**problem, "line": n})
                continue
            custom_id, body = problem
            seen.add(custom_id)
            model = model or body["model"]
            lines.append(_Line(n, custom_id, body))
        return errors, lines

    def _check_line(
        self, batch: _Batch, text: bytes, seen: set[str], model: str | None
    ) -> dict[str, Any] | tuple[str, dict[str, Any]]:
        """One input line: its (custom_id, body), or the error that fails the batch."""
        try:
            obj = json.loads(text)
        except ValueError:
            return _line_error("invalid_json_line", "This line is not parseable as valid JSON.")
        if not isinstance(obj, dict):
            return _line_error("invalid_request", "Each line must be a JSON object.")
        custom_id = obj.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            return _missing_line_param("custom_id")
        if custom_id in seen:
            return _line_error(
                "duplicate_custom_id",
                "The custom_id for this request is a duplicate of another request. The "
                "custom_id parameter must be unique for each individual request in a batch.",
                param="custom_id",
            )
        if obj.get("method") != "POST":
            message = f"Invalid value for 'method': {obj.get('method')!r}; only 'POST'."
            return _line_error("invalid_value", message, param="method")
        if obj.get("url") != batch.endpoint:
            message = (
                f"The provided URL '{obj.get('url')}' does not match the batch endpoint "
                f"'{batch.endpoint}'."
            )
            return _line_error("url_mismatch", message, param="url")
        body = obj.get("body")
        if not isinstance(body, dict):
            return _missing_line_param("body")
        if not isinstance(body.get("model"), str):
            return _missing_line_param("body.model")
        accepted = self._server.model
        if accepted is not None and body["model"] != accepted:
            message = f"The provided model '{body['model']}' is not supported by the Batch API."
            return _line_error("model_not_found", message, param="body.model")
        if model is not None and body["model"] != model:
            message = (
                f"The provided model '{body['model']}' does not match the model '{model}' of "
                "the other requests in this batch."
            )
            return _line_error("model_mismatch", message, param="body.model")
        return custom_id, body

    def _execute(self, batch: _Batch, line: _Line) -> bool:
        """Answer one line as a live request to the batch's endpoint would be answered;
        False, running nothing, if the batch is being cancelled."""
        with self._cond:
            if batch.status == "cancelling":
                return False
            status = self._line_faults.popleft() if self._line_faults else 200
        payload: dict[str, Any] = {}
        if status == 200:
            try:
                reply = self._server._complete(batch.endpoint, line.body, None)
                payload = json.loads(reply.raw)
            except Exception:  # a broken responder: the line fails, the batch goes on
                log.exception("fake batch %s: line %s raised", batch.id, line.custom_id)
                status = 500
        if status == 200:
            # a live answer's id is the server's request serial: make each line's unique
            payload["id"] = _new_id(str(payload["id"]).split("-")[0] + "-")
            body = payload
        else:
            body = _status_error(status)
        result = {
            "id": _new_id("batch_req_"),
            "custom_id": line.custom_id,
            "response": {"status_code": status, "request_id": _new_id("req_"), "body": body},
            "error": None,
        }
        with self._cond:
            self._lines.append(
                {
                    "batch_id": batch.id,
                    "custom_id": line.custom_id,
                    "body": line.body,
                    "status": status,
                    "time": time.time(),
                }
            )
            if status == 200:
                batch.outputs.append(result)
                batch.completed += 1
                batch.input_tokens += int(payload["usage"]["prompt_tokens"])
                batch.output_tokens += int(payload["usage"]["completion_tokens"])
            else:
                batch.failures.append(result)
                batch.failed += 1
        return True

    def _finish_cancel(self, batch: _Batch) -> None:
        self._sleep(self.batch_delay)  # OpenAI stays "cancelling" for a while too
        with self._cond:
            self._write_results(batch, "cancelled", "cancelled_at")

    def _write_results(self, batch: _Batch, status: str, stamp: str) -> None:
        """Store the output and error files (None when empty) and end the batch; under lock."""
        for results, name, attr in (
            (batch.outputs, "output", "output_file_id"),
            (batch.failures, "error", "error_file_id"),
        ):
            if results:
                data = "".join(
                    json.dumps(r, ensure_ascii=False) + "\n"
                    for r in _shuffled(results, f"{batch.ordinal}:{name}")
                ).encode()
                stored = self._store(f"{batch.id}_{name}.jsonl", "batch_output", data)
                setattr(batch, attr, stored.id)
        batch.status = status
        batch.times[stamp] = int(time.time())
        self._cond.notify_all()

    def _store(self, filename: str, purpose: str, data: bytes) -> _File:
        """Keep a file; the caller holds the lock."""
        file = _File(_new_id("file-"), filename, purpose, data, int(time.time()))
        self._files[file.id] = file
        return file

    # ---- waiting ----------------------------------------------------------------------------
    def _pause(self, batch: _Batch, seconds: float) -> None:
        """Wait `seconds`, cut short by a cancel; _Stopped if the server stops."""
        self._wait(seconds, lambda: batch.status == "cancelling")

    def _sleep(self, seconds: float) -> None:
        self._wait(seconds, lambda: False)

    def _hold_point(self, batch: _Batch, done: int | None) -> None:
        """While held, wait here (`done` lines run; None: before finishing) until released."""

        def free() -> bool:
            if batch.status == "cancelling" or not self._held:
                return True
            return done is not None and done < self._hold_after

        self._wait(None, free)

    def _wait(self, seconds: float | None, until: Callable[[], bool]) -> None:
        """Wait until `until()` (checked under the lock) or `seconds` passed (None: no limit);
        _Stopped if the server stops meanwhile, so `stop()` stays prompt."""
        deadline = None if seconds is None else time.monotonic() + seconds
        stopping = self._server._stopping
        with self._cond:
            while not until():
                if stopping.is_set():
                    raise _Stopped
                left = _TICK if deadline is None else min(_TICK, deadline - time.monotonic())
                if left <= 0:
                    return
                self._cond.wait(left)
        if stopping.is_set():
            raise _Stopped


# ---- helpers ----------------------------------------------------------------------------------
def _new_id(prefix: str) -> str:
    """Random, so ids from another server (say a restarted one) never match by accident."""
    return prefix + uuid.uuid4().hex[:24]


def _shuffled(results: Sequence[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """A fixed shuffle that never keeps input order (when there are two lines or more)."""
    out = list(results)
    random.Random(key).shuffle(out)
    if len(out) > 1 and out == list(results):
        out.reverse()
    return out


def _parse_multipart(raw: bytes, content_type: str) -> tuple[dict[str, str], dict[str, Any]]:
    """Form fields ({name: text}) and files ({name: (filename, bytes)}) of a multipart body."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if not message.is_multipart():
        return fields, files
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = data.decode("utf-8", "replace")
        else:
            files[name] = (filename, data)
    return fields, files


def _valid_metadata(metadata: Any) -> bool:
    return (
        isinstance(metadata, dict)
        and len(metadata) <= 16
        and all(
            isinstance(k, str) and isinstance(v, str) and len(k) <= 64 and len(v) <= 512
            for k, v in metadata.items()
        )
    )


def _list(data: list[dict[str, Any]]) -> Reply:
    return Reply(
        200,
        {
            "object": "list",
            "data": data,
            "first_id": data[0]["id"] if data else None,
            "last_id": data[-1]["id"] if data else None,
            "has_more": False,
        },
    )


def _bad(message: str, param: str | None, code: str | None = None) -> Reply:
    return Reply(400, error_body(message, "invalid_request_error", code, param))


def _missing(param: str) -> Reply:
    return _bad(f"Missing required parameter: '{param}'.", param, "missing_required_parameter")


def _no_such(kind: str, id_: str) -> Reply:
    return Reply(
        404, error_body(f"No such {kind} object: {id_}", "invalid_request_error", None, "id")
    )


def _line_error(code: str, message: str, param: str | None = None) -> dict[str, Any]:
    """One entry of a failed batch's `errors.data` (the line number is added by the caller)."""
    return {"code": code, "message": message, "param": param, "line": None}


def _missing_line_param(param: str) -> dict[str, Any]:
    message = f"Missing required parameter: '{param}'."
    return _line_error("missing_required_parameter", message, param=param)


def _status_error(status: int) -> dict[str, Any]:
    """The error body a live request would have got with this status."""
    for known, message, type_, code in ERRORS.values():
        if known == status:
            return error_body(message, type_, code)
    type_ = "server_error" if status >= 500 else "invalid_request_error"
    return error_body(f"The request failed with status {status}.", type_, None)


def _expired_result(custom_id: str) -> dict[str, Any]:
    return {
        "id": _new_id("batch_req_"),
        "custom_id": custom_id,
        "response": None,
        "error": {"code": "batch_expired", "message": EXPIRED_MESSAGE},
    }
