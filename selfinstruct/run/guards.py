"""Stop conditions: a run that cannot succeed, or that reached its budget, stops cleanly.

Today's tools loop forever when a teacher's answers stop parsing. The progress guard watches
the last requests: none accepted in `stall_requests`, or too many failures, stops the run
with the top rejection reasons, so the user knows what to fix. Failures count per attempt
too: at 80% 5xx most requests still succeed within their retries, so counting only the
requests that failed after all retries would let such a run pay for retries forever.
The budget stops dispatching before a cost or token cap would be crossed by the requests
already in flight.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass

from selfinstruct.teachers.pricing import Price

EXIT_STOPPED = 3


@dataclass(frozen=True)
class StopReason:
    """Why a run stopped before its target, and the exit code the CLI uses for it."""

    kind: str
    message: str
    exit_code: int = EXIT_STOPPED


def _shares(reasons: Counter[str], top: int = 3) -> str:
    total = sum(reasons.values())
    if not total:
        return "no candidates"
    return ", ".join(f"{reason} {100 * n / total:.0f}%" for reason, n in reasons.most_common(top))


class ProgressGuard:
    """Watches processed requests for a stall (nothing accepted) or a high failure rate."""

    def __init__(
        self, stall_requests: int = 50, max_error_rate: float = 0.5, window: int = 100
    ) -> None:
        self.stall_requests = stall_requests
        self.max_error_rate = max_error_rate
        self.window = window
        self._since_accept: list[Counter[str]] = []
        self._failures: deque[bool] = deque(maxlen=window)
        self._attempts: deque[bool] = deque(maxlen=window)

    def observe(
        self,
        accepted: int,
        failed: bool,
        reasons: Counter[str],
        attempts: int = 0,
        failed_attempts: int = 0,
    ) -> StopReason | None:
        """Record one processed request, and the HTTP attempts (and failed ones, rate limits
        aside) made since the last; a StopReason when the run should stop."""
        self._failures.append(failed)
        failed_attempts = min(failed_attempts, self.window)
        self._attempts.extend([True] * failed_attempts)
        self._attempts.extend([False] * min(max(0, attempts - failed_attempts), self.window))
        if accepted:
            self._since_accept.clear()
        else:
            self._since_accept.append(reasons)
        if self.stall_requests and len(self._since_accept) >= self.stall_requests:
            total: Counter[str] = Counter()
            for item in self._since_accept:
                total.update(item)
            return StopReason(
                "stall",
                f"stopped: 0 accepted in the last {len(self._since_accept)} requests "
                f"({_shares(total)}); check --model, the prompt or the teacher profile",
            )
        # attempts first: when every attempt fails, both rates cross together, and this
        # message (retries included) is the one that says what is wrong
        bad, tried = sum(self._attempts), len(self._attempts)
        if tried >= min(self.window, 20) and bad / tried > self.max_error_rate:
            return StopReason(
                "error_rate",
                f"stopped: {bad} of the last {tried} attempts failed, retries included "
                f"(more than {self.max_error_rate:.0%}); the teacher is failing: check its "
                "status and run.json's errors, then rerun to resume",
            )
        failures = sum(self._failures)
        seen = len(self._failures)
        if seen >= min(self.window, 10) and failures / seen > self.max_error_rate:
            return StopReason(
                "error_rate",
                f"stopped: {failures} of the last {seen} requests failed after all retries "
                f"(more than {self.max_error_rate:.0%}); check the teacher's status and "
                "run.json's errors",
            )
        return None


class Budget:
    """Cost and token caps, checked before each dispatch with the in-flight requests reserved.

    Before any answer is seen, a request is assumed to cost its worst case (the prompt plus
    max_tokens); afterwards, the average of the units so far. The judge's tokens (`--judge`)
    count too, at `judge_price` (another model may judge; None: its price is unknown).
    """

    def __init__(
        self,
        price: Price | None,
        max_cost: float | None = None,
        max_tokens_total: int | None = None,
        worst_case: tuple[int, int] = (0, 0),
        judge_price: Price | None = None,
    ) -> None:
        self.price = price
        self.max_cost = max_cost
        self.max_tokens_total = max_tokens_total
        self.worst_case = worst_case
        self.judge_price = judge_price

    def cost(
        self, prompt_tokens: int, completion_tokens: int, judge: tuple[int, int] = (0, 0)
    ) -> float | None:
        if self.price is None:
            return None
        spent = self.price.cost(prompt_tokens, completion_tokens)
        if any(judge):
            if self.judge_price is None:
                return None
            spent += self.judge_price.cost(*judge)
        return spent

    def check(
        self,
        prompt_tokens: int,
        completion_tokens: int,
        requests_done: int,
        outstanding: int,
        judge: tuple[int, int] = (0, 0),
    ) -> StopReason | None:
        """Stop when one more unit, on average, would cross a cap."""
        if self.max_cost is None and self.max_tokens_total is None:
            return None
        ahead = outstanding + 1
        tokens = prompt_tokens + completion_tokens + sum(judge)
        each_tokens = tokens / requests_done if requests_done else float(sum(self.worst_case))
        cap = self.max_tokens_total
        if cap is not None and tokens + ahead * each_tokens > cap:
            return StopReason(
                "budget",
                f"stopped at the token budget: {tokens} of {cap} tokens used; "
                "rerun with a higher --max-tokens-total to continue",
            )
        if self.max_cost is not None and self.price is not None:
            spent = self.cost(prompt_tokens, completion_tokens, judge) or 0.0
            if requests_done:
                reserved = ahead * spent / requests_done
            else:
                reserved = ahead * self.price.cost(*self.worst_case)
            if spent + reserved > self.max_cost:
                return StopReason(
                    "budget",
                    f"stopped at the cost budget: ${spent:.4f} of ${self.max_cost:.2f} spent; "
                    "rerun with a higher --max-cost to continue",
                )
        return None
