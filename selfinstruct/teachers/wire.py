"""The connection to a provider that every transport shares: settings, the SDK client, the
request body, the retry policy, error messages, answer reading and the run's counters.

One retry policy rules (tenacity; the SDK's own retries are off): exponential backoff with
jitter on 429, 5xx, timeouts, dropped connections and malformed bodies, honouring
`retry-after-ms`, `Retry-After` and `x-ratelimit-reset-*`. A 401/403, an unknown model or
nothing listening at the URL (refused, unknown host) stops at once: no retry can fix them.
Each attempt has one deadline (`timeout_s`, for the whole request, not per read) and a
bounded body; every string a server sent is cleaned (`server_text`) before it goes further.
A transport (`live.LiveTransport`, `batch.BatchTransport`) decides only how a request's body
reaches the provider and when its answer comes back.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import hashlib
import json
import re
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx2  # the openai SDK's HTTP client
import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    wait_exponential_jitter,
)

from selfinstruct.errors import (
    BudgetExceeded,
    RequestAbandoned,
    TeacherAuthError,
    TeacherConnectionError,
    TeacherError,
    TeacherHTTPError,
    TeacherTimeout,
    TeacherUnreachable,
)
from selfinstruct.teachers.cache import CachedResponse
from selfinstruct.teachers.limits import RateLimits
from selfinstruct.teachers.post import AnswerTooLarge, DirectPost
from selfinstruct.teachers.server_text import ServerText

Endpoint = Literal["chat", "completions"]
T = TypeVar("T")
#: what failing calls to the Files and Batches endpoints are named in messages
BATCH_API = "Batch API"

#: Longest wait a server may ask for before we give up honouring it and use our own backoff.
MAX_SERVER_WAIT_S = 120.0
#: Bytes of an answer's body allowed per token of `max_tokens` (JSON escapes, usage,
#: logprobs fit easily), above a fixed floor; a larger body is a bad response, not read on.
BODY_BYTES_PER_TOKEN = 64
BODY_BYTES_FLOOR = 1 << 20
#: Once a run is stopping (a signal), how long answers in flight are still waited for.
STOP_GRACE_S = 10.0


@dataclass
class TeacherSettings:
    """How to reach the teacher and how to sample from it."""

    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 3072
    stop: list[str] | None = None
    extra_body: dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None
    seed: int | None = None
    #: send a per-request seed (llama.cpp then answers byte-identically; OpenAI: best effort)
    send_seed: bool = True
    timeout_s: float = 120.0
    max_attempts: int = 6
    concurrency: int = 8
    rpm: float | None = None
    tpm: float | None = None
    #: the provider's TPM limit counts tokens used (give back unused max_tokens), not the
    #: prompt + max_tokens reserved on admission as OpenAI does
    tpm_refund: bool = False
    #: the window the provider's limits are counted over (`rpm` and `tpm` are per window)
    limit_window_s: float = 60.0
    max_requests: int | None = None
    #: what to add to a 5xx message: the local teacher's log path and last lines (llama.cpp
    #: answers a failure with an empty body; the reason is in its log)
    server_context: Callable[[], str] | None = field(default=None, repr=False, compare=False)

    def sampling(self) -> dict[str, Any]:
        """The parameters that change what the provider generates (part of the cache key)."""
        return {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "stop": self.stop,
            "extra_body": self.extra_body,
            "response_format": self.response_format,
        }


@dataclass(frozen=True)
class TeacherRequest:
    """One call: chat messages, or a prompt for the completions endpoint."""

    index: int
    messages: list[dict[str, str]] | None = None
    prompt: str | None = None
    #: a unit's sub-request (e.g. "classify:3"); part of the cache key and the request seed
    step: str = ""
    #: request-specific arguments (`stop`, `response_format`, `extra_body` such as a grammar);
    #: `extra_body` is merged over the settings' own
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def endpoint(self) -> Endpoint:
        """Where it goes: a prompt to /v1/completions, messages to /v1/chat/completions (a
        method may mix both, e.g. self-instruct's steps on a small local model)."""
        return "completions" if self.prompt is not None else "chat"


@dataclass(frozen=True)
class Completion:
    """A teacher answer, fresh or replayed from the cache."""

    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cache_key: str
    cached: bool
    attempts: int = 1

    @classmethod
    def of(
        cls, answer: CachedResponse, key: str, cached: bool = False, attempts: int = 1
    ) -> Completion:
        return cls(
            answer.text,
            answer.finish_reason,
            answer.prompt_tokens,
            answer.completion_tokens,
            key,
            cached=cached,
            attempts=attempts,
        )


@dataclass
class TeacherStats:
    """Counters for the manifest and the progress line."""

    requests_sent: int = 0
    requests_sent_before: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    #: failures the provider may still bill (timeouts, connections cut mid-answer), and the
    #: most tokens they can have cost (prompt + max_tokens each): counted, not hidden
    possibly_billed: int = 0
    possibly_billed_tokens: int = 0


class BadResponse(Exception):
    """The server answered 200 with something that is not a usable completion."""


class DeadlineExceeded(Exception):
    """One attempt took longer than `timeout_s` in all (a trickled or endless body)."""


class _CappedStream(httpx2.AsyncByteStream):
    """A response body that raises BadResponse past `limit` bytes instead of growing."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream = stream
        self.limit = limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self.stream:
            seen += len(chunk)
            if seen > self.limit:
                raise BadResponse(f"answer body larger than {self.limit:,} bytes; not read on")
            yield chunk

    async def aclose(self) -> None:
        await self.stream.aclose()


def _body_cap(limit: int) -> Callable[[Any], Awaitable[None]]:
    """An httpx response hook bounding the bodies of completion requests (the Files API's
    batch outputs are large by design and read elsewhere)."""

    async def hook(response: Any) -> None:
        if not response.request.url.path.endswith("completions"):
            return
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise BadResponse(f"answer body of {int(declared):,} bytes (limit {limit:,})")
        response.stream = _CappedStream(response.stream, limit)

    return hook


def unreachable(exc: BaseException) -> str | None:
    """Why nothing can answer at all (connection refused, unknown host), from the causes of
    a failed connection; None for other failures. The SDK reports both as a timeout."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused: nothing listens there"
        if isinstance(seen, socket.gaierror):
            return f"cannot resolve the host name ({seen.strerror or seen})"
        seen = seen.__cause__ or seen.__context__
    return None


def redact_url(url: str | None) -> str | None:
    """A base URL without credentials or query string, safe for logs and the manifest."""
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _error_kind(exc: BaseException) -> str:
    if isinstance(exc, openai.APIStatusError):
        return f"http_{exc.status_code}"
    if unreachable(exc):
        return "unreachable"
    if isinstance(exc, (openai.APITimeoutError, DeadlineExceeded)):
        return "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return "connection"
    if isinstance(exc, BadResponse):
        return "bad_response"
    return type(exc).__name__


def is_retryable_status(status: int) -> bool:
    return status in (408, 409, 425, 429) or status >= 500


def _is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIStatusError):
        return is_retryable_status(exc.status_code)
    if unreachable(exc):
        return False
    return isinstance(exc, (openai.APIConnectionError, BadResponse, DeadlineExceeded))


