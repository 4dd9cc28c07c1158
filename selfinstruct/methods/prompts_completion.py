"""Completion-style prompts, for small teachers that misread long chat prompts.

Instead of instructions about the tasks, the teacher sees a short document: a one-line heading,
k demonstrations in the answer format of `prompts.render_task_block`, and the opening of the next
block (`###\\n4. Instruction:`). A 135M model continues such a list far more reliably than it
follows a page of requirements. The prompt goes to `/v1/completions` (no chat template); the
answer does not repeat the opening, so `answer_prefix` is put back in front of it before parsing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from selfinstruct.methods.gbnf import block_text_rules
from selfinstruct.methods.prompts import render_task_block
from selfinstruct.schemas import SeedTask

COMPLETION_HEADING = (
    "Tasks for a text-only AI assistant. Each task has an instruction, an input "
    "(or <noinput>) and a correct output.\n"
)

COMPLETION_HEADING_TOPIC = (
    "Tasks about {topic} for a text-only AI assistant. Each task has an instruction, an input "
    "(or <noinput>) and a correct output.\n"
)

#: a document of tasks without input (see `render_completion_prompt(no_input=True)`)
NO_INPUT_HEADING = (
    "Tasks{about} for a text-only AI assistant. Each instruction is complete on its own (a "
    "question, or a request to write something), so the input is <noinput>; each has a correct "
    "output.\n"
)


@dataclass(frozen=True)
class CompletionPrompt:
    """A completion prompt, what to put back in front of the answer, and where to stop."""

    prompt: str
    answer_prefix: str
    stop: list[str] = field(default_factory=list)

    def answer_text(self, completion: str) -> str:
        """The teacher's continuation as a complete answer for `parse.parse_tasks`."""
        return self.answer_prefix + completion


def render_completion_prompt(
    demonstrations: Sequence[SeedTask],
    n: int = 1,
    topic: str | None = None,
    no_input: bool = False,
) -> CompletionPrompt:
    """A list of the demonstrations' first instances, open at the next task's instruction.

    The teacher is stopped before it would open task number k + n + 1 (k demonstrations), so
    an answer holds at most `n` tasks. `no_input`: a document of tasks without input (give it
    such demonstrations, and `render_block_grammar(no_input=True)`), because a small model
    writes an input under almost every task of a mixed list, whatever share of its
    demonstrations has none.
    """
    blocks = []
    for number, task in enumerate(demonstrations, start=1):
        instance = task.instances[0]
        blocks.append(render_task_block(number, task.instruction, instance.input, instance.output))
    first = len(blocks) + 1
    if no_input:
        heading = NO_INPUT_HEADING.format(about=f" about {topic.strip()}" if topic else "")
    elif topic:
        heading = COMPLETION_HEADING_TOPIC.format(topic=topic.strip())
    else:
        heading = COMPLETION_HEADING
    opening = f"{first}. Instruction:"
    prompt = heading + "".join(blocks) + "###\n" + opening
    stop = [f"{first + n}. Instruction", "\n\n\n"]
    return CompletionPrompt(prompt=prompt, answer_prefix=opening, stop=stop)


def render_block_grammar(n: int, opened: bool = True, no_input: bool = False) -> str:
    """A llama.cpp GBNF grammar holding an answer to the numbered block format.

    `opened`: the prompt already ends with `K. Instruction:` (the completion template), so the
    answer starts with the instruction's text; otherwise (a chat answer) with `###` and the
    first label. Up to `n` tasks; the instruction is one line, input and output may span lines
    (`gbnf.block_text_rules`: no further line opens a field, no length cap). `no_input`: every
    input is `<noinput>`.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    task = '"###\\n" num ". Instruction: " line block'
    rules = [
        "root ::= "
        + ("head block" if opened else task)
        + (f" ({task}){{0,{n - 1}}}" if n > 1 else ""),
        'head ::= " " line' if opened else "",
        'block ::= "\\n" num ". Input: " '
        + ('"<noinput>"' if no_input else "text-in")
        + ' "\\n" num ". Output: " text "\\n"',
    ]
    return "".join(rule + "\n" for rule in [*rules, *block_text_rules()] if rule)
