"""The run's counters, in one shape.

The journal's totals (what a resume starts from), the progress line, the `RunSummary` a call
returns and run.json's `counts` and `usage` all derive from one `RunCounts`, so a counter
added here appears in all four and none can drift from the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: the judge's counters (`RunCounts.judge`): its requests and tokens, records graded or not
JUDGE_KEYS = ("requests", "prompt_tokens", "completion_tokens", "judged", "unjudged")


@dataclass
class RunCounts:
    """What the committed units of a run add up to (every session, not only this one)."""

    #: units committed (a unit: one Alpaca request, or a Self-Instruct bootstrap and the
    #: requests that completed its tasks)
    units: int = 0
    #: teacher requests those units made, the judge's not included
    requests: int = 0
    candidates: int = 0
    accepted: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    #: --judge: see JUDGE_KEYS
    judge: Counter[str] = field(default_factory=Counter)

    @property
    def judge_tokens(self) -> tuple[int, int]:
        return self.judge["prompt_tokens"], self.judge["completion_tokens"]

    def add_unit(
        self,
        *,
        requests: int,
        candidates: int,
        accepted: int,
        prompt_tokens: int,
        completion_tokens: int,
        rejected: list[str],
        judge: Mapping[str, int],
    ) -> None:
        """One committed unit."""
        self.units += 1
        self.requests += requests
        self.candidates += candidates
        self.accepted += accepted
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.rejected.update(rejected)
        self.judge.update(judge)

    def snapshot(self) -> RunCounts:
        """A copy that later commits do not change (for progress callbacks)."""
        return RunCounts(
            self.units,
            self.requests,
            self.candidates,
            self.accepted,
            self.prompt_tokens,
            self.completion_tokens,
            Counter(self.rejected),
            Counter(self.judge),
        )

    # -- the journal's totals -------------------------------------------------------------
    def journal_totals(self) -> dict[str, Any]:
        totals: dict[str, Any] = {
            "units": self.units,
            "requests": self.requests,
            "candidates": self.candidates,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "rejected": dict(self.rejected),
        }
        if self.judge:
            totals["judge"] = dict(self.judge)
        return totals

    @classmethod
    def from_journal(cls, totals: Mapping[str, Any], accepted: int, units: int) -> RunCounts:
        """Counters of the last commit; `accepted` comes from the records themselves and
        `units` from the commit's index (journals older than the totals lack them)."""
        units = int(totals.get("units", units))
        return cls(
            units=units,
            requests=int(totals.get("requests", units)),
            candidates=int(totals.get("candidates", 0)),
            accepted=accepted,
            prompt_tokens=int(totals.get("prompt_tokens", 0)),
            completion_tokens=int(totals.get("completion_tokens", 0)),
            rejected=Counter(totals.get("rejected", {})),
            judge=Counter(totals.get("judge", {})),
        )

    # -- run.json -------------------------------------------------------------------------
    def manifest_counts(self) -> dict[str, Any]:
        """run.json's `counts` (the session's own counts are added beside them)."""
        counts: dict[str, Any] = {
            "requests": self.requests,
            "candidates": self.candidates,
            "accepted": self.accepted,
            "rejected": dict(self.rejected.most_common()),
        }
        if self.judge:
            counts["judge"] = dict(self.judge)
        return counts
