"""Quality filters: each says why a candidate is unfit, or nothing.

A filter is a small object with one method, `reason(candidate) -> str | None`. A rejection is
a counted reason, never an exception, so a run's `rejected.jsonl` and summary explain every
dropped task. The default chain follows the Self-Instruct/Alpaca heuristics, extended with the
failures their released data is known for (refusals, empty outputs, input == output).
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence

from selfinstruct.schemas import Candidate

#: Words naming what a text-only model can neither see nor produce (whole words, +plural).
DEFAULT_BLACKLIST: tuple[str, ...] = (
    "image",
    "picture",
    "graph",
    "file",
    "map",
    "draw",
    "plot",
    "video",
    "audio",
    "music",
    "flowchart",
    "diagram",
    "go to",
)

#: How a teacher sounds when it refuses or talks about itself instead of doing the task.
REFUSAL_PATTERNS: tuple[str, ...] = (
    r"\bas an ai\b",
    r"\bas a (?:large )?language model\b",
    r"\bi(?:'m| am) (?:just )?an ai\b",
    r"\bi(?:'m| am) sorry,? but i (?:can(?:not|'t)|am unable|won't)\b",
    r"\bi (?:can(?:not|'t)|am unable to|won't be able to) "
    r"(?:fulfil|fulfill|assist|help with|comply|provide|browse|access)\b",
    r"\bi (?:do not|don't) have (?:access to|the ability to|personal (?:opinions|experiences))\b",
    r"\bmy (?:training data|knowledge cutoff)\b",
)


class Filter(ABC):
    """One quality rule. `reason` returns a short machine-readable reason, or None to keep."""

    @abstractmethod
    def reason(self, candidate: Candidate) -> str | None: ...


def word_count(text: str) -> int:
    """Words as whitespace-separated runs; CJK text counts one word per character."""
    words = text.split()
    cjk = sum(1 for ch in text if unicodedata.east_asian_width(ch) == "W" and ch.isalpha())
    return max(len(words), cjk)


class InstructionLength(Filter):
    """Too short to be a task, or too long to be an instruction (Self-Instruct: 3 < words ≤ 150)."""

    def __init__(self, min_words: int = 4, max_words: int = 150) -> None:
        self.min_words = min_words
        self.max_words = max_words

    def reason(self, candidate: Candidate) -> str | None:
        words = word_count(candidate.instruction)
        if words < self.min_words:
            return "too_short"
        if words > self.max_words:
            return "too_long"
        return None


class Blacklist(Filter):
    """Tasks that need images, files, audio or browsing: a text-only model cannot serve them."""

    def __init__(self, words: Iterable[str] = DEFAULT_BLACKLIST) -> None:
        self.patterns = [
            (word, re.compile(rf"\b{re.escape(word)}(?:s|es)?\b", re.IGNORECASE)) for word in words
        ]

    def reason(self, candidate: Candidate) -> str | None:
        for word, pattern in self.patterns:
            if pattern.search(candidate.instruction):
                return f"blacklist:{word.replace(' ', '_')}"
        return None


class ProgramRequest(Filter):
    """'Write a program ...' tasks get unusable, untested outputs (Self-Instruct drops them)."""

    def reason(self, candidate: Candidate) -> str | None:
        if candidate.instruction.lower().startswith("write a program"):
            return "program_request"
        return None


class BadStart(Filter):
    """An instruction starting with punctuation or a symbol is a formatting accident.

    Letters of any script are fine: Alpaca rejected every non-ASCII start, which drops all
    Chinese or Russian tasks; we reject only punctuation and symbols.
    """

    def reason(self, candidate: Candidate) -> str | None:
        first = candidate.instruction[:1]
        if not first:
            return "empty_instruction"
        category = unicodedata.category(first)
        if category.startswith("P"):
            return "starts_with_punctuation"
        if category.startswith("S") or category.startswith("C"):
            return "starts_with_symbol"
        return None


class EmptyOutput(Filter):
    """A task with no answer teaches nothing (Alpaca's release has hundreds)."""

    def reason(self, candidate: Candidate) -> str | None:
        return "empty_output" if not candidate.output.strip() else None


class InputEqualsOutput(Filter):
    """An output that repeats the input teaches copying, not the task."""

    def reason(self, candidate: Candidate) -> str | None:
        given = " ".join(candidate.input.split()).lower()
        if given and given == " ".join(candidate.output.split()).lower():
            return "input_equals_output"
        return None


class Refusal(Filter):
    """The teacher refused or talked about itself instead of answering."""

    def __init__(self, patterns: Sequence[str] = REFUSAL_PATTERNS) -> None:
        self.pattern = re.compile("|".join(patterns), re.IGNORECASE)

    def reason(self, candidate: Candidate) -> str | None:
        text = f"{candidate.instruction}\n{candidate.output}".replace("’", "'")
        return "refusal" if self.pattern.search(text) else None


class OutputLength(Filter):
    """A runaway answer (a loop, a dump) is bounded in bytes as well as by max_tokens."""

    def __init__(self, max_chars: int = 8000) -> None:
        self.max_chars = max_chars

    def reason(self, candidate: Candidate) -> str | None:
        too_long = len(candidate.output) + len(candidate.input) > self.max_chars
        return "output_too_long" if too_long else None


def default_filters() -> list[Filter]:
    """The chain every method uses, cheapest and most telling first."""
    return [
        BadStart(),
        InstructionLength(),
        Blacklist(),
        ProgramRequest(),
        EmptyOutput(),
        InputEqualsOutput(),
        Refusal(),
        OutputLength(),
    ]


def first_reason(filters: Sequence[Filter], candidate: Candidate) -> str | None:
    """The reason of the first filter that rejects `candidate`, or None to keep it."""
    for rule in filters:
        found = rule.reason(candidate)
        if found:
            return found
    return None
