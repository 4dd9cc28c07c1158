"""Self-Instruct's requests, one builder per step, in the two styles a teacher profile picks.

`ChatSteps` sends the chat prompts of `prompts.py` (capable models follow the written
requirements). `CompletionSteps` is for small local models, which follow a page of requirements
poorly but continue a short document well: each step is a plain text open at the point where
the answer starts, sent to `/v1/completions` with a llama.cpp GBNF grammar holding the answer
to the shape the step's parser reads. The answer is then read with the opening put back in
front (`StepRequest.answer_text`), so both styles share the parsers of `self_instruct_parse`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from selfinstruct.methods.gbnf import field_text_rules
from selfinstruct.methods.prompts import (
    NO_INPUT,
    render_bootstrap_prompt,
    render_classify_prompt,
    render_classify_retry,
    render_input_first_prompt,
    render_label_first_prompt,
)
from selfinstruct.schemas import SeedTask
from selfinstruct.teachers.client import TeacherRequest


@dataclass(frozen=True)
class StepRequest:
    """A step's request and the opening its answer continues."""

    request: TeacherRequest
    opening: str = ""

    def answer_text(self, completion: str) -> str:
        return self.opening + completion


class Steps(Protocol):
    """How each of Self-Instruct's requests is written for one kind of teacher."""

    #: each request is held by a `gbnf` grammar (the method then rejects what it cut)
    grammar_bounded: bool

    def bootstrap(
        self, index: int, instructions: Sequence[str], n: int, topic: str | None
    ) -> StepRequest: ...

    def classify(
        self, index: int, step: str, demos: Sequence[SeedTask], instruction: str
    ) -> StepRequest: ...

    def classify_retry(
        self, first: StepRequest, answer: str, instruction: str, step: str
    ) -> StepRequest: ...

    def instances(
        self,
        index: int,
        step: str,
        demos: Sequence[SeedTask],
        instruction: str,
        k: int,
        label_first: bool,
    ) -> StepRequest: ...


class ChatSteps:
    """The chat prompts of `prompts.py`, for models that follow written requirements."""

    grammar_bounded = False  # max_tokens is the only bound, and the parsers see it

    def bootstrap(
        self, index: int, instructions: Sequence[str], n: int, topic: str | None
    ) -> StepRequest:
        messages = render_bootstrap_prompt(instructions, n, topic=topic)
        return StepRequest(TeacherRequest(index=index, step="bootstrap", messages=messages))

    def classify(
        self, index: int, step: str, demos: Sequence[SeedTask], instruction: str
    ) -> StepRequest:
        messages = render_classify_prompt(demos, instruction)
        return StepRequest(TeacherRequest(index=index, step=step, messages=messages))

    def classify_retry(
        self, first: StepRequest, answer: str, instruction: str, step: str
    ) -> StepRequest:
        messages = render_classify_retry(first.request.messages or [], answer, instruction)
        return StepRequest(TeacherRequest(index=first.request.index, step=step, messages=messages))

    def instances(
        self,
        index: int,
        step: str,
        demos: Sequence[SeedTask],
        instruction: str,
        k: int,
        label_first: bool,
    ) -> StepRequest:
        render = render_label_first_prompt if label_first else render_input_first_prompt
        messages = render(demos, instruction, k)
        return StepRequest(TeacherRequest(index=index, step=step, messages=messages))


BOOTSTRAP_HEADING = (
    "Instructions for tasks a text-only AI assistant can do, each a complete request in one "
    "sentence{topic}:\n"
)
CLASSIFY_HEADING = (
    "Is each task a classification task, one whose answer is a label from a small fixed set "
    "of options?\n\n"
)
INSTANCES_HEADING = "Tasks for a text-only AI assistant, each with examples of its {fields}.\n\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


#: Where a field or the next task starts in the instance documents: no further line of a
#: field may start so (see `gbnf`).
INSTANCE_LABELS = ("Input", "Output", "Class label", "Task")


def _grammar(root: str) -> dict[str, object]:
    rules = [f"root ::= {root}", "num ::= [1-9] [0-9]?", *field_text_rules(INSTANCE_LABELS)]
    return {"extra_body": {"grammar": "".join(rule + "\n" for rule in rules)}}


class CompletionSteps:
    """Short documents open at the answer, with a grammar per step (small local models)."""

    grammar_bounded = True

    def bootstrap(
        self, index: int, instructions: Sequence[str], n: int, topic: str | None
    ) -> StepRequest:
        heading = BOOTSTRAP_HEADING.format(topic=f", about {topic.strip()}" if topic else "")
        listing = "".join(f"{i}. {_one_line(t)}\n" for i, t in enumerate(instructions, 1))
        opening = f"{len(instructions) + 1}."
        # one instruction a line, numbered, at most n of them
        more = f' ("\\n" num ". " line){{0,{n - 1}}}' if n > 1 else ""
        params = _grammar(f'" " line{more} "\\n"')
        request = TeacherRequest(
            index=index, step="bootstrap", prompt=heading + listing + opening, params=params
        )
        return StepRequest(request, opening)

    def classify(
        self, index: int, step: str, demos: Sequence[SeedTask], instruction: str
    ) -> StepRequest:
        shown = "".join(
            f"Task: {_one_line(t.instruction)}\nClassification: "
            f"{'Yes' if t.is_classification else 'No'}\n\n"
            for t in demos
        )
        prompt = CLASSIFY_HEADING + shown + f"Task: {_one_line(instruction)}\nClassification:"
        params = _grammar('" " ("Yes" | "No")')
        return StepRequest(TeacherRequest(index=index, step=step, prompt=prompt, params=params))

    def classify_retry(
        self, first: StepRequest, answer: str, instruction: str, step: str
    ) -> StepRequest:
        """The same document again under another step name (another seed): the grammar
        allows only Yes or No, so a retry is needed only when the answer was cut."""
        request = first.request
        return StepRequest(
            TeacherRequest(
                index=request.index, step=step, prompt=request.prompt, params=request.params
            ),
            first.opening,
        )

    def instances(
        self,
        index: int,
        step: str,
        demos: Sequence[SeedTask],
        instruction: str,
        k: int,
        label_first: bool,
    ) -> StepRequest:
        first, second = ("Class label", "Input") if label_first else ("Input", "Output")
        blocks = []
        for task in demos:
            examples = []
            for instance in task.instances[:2]:
                given = instance.input or NO_INPUT
                pair = (instance.output, given) if label_first else (given, instance.output)
                examples.append(f"{first}: {pair[0].strip()}\n{second}: {pair[1].strip()}\n")
            blocks.append(f"Task: {_one_line(task.instruction)}\n" + "\n".join(examples) + "\n")
        heading = INSTANCES_HEADING.format(
            fields="label and an input of that class" if label_first else "input and output"
        )
        opening = f"{first}:"
        prompt = heading + "".join(blocks) + f"Task: {_one_line(instruction)}\n{opening}"
        label = "line" if label_first else "text-in"
        example = f'"\\n" "{second}: " {"text-in" if label_first else "text"} "\\n"'
        more = f' ("\\n" "{first}: " {label} {example}){{0,{k - 1}}}' if k > 1 else ""
        params = _grammar(f'" " {label} {example}{more}')
        # the document's next task starts at a line's start: stopping there cuts nothing
        params["stop"] = ["\nTask:"]
        request = TeacherRequest(index=index, step=step, prompt=prompt, params=params)
        return StepRequest(request, opening)