_DURATION = re.compile(r"(?P<value>\d+(?:\.\d+)?)(?P<unit>ms|s|m|h)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_reset(value: str) -> float | None:
    """Seconds from `x-ratelimit-reset-*` values such as `1s`, `6m0s`, `20ms`."""
    total = 0.0
    found = False
    for match in _DURATION.finditer(value):
        found = True
        total += float(match.group("value")) * _UNIT_S[match.group("unit")]
    return total if found else None


def _retry_after(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` (as the OpenAI SDK reads it) or `Retry-After` (seconds
    or an HTTP date); None when absent, unreadable or negative."""
    try:
        millis = float(headers.get("retry-after-ms") or "nan")
        if 0 <= millis < float("inf"):
            return millis / 1000
    except ValueError:
        pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return seconds if 0 <= seconds < float("inf") else None


def server_wait(exc: BaseException | None) -> float | None:
    """The wait a 429/503 asks for, from `retry-after-ms`, `Retry-After` or
    `x-ratelimit-reset-*` headers, capped at MAX_SERVER_WAIT_S."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    asked = _retry_after(headers)
    if asked is not None:
        return min(asked, MAX_SERVER_WAIT_S)
    parsed = [
        parse_reset(headers[name])
        for name in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens")
        if headers.get(name)
    ]
    waits = [w for w in parsed if w is not None]
    return min(max(waits), MAX_SERVER_WAIT_S) if waits else None


class _WaitServerOrBackoff:
    """Honour the server's requested wait when it gives one, else backoff with jitter.
    A 429 also cools every other request down, so the client backs off as a whole."""

    def __init__(self, initial: float, maximum: float, limits: RateLimits) -> None:
        self.backoff = wait_exponential_jitter(multiplier=initial, max=maximum, jitter=initial)
        self.limits = limits

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = server_wait(exc)
        wait = asked if asked is not None else self.backoff(state)
        if isinstance(exc, openai.RateLimitError):
            self.limits.cool_down(wait)
        return wait


class Transport(Protocol):
    """How a request's body reaches the provider: one at a time (`live.LiveTransport`) or as
    lines of a Batch API job (`batch.BatchTransport`). Chosen once, in `run.build`."""

    #: the transport writes answers to the cache itself (a batch answer is kept even when no
    #: request waits for it any more), so the teacher must not write them again
    stores_answers: bool

    async def send(self, key: str, request: TeacherRequest) -> tuple[CachedResponse, int]:
        """The answer to `request` (cache key `key`) and the attempts it took."""
        ...

    def stop_waiting(self) -> str | None:
        """First Ctrl-C: stop waiting for answers that are not coming soon; what to tell the
        user, or None when requests in flight simply finish."""
        ...

    async def close(self) -> None: ...


class Wire:
    """One provider connection: the SDK client, the counters, the request budget, the retry
    policy and how answers and errors are read. Shared by the teacher and its transport."""

    def __init__(
        self,
        settings: TeacherSettings,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
    ) -> None:
        self.settings = settings
        self.stats = TeacherStats()
        self.limits = RateLimits(
            settings.rpm,
            settings.tpm,
            settings.max_tokens + 2048,
            refund=settings.tpm_refund,
            window_s=settings.limit_window_s,
        )
        self._wait = _WaitServerOrBackoff(backoff_initial_s, backoff_max_s, self.limits)
        #: the retry policy (`call_with_retries` applies it)
        self.retrying = AsyncRetrying(
            retry=retry_if_exception(lambda e: _is_retryable(e) and not self.stopping.is_set()),
            # stop_after_attempt's rule, reading the settings at each attempt as before
            stop=lambda state: state.attempt_number >= self.settings.max_attempts,
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        #: cleans every string a server sends (secrets, surrogates, lengths)
        self.text = ServerText([settings.api_key], settings.max_tokens)
        self.max_body_bytes = BODY_BYTES_FLOOR + settings.max_tokens * BODY_BYTES_PER_TOKEN
        self.client = openai.AsyncOpenAI(
            api_key=settings.api_key or "not-needed",
            base_url=settings.base_url,
            max_retries=0,
            timeout=settings.timeout_s,
            # the SDK's aiohttp transport: about 0.7 ms less client CPU a request than its
            # default httpx one at 128 requests/s (benchmarks/teacher_throughput.py)
            http_client=openai.DefaultAioHttpClient(
                timeout=settings.timeout_s,
                event_hooks={"response": [_body_cap(self.max_body_bytes)]},
            ),
        )
        #: completion requests go around the SDK's request layers (`post.DirectPost`)
        self.direct = DirectPost(self.client, settings.api_key or "not-needed", self.max_body_bytes)
        self.public_base_url = (redact_url(str(self.client.base_url)) or "").rstrip("/")
        #: set when the run stops: no more retries, answers in flight waited for briefly
        self.stopping = asyncio.Event()
        self._deadlines: set[asyncio.Timeout] = set()

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """The run is stopping: no request is retried any more, and those in flight get
        `grace_s` more seconds at most; then they raise RequestAbandoned (redone on resume)."""
        self.stopping.set()
        loop = asyncio.get_running_loop()
        for deadline in self._deadlines:
            when = deadline.when()
            if when is None or when > loop.time() + grace_s:
                deadline.reschedule(loop.time() + grace_s)

    def _abandoned(self, what: str) -> RequestAbandoned:
        return RequestAbandoned(f"{what}: no answer before the run stopped; redone on resume")

    async def _sleep(self, seconds: float) -> None:
        """The retry policy's wait between attempts, cut short when the run stops."""
        try:
            await asyncio.wait_for(self.stopping.wait(), seconds)
        except TimeoutError:
            return

    async def close(self) -> None:
        await self.direct.close()
        await self.client.close()

    def request_seed(self, request: TeacherRequest) -> int | None:
        """A per-request seed: reproducible runs on servers that honour it, distinct requests."""
        if self.settings.seed is None:
            return None
        step = _step_number(request.step)
        return (self.settings.seed * 1_000_003 + request.index * 7919 + step) % 2**31

    async def call_with_retries(self, call: Callable[[], Awaitable[T]], what: str) -> tuple[T, int]:
        """`call()` under the retry policy, with the attempts it took; its last failure as a
        `TeacherError` naming `what`, the base URL and the model.

        The policy is tenacity's (`self.retrying`: its retry, stop and wait), applied as its
        `AsyncRetrying` loop applies it; the loop is written out because building and
        iterating one cost ~50 us a request when nearly every request succeeds at once.
        The attempt's state is made only when an attempt failed (the wait reads it)."""
        policy = self.retrying
        attempts = 0
        state: RetryCallState | None = None
        try:
            while True:
                try:
                    if attempts and self.stopping.is_set():
                        raise self._abandoned(what)
                    attempts += 1
                    try:
                        return await call(), attempts
                    except (BudgetExceeded, RequestAbandoned):
                        raise
                    except Exception as exc:
                        self.stats.errors[_error_kind(exc)] += 1
                        raise
                except BaseException as exc:  # the attempt's outcome, as tenacity records it
                    if state is None:
                        state = RetryCallState(policy, None, (), {})
                    state.attempt_number = attempts
                    state.set_exception((type(exc), exc, exc.__traceback__))
                    if not policy.retry(state) or policy.stop(state):
                        raise  # reraise=True: the last attempt's own exception
                    wait = policy.wait(state)
                    state.prepare_for_next_attempt()
                    await self._sleep(wait)  # the policy's sleep
        except RequestAbandoned:
            raise
        except Exception as exc:
            if self.stopping.is_set() and _is_retryable(exc):
                raise self._abandoned(what) from None
            raise self.failure(exc, what, attempts) from None

    def failure(self, exc: Exception, what: str, attempts: int) -> Exception:
        """The TeacherError a request's last failure becomes; other errors unchanged."""
        why = unreachable(exc)
        if why is not None:
            return TeacherUnreachable(f"{what}: cannot reach {self.public_base_url}: {why}")
        if isinstance(exc, openai.APIStatusError):
            return self.status_error(exc.status_code, _error_message(exc), what)
        if isinstance(exc, (openai.APITimeoutError, DeadlineExceeded)):
            return TeacherTimeout(
                f"{what}: no answer from {self.where()} within "
                f"{self.settings.timeout_s:g}s after {attempts} attempts"
            )
        if isinstance(exc, openai.APIConnectionError):
            return TeacherConnectionError(
                f"{what}: cannot reach {self.where()} after {attempts} "
                f"attempts ({self.text.message(exc.__cause__ or exc)})"
            )
        if isinstance(exc, BadResponse):
            return TeacherError(
                f"{what}: {self.where()} sent an unusable answer after {attempts} attempts: {exc}"
            )
        return exc

    def admit(self, count: int) -> int:
        """How many of `count` requests about to be sent (live, or as lines of a batch)
        --max-requests still allows; those are counted as sent, resent ones included."""
        cap = self.settings.max_requests
        sent = self.stats.requests_sent_before + self.stats.requests_sent
        allowed = count if cap is None else max(0, min(count, cap - sent))
        self.stats.requests_sent += allowed
        return allowed

    def max_requests_message(self) -> str:
        sent = self.stats.requests_sent_before + self.stats.requests_sent
        return (
            f"stopped at --max-requests {self.settings.max_requests}: {sent} requests sent "
            "(retries included); rerun with a higher --max-requests to continue"
        )

    def where(self) -> str:
        return f"{self.public_base_url} (model {self.settings.model})"

    def status_error(self, status: int, detail: str, what: str = "") -> TeacherHTTPError:
        detail = self.text.message(detail)
        if status == 404 and what == BATCH_API:
            return TeacherHTTPError(
                status,
                f"{self.public_base_url} has no Batch API, or not this batch or file (HTTP 404:"
                f" {detail}); --batch-api needs OpenAI or a server with /v1/files and "
                "/v1/batches",
            )
        if status in (401, 403):
            return TeacherAuthError(
                status,
                f"{self.where()} refused the API key (HTTP {status}): {detail}; "
                "check OPENAI_API_KEY or --api-key",
            )
        if status == 404:
            return TeacherHTTPError(
                status,
                f"model {self.settings.model!r} not found at {self.public_base_url}"
                f" (HTTP 404): {detail}; check --model and --base-url",
            )
        message = f"{self.where()} answered HTTP {status}: {detail}"
        if status >= 500 and self.settings.server_context is not None:
            message += f"; {self.settings.server_context()}"
        return TeacherHTTPError(status, message)

    def request_body(self, request: TeacherRequest) -> tuple[str, dict[str, Any]]:
        """The endpoint path and JSON body the provider receives for `request` (live or in a
        Batch API file: both send the same bytes, so both share the cache)."""
        body: dict[str, Any] = {"model": self.settings.model}
        if request.endpoint == "completions":
            path = "/completions"
            body["prompt"] = request.prompt
        else:
            path = "/chat/completions"
            body["messages"] = request.messages or []
        body |= {
            "temperature": self.settings.temperature,
            "top_p": self.settings.top_p,
            "max_tokens": self.settings.max_tokens,
        }
        seed = self.request_seed(request) if self.settings.send_seed else None
        if seed is not None:
            body["seed"] = seed
        stop = [*(self.settings.stop or []), *request.params.get("stop", [])]
        if stop:
            body["stop"] = stop
        if path == "/chat/completions":
            response_format = request.params.get("response_format", self.settings.response_format)
            if response_format:
                body["response_format"] = response_format
        body |= self.settings.extra_body or {}
        body |= request.params.get("extra_body", {})
        return path, body

    async def post(self, path: str, body: dict[str, Any]) -> CachedResponse:
        """POST the body, read the answer as plain JSON. The SDK's typed `create` spends about
        1 ms a request transforming parameters and building pydantic models of the answer,
        its `post` 0.4 ms more than a bare aiohttp POST: `DirectPost` sends it, with the
        SDK's headers and status errors."""
        loop = asyncio.get_running_loop()
        grace = STOP_GRACE_S if self.stopping.is_set() else float("inf")
        deadline = asyncio.timeout_at(loop.time() + min(self.settings.timeout_s, grace))
        self._deadlines.add(deadline)
        try:
            async with deadline:
                text = await self.direct.post(path, body)
        except AnswerTooLarge as exc:
            raise BadResponse(str(exc)) from None
        except TimeoutError:
            if self.stopping.is_set():
                raise self._abandoned(f"POST {path}") from None
            raise DeadlineExceeded(f"no whole answer within {self.settings.timeout_s:g}s") from None
        finally:
            self._deadlines.discard(deadline)
        return self.read_answer(text, path)

    def read_answer(self, text: str, path: str = "/chat/completions") -> CachedResponse:
        """A provider's JSON answer as a `CachedResponse`; BadResponse when unusable."""
        try:
            data = json.loads(text)
        except ValueError:
            raise BadResponse(f"not JSON: {self.text.message(repr(text[:200]))}") from None
        return self.settle_answer(data, path)

    def settle_answer(self, data: Any, path: str) -> CachedResponse:
        """Text, finish reason and usage of a parsed answer; its tokens join the stats."""
        chat = path.endswith("/chat/completions")
        choice = _first_choice(data, "a chat completion" if chat else "a completion", self.text)
        if chat:
            message = choice.get("message")
            text = (message.get("content") if isinstance(message, dict) else None) or ""
        else:
            text = choice.get("text") or ""
        usage = data.get("usage") or {}
        try:
            prompt_tokens = int(usage.get("prompt_tokens") or 0)
            completion_tokens = int(usage.get("completion_tokens") or 0)
        except (AttributeError, TypeError, ValueError):
            raise BadResponse(f"unreadable usage: {self.text.message(usage, 200)!r}") from None
        self.stats.prompt_tokens += prompt_tokens
        self.stats.completion_tokens += completion_tokens
        answer, cut = self.text.answer(str(text))
        return CachedResponse(
            text=answer,
            # an answer longer than max_tokens allows is kept only up to there: cut short
            finish_reason="length" if cut else self.text.label(choice.get("finish_reason")),
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            model=self.text.label(data.get("model")),
        )


@functools.lru_cache(maxsize=256)
def _step_number(step: str) -> int:
    """A request step's share of its seed (a unit's few step names recur in every unit)."""
    return int.from_bytes(hashlib.sha256(step.encode()).digest()[:4], "big")


def _first_choice(data: Any, what: str, text: ServerText) -> dict[str, Any]:
    """The answer's first choice; a 200 with an HTML page or no choices is a BadResponse."""
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list):
        raise BadResponse(f"not {what}: {text.message(data, 200)!r}")
    if not choices or not isinstance(choices[0], dict):
        raise BadResponse("the answer has no choices")
    return choices[0]


def prompt_tokens_estimate(request: TeacherRequest) -> int:
    """Prompt tokens as a provider counts them on admission, roughly (4 characters a token)."""
    chars = len(request.prompt or "") + sum(
        len(m.get("content", "")) for m in request.messages or []
    )
    return chars // 4 + 8 * len(request.messages or [])


def _error_message(exc: openai.APIStatusError) -> str:
    return body_message(exc.body) or str(exc.message)[:300]


def body_message(body: Any) -> str:
    """The `error.message` of an OpenAI-style error body, else the body itself, shortened."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:300]
    return str(body)[:300] if body else ""
