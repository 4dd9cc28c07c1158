"""How a teacher writes a batch of tasks down: the canonical block format, drifting the way
real models drift (preambles, `1)` or `Task 1:` numbering, bold labels, missing `###`, other
no-input markers, trailing commentary). One `Style` is drawn per answer, as a model tends to
keep one layout within an answer.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass

from selfinstruct.methods.prompts import NO_INPUT, render_task_block
from selfinstruct_testing.words import Task, pick

PREAMBLES = (
    "Here are {n} new tasks:",
    "Sure! Here are {n} more tasks in the requested format:",
    "Certainly. Below are {n} diverse tasks.",
    "Here are {n} new tasks for a text-only assistant, following the format above.",
    "Okay, here you go:",
)
TRAILERS = (
    "I hope these tasks are useful for training your assistant!",
    "Let me know if you would like more tasks or a different mix of task types.",
    "Note: some of these tasks have no input, as requested.",
    "These tasks cover a range of skills, from writing to reasoning and coding.",
)
NO_INPUT_MARKERS = (NO_INPUT, "None", "N/A", "<no input>", "")  # "" = the Input line is left out


@dataclass(frozen=True)
class Style:
    """The layout of one answer; the default is the canonical format of `render_task_block`."""

    preamble: str | None = None
    trailer: str | None = None
    numbering: str = "dot"  # "dot" (1.), "paren" (1)), "header" (Task 1: on its own line)
    bold: bool = False
    separators: bool = True
    blank_lines: bool = False
    no_input: str = NO_INPUT
    label_newline: bool = False  # multi-line values start on the line after their label
    final_separator: bool = False


def draw_style(rng: random.Random, messiness: float, n: int) -> Style:
    """A random layout; `messiness` scales every drift probability (0 gives the canonical one)."""

    def chance(p: float) -> bool:
        return rng.random() < p * messiness

    numbering = "dot"
    if chance(0.12):
        numbering = pick(rng, ("paren", "header"))
    no_input = NO_INPUT
    if chance(0.25):
        no_input = pick(rng, NO_INPUT_MARKERS[1:])
    return Style(
        preamble=pick(rng, PREAMBLES).format(n=n) if chance(0.15) else None,
        trailer=pick(rng, TRAILERS) if chance(0.08) else None,
        numbering=numbering,
        bold=chance(0.1),
        separators=not chance(0.1),
        blank_lines=chance(0.15),
        no_input=no_input,
        label_newline=chance(0.3),
        final_separator=chance(0.3),
    )


def _field(style: Style, number: int, label: str, value: str) -> str:
    name = f"**{label}:**" if style.bold else f"{label}:"
    prefix = {"dot": f"{number}. ", "paren": f"{number}) ", "header": ""}[style.numbering]
    sep = "\n" if style.label_newline and "\n" in value else " "
    return f"{prefix}{name}{sep}{value}".rstrip(" ") + "\n"


def render_block(style: Style, number: int, task: Task) -> str:
    """One task in `style`; with the default style exactly `prompts.render_task_block`."""
    if style == Style():
        return render_task_block(number, task.instruction, task.input, task.output)
    lines = ["###\n"] if style.separators else []
    if style.numbering == "header":
        lines.append(f"Task {number}:\n")
    lines.append(_field(style, number, "Instruction", task.instruction.strip()))
    value = task.input.strip()
    if value or style.no_input:
        lines.append(_field(style, number, "Input", value or style.no_input))
    lines.append(_field(style, number, "Output", task.output.strip()))
    if style.blank_lines:
        lines.append("\n")
    return "".join(lines)


def render_text(style: Style, tasks: Sequence[Task]) -> str:
    """The whole answer as plain text."""
    parts = [f"{style.preamble}\n\n"] if style.preamble else []
    parts += [render_block(style, i, t) for i, t in enumerate(tasks, start=1)]
    if style.final_separator and style.separators:
        parts.append("###\n")
    if style.trailer:
        parts.append(f"\n{style.trailer}\n")
    return "".join(parts)


def render_json(tasks: Sequence[Task]) -> str:
    """The answer for a `response_format` request: {"tasks": [{instruction, input, output}]}."""
    items = [{"instruction": t.instruction, "input": t.input, "output": t.output} for t in tasks]
    return json.dumps({"tasks": items}, ensure_ascii=False)
