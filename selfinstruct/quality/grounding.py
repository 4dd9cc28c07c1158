"""`ungrounded`: a document task that is not drawn from its chunk.

A cheap textual check, run before any judge, on content words (no stop words, at least three
letters, or any number) compared by their first four letters, so "regulated" finds
"regulation". A task is dropped, first reason first, when
- `ungrounded:input`: its input is mostly words the chunk does not hold (a task that works on
  a passage quotes it; an input made up is no part of the document);
- `ungrounded`: its output has six or more content words and under half of them are in the
  chunk, the input or the instruction (a label, a yes/no or a name is too short to tell);
- `ungrounded:instruction`: it has no input and not one content word of its instruction is
  in the chunk (a question about something else; "Summarise the passage" without the passage
  is no task at all once the record stands alone).
It cannot see a contradiction made of the document's own words ("not" moved): that is the
judge's fourth question, "is the answer supported by the document?" (`SUPPORT_QUESTION`),
asked when `--judge` is on.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from selfinstruct.quality.filters import Filter
from selfinstruct.schemas import Candidate

#: The question an LLM judge adds for a record with a document (quality/judge.py).
SUPPORT_QUESTION = "Is the answer supported by the document?"
#: Share of the output's content words the chunk, input and instruction must hold.
MIN_SUPPORTED_SHARE = 0.5
#: Outputs with fewer content words are not judged (labels, names, yes/no, numbers).
MIN_CONTENT_WORDS = 6
STEM_CHARS = 4

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP_WORDS_TEXT = """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves one two may might must shall us text passage document chunk answer
    question according states mentioned says said given following based described doesn don
    didn isn aren wasn weren hasn haven won wouldn shouldn couldn"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


def content_stems(text: str) -> list[str]:
    """The stems of `text`'s content words, in order (repeats kept)."""
    stems = []
    for word in _WORD.findall(text.lower()):
        if word.isdigit() or (len(word) >= 3 and word not in STOP_WORDS):
            stems.append(word[:STEM_CHARS])
    return stems


def supported_share(output: str, evidence: str) -> float | None:
    """Share of the output's content words found in `evidence`; None when too short to tell."""
    words = content_stems(output)
    if len(words) < MIN_CONTENT_WORDS:
        return None
    found = set(content_stems(evidence))
    return sum(word in found for word in words) / len(words)


def found_share(text: str, found: set[str]) -> float | None:
    """Share of `text`'s content words in `found` (stems); None when it has none."""
    words = content_stems(text)
    return sum(word in found for word in words) / len(words) if words else None


def ungrounded_reason(
    instruction: str, input_text: str, output: str, chunk: str,
    threshold: float = MIN_SUPPORTED_SHARE,
) -> str | None:  # fmt: skip
    """Why a task is not drawn from `chunk` (see the module's docstring), or None."""
    found = set(content_stems(chunk))
    quoted = found_share(input_text, found)
    if quoted is not None and quoted < threshold:
        return "ungrounded:input"
    share = supported_share(output, f"{chunk}\n{input_text}\n{instruction}")
    if share is not None and share < threshold:
        return "ungrounded"
    if quoted is None and found_share(instruction, found) == 0.0:
        return "ungrounded:instruction"
    return None


class Ungrounded(Filter):
    """Drops a document task not drawn from its chunk (input, output or instruction).
    `chunk_of` gives the chunk text a candidate was asked about (None: not a document task)."""

    def __init__(
        self, chunk_of: Callable[[Candidate], str | None], threshold: float = MIN_SUPPORTED_SHARE
    ) -> None:
        self.chunk_of = chunk_of
        self.threshold = threshold

    def reason(self, candidate: Candidate) -> str | None:
        chunk = self.chunk_of(candidate)
        if chunk is None:
            return None
        return ungrounded_reason(
            candidate.instruction, candidate.input, candidate.output, chunk, self.threshold
        )
