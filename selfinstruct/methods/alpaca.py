"""Stanford Alpaca's recipe: one request shows k seed tasks and asks for n new complete tasks
(instruction, input, output). Cheap (one request per ~20 tasks), seeds only as format."""

from __future__ import annotations

import random
from collections.abc import Sequence

from selfinstruct.methods import Batch, Method
from selfinstruct.parse import evidence, parse_json_tasks, parse_tasks
from selfinstruct.prompts import render_alpaca_prompt
from selfinstruct.schemas import SeedTask
from selfinstruct.teacher import Teacher, TeacherRequest

#: Failures whose raw answer is kept as evidence in rejected.jsonl.
EVIDENCE_REASONS = frozenset({"parse_error", "schema_error", "truncated", "content_filter"})


class AlpacaMethod(Method):
    name = "alpaca"

    def __init__(
        self,
        seeds: Sequence[SeedTask],
        seed: int,
        num_demonstrations: int = 3,
        tasks_per_request: int = 20,
        topic: str | None = None,
        structured: bool = False,
        machine_demos: int = 0,
        demo_lag: int = 16,
    ) -> None:
        self.seeds = list(seeds)
        self.seed = seed
        self.num_demonstrations = num_demonstrations
        self.tasks_per_request = tasks_per_request
        self.topic = topic
        self.structured = structured
        self.machine_demos = machine_demos
        self.demo_lag = demo_lag if machine_demos else 0
        self.expected_yield = max(1.0, tasks_per_request * 0.5)

    def build_request(
        self, index: int, generated: Sequence[str] = ()
    ) -> tuple[TeacherRequest, list[str]]:
        """Unit `index`'s prompt; its demonstrations depend only on (seed, index, generated)."""
        rng = random.Random(f"{self.seed}:{index}")
        machine = min(self.machine_demos, len(generated))
        k = min(max(0, self.num_demonstrations - machine), len(self.seeds))
        demos: list[SeedTask] = rng.sample(self.seeds, k)
        demo_ids = [d.id for d in demos]
        extra = rng.sample(list(generated), machine) if machine else []
        messages = render_alpaca_prompt(
            demos, self.tasks_per_request, topic=self.topic, generated=extra
        )
        return TeacherRequest(index=index, messages=messages), demo_ids + ["generated"] * machine

    def prompt_tokens_estimate(self) -> int:
        request, _ = self.build_request(0)
        return sum(len(m["content"]) for m in request.messages or []) // 4

    async def fetch(self, index: int, teacher: Teacher, generated: Sequence[str]) -> Batch:
        request, demo_ids = self.build_request(index, generated)
        completion = await teacher.complete(request)
        parser = parse_json_tasks if self.structured else parse_tasks
        result = parser(completion.text, completion.finish_reason, request_index=index)
        for item in result.rejections:
            if item.reason in EVIDENCE_REASONS and item.raw is None:
                item.raw, item.raw_truncated = evidence(completion.text)
            item.cache_key = completion.cache_key
        batch = Batch(result.candidates, result.rejections, demo_ids)
        batch.count(completion)
        return batch
