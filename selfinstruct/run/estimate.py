"""`--dry-run`: what a run will send and cost before a single request is sent.

Built from the same `RunPlan` a real run uses (`run.build`), so the method's own prompts are
rendered (Alpaca's one request a unit, Self-Instruct's bootstrap, classification and
instance requests), with the profile's endpoint, and priced at the teacher's price: none for
the local teacher. Answer lengths come from the seeds; what is kept is an assumed share
(`methods.base.ASSUMED_ACCEPTANCE`), the one guess a dry run cannot avoid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from selfinstruct.config import DEFAULT_OPENAI_MODEL
from selfinstruct.methods.base import ASSUMED_ACCEPTANCE, UnitWorkload
from selfinstruct.run.build import RunPlan, concurrency
from selfinstruct.store.reader import read_manifest
from selfinstruct.teachers.pricing import run_price


@dataclass(frozen=True)
class Estimate:
    model: str
    method: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    batch_api: bool = False
    local: bool = False
    #: priced from the run's own rates so far (a resume), not from assumptions
    measured: bool = False

    def describe(self) -> str:
        if self.local:
            cost = "no cost (the local teacher runs on this machine)"
        elif self.cost_usd is None:
            cost = f"cost unknown (no price for {self.model})"
        else:
            cost = f"cost ${self.cost_usd:.4f} with {self.model}"
            if self.batch_api:
                cost += " at the Batch API's half price"
        basis = (
            "at this run's measured rates so far"
            if self.measured
            else f"assuming {ASSUMED_ACCEPTANCE:.0%} of generated tasks are kept"
        )
        return (
            f"dry run ({self.method}): about {self.requests} more requests, "
            f"{self.prompt_tokens} prompt + {self.completion_tokens} completion tokens, "
            f"{cost} ({basis}); nothing was sent"
        )


def estimate(plan: RunPlan) -> Estimate:
    """Units the target needs at the method's expected yield, plus the unit still in flight
    when it is reached (paid, kept in the cache for a larger run). A run already under way
    is priced from its own committed requests, tokens and records instead."""
    config = plan.config
    measured = _measured(plan)
    unit = measured or plan.method.workload(config.max_tokens)
    remaining = max(0, config.num_instructions - _accepted(plan))
    needed = math.ceil(remaining / max(unit.records, 1e-9))
    # dispatch stops at the units the remaining target needs (at the measured yield), so
    # about one unit is still in flight when the target is reached
    units = needed + min(concurrency(plan) - 1, 1) if needed else 0
    if plan.method.max_units is not None:  # --documents: one unit a chunk, each used once
        units = min(units, max(0, plan.method.max_units - _units_done(plan)))
    model = config.model or ("local" if plan.local else DEFAULT_OPENAI_MODEL)
    if not plan.local and not config.model and config.base_url:
        model = "unknown"
    prompt = int(units * unit.prompt_tokens)
    completion = int(units * unit.completion_tokens)
    price = None if plan.local else run_price(model, config.prices, config.batch_api)
    return Estimate(
        model=model,
        method=plan.method.name or config.method,
        requests=math.ceil(units * unit.requests),
        prompt_tokens=prompt,
        completion_tokens=completion,
        cost_usd=price.cost(prompt, completion) if price else None,
        batch_api=config.batch_api,
        local=plan.local,
        measured=measured is not None,
    )


def _count(section: Any, name: str) -> int:
    value = section.get(name) if isinstance(section, dict) else None
    return value if isinstance(value, int) and value > 0 else 0


def _accepted(plan: RunPlan) -> int:
    return _count(read_manifest(plan.config.out).get("counts"), "accepted")


def _measured(plan: RunPlan) -> UnitWorkload | None:
    """Per-request rates of the run in `config.out` so far, as a one-request unit; None for
    a new run."""
    manifest = read_manifest(plan.config.out)
    counts, usage = manifest.get("counts"), manifest.get("usage")
    requests, accepted = _count(counts, "requests"), _count(counts, "accepted")
    if not requests or not accepted:
        return None
    prompt, completion = _count(usage, "prompt_tokens"), _count(usage, "completion_tokens")
    return UnitWorkload(1, prompt / requests, completion / requests, accepted / requests)


def _units_done(plan: RunPlan) -> int:
    """Units the run in `config.out` committed (its requests: one a unit, repairs aside)."""
    return _count(read_manifest(plan.config.out).get("counts"), "requests")
