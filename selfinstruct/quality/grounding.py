"""`ungrounded`: a document task whose output is not drawn from its chunk.

A cheap textual check, run before any judge: the output's content words (no stop words, at
least three letters, or any number) are looked up, by their first four letters so "regulated"
finds "regulation", in the chunk, the task's input and its instruction. An output of a few
words is left alone (a label, a yes/no, a name); a longer one whose words are mostly absent
says something the document does not, and is dropped. It cannot see a contradiction made of
the document's own words ("not" moved): that is the judge's fourth question, "is the answer
supported by the document?" (`SUPPORT_QUESTION`), asked when `--judge` is on.
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


class Ungrounded(Filter):
    """Drops a document task whose output is mostly words its chunk and input do not hold.
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
        evidence = f"{chunk}\n{candidate.input}\n{candidate.instruction}"
        share = supported_share(candidate.output, evidence)
        return "ungrounded" if share is not None and share < self.threshold else None
