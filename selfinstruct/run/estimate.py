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
from selfinstruct.methods.base import ASSUMED_ACCEPTANCE, UnitWorkload, task_tokens
from selfinstruct.quality.judge import judge_workload
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
    #: --judge: the judge's share of `requests` (its tokens and cost are in the totals)
    judge_requests: int = 0

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
        judge = f" ({self.judge_requests} of them to the judge)" if self.judge_requests else ""
        return (
            f"dry run ({self.method}): about {self.requests} more requests{judge}, "
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
    cost = price.cost(prompt, completion) if price else None
    judge = _judge_unit(plan, unit, measured is not None)
    judge_requests = math.ceil(units * judge[0])
    if judge_requests:
        judge_prompt, judge_completion = int(units * judge[1]), int(units * judge[2])
        prompt, completion = prompt + judge_prompt, completion + judge_completion
        judge_model = config.judge_model or model
        judge_price = (
            price
            if judge_model == model and not config.judge_base_url
            else run_price(judge_model, config.prices, config.batch_api)
        )
        cost = (
            cost + judge_price.cost(judge_prompt, judge_completion)
            if cost is not None and judge_price
            else None
        )
    return Estimate(
        model=model,
        method=plan.method.name or config.method,
        requests=math.ceil(units * unit.requests) + judge_requests,
        prompt_tokens=prompt,
        completion_tokens=completion,
        cost_usd=cost,
        judge_requests=judge_requests,
        batch_api=config.batch_api,
        local=plan.local,
        measured=measured is not None,
    )


def _judge_unit(plan: RunPlan, unit: UnitWorkload, measured: bool) -> tuple[float, float, float]:
    """(requests, prompt tokens, completion tokens) the judge adds to one unit: its records
    (those that pass the filters), `judge_batch` a request; a run under way at its own rates."""
    config = plan.config
    if not config.judge:
        return 0.0, 0.0, 0.0
    if measured:
        manifest = read_manifest(config.out)
        counts = manifest.get("counts") or {}
        judged = counts.get("judge") if isinstance(counts, dict) else None
        requests = _count(counts, "requests")
        if isinstance(judged, dict) and requests:
            return (
                _count(judged, "requests") / requests,
                _count(judged, "prompt_tokens") / requests,
                _count(judged, "completion_tokens") / requests,
            )
    record = sum(task_tokens(t) for t in plan.seeds) / max(1, len(plan.seeds))
    # each unit's records are graded in batches of their own (a partial batch a unit)
    return judge_workload(unit.records, record, config.judge_batch, unit.source_tokens)


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
