"""The Self-Instruct recipe (Wang et al., 2023), in four steps adapted to chat models.

1. Bootstrapping (`fetch`): a prompt lists 8 instructions, 6 from the seeds and 2 from the
   tasks generated so far (8 seeds while there are none), and asks for more.
2. Classification (`expand`): the teacher says whether each screened instruction is a
   classification task; the yes/no is read strictly, retried once, then the task is rejected.
3. Instances (`expand`): label first for classification tasks (so the labels do not all come
   out the same), input first otherwise; up to `max_instances` per task.
4. Preparation (`expand`): instances with an empty output, an output equal to the input, or
   a record-level filter's objection are dropped; a task whose instances give two outputs
   for one input is dropped whole; each remaining instance becomes one record.

Steps 2-4 of a unit run while other units are still in step 1 (the loop pipelines units), and
a unit's tasks run concurrently: the teacher's semaphore and pacing are the only bounds.
Every request has a fixed identity (unit index + step name), so a resumed run replays them
from the cache.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from selfinstruct.errors import TeacherError, is_fatal
from selfinstruct.methods.base import (
    ASSUMED_ACCEPTANCE,
    Method,
    UnitOutput,
    UnitWorkload,
    approx_tokens,
    request_text,
    task_tokens,
)
from selfinstruct.methods.parse import evidence
from selfinstruct.methods.self_instruct_parse import (
    ParsedInstance,
    parse_instances,
    parse_instructions,
    parse_verdict,
)
from selfinstruct.methods.self_instruct_steps import ChatSteps, StepRequest, Steps
from selfinstruct.quality.chain import default_filters, first_reason
from selfinstruct.quality.filters import (
    CountMismatch,
    EmptyOutput,
    Filter,
    InputEqualsOutput,
    NamedFunctionMissing,
    OutputLength,
    Refusal,
)
from selfinstruct.schemas import Candidate, Rejection, SeedTask, same_text_key
from selfinstruct.teachers.client import Completion, Teacher

#: Filters that judge only an output: useless on a bare instruction, so not used to screen.
INSTANCE_FILTERS: tuple[type[Filter], ...] = (
    EmptyOutput,
    InputEqualsOutput,
    Refusal,
    OutputLength,
    CountMismatch,
    NamedFunctionMissing,
)


@dataclass
class TaskResult:
    """What steps 2-4 made of one screened task."""

    candidates: list[Candidate] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    completions: list[Completion] = field(default_factory=list)


class SelfInstructMethod(Method):
    name = "self-instruct"

    def __init__(
        self,
        seeds: Sequence[SeedTask],
        seed: int,
        *,
        instructions_per_request: int = 8,
        seed_demos: int = 6,
        machine_demos: int = 2,
        max_instances: int = 5,
        classify_demos: int = 12,
        instance_demos: int = 3,
        topic: str | None = None,
        demo_lag: int = 8,
        steps: Steps | None = None,
        demo_pool: Sequence[SeedTask] | None = None,
    ) -> None:
        """`steps` writes each request (chat prompts by default; `CompletionSteps` for small
        local models); `demo_pool` limits steps 2-3's demonstrations (e.g. to short seeds)."""
        if not seeds:
            raise ValueError("Self-Instruct needs at least one seed task")
        self.seeds = list(seeds)
        self.seed = seed
        self.steps: Steps = steps or ChatSteps()
        self.grammar_bounded = self.steps.grammar_bounded
        self.instructions_per_request = instructions_per_request
        self.seed_demos = seed_demos
        self.machine_demos = machine_demos
        self.max_instances = max(1, max_instances)
        self.topic = topic
        self.demo_lag = demo_lag if machine_demos else 0
        # a guess the loop replaces with the measured rate after the first commit
        self.expected_yield = max(1.0, instructions_per_request * self.max_instances * 0.45)
        self.instance_filters: list[Filter] = default_filters()
        self.classify_demos, self.label_demos, self.input_demos = self._fixed_demos(
            list(demo_pool or self.seeds), classify_demos, instance_demos
        )

    def _fixed_demos(
        self, pool: list[SeedTask], classify: int, instances: int
    ) -> tuple[list[SeedTask], list[SeedTask], list[SeedTask]]:
        """Steps 2 and 3 show the same seeds in every request of a run (seeded), as the paper's
        fixed prompts did: every request of a step then shares a long prefix, which providers'
        prompt caching bills at a discount."""
        rng = random.Random(f"{self.seed}:self-instruct-demos")
        yes = [t for t in pool if t.is_classification] or [
            t for t in self.seeds if t.is_classification
        ]
        no = [t for t in pool if not t.is_classification] or [
            t for t in self.seeds if not t.is_classification
        ]
        half = classify // 2
        shown = rng.sample(yes, min(half, len(yes))) + rng.sample(no, min(classify - half, len(no)))
        rng.shuffle(shown)
        labelled = [t for t in yes if all(i.input for i in t.instances)] or yes
        label_demos = rng.sample(labelled, min(instances, len(labelled)))
        with_input = [t for t in no if any(i.input for i in t.instances)]
        without = [t for t in no if not any(i.input for i in t.instances)]
        k_without = min(1, len(without), instances)
        input_demos = rng.sample(with_input, min(instances - k_without, len(with_input)))
        input_demos += rng.sample(without, k_without)
        rng.shuffle(input_demos)
        return shown, label_demos or self.seeds[:1], input_demos or self.seeds[:instances]

    def screen_filters(self, defaults: Sequence[Filter]) -> list[Filter]:
        """Instruction-level filters screen the bare instruction; the whole chain judges each
        instance in step 4 (the defect filters read the output, and an input can make an
        instruction-level one apply: `input_is_instruction`, `unreadable_input`)."""
        self.instance_filters = list(defaults)
        return [f for f in defaults if not isinstance(f, INSTANCE_FILTERS)]

    def workload(self, max_tokens: int) -> UnitWorkload:
        """A bootstrap request for `instructions_per_request` tasks; for each task kept, a
        classification request (one word back) and an instances request, answered with
        half of the `max_instances` examples it allows (as long as the seeds'), of which the
        assumed share is kept."""
        n = self.instructions_per_request
        bootstrap = [approx_tokens(self.build_request(i)[0].request) for i in range(8)]
        instruction = sum(len(t.instruction) for t in self.seeds) / len(self.seeds) / 4
        example = sum(task_tokens(t) - len(t.instruction) / 4 for t in self.seeds) / len(self.seeds)
        sample = self.seeds[0].instruction
        k = self.max_instances
        classify = approx_tokens(
            self.steps.classify(0, "classify:0", self.classify_demos, sample).request
        )
        share = sum(t.is_classification for t in self.seeds) / len(self.seeds)
        label = approx_tokens(
            self.steps.instances(0, "instances:0", self.label_demos, sample, k, True).request
        )
        inputs = approx_tokens(
            self.steps.instances(0, "instances:0", self.input_demos, sample, k, False).request
        )
        tasks = n * ASSUMED_ACCEPTANCE
        examples = max(1.0, self.max_instances / 2)
        return UnitWorkload(
            requests=1 + 2 * tasks,
            prompt_tokens=sum(bootstrap) / len(bootstrap)
            + tasks * (classify + share * label + (1 - share) * inputs),
            completion_tokens=min(max_tokens, n * (instruction + 4))
            + tasks * (2 + min(max_tokens, examples * example)),
            records=tasks * examples * ASSUMED_ACCEPTANCE,
        )

    # -- step 1 ---------------------------------------------------------------------------
    def build_request(
        self, index: int, generated: Sequence[str] = ()
    ) -> tuple[StepRequest, list[str]]:
        """Unit `index`'s bootstrap prompt; it depends only on (seed, index, generated)."""
        shown, demo_ids = self._shown(index, generated)
        request = self.steps.bootstrap(index, shown, self.instructions_per_request, self.topic)
        return request, demo_ids

    def _shown(self, index: int, generated: Sequence[str]) -> tuple[list[str], list[str]]:
        """The instructions unit `index`'s bootstrap prompt lists, in order, and their ids."""
        rng = random.Random(f"{self.seed}:{index}")
        machine = min(self.machine_demos, len(generated))
        k = min(self.seed_demos + self.machine_demos - machine, len(self.seeds))
        human = rng.sample(self.seeds, k)
        extra = rng.sample(list(generated), machine) if machine else []
        shown = [t.instruction for t in human] + extra
        order = list(range(len(shown)))
        rng.shuffle(order)
        return [shown[i] for i in order], [t.id for t in human] + ["generated"] * machine

    async def fetch(self, index: int, teacher: Teacher, generated: Sequence[str]) -> UnitOutput:
        request, demo_ids = self.build_request(index, generated)
        completion = await teacher.complete(request.request)
        text = request.answer_text(completion.text)
        result = parse_instructions(text, completion.finish_reason, index)
        result.rejections.extend(self.reject_cut(result.candidates, index))
        for item in result.rejections:
            item.cache_key = completion.cache_key
        unit = UnitOutput(result.candidates, result.rejections, demo_ids)
        unit.request_text = request_text(request.request)
        unit.material = self._shown(index, generated)[0]  # the listed instructions
        unit.count(completion)
        return unit

    # -- steps 2-4 ------------------------------------------------------------------------
    async def expand(self, index: int, teacher: Teacher, unit: UnitOutput) -> UnitOutput:
        """Steps 2-4 for every screened task at once; the unit's tasks become its records."""
        tasks = unit.candidates
        results = await asyncio.gather(
            *(self._complete_task(index, j, task, teacher) for j, task in enumerate(tasks)),
            return_exceptions=True,
        )
        done: list[TaskResult] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result  # a fatal teacher error or a bug: the loop decides
            done.append(result)
        unit.candidates = []
        for result in done:
            unit.candidates.extend(result.candidates)
            unit.rejections.extend(result.rejections)
            for completion in result.completions:
                unit.count(completion)
        return unit

    async def _complete_task(
        self, index: int, j: int, task: Candidate, teacher: Teacher
    ) -> TaskResult:
        result = TaskResult()
        try:
            verdict = await self._classify(index, j, task, teacher, result)
            if verdict is not None:
                instances = await self._instances(index, j, task, verdict, teacher, result)
                self._prepare(index, task, verdict, instances, result)
        except TeacherError as exc:
            if is_fatal(exc):
                raise
            result.candidates.clear()
            result.rejections.append(
                _task_rejection(
                    task, "task_request_failed", index, raw=f"{type(exc).__name__}: {exc}"
                )
            )
        return result

    async def _classify(
        self, index: int, j: int, task: Candidate, teacher: Teacher, result: TaskResult
    ) -> bool | None:
        request = self.steps.classify(index, f"classify:{j}", self.classify_demos, task.instruction)
        first = await teacher.complete(request.request)
        result.completions.append(first)
        verdict = parse_verdict(first.text)
        if verdict is not None:
            return verdict
        again = self.steps.classify_retry(
            request, first.text, task.instruction, f"classify:{j}:retry"
        )
        retry = await teacher.complete(again.request)
        result.completions.append(retry)
        verdict = parse_verdict(retry.text)
        if verdict is None:
            raw, cut = evidence(f"{first.text}\n---\n{retry.text}")
            result.rejections.append(
                _task_rejection(
                    task, "classification_unparseable", index, raw=raw, raw_truncated=cut
                )
            )
        return verdict

    async def _instances(
        self,
        index: int,
        j: int,
        task: Candidate,
        is_classification: bool,
        teacher: Teacher,
        result: TaskResult,
    ) -> list[ParsedInstance]:
        demos = self.label_demos if is_classification else self.input_demos
        request = self.steps.instances(
            index, f"instances:{j}", demos, task.instruction, self.max_instances, is_classification
        )
        completion = await teacher.complete(request.request)
        result.completions.append(completion)
        text = request.answer_text(completion.text)
        parsed = [
            ParsedInstance(item.input, item.output, "truncated")
            if item.problem is None and self.cut_reason(input_text=item.input, output=item.output)
            else item
            for item in parse_instances(text, is_classification, completion.finish_reason)
        ]
        if not parsed:
            raw, cut = evidence(completion.text)
            result.rejections.append(
                _task_rejection(
                    task,
                    "no_valid_instances",
                    index,
                    raw=raw,
                    raw_truncated=cut,
                    cache_key=completion.cache_key,
                )
            )
        return parsed

    def _prepare(
        self,
        index: int,
        task: Candidate,
        is_classification: bool,
        instances: Sequence[ParsedInstance],
        result: TaskResult,
    ) -> None:
        """Step 4 for one task (no-op when step 3 already rejected it)."""
        if not instances:
            return
        kept, dropped, conflict = prepare_instances(
            task, instances, is_classification, self.instance_filters, self.max_instances, index
        )
        result.rejections.extend(dropped)
        if conflict is not None:
            result.rejections.append(conflict)
        elif kept:
            result.candidates.extend(kept)
        else:
            result.rejections.append(_task_rejection(task, "no_valid_instances", index))


