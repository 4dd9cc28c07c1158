"""Prompts that ask for tasks grounded in one chunk of the user's document (`--documents`).

The chunk is shown first, fenced, then what a grounded task is, then seed demonstrations for
the answer format only (the same numbered blocks `parse.py` reads). A task that works on text
takes that text, quoted word for word, as its input; a question the chunk answers may stand
without input, so the dataset also teaches the document's facts.
"""

from __future__ import annotations

from collections.abc import Sequence

from selfinstruct.methods.prompts import ALPACA_SYSTEM, JSON_ANSWER, NO_INPUT, render_task_block
from selfinstruct.methods.prompts_completion import CompletionPrompt
from selfinstruct.schemas import SeedTask

DOCUMENT_INSTRUCTIONS = """\
Here is a passage from a document{topic_clause}:

<passage>
{chunk}
</passage>

Come up with {n} tasks for a text-only AI assistant that are grounded in this passage. \
Requirements:
1. Every task must be answerable from the passage alone. Vary the kind of work: questions the \
passage answers, a summary of it or of a part, extraction (facts, names, numbers, steps, \
conditions), rewriting a part (simpler, more formal, as a list), classification of a part.
2. A task that works on text (summarise, extract, rewrite, classify) gets that text as its \
input, quoted word for word from the passage (at most about 150 words of it). A question the \
passage answers may have no input; then write {no_input}.
3. The output must be correct according to the passage and say only what it says: never add \
facts, numbers or names that are not in it.
4. Keep each instruction to one or two sentences, in English, and each output to at most 150 \
words. Do not mention "the passage" in an instruction that has no input.

Examples of the answer format only (their subjects are not the passage's), one task per block, \
blocks separated by ###:
{demonstrations}
Now write {n} tasks grounded in the passage, numbered 1 to {n}, in the same format."""

COMPLETION_DOCUMENT_HEADING = (
    "A passage from a document, then tasks about it for a text-only AI assistant. Each task has "
    "an instruction, an input quoted from the passage (or <noinput>) and an output that uses "
    "only what the passage says.\n\nPassage:\n{chunk}\n\nTasks:\n"
)


def _demonstration_blocks(demonstrations: Sequence[SeedTask]) -> str:
    blocks = []
    for number, task in enumerate(demonstrations, start=1):
        instance = task.instances[0]
        blocks.append(render_task_block(number, task.instruction, instance.input, instance.output))
    return "".join(blocks)


def render_document_prompt(
    chunk: str,
    demonstrations: Sequence[SeedTask],
    n: int,
    topic: str | None = None,
    json_answers: bool = False,
) -> list[dict[str, str]]:
    """Chat messages asking for `n` tasks grounded in `chunk`."""
    user = DOCUMENT_INSTRUCTIONS.format(
        chunk=chunk.strip(),
        n=n,
        no_input=NO_INPUT,
        demonstrations=_demonstration_blocks(demonstrations) + "###",
        topic_clause=f" about {topic.strip()}" if topic else "",
    )
    if json_answers:
        user += JSON_ANSWER.format(n=n)
    return [{"role": "system", "content": ALPACA_SYSTEM}, {"role": "user", "content": user}]


def render_document_completion(
    chunk: str, demonstrations: Sequence[SeedTask], n: int
) -> CompletionPrompt:
    """For small completion teachers: the passage, the demonstrations as a list, open at the
    next task (as `prompts_completion.render_completion_prompt`, with the passage first)."""
    first = len(demonstrations) + 1
    opening = f"{first}. Instruction:"
    prompt = (
        COMPLETION_DOCUMENT_HEADING.format(chunk=chunk.strip())
        + _demonstration_blocks(demonstrations)
        + "###\n"
        + opening
    )
    return CompletionPrompt(prompt, opening, [f"{first + n}. Instruction", "\n\n\n"])
