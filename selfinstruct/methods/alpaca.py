"""Stanford Alpaca's recipe: one request shows k seed tasks and asks for n new complete tasks
(instruction, input, output). Cheap (one request per ~20 tasks), seeds only as format.

The teacher profile decides how the request is made: a chat prompt with requirements
(capable models), or a short completion-style list (small local models); answers as plain
numbered blocks (optionally held to that shape by a grammar) or as JSON following a schema,
with one repair request when the JSON does not validate.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from selfinstruct.methods.base import (
    ASSUMED_ACCEPTANCE,
    Method,
    UnitOutput,
    UnitWorkload,
    approx_tokens,
    request_text,
    task_texts,
    task_tokens,
)
from selfinstruct.methods.parse import ParseResult, evidence, parse_json_tasks, parse_tasks
from selfinstruct.methods.profiles import TeacherProfile, get_profile
from selfinstruct.methods.prompts import render_alpaca_prompt, render_json_repair
from selfinstruct.methods.prompts_completion import (
    CompletionPrompt,
    render_block_grammar,
    render_completion_prompt,
)
from selfinstruct.schemas import SeedTask
from selfinstruct.teachers.client import Completion, Teacher, TeacherRequest

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
        machine_demos: int = 0,
        demo_lag: int = 16,
        profile: TeacherProfile | None = None,
    ) -> None:
        self.seeds = list(seeds)
        self.seed = seed
        self.num_demonstrations = num_demonstrations
        self.tasks_per_request = tasks_per_request
        self.topic = topic
        self.machine_demos = machine_demos
        self.demo_lag = demo_lag if machine_demos else 0
        self.profile = profile or get_profile()
        self.grammar_bounded = self.profile.structured == "grammar"
        #: the seeds demonstrations are drawn from (a small model's profile keeps short ones)
        self.demo_pool = self.profile.demonstration_pool(self.seeds)
        #: completion documents: this share of units (the pool's share of tasks without input)
        #: are documents of tasks without input, drawn from `no_input_pool`
        self.no_input_pool = [t for t in self.demo_pool if not t.instances[0].input.strip()]
        self.no_input_share = 0.0
        completion = self.profile.prompt_style == "completion_list" and not machine_demos
        if completion and len(self.no_input_pool) >= num_demonstrations:
            self.no_input_share = len(self.no_input_pool) / len(self.demo_pool)
        self.expected_yield = max(1.0, tasks_per_request * 0.5)
        self._last_demonstrations: (
            tuple[int, Sequence[str], tuple[list[SeedTask], list[str], list[str]]] | None
        ) = None

    def no_input_unit(self, index: int) -> bool:
        """Unit `index` is a document of tasks without input (completion documents only): a
        small model writes an input under almost every task of a mixed list (measured with
        the local model: 0 of 58 tasks without input from mixed demonstrations)."""
        if not self.no_input_share:
            return False
        return random.Random(f"{self.seed}:{index}:no-input").random() < self.no_input_share

    def _demonstrations(
        self, index: int, generated: Sequence[str]
    ) -> tuple[list[SeedTask], list[str], list[str]]:
        """Unit `index`'s demonstrations; they depend only on (seed, index, generated). The
        last answer is kept: a unit's request and its material ask for the same one in a row
        (seeding the generator costs more than the rest)."""
        last = self._last_demonstrations
        if last is not None and last[0] == index and last[1] is generated:
            return last[2]
        rng = random.Random(f"{self.seed}:{index}")
        pool = self.no_input_pool if self.no_input_unit(index) else self.demo_pool
        machine = min(self.machine_demos, len(generated))
        k = min(max(0, self.num_demonstrations - machine), len(pool))
        demos: list[SeedTask] = rng.sample(pool, k)
        extra = rng.sample(list(generated), machine) if machine else []
        found = demos, extra, [d.id for d in demos] + ["generated"] * machine
        self._last_demonstrations = (index, generated, found)
        return found

    def build_request(
        self, index: int, generated: Sequence[str] = ()
    ) -> tuple[TeacherRequest, list[str], str]:
        """The request of unit `index`, its demonstration ids, and the text the answer
        continues (the opening a completion prompt ends with, else "")."""
        demos, extra, demo_ids = self._demonstrations(index, generated)
        n = self.tasks_per_request
        if self.profile.prompt_style == "completion_list":
            no_input = self.no_input_unit(index)
            prompt = render_completion_prompt(demos, n, topic=self.topic, no_input=no_input)
            request = self.completion_request(index, prompt, n, no_input=no_input)
            return request, demo_ids, prompt.answer_prefix
        messages = render_alpaca_prompt(
            demos, n, topic=self.topic, generated=extra, json_answers=self.profile.json_answers
        )
        return self.chat_request(index, messages, n), demo_ids, ""

    def material(self, index: int, generated: Sequence[str] = ()) -> list[str]:
        """What unit `index`'s prompt shows rather than says: its demonstrations."""
        demos, extra, _ = self._demonstrations(index, generated)
        return [*task_texts(demos), *extra]

    def completion_request(
        self, index: int, prompt: CompletionPrompt, n: int, no_input: bool = False
    ) -> TeacherRequest:
        """A completion document for `n` tasks, with its stops and the profile's grammar
        (`no_input`: one that writes `<noinput>` under every task)."""
        params: dict[str, Any] = {"stop": prompt.stop}
        if self.profile.structured == "grammar":
            grammar = render_block_grammar(n, opened=True, no_input=no_input)
            params.update(self.profile.structured_kwargs(grammar))
        return TeacherRequest(index=index, prompt=prompt.prompt, params=params)

    def chat_request(self, index: int, messages: list[dict[str, str]], n: int) -> TeacherRequest:
        """Chat messages for `n` tasks, with the profile's grammar or JSON schema."""
        params: dict[str, Any] = {}
        if self.profile.structured == "grammar":
            params.update(self.profile.structured_kwargs(render_block_grammar(n, opened=False)))
        elif self.profile.json_answers:
            params.update(self.profile.structured_kwargs())
        return TeacherRequest(index=index, messages=messages, params=params)

    def prompt_tokens_estimate(self) -> int:
        return int(approx_tokens(self.build_request(0)[0]))

    def workload(self, max_tokens: int) -> UnitWorkload:
        """One request of the rendered prompt's size, answered with `tasks_per_request`
        tasks as long as the seeds (up to `max_tokens`), of which the assumed share is kept."""
        prompts = [approx_tokens(self.build_request(i)[0]) for i in range(8)]
        answer = sum(task_tokens(t) for t in self.seeds) / len(self.seeds)
        return UnitWorkload(
            requests=1,
            prompt_tokens=sum(prompts) / len(prompts),
            completion_tokens=min(max_tokens, self.tasks_per_request * answer),
            records=self.tasks_per_request * ASSUMED_ACCEPTANCE,
        )

    async def fetch(self, index: int, teacher: Teacher, generated: Sequence[str]) -> UnitOutput:
        request, demo_ids, opening = self.build_request(index, generated)
        material = self.material(index, generated)  # before the await: the same demonstrations
        completion = await teacher.complete(request)
        unit = UnitOutput(demonstration_ids=demo_ids)
        unit.request_text = request_text(request)
        unit.material = material
        unit.count(completion)
        if not self.profile.json_answers:
            text = opening + completion.text
            result = parse_tasks(text, completion.finish_reason, request_index=index)
            result.rejections.extend(self.reject_cut(result.candidates, index))
            return self._collect(unit, result, completion, text)
        result = parse_json_tasks(completion.text, completion.finish_reason, request_index=index)
        failed = _whole_answer_failure(result)
        if failed is not None and request.messages:
            # one repair request: the answer and what was wrong with it, asking for valid JSON
            repair = TeacherRequest(
                index=index,
                step="repair",
                messages=render_json_repair(request.messages, completion.text, failed),
                params=request.params,
            )
            completion = await teacher.complete(repair)
            unit.count(completion)
            result = parse_json_tasks(completion.text, completion.finish_reason, index)
        return self._collect(unit, result, completion, completion.text)

    @staticmethod
    def _collect(
        unit: UnitOutput, result: ParseResult, completion: Completion, raw: str
    ) -> UnitOutput:
        for item in result.rejections:
            if item.reason in EVIDENCE_REASONS and item.raw is None:
                item.raw, item.raw_truncated = evidence(raw)
            item.cache_key = completion.cache_key
        unit.candidates = result.candidates
        unit.rejections = result.rejections
        return unit


def _whole_answer_failure(result: ParseResult) -> str | None:
    """The reason a JSON answer failed as a whole (nothing parsed), else None."""
    if result.candidates or len(result.rejections) != 1:
        return None
    only = result.rejections[0]
    return only.detail if only.reason == "schema_error" else None
