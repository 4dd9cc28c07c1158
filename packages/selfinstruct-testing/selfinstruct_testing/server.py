"""A real OpenAI-compatible HTTP server on 127.0.0.1, for tests, benchmarks and manual tries.

It speaks the chat-completions protocol over real sockets (HTTP/1.1, keep-alive), so the
`openai` SDK, `httpx` and retries are exercised exactly as against a provider. Answers come from
a deterministic `TaskGenerator` (or a scripted `responder`); latency, rate limits and faults
(429/5xx, connection resets, hangs, HTML bodies, truncated answers) can be injected.
The Files and Batch API endpoints are served by `batch_server.FakeBatchService` (`.batches`).

    python -m selfinstruct_testing.server --port 8000 --latency 0.2
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import logging
import math
import random
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from selfinstruct_testing.batch_server import FakeBatchService
from selfinstruct_testing.generator import TaskGenerator, message_text
from selfinstruct_testing.wire import ERRORS, Reply, error_body

log = logging.getLogger(__name__)

Responder = Callable[[dict[str, Any]], tuple[str, str]]

FAULT_KINDS = frozenset(
    {
        "429",
        "500",
        "502",
        "503",
        "401",
        "404",
        "reset",
        "timeout",
        "not_json",
        "empty_choices",
        "length",
        "content_filter",
    }
)

HTML_BODY = (
    b"<html><head><title>Service Unavailable</title></head><body><h1>Service temporarily "
    b"unavailable</h1><p>The upstream server is not responding. Please try again.</p></body></html>"
)


def estimate_tokens(text: str) -> int:
    """About four characters a token, at least one: close enough for budgets and usage."""
    return max(1, math.ceil(len(text) / 4))


def format_reset(seconds: float) -> str:
    """OpenAI's duration format for x-ratelimit-reset-*: '20ms', '1.5s', '6m0s'."""
    if seconds < 1:
        return f"{max(1, round(seconds * 1000))}ms"
    if seconds < 60:
        return f"{seconds:.3g}s"
    return f"{int(seconds // 60)}m{int(seconds % 60)}s"


