"""Prompt templates, one per method and step, and their rendering into chat messages.

The texts are our own. The answer format (numbered `Instruction:` / `Input:` / `Output:`
blocks separated by `###`) is the one Alpaca-style teachers follow most reliably, and the one
`parse.py` reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from selfinstruct.schemas import SeedTask

NO_INPUT = "<noinput>"

ALPACA_SYSTEM = (
    "You write training tasks for a text-only AI assistant. You answer with the tasks only, "
    "in the exact format you are shown, with no introduction and no closing remarks."
)

ALPACA_INSTRUCTIONS = """\
Come up with {n} new tasks for a text-only AI assistant{topic_clause}. Requirements:
1. Make them diverse: vary the kind of work (open questions, brainstorming, rewriting, \
summarising, extraction, classification, math, code, reasoning, planning, creative writing, \
advice and more) and vary the verbs. Do not repeat or lightly reword the examples.
2. Mix imperatives and questions; keep each instruction to one or two sentences, in English.
3. Every task must be possible with text alone: no images, audio, video, files, links, web \
browsing or actions in the world.
4. Give an input only when the task needs one: a concrete, realistic text of at most 100 \
words, not a description of one. Otherwise write {no_input}.
5. Write an output that completes the task correctly and fully, in at most 150 words.

Here are examples of the format, one task per block, blocks separated by ###:
{demonstrations}
{generated}Now write {n} new tasks, numbered 1 to {n}, in the same format."""

GENERATED_CLAUSE = """These tasks are already in the dataset; write tasks that differ from them too:
{items}
"""


def render_task_block(number: int, instruction: str, input_text: str, output: str) -> str:
    """One task in the answer format shared by demonstrations and the teacher's answer."""
    return (
        f"###\n{number}. Instruction: {instruction.strip()}\n"
        f"{number}. Input: {input_text.strip() or NO_INPUT}\n"
        f"{number}. Output: {output.strip()}\n"
    )


def render_alpaca_prompt(
    demonstrations: Sequence[SeedTask],
    n: int,
    topic: str | None = None,
    generated: Sequence[str] = (),
) -> list[dict[str, str]]:
    """Chat messages asking for `n` new tasks, showing each demonstration's first instance.

    `generated` instructions (already accepted) are listed as tasks to differ from: the
    Self-Instruct idea of mixing machine tasks into the prompt, for diversity."""
    blocks = []
    for number, task in enumerate(demonstrations, start=1):
        instance = task.instances[0]
        blocks.append(render_task_block(number, task.instruction, instance.input, instance.output))
    demos = "".join(blocks) + "###"
    topic_clause = f" in the domain of {topic.strip()}" if topic else ""
    listed = (
        GENERATED_CLAUSE.format(items="\n".join(f"- {g.strip()}" for g in generated))
        if generated
        else ""
    )
    user = ALPACA_INSTRUCTIONS.format(
        n=n, no_input=NO_INPUT, demonstrations=demos, topic_clause=topic_clause, generated=listed
    )
    return [{"role": "system", "content": ALPACA_SYSTEM}, {"role": "user", "content": user}]
