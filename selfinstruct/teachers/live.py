"""Live requests: each one POSTed as it comes, under the concurrency bound and the client-side
rate limits, retried by the wire's policy."""

from __future__ import annotations

import asyncio

import openai

from selfinstruct.errors import BudgetExceeded
from selfinstruct.teachers.cache import CachedResponse
from selfinstruct.teachers.wire import (
    BadResponse,
    DeadlineExceeded,
    TeacherRequest,
    Wire,
    prompt_tokens_estimate,
    unreachable,
)


class LiveTransport:
    """Sends requests one by one with bounded concurrency and pacing."""

    stores_answers = False

    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self._semaphore = asyncio.Semaphore(max(1, wire.settings.concurrency))

    async def send(self, key: str, request: TeacherRequest) -> tuple[CachedResponse, int]:
        return await self.wire.call_with_retries(
            lambda: self._send(request), f"request {request.index}"
        )

    def stop_waiting(self) -> str | None:
        """Requests in flight get a short grace, none is retried: a trickling server cannot
        hold a stopping run for the whole --timeout."""
        self.wire.stop()
        return None

    async def close(self) -> None:
        return None

    async def _send(self, request: TeacherRequest) -> CachedResponse:
        async with self._semaphore:
            estimate = self.admission_tokens(request)
            reserved = await self.wire.limits.admit(estimate)
            try:
                response = await self._send_admitted(request)
            except Exception as exc:
                self.wire.limits.settle(reserved, 0)
                if unreachable(exc) is None and (
                    isinstance(exc, (openai.APITimeoutError, BadResponse, DeadlineExceeded))
                    or (isinstance(exc, openai.APIConnectionError) and exc.__cause__ is not None)
                ):
                    self.wire.stats.possibly_billed += 1
                    self.wire.stats.possibly_billed_tokens += estimate
                raise
            self.wire.limits.settle(reserved, response.prompt_tokens + response.completion_tokens)
            return response

    def admission_tokens(self, request: TeacherRequest) -> int:
        """The tokens a TPM limit counts for `request` before it runs: prompt + max_tokens."""
        return prompt_tokens_estimate(request) + self.wire.settings.max_tokens

    async def _send_admitted(self, request: TeacherRequest) -> CachedResponse:
        self._count_request()
        return await self.wire.post(*self.wire.request_body(request))

    def _count_request(self) -> None:
        """Count one request about to be sent; BudgetExceeded at the --max-requests cap."""
        if not self.wire.admit(1):
            raise BudgetExceeded(self.wire.max_requests_message())
