"""Client-side rate limits: requests and tokens per minute, spread evenly, plus a shared
cool-down after a 429.

Providers enforce their per-minute limits over short windows (OpenAI documents that 60,000
requests/minute may be enforced as 1,000 requests/second), so a bucket that lets a minute's
allowance out in one burst meets 429s. Requests are paced one at a time at the allowed rate.
Tokens are reserved up front, prompt estimate + max_tokens, because that is what OpenAI's
limiter counts on admission, whatever the answer's length turns out to be. A provider that
counts what was used (`refund=True`) gets the difference back once `usage` is known. Built on
aiolimiter's leaky bucket; `settle` is the one thing it lacks.
"""

from __future__ import annotations

import asyncio
import time

from aiolimiter import AsyncLimiter

#: Pace a little under the limit: a window that catches both ends of an exact spacing
#: would otherwise see one request too many.
SAFETY = 0.99


class SettlingLimiter(AsyncLimiter):
    """A leaky bucket whose reservations can be corrected after the fact."""

    def settle(self, reserved: float, used: float) -> None:
        """Give back (or take) the difference between what was reserved and what was used."""
        self._leak()
        self._level = max(0.0, self._level - (reserved - used))
        self._wake_next()


class Pacer:
    """Requests spaced evenly on a fixed timeline: each caller books the next slot, then sleeps
    until it. A caller woken late does not push later slots back (a leaky bucket of capacity 1,
    such as `AsyncLimiter(1, period)`, loses every such delay: 4-8% of the rate at 50 req/s on a
    busy event loop). Any window of t seconds sees at most t * rate + 1 requests, plus those
    woken late from just before it."""

    def __init__(self, per_minute: float) -> None:
        self.interval = 60.0 / per_minute
        self._next = 0.0

    async def acquire(self) -> None:
        now = time.monotonic()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class RateLimits:
    """RPM and TPM limits shared by every request of a run, and the 429 cool-down.

    The token bucket holds one largest request (`max_request_tokens`) and refills at
    `(tpm - max_request_tokens) / window`: any window of `window_s` seconds then admits at most
    `tpm` tokens, even the first one, when the bucket starts full (a bucket holding two
    seconds' worth lets 3% too many through a sliding minute). `window_s` is the provider's
    accounting window: a minute for the per-minute limits; tests shorten it.
    """

    def __init__(
        self,
        rpm: float | None = None,
        tpm: float | None = None,
        max_request_tokens: int = 4096,
        refund: bool = False,
        window_s: float = 60.0,
    ) -> None:
        self.refund = refund
        #: tokens reserved so far: what a provider counting on admission has seen
        self.reserved_total = 0.0
        self.requests = Pacer(rpm * SAFETY * 60.0 / window_s) if rpm else None
        self.tokens: SettlingLimiter | None = None
        if tpm:
            capacity = float(min(max_request_tokens, tpm / 2))
            per_second = max(tpm * SAFETY - capacity, tpm / 2) / window_s
            self.tokens = SettlingLimiter(capacity, capacity / per_second)
        self._cool_until = 0.0

    def clamp(self, tokens: float) -> float:
        """A reservation never exceeds the bucket (a huge prompt still goes, alone)."""
        if self.tokens is None:
            return tokens
        return min(tokens, self.tokens.max_rate)

    async def admit(self, tokens: float) -> float:
        """Wait until a request reserving `tokens` may go; returns the reservation made."""
        await self._cooled()
        if self.requests is not None:
            await self.requests.acquire()
        reserved = 0.0
        if self.tokens is not None:
            reserved = self.clamp(tokens)
            await self.tokens.acquire(reserved)
            self.reserved_total += reserved
        await self._cooled()
        return reserved

    def settle(self, reserved: float, used: float) -> None:
        """Correct a reservation by what the request used, where the provider counts that."""
        if self.refund and self.tokens is not None and reserved:
            self.tokens.settle(reserved, min(used, self.tokens.max_rate))

    def cool_down(self, seconds: float) -> None:
        """After a 429, hold every request until the server's window has passed."""
        self._cool_until = max(self._cool_until, time.monotonic() + seconds)

    async def _cooled(self) -> None:
        while (wait := self._cool_until - time.monotonic()) > 0:
            await asyncio.sleep(wait)