class _HTTPServer(ThreadingHTTPServer):
    """Threading server that remembers its open connections, so stop() can close them all."""

    daemon_threads = True
    block_on_close = False  # stop() wakes hung handlers; it never waits for them
    allow_reuse_address = True
    request_queue_size = 1024  # the default backlog of 5 refuses a burst of 64 new clients

    def __init__(self, address: tuple[str, int], fake: FakeTeacherServer) -> None:
        self.fake = fake
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def close_open_sockets(self) -> None:
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by its handler
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("fake teacher: error while handling %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP layer: parse, hand to the FakeTeacherServer, write the reply."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeTeacher/1.0"
    sys_version = ""
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fake teacher: " + format, *args)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        reply = self.server.fake.handle(method, self.path, body, dict(self.headers.items()), raw)
        if reply is None:  # the server is stopping: drop the connection
            self.close_connection = True
            return
        try:
            self._write(reply)
        except OSError:  # the client gave up (timed out) before the answer came
            self.close_connection = True

    def _write(self, reply: Reply) -> None:
        head = [
            f"HTTP/1.1 {reply.status} {self.responses.get(reply.status, ('',))[0]}",
            f"Content-Type: {reply.content_type}",
            f"Content-Length: {len(reply.raw)}",
            f"Date: {self.date_time_string()}",
            f"Server: {self.server_version}",
        ]
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if reply.reset:
            self._abort(data + reply.raw[: len(reply.raw) // 3])
            return
        self.wfile.write(data + reply.raw)

    def _abort(self, partial: bytes) -> None:
        """Send a partial response, then reset the connection (RST, not a clean FIN)."""
        self.close_connection = True
        self.connection.sendall(partial)
        time.sleep(0.05)  # let the client start reading, so it sees an incomplete body
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.connection.close()


class FakeTeacherServer:
    """An OpenAI-compatible chat-completions server on 127.0.0.1 with scriptable behaviour.

    `latency` (seconds, or a callable of the request body) is slept before every answer.
    `model=None` accepts any model name; `api_key` requires `Authorization: Bearer <key>`;
    `rpm_limit` answers 429 once that many requests were admitted in the last 60 s (refused
    ones do not count); `tpm_limit` once the tokens admitted in that window would exceed it,
    each request counted as OpenAI does on admission: its prompt plus its `max_tokens`, never
    given back. `limit_window_s` shortens the window for tests.
    Files and Batch API requests go to `self.batches` (a `FakeBatchService`, see there; its
    `batch_delay` is set here too); they skip the rpm/tpm limits, as OpenAI limits them apart.
    `responder(body) -> (content, finish_reason)` replaces the generator (exact scripted
    text); `max_tokens` truncation still applies to it. `echo_headers` makes every error
    message repeat the request's `Authorization` header (a leak our client must scrub).

    A request goes: logged and counted, its fault taken (scripted `fail_next` first, else one
    drawn from `fault_rate`), latency, then 401 if the key is wrong, 429 if over `rpm_limit`,
    then the fault, then 404 for an unknown model, then the answer. The log keeps the last
    `max_logged_requests` entries; the counters count everything.
    """

    def __init__(
        self,
        generator: TaskGenerator | None = None,
        latency: float | Callable[[dict], float] = 0.0,
        model: str | None = "fake-teacher",
        api_key: str | None = None,
        rpm_limit: int | None = None,
        responder: Responder | None = None,
        seed: int = 0,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_logged_requests: int | None = 10_000,
        tpm_limit: int | None = None,
        limit_window_s: float = 60.0,
        batch_delay: float = 0.2,
        echo_headers: bool = False,
        refuse_response_format: bool = False,
    ) -> None:
        self.generator = generator if generator is not None else TaskGenerator(seed=seed)
        #: answer HTTP 400 to any request with a `response_format`, as servers without
        #: structured output do
        self.refuse_response_format = refuse_response_format
        self.latency = latency
        self.model = model
        self.api_key = api_key
        self.rpm_limit = rpm_limit
        self.tpm_limit = tpm_limit
        self.limit_window_s = limit_window_s
        self.responder = responder
        #: error messages repeat the request's Authorization header, as careless proxies do
        self.echo_headers = echo_headers
        self._current = threading.local()
        self.seed = seed
        self.host = host
        self._port = port
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._faults: collections.deque[tuple[str, dict[str, Any]]] = collections.deque()
        self._fault_rate: dict[str, float] = {}
        self._requests: collections.deque[dict[str, Any]] = collections.deque(
            maxlen=max_logged_requests
        )
        self._count = 0
        self._by_path: collections.Counter[str] = collections.Counter()
        self._admitted: collections.deque[float] = collections.deque()
        #: (time, tokens) of the requests admitted under `tpm_limit`
        self._admitted_tokens: collections.deque[tuple[float, int]] = collections.deque()
        #: requests refused for the token limit (tests check none were)
        self.tpm_refusals = 0
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.batches: FakeBatchService = FakeBatchService(self, batch_delay=batch_delay)

    # ---- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeTeacherServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self._port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-teacher:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop promptly, even with handlers hung in a "timeout" fault or in latency."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.close_open_sockets()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeTeacherServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1] if self._httpd else self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass as `base_url` to `openai.OpenAI`."""
        return f"{self.url}/v1"

    # ---- inspection ------------------------------------------------------------------------
    @property
    def request_count(self) -> int:
        with self._lock:
            return self._count

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request so far, oldest first: {"path", "method", "body" (the parsed JSON, or
        None if it was not JSON; also under "json"), "headers" (lower-case names, the
        Authorization value redacted), "time" (epoch seconds)}."""
        with self._lock:
            return list(self._requests)

    def count_by_path(self) -> dict[str, int]:
        with self._lock:
            return dict(self._by_path)

    def reset_counts(self) -> None:
        with self._lock:
            self._count = 0
            self._by_path.clear()
            self._requests.clear()

    # ---- faults ----------------------------------------------------------------------------
    def fail_next(self, kind: str, times: int = 1, **options: Any) -> None:
        """Queue `times` faults of `kind` for the next requests, in arrival order.

        Options: retry_after (429/503: seconds for the Retry-After and retry-after-ms
        headers), retry_after_ms (429/503: milliseconds, in retry-after-ms only), hang (timeout:
        seconds, default 30), keep (length: share of the answer kept, default 0.6),
        partial (content_filter: keep part of the answer instead of none), path (only
        requests to this path, e.g. "/v1/batches", take the fault; others pass it by).
        """
        _check_kind(kind)
        with self._lock:
            self._faults.extend([(kind, dict(options))] * times)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._fault_rate = {}

    @property
    def fault_rate(self) -> dict[str, float]:
        """Random faults: {kind: probability}, drawn per request from this server's own seed."""
        with self._lock:
            return dict(self._fault_rate)

    @fault_rate.setter
    def fault_rate(self, rates: Mapping[str, float] | None) -> None:
        rates = dict(rates or {})
        for kind, p in rates.items():
            _check_kind(kind)
            if not 0 <= p <= 1:
                raise ValueError(f"fault rate for {kind!r} must be in [0, 1], got {p}")
        if sum(rates.values()) > 1:
            raise ValueError("fault rates add up to more than 1")
        with self._lock:
            self._fault_rate = rates

    # ---- request handling (called from handler threads) --------------------------------------
    def handle(
        self, method: str, path: str, body: Any, headers: Mapping[str, str], raw: bytes = b""
    ) -> Reply | None:
        """Decide the reply to one request; None means drop the connection (stopping).
        `raw` is the request body as sent (a file upload is multipart, not JSON)."""
        fault, entry = self._arrive(method, path, body, headers)
        reply = self._reply(method, path, body, headers, fault, raw)
        if reply is not None:
            entry["answered"] = time.time()  # when the answer left (tests of resume use it)
        return reply

    def _reply(
        self,
        method: str,
        path: str,
        body: Any,
        headers: Mapping[str, str],
        fault: tuple[str, dict[str, Any]] | None,
        raw: bytes = b"",
    ) -> Reply | None:
        if not self._sleep(self._latency_for(body)):
            return None
        lowered = {k.lower(): v for k, v in headers.items()}
        self._current.authorization = lowered.get("authorization")
        if self.api_key is not None and lowered.get("authorization") != f"Bearer {self.api_key}":
            return self._error("401")
        limited = None if self.batches.owns(path) else self._rate_limit(body)
        if limited is not None:
            return limited
        if fault is not None:
            kind, options = fault
            if kind == "timeout" and not self._sleep(float(options.get("hang", 30.0))):
                return None
            early = self._fault_reply(kind, options)
            if early is not None:
                return early
        route = path.split("?")[0].rstrip("/")
        return self._route(method, route, body, fault, raw, lowered.get("content-type", ""))

    def _arrive(
        self, method: str, path: str, body: Any, headers: Mapping[str, str]
    ) -> tuple[tuple[str, dict[str, Any]] | None, dict[str, Any]]:
        """Count and log the request; take its fault (scripted first, then random).
        Returns the fault and the request's log entry."""
        safe = {
            k.lower(): ("<redacted>" if k.lower() in ("authorization", "api-key") else v)
            for k, v in headers.items()
        }
        with self._lock:
            self._count += 1
            self._by_path[path] += 1
            entry = {
                "method": method,
                "path": path,
                "body": body,
                "json": body,
                "headers": safe,
                "time": time.time(),
            }
            self._requests.append(entry)
            for fault in self._faults:
                only = fault[1].get("path")
                if only is None or path.split("?")[0].rstrip("/") == only:
                    self._faults.remove(fault)
                    return fault, entry
            if self._fault_rate:
                u = self._rng.random()
                for kind, p in self._fault_rate.items():
                    if u < p:
                        return (kind, {}), entry
                    u -= p
        return None, entry

    def _latency_for(self, body: Any) -> float:
        latency = self.latency
        if callable(latency):
            return float(latency(body if isinstance(body, dict) else {}))
        return float(latency)

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the server stops meanwhile; False if it did."""
        if seconds > 0:
            return not self._stopping.wait(seconds)
        return not self._stopping.is_set()

    def _rate_limit(self, body: Any = None) -> Reply | None:
        """429 when `rpm_limit` requests, or `tpm_limit` tokens, were already admitted in the
        window (sliding); refused requests do not count, so a client that waits gets through."""
        if self.rpm_limit is None and self.tpm_limit is None:
            return None
        now = time.monotonic()
        window = self.limit_window_s
        cost = _admission_tokens(body) if self.tpm_limit is not None else 0
        with self._lock:
            while self._admitted and self._admitted[0] <= now - window:
                self._admitted.popleft()
            while self._admitted_tokens and self._admitted_tokens[0][0] <= now - window:
                self._admitted_tokens.popleft()
            used = len(self._admitted)
            used_tokens = sum(tokens for _, tokens in self._admitted_tokens)
            over_rpm = self.rpm_limit is not None and used >= self.rpm_limit
            over_tpm = (
                self.tpm_limit is not None
                and used_tokens > 0
                and used_tokens + cost > self.tpm_limit
            )
            if not over_rpm and not over_tpm:
                self._admitted.append(now)
                if self.tpm_limit is not None:
                    self._admitted_tokens.append((now, cost))
                return None
            if over_rpm:
                wait = self._admitted[0] + window - now
            else:
                wait = self._admitted_tokens[0][0] + window - now
        if over_rpm:
            message = (
                f"Rate limit reached for requests per min (RPM): Limit {self.rpm_limit}, Used "
                f"{used}, Requested 1. Please try again in {format_reset(wait)}."
            )
            return self._error("429", retry_after=wait, message=message, remaining=0)
        self.tpm_refusals += 1
        message = (
            f"Rate limit reached for tokens per min (TPM): Limit {self.tpm_limit}, Used "
            f"{used_tokens}, Requested {cost}. Please try again in {format_reset(wait)}."
        )
        return self._error("429", retry_after=wait, message=message)

    def _rate_headers(self, remaining: int | None = None) -> dict[str, str]:
        if self.rpm_limit is None:
            return {}
        with self._lock:
            used = len(self._admitted)
            reset = (
                self._admitted[0] + self.limit_window_s - time.monotonic()
                if self._admitted
                else 0.0
            )
        left = max(0, self.rpm_limit - used) if remaining is None else remaining
        return {
            "x-ratelimit-limit-requests": str(self.rpm_limit),
            "x-ratelimit-remaining-requests": str(left),
            "x-ratelimit-reset-requests": format_reset(max(reset, 0.001)),
        }

    def _error(
        self,
        kind: str,
        retry_after: float | None = None,
        message: str | None = None,
        remaining: int | None = None,
        retry_after_ms: float | None = None,
    ) -> Reply:
        status, default_message, type_, code = ERRORS[kind]
        headers = self._rate_headers(remaining) if status == 429 else {}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:.3f}".rstrip("0").rstrip(".") or "0"
            headers["retry-after-ms"] = str(max(0, round(retry_after * 1000)))
        if retry_after_ms is not None:
            headers["retry-after-ms"] = f"{retry_after_ms:g}"
        message = message or default_message
        sent = getattr(self._current, "authorization", None)
        if self.echo_headers and sent is not None:
            message += f" (you sent Authorization: {sent})"
        return Reply(status, error_body(message, type_, code), headers)

    def _fault_reply(self, kind: str, options: Mapping[str, Any]) -> Reply | None:
        """The reply for faults that replace the answer; None for those that alter it."""
        if kind in ERRORS:
            return self._error(
                kind, options.get("retry_after"), retry_after_ms=options.get("retry_after_ms")
            )
        if kind == "404":
            return self._model_not_found(str(options.get("model", "unknown-model")))
        if kind == "not_json":
            return Reply(200, raw=HTML_BODY, content_type="text/html; charset=utf-8")
        return None

    def _model_not_found(self, model: str) -> Reply:
        return Reply(
            404,
            error_body(
                f"The model `{model}` does not exist or you do not have access to it.",
                "invalid_request_error",
                "model_not_found",
                "model",
            ),
        )

    def _route(
        self,
        method: str,
        path: str,
        body: Any,
        fault: tuple[str, dict[str, Any]] | None,
        raw: bytes = b"",
        content_type: str = "",
    ) -> Reply:
        if self.batches.owns(path):
            reply = self.batches.handle(method, path, body, raw, content_type)
            reply.reset = fault is not None and fault[0] == "reset"
            return reply
        if method == "GET" and path == "/v1/models":
            return Reply(200, self._models())
        if method == "POST" and path in ("/v1/chat/completions", "/v1/completions"):
            if not isinstance(body, dict):
                return Reply(
                    400,
                    error_body(
                        "We could not parse the JSON body of your request.",
                        "invalid_request_error",
                        None,
                    ),
                )
            model = body.get("model")
            if self.model is not None and model != self.model:
                return self._model_not_found(str(model))
            if self.refuse_response_format and body.get("response_format"):
                return Reply(
                    400,
                    error_body(
                        "Invalid parameter: 'response_format' is not supported by this model.",
                        "invalid_request_error",
                        "unsupported_parameter",
                        "response_format",
                    ),
                )
            return self._complete(path, body, fault)
        return Reply(
            404, error_body(f"Invalid URL ({method} {path})", "invalid_request_error", None)
        )

    def _models(self) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [
                {
                    "id": self.model or "fake-teacher",
                    "object": "model",
                    "created": 1_700_000_000,
                    "owned_by": "selfinstruct",
                }
            ],
        }

    def _answer(self, path: str, body: dict[str, Any]) -> tuple[str, str]:
        if self.responder is not None:
            return self.responder(body)
        if path.endswith("/chat/completions"):
            return self.generator.respond(body)
        return self.generator.complete(body)

    def _complete(
        self, path: str, body: dict[str, Any], fault: tuple[str, dict[str, Any]] | None
    ) -> Reply:
        content, finish = self._answer(path, body)
        kind, options = fault if fault is not None else ("", {})
        if kind == "length":
            content, finish = _cut_mid_task(content, float(options.get("keep", 0.6))), "length"
        elif kind == "content_filter":
            content = content[: len(content) // 3] if options.get("partial") else ""
            finish = "content_filter"
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        if isinstance(limit, int) and limit > 0 and estimate_tokens(content) > limit:
            content, finish = content[: limit * 4], "length"
        usage = _usage(body, content)
        with self._lock:
            serial = self._count
        if path.endswith("/chat/completions"):
            choice = {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": finish,
            }
            obj, prefix = "chat.completion", "chatcmpl"
        else:
            choice = {"index": 0, "text": content, "logprobs": None, "finish_reason": finish}
            obj, prefix = "text_completion", "cmpl"
        payload = {
            "id": f"{prefix}-fake{serial:08d}",
            "object": obj,
            "created": int(time.time()),
            "model": body.get("model") or self.model,
            "system_fingerprint": "fp_fake",
            "choices": [] if kind == "empty_choices" else [choice],
            "usage": usage,
        }
        headers = {"x-request-id": f"req_fake{serial:08d}", **self._rate_headers()}
        return Reply(200, payload, headers, reset=kind == "reset")


def _check_kind(kind: str) -> None:
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")


def _prompt_text(body: Mapping[str, Any]) -> str:
    if "messages" in body:
        return "".join(
            message_text(m.get("content"))
            for m in body.get("messages") or []
            if isinstance(m, Mapping)
        )
    prompt = body.get("prompt", "")
    return prompt if isinstance(prompt, str) else "".join(map(str, prompt))


def _admission_tokens(body: Any) -> int:
    """What a TPM limit counts for a request before it runs: prompt estimate + max_tokens."""
    if not isinstance(body, Mapping):
        return 0
    limit = body.get("max_completion_tokens") or body.get("max_tokens") or 0
    return estimate_tokens(_prompt_text(body)) + (limit if isinstance(limit, int) else 0)


def _usage(body: Mapping[str, Any], content: str) -> dict[str, int]:
    prompt_tokens = estimate_tokens(_prompt_text(body))
    completion_tokens = estimate_tokens(content)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _cut_mid_task(text: str, keep: float) -> str:
    """Cut `text` at about `keep` of its length, at a word boundary, as a token limit would."""
    cut = max(1, int(len(text) * keep))
    space = text.rfind(" ", 0, cut)
    return text[: space if space > 0 else cut]


def main(argv: Iterable[str] | None = None) -> None:
    """Run a fake teacher until Ctrl-C: for the README and manual tries."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--model", default="fake-teacher", help="accepted model ('*' for any)")
    parser.add_argument("--api-key", default=None, help="require this bearer key")
    parser.add_argument("--rpm-limit", type=int, default=None)
    parser.add_argument("--tpm-limit", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(list(argv) if argv is not None else None)
    server = FakeTeacherServer(
        latency=args.latency,
        model=None if args.model == "*" else args.model,
        api_key=args.api_key,
        rpm_limit=args.rpm_limit,
        tpm_limit=args.tpm_limit,
        seed=args.seed,
        host=args.host,
        port=args.port,
    )
    server.start()
    print(
        f"Fake teacher serving at {server.base_url} (model {args.model}); Ctrl-C to stop.",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