def prepare_instances(
    task: Candidate,
    instances: Sequence[ParsedInstance],
    is_classification: bool,
    filters: Sequence[Filter],
    max_instances: int,
    index: int,
) -> tuple[list[Candidate], list[Rejection], Rejection | None]:
    """Step 4: (records to keep, instances dropped with reasons, the task's conflict if any).

    As in the paper, an input or output ending in a colon is a cut-off generation.

    Two different outputs for one input make the task unteachable, so the whole task goes.
    Inputs left empty may have several outputs (an open task: "write a haiku about rain"),
    except in classification, where a label is the one right answer."""
    kept: list[Candidate] = []
    dropped: list[Rejection] = []
    seen: set[tuple[str, str]] = set()
    outputs: dict[str, set[str]] = {}
    for item in instances:
        candidate = Candidate(
            instruction=task.instruction,
            input=item.input,
            output=item.output,
            request_index=index,
            pool_key=task.pool_key,
            is_classification=is_classification,
        )
        reason = item.problem or first_reason(filters, candidate)
        if reason is None and (item.input.endswith(":") or item.output.endswith(":")):
            reason = "incomplete_instance"  # "Here are the steps:" and nothing after
        key = (same_text_key(item.input), same_text_key(item.output))
        if reason is None and key in seen:
            reason = "duplicate_instance"
        if reason is not None:
            dropped.append(Rejection.of(candidate, reason, index))
            continue
        seen.add(key)
        outputs.setdefault(key[0], set()).add(key[1])
        kept.append(candidate)
    for given, answers in outputs.items():
        if len(answers) > 1 and (given or is_classification):
            same = [c.output for c in kept if same_text_key(c.input) == given]
            raw, cut = evidence("\n---\n".join(same))
            conflict = _task_rejection(
                task, "conflicting_instances", index, raw=raw, raw_truncated=cut
            )
            conflict.input = next(c.input for c in kept if same_text_key(c.input) == given)
            return [], dropped, conflict
    for extra in kept[max_instances:]:
        dropped.append(Rejection.of(extra, "extra_instance", index))
    return kept[:max_instances], dropped, None


def _task_rejection(
    task: Candidate,
    reason: str,
    index: int,
    *,
    raw: str | None = None,
    raw_truncated: bool = False,
    cache_key: str | None = None,
) -> Rejection:
    """A whole task dropped (classification_unparseable, conflicting_instances,
    no_valid_instances, task_request_failed): it joined the dedup pool but gave no record, so
    `detail` carries its pool key and a resumed run puts it back in the pool."""
    return Rejection(
        reason=reason,
        instruction=task.instruction,
        request_index=index,
        detail=task.pool_key,
        raw=raw,
        raw_truncated=raw_truncated,
        cache_key=cache_key,
    )
