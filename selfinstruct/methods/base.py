"""Generation recipes. A method turns a unit index into candidate records via the teacher.

The loop (`pipeline.py`) runs many units at once and owns everything order-sensitive:
screening (filters and dedup against the pool) happens in unit order, and so does
committing; a method only talks to the teacher and parses. A unit may `expand` its screened
candidates with more requests (Self-Instruct's classification and instance steps) before
its commit.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from selfinstruct.methods.gbnf import cut_by_grammar
from selfinstruct.methods.quota import GroupQuota
from selfinstruct.quality.filters import Filter
from selfinstruct.schemas import Candidate, Rejection, SeedTask
from selfinstruct.teachers.client import Completion, Teacher, TeacherRequest

#: About four characters a token: the estimate's rule before any answer is seen.
CHARS_PER_TOKEN = 4
#: Assumed share of a teacher's new tasks that survive filters and dedup, before any answer
#: is seen (our gate keeps 0.8-0.9 of the test teacher's; Self-Instruct and Alpaca kept
#: less of GPT-3's). A dry run of a run already under way uses its measured rates instead.
ASSUMED_ACCEPTANCE = 0.8


def approx_tokens(request: TeacherRequest) -> float:
    """A request's prompt tokens, from its text (chat messages or a completion prompt)."""
    chars = len(request.prompt or "") + sum(len(m["content"]) for m in request.messages or [])
    return chars / CHARS_PER_TOKEN


def request_text(request: TeacherRequest) -> str:
    """All the text a request sends: its completion prompt or its messages."""
    return "\n".join([request.prompt or "", *(m["content"] for m in request.messages or [])])


def task_texts(tasks: Sequence[SeedTask]) -> list[str]:
    """The instructions, inputs and outputs of tasks shown in a prompt."""
    texts = [task.instruction for task in tasks]
    for task in tasks:
        for instance in task.instances:
            texts += [instance.input, instance.output]
    return texts


def task_tokens(task: SeedTask) -> float:
    """One seed task written out as an answer (instruction, first instance, field labels)."""
    first = task.instances[0]
    return (len(task.instruction) + len(first.input) + len(first.output) + 40) / CHARS_PER_TOKEN


@dataclass(frozen=True)
class UnitWorkload:
    """What one unit is expected to send and yield before any answer is seen (`--dry-run`)."""

    requests: float
    prompt_tokens: float
    completion_tokens: float
    records: float
    #: tokens of the document text a unit's records are made from (the judge is shown it)
    source_tokens: float = 0.0


@dataclass
class UnitOutput:
    """What one unit has so far: candidates to keep screening, and reasons for the rest."""

    candidates: list[Candidate] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    demonstration_ids: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    #: candidates the teacher's answer held before screening (the "candidates" count)
    parsed: int = 0
    #: the judge's requests and tokens for this unit (`--judge`), kept apart from the
    #: generation's: another model may judge, at another price
    judge_usage: Counter[str] = field(default_factory=Counter)
    #: not asked, or its answer set aside: its group had given its quota (`GroupQuota`)
    skipped: bool = False

    #: the prompt the candidates answer (`request_text`) and the material it shows
    #: (demonstrations, a passage), for the prompt-echo check; "" when a method sets none
    request_text: str = ""
    material: list[str] = field(default_factory=list)
    #: the loop's: ROUGE tokens of the screened instructions, by text, so the nearest-seed
    #: lookup at commit reads the dedup stage's instead of tokenizing them again
    instruction_tokens: dict[str, list[bytes]] = field(default_factory=dict)

    def count(self, completion: Completion) -> None:
        """Add one teacher answer's usage (fresh or replayed: each unit's answers are paid once)."""
        self.requests += 1
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens


class Method(ABC):
    """A recipe: how to ask for new tasks, and what to do with the screened ones."""

    name: str = ""
    #: records one unit is expected to yield before any answer is seen (paces dispatch)
    expected_yield: float = 1.0
    #: unit i is built only once units up to i - demo_lag are screened; 0 = no wait.
    #: Methods that show generated tasks as demonstrations need it for determinism.
    demo_lag: int = 0
    #: units this method can make at most (None: no end). `--documents`: one unit a chunk, so
    #: a run ends when the chunks are used, whatever the target.
    max_units: int | None = None
    #: a cap on the tasks of a group of units (`--records-per-document`), or None
    quota: GroupQuota | None = None
    #: why a run ends when `max_units` are used (the stop line the user reads)
    exhausted: str = ""
    #: answers are held by a GBNF grammar of `gbnf`: a field that reached the grammar's
    #: bounds ends with finish_reason "stop", so only its shape tells it was cut
    grammar_bounded: bool = False

    @abstractmethod
    async def fetch(self, index: int, teacher: Teacher, generated: Sequence[str]) -> UnitOutput:
        """Ask the teacher for unit `index`'s candidates. `generated`: instructions accepted by
        units up to `index - demo_lag` (empty when demo_lag is 0)."""

    def prompt_tokens_estimate(self) -> int:
        """Prompt tokens of one unit, roughly, for budgets before any answer is seen."""
        return 1000

    @abstractmethod
    def workload(self, max_tokens: int) -> UnitWorkload:
        """The requests, tokens and records of one unit, expected from the prompts this
        method renders and the seeds' own lengths (`--dry-run` prices a run from it)."""

    def cut_reason(
        self, instruction: str = "", input_text: str = "", output: str = ""
    ) -> str | None:
        """Why parsed fields must have been cut by this method's own bounds, if they were."""
        return cut_by_grammar(instruction, input_text, output) if self.grammar_bounded else None

    def reject_cut(self, candidates: list[Candidate], index: int) -> list[Rejection]:
        """Take the candidates `cut_reason` finds cut out of `candidates`, as `truncated`
        rejections (as those `max_tokens` cut are): nothing cut reaches the dataset."""
        rejections, kept = [], []
        for candidate in candidates:
            why = self.cut_reason(candidate.instruction, candidate.input, candidate.output)
            if why is None:
                kept.append(candidate)
            else:
                rejections.append(Rejection.of(candidate, "truncated", index, detail=why))
        candidates[:] = kept
        return rejections

    def dedup_text(self, instruction: str, input_text: str) -> str:
        """What exact and near-duplicate removal compare: the instruction (Self-Instruct's
        rule), unless a method's tasks differ by their input."""
        return instruction

    def screen_filters(self, defaults: Sequence[Filter]) -> list[Filter]:
        """The filters applied in the ordered screening stage."""
        return list(defaults)

    def source_text(self, candidate: Candidate) -> str | None:
        """The document text a candidate was made from (the judge is shown it and asked
        whether the answer is supported by it); None for tasks made from seeds alone."""
        return None

    async def expand(self, index: int, teacher: Teacher, batch: UnitOutput) -> UnitOutput:
        """Turn screened candidates into records (more requests if the method needs them)."""
        return batch
