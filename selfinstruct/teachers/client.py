"""The teacher: an async client for any OpenAI-compatible API (OpenAI, vLLM, llama.cpp, Ollama).

`complete(request)` answers from the response cache when it can (no paid request is sent
twice), else through the run's transport: live requests (the default) or the Batch API. The
transport is chosen once, by `run.build`; the wire (`wire.Wire`) that both share owns the
retry policy, the counters and how answers and errors are read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from selfinstruct.teachers.cache import ResponseCache, request_key
from selfinstruct.teachers.limits import RateLimits
from selfinstruct.teachers.live import LiveTransport
from selfinstruct.teachers.wire import (
    Completion,
    TeacherRequest,
    TeacherSettings,
    TeacherStats,
    Transport,
    Wire,
    prompt_tokens_estimate,
)

#: builds the transport on the teacher's wire (and cache), e.g. `BatchTransport.factory(...)`
TransportFactory = Callable[[Wire, ResponseCache | None], Transport]


class Teacher:
    """Answers requests from the cache or through one transport, and counts what it sent."""

    def __init__(
        self,
        settings: TeacherSettings,
        cache: ResponseCache | None = None,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
        transport: TransportFactory | None = None,
    ) -> None:
        self.settings = settings
        self.cache = cache
        self.wire = Wire(settings, backoff_initial_s, backoff_max_s)
        self.transport: Transport = (
            transport(self.wire, cache) if transport else LiveTransport(self.wire)
        )

    @property
    def stats(self) -> TeacherStats:
        return self.wire.stats

    @property
    def limits(self) -> RateLimits:
        return self.wire.limits

    @property
    def public_base_url(self) -> str:
        return self.wire.public_base_url

    async def close(self) -> None:
        await self.transport.close()
        await self.wire.close()

    def stop_waiting(self) -> str | None:
        """First Ctrl-C: see `Transport.stop_waiting`."""
        return self.transport.stop_waiting()

    def describe(self, request: TeacherRequest) -> dict[str, Any]:
        """What identifies a request to the cache: everything the provider sees, no secrets."""
        return {
            "base_url": self.wire.public_base_url,
            "model": self.settings.model,
            "endpoint": request.endpoint,
            "messages": request.messages,
            "prompt": request.prompt,
            "sampling": self.settings.sampling(),
            "seed": self.wire.request_seed(request),
            "index": request.index,
            "step": request.step,
            "params": request.params or None,
        }

    def cache_key(self, request: TeacherRequest) -> str:
        return request_key(self.describe(request))

    async def complete(self, request: TeacherRequest) -> Completion:
        """The teacher's answer to `request`; raises a `TeacherError` when it cannot be had."""
        key = self.cache_key(request)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                self.stats.cache_hits += 1
                return Completion.of(hit, key, cached=True, attempts=0)
        # no await between the cache lookup above and the transport's own bookkeeping, so an
        # answer read from a batch meanwhile cannot be asked for again
        fresh, attempts = await self.transport.send(key, request)
        if self.cache is not None and not self.transport.stores_answers:
            self.cache.put(key, fresh)
        return Completion.of(fresh, key, attempts=attempts)

    def admission_tokens(self, request: TeacherRequest) -> int:
        """The tokens a TPM limit counts for `request` before it runs: prompt + max_tokens."""
        return prompt_tokens_estimate(request) + self.settings.max_tokens


__all__ = ["Completion", "Teacher", "TeacherRequest", "TeacherSettings", "TeacherStats"]
