"""An instruction that works on material it does not have: "Summarize the following
article." with an empty input. The teacher then answers by inventing the article, and the
student learns to hallucinate whatever a task points at. AlpacaDataCleaned fixed such records
by hand; a small teacher writes them often ("Determine whether the given number is a power of
two." with no number).

Only a definite reference counts ("the following", "the given", "this sentence", "the text
below"), to a kind of material a user would paste (text, list, code, numbers, ...), when the
instruction itself does not carry the material (after a colon, in quotes, on a further line).
Writing code is exempt: there "the given number" names a parameter.
"""

from __future__ import annotations

import re

from selfinstruct.quality.filters import ViewFilter
from selfinstruct.quality.view import CandidateView

#: material a user would paste as a task's input
_MATERIAL = (
    r"(?:text|sentences?|paragraphs?|passages?|articles?|essays?|story|poem|lists?|numbers?|"
    r"array|words?|phrases?|code|snippet|program|function|e-?mails?|letter|reviews?|tweets?|"
    r"data(?:set)?|table|documents?|statements?|quotes?|equations?|expressions?|strings?|"
    r"conversation|dialogue|input|lyrics|excerpt|summary|recipe|headlines?|url|link|image|"
    r"photo|chart|graph|json|xml|csv|query|sql)"
)
_REFERENCE = re.compile(
    rf"\bthe\s+(?:following|given|provided|above|below|attached|input)\s+(?:\w+\s+){{0,2}}?"
    rf"{_MATERIAL}\b|the\s+{_MATERIAL}\s+(?:below|above|provided|given)\b"
    rf"|the\s+following\s*[:.]?\s*$|\bthe\s+input\b",
    re.IGNORECASE,
)
#: "this article", "these numbers": a reference only in the instruction's first sentence (later
#: ones point back at what the first one gave: "A boy has 12 oranges. He gives a third of this
#: number ...")
_THIS = re.compile(rf"\b(?:this|these)\s+(?:\w+\s+)?{_MATERIAL}\b", re.IGNORECASE)
_FIRST_SENTENCE = re.compile(r"^.*?(?:[.?!](?:\s|$)|$)", re.DOTALL)
#: the instruction carries the material itself: after a colon, in quotes or brackets, on a
#: further line
_CARRIED = re.compile(r":\s*\S|[\"“'‘«][^\"”'’»]{2,}[\"”'’»]|\[[^\]]+\]|\{[^}]+\}|\n\s*\S")
#: every `_REFERENCE` match holds one of these words, every `_THIS` match one of `_THIS_WORDS`,
#: whole (between spaces, a `\b` or the end in its pattern): on lowered ASCII text, where
#: IGNORECASE is plain ASCII case, they are `CandidateView` words
_REFERENCE_WORDS = frozenset({b"following", b"given", b"provided", b"above", b"below"})
_REFERENCE_WORDS |= {b"attached", b"input"}
_THIS_WORDS = frozenset({b"this", b"these"})
#: asked to write code, where "the given number" is the function's parameter
_WRITES_CODE = re.compile(
    r"\b(?:write|create|implement|develop|generate|build|code|design|construct)\s+(?:an?\s+|the\s+)?"
    r"(?:\w+\s+){0,3}?(?:function|program|script|method|class|algorithm|query|regex|"
    r"regular expression|code|snippet|loop|procedure)\b",
    re.IGNORECASE,
)


class MissingInput(ViewFilter):
    """The instruction points at material (the following text, the given list) and the task
    has no input carrying it: `missing_input`."""

    def check(self, view: CandidateView) -> str | None:
        if view.input.strip():
            return None
        instruction = view.instruction
        # The regexes cost 12 µs an instruction, most of the filter chain's time; an ASCII
        # instruction without the words every match holds cannot match, so they are skipped.
        may_refer = may_point = True
        if view.instruction_ascii:
            words = view.instruction_set
            may_refer = not _REFERENCE_WORDS.isdisjoint(words)
            may_point = not _THIS_WORDS.isdisjoint(words)
        found = _REFERENCE.search(instruction) if may_refer else None
        if found is None and may_point:
            first = _FIRST_SENTENCE.match(instruction)
            found = _THIS.search(first.group(0)) if first else None
        if found is None or _WRITES_CODE.search(instruction):
            return None
        if _CARRIED.search(instruction, found.start()):
            return None
        return "missing_input"
