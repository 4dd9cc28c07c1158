"""Token-aware chunks with overlap: what one unit's prompt shows of a document.

Sizes are in tokens, counted as the rest of the package counts them before any answer is seen
(`methods.base.CHARS_PER_TOKEN`), so the chunk, the seed demonstrations and the answer fit the
teacher profile's context. A chunk ends at a paragraph break when one falls in its last half,
else at a sentence end, else between words; the next chunk starts `overlap` tokens earlier,
so a fact cut by a boundary is whole in one of the two.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from selfinstruct.methods.base import CHARS_PER_TOKEN
from selfinstruct.methods.profiles import TeacherProfile

#: Largest chunk by prompt style: a capable chat model reads a page well; a 135M model on a
#: CPU reads a few paragraphs (its prompt time grows with the chunk, its focus shrinks).
MAX_CHUNK_TOKENS = {"alpaca_chat": 1000, "completion_list": 350}
MIN_CHUNK_TOKENS = 64
#: Tokens of a document prompt besides the chunk: requirements and seed demonstrations.
PROMPT_OVERHEAD_TOKENS = 700
OVERLAP_SHARE = 0.12


@dataclass(frozen=True)
class ChunkSize:
    tokens: int
    overlap: int

    @property
    def chars(self) -> int:
        return self.tokens * CHARS_PER_TOKEN

    @property
    def overlap_chars(self) -> int:
        return self.overlap * CHARS_PER_TOKEN


def chunk_size_for(profile: TeacherProfile, tokens: int | None = None) -> ChunkSize:
    """The chunk size for a profile: what its context holds after the answer and the rest of
    the prompt, capped by its style (`tokens` overrides, still held to the context)."""
    room = profile.context_tokens - profile.max_tokens - PROMPT_OVERHEAD_TOKENS
    size = tokens or MAX_CHUNK_TOKENS[profile.prompt_style]
    size = max(MIN_CHUNK_TOKENS, min(size, room))
    return ChunkSize(tokens=size, overlap=int(size * OVERLAP_SHARE))


@dataclass(frozen=True)
class Chunk:
    """Characters `start:end` of a document's text."""

    index: int
    start: int
    end: int
    text: str


_SENTENCE_END = re.compile(r"[.!?][\"')\]]?\s")


def _cut(text: str, start: int, limit: int) -> int:
    """Where a chunk starting at `start` ends: at most `limit`, at the best boundary."""
    if limit >= len(text):
        return len(text)
    half = start + (limit - start) // 2
    paragraph = text.rfind("\n\n", half, limit)
    if paragraph > start:
        return paragraph
    ends = [m.end() for m in _SENTENCE_END.finditer(text, half, limit)]
    if ends:
        return ends[-1]
    space = text.rfind(" ", half, limit)
    newline = text.rfind("\n", half, limit)
    cut = max(space, newline)
    return cut if cut > start else limit


def _next_start(text: str, end: int, overlap: int, previous: int) -> int:
    """The next chunk's start: `overlap` characters before `end`, at a word's beginning."""
    start = max(previous + 1, end - overlap)
    while start < end and not text[start - 1].isspace():
        start += 1
    while start < end and text[start].isspace():
        start += 1
    return start


def chunk_text(text: str, size: ChunkSize) -> Iterator[Chunk]:
    """The chunks of one document's text, in order (a generator: nothing is kept)."""
    start, index = 0, 0
    while start < len(text):
        end = _cut(text, start, start + size.chars)
        piece = text[start:end].strip()
        if piece:
            lead = len(text[start:end]) - len(text[start:end].lstrip())
            yield Chunk(index, start + lead, start + lead + len(piece), piece)
            index += 1
        if end >= len(text):
            return
        start = _next_start(text, end, size.overlap_chars, start)
