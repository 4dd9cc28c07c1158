"""`--dry-run`: what a run will cost before a single request is sent.

Prompt tokens come from rendering real prompts; answer tokens from the seed tasks' own length
times the tasks asked per request; the number of requests from an assumed acceptance share
(Self-Instruct and Alpaca kept roughly half to two thirds of what the teacher wrote).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from selfinstruct.config import DEFAULT_OPENAI_MODEL, GenerateConfig
from selfinstruct.methods.alpaca import AlpacaMethod
from selfinstruct.schemas import SeedTask
from selfinstruct.teachers.pricing import run_price

#: Assumed share of generated tasks that survive filters and dedup.
ASSUMED_ACCEPTANCE = 0.6
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class Estimate:
    model: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    batch_api: bool = False

    def describe(self) -> str:
        cost = f"${self.cost_usd:.4f}" if self.cost_usd is not None else "unknown (no price)"
        if self.batch_api and self.cost_usd is not None:
            cost += " at the Batch API's half price"
        return (
            f"dry run: about {self.requests} requests, {self.prompt_tokens} prompt + "
            f"{self.completion_tokens} completion tokens, cost {cost} with {self.model} "
            f"(assuming {ASSUMED_ACCEPTANCE:.0%} of generated tasks are kept); nothing was sent"
        )


def estimate(config: GenerateConfig, seeds: list[SeedTask]) -> Estimate:
    method = AlpacaMethod(
        seeds=seeds,
        seed=config.seed,
        num_demonstrations=config.num_demonstrations,
        tasks_per_request=config.tasks_per_request,
        topic=config.topic,
    )
    samples = [method.build_request(i)[0] for i in range(min(20, len(seeds)))]
    prompt_chars = sum(len(m["content"]) for r in samples for m in (r.messages or [])) / max(
        1, len(samples)
    )
    task_chars = sum(
        len(t.instruction) + len(t.instances[0].input) + len(t.instances[0].output) + 40
        for t in seeds
    ) / len(seeds)
    per_request = config.tasks_per_request * ASSUMED_ACCEPTANCE
    requests = math.ceil(config.num_instructions / per_request)
    completion_per_request = min(
        config.max_tokens, config.tasks_per_request * task_chars / CHARS_PER_TOKEN
    )
    prompt_tokens = int(requests * prompt_chars / CHARS_PER_TOKEN)
    completion_tokens = int(requests * completion_per_request)
    model = config.model or (DEFAULT_OPENAI_MODEL if not config.base_url else "unknown")
    price = run_price(model, config.prices, config.batch_api)
    cost = price.cost(prompt_tokens, completion_tokens) if price else None
    return Estimate(model, requests, prompt_tokens, completion_tokens, cost, config.batch_api)
