"""One candidate's texts as the filters read them, each derived once.

The chain runs some twenty filters on every candidate of every request, and most of them begin
by lowering a text, asking whether it is ASCII, or splitting it into words. A `CandidateView`
does each of those once a candidate instead of once a filter: the chain (`chain.first_reason`)
builds one and hands it to every filter's `check`.

Words are runs of [a-z0-9] of the lowered text (any other character separates them), as bytes.
On ASCII text a word a pattern needs whole (between `\\b`s, spaces or punctuation) is one of
these runs, so a filter whose every match holds one of a few words can pass a text holding none
of them without running its regex; IGNORECASE on ASCII text is plain ASCII case, which lowering
gives. On other text (`İ`, `ſ`, the Kelvin sign fold to ASCII letters) the filters run their
patterns as before.
"""

from __future__ import annotations

from selfinstruct.schemas import Candidate, same_text_key

#: Bytes that are not [a-z0-9] become spaces: the words are `bytes.split` of the translation,
#: rouge_score's tokenizer (`[a-z0-9]+` of the lowered text) done by C string methods.
NOT_WORD = bytes(b if chr(b).isascii() and chr(b).isalnum() and not chr(b).isupper() else 32
                 for b in range(256))  # fmt: skip


def words_of_lowered(lowered: str) -> list[bytes]:
    """The runs of [a-z0-9] of an already lowered text (non-ASCII characters separate)."""
    return lowered.encode("ascii", "replace").translate(NOT_WORD).split()


class CandidateView:
    """A candidate's texts with what the filters derive from them, each computed once (the
    `same_text_key`s on first use). The candidate must not change while a view of it is used."""

    __slots__ = (
        "_input_key",
        "_instruction_key",
        "_output_key",
        "candidate",
        "input",
        "instruction",
        "instruction_ascii",
        "instruction_lower",
        "instruction_set",
        "instruction_words",
        "output",
        "output_ascii",
        "output_lower",
        "output_words",
    )

    def __init__(self, candidate: Candidate) -> None:
        self.candidate = candidate
        self.instruction = instruction = candidate.instruction
        self.input = candidate.input
        self.output = output = candidate.output
        self.instruction_ascii = instruction.isascii()
        self.output_ascii = output.isascii()
        # all of these are read for almost every candidate: made at once, read as attributes
        self.instruction_lower = lowered = instruction.lower()
        #: the instruction's words in order (`defects.echo_words` of it), and as a set
        self.instruction_words = words = words_of_lowered(lowered)
        self.instruction_set = frozenset(words)
        self.output_lower = lowered = output.lower()
        #: the output's words in order
        self.output_words = words_of_lowered(lowered)
        self._instruction_key: str | None = None
        self._input_key: str | None = None
        self._output_key: str | None = None

    @property
    def instruction_key(self) -> str:
        """`same_text_key` of the instruction."""
        key = self._instruction_key
        if key is None:
            key = self._instruction_key = same_text_key(self.instruction)
        return key

    @property
    def input_key(self) -> str:
        """`same_text_key` of the input."""
        key = self._input_key
        if key is None:
            key = self._input_key = same_text_key(self.input)
        return key

    @property
    def output_key(self) -> str:
        """`same_text_key` of the output."""
        key = self._output_key
        if key is None:
            key = self._output_key = same_text_key(self.output)
        return key
