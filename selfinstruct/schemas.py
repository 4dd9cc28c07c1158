"""The data contracts shared by every stage, as pydantic models.

`Record` is the product: what lands in `data.jsonl`. Everything else describes where it
came from (seed tasks, candidates, rejections) or how a run went (the manifest).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

#: Markers teachers (and the Self-Instruct/Alpaca prompts) use for "this task has no input",
#: as `_marker_core` reduces them: lower case, without brackets, quotes, punctuation or spaces.
NO_INPUT_MARKERS = frozenset(
    {"noinput", "none", "na", "nil", "null", "empty", "notapplicable", "blank"}
    | {"noinputrequired", "noinputneeded", "noinputprovided", "noinputgiven", "noinputnecessary"}
    | {"noinputisrequired", "noinputisneeded", "noinputexpected", "noinputavailable"}
)

#: C0/C1 control characters other than tab and newline: never valid in training text.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: CONTROL_CHARS of the ASCII range, as bytes to delete
_ASCII_CONTROLS = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])


def strip_control(text: str) -> str:
    """`CONTROL_CHARS.sub("", text).strip()`. A printable text (one line, no tab) holds none
    of them (each is a control, category Cc); an ASCII text's controls are looked for by
    `bytes.translate`, which a candidate's three texts pass in 0.6 us each, the regex's
    scan in 1.3 (every candidate of a run goes through this)."""
    if text.isprintable():
        return text.strip()
    if text.isascii() and len(text.encode().translate(None, _ASCII_CONTROLS)) == len(text):
        return text.strip()
    return CONTROL_CHARS.sub("", text).strip()


_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
_NOT_MARKER_LETTERS = re.compile(r"[^a-z]+")
#: Longer text is never a marker; checked first so a long input costs one comparison.
_MAX_MARKER_CHARS = 60


def _marker_core(text: str) -> str:
    return _NOT_MARKER_LETTERS.sub("", text.lower())


def is_no_input(text: str) -> bool:
    """True when `text` is one of the ways of saying "no input", in any spelling ("<noinput>",
    "No input required.", "`<noinput>`", "\\<noinput>", "N/A", "None", "[No Input]"), also with
    a note after it ("None (no input needed).")."""
    if not text or len(text) > _MAX_MARKER_CHARS:
        return False
    if _marker_core(text) in NO_INPUT_MARKERS:
        return True
    return _marker_core(_TRAILING_NOTE.sub("", text.strip().rstrip(".,;:!"))) in NO_INPUT_MARKERS


def same_text_key(text: str) -> str:
    """Texts equal up to case and whitespace are one text: the key of exact duplicates,
    of an instance's input and output, and of an instruction's side in a split."""
    return " ".join(text.split()).casefold()


def normalise_input(text: str) -> str:
    """The one normaliser of a task's input: a no-input marker becomes "", anything else is
    kept as it is. Used by seed loading, generation parsing and `clean`; never a rejection."""
    return "" if is_no_input(text) else text


class Instance(BaseModel):
    """One input/output example of a seed task."""

    model_config = ConfigDict(extra="ignore")

    input: str = ""
    output: str

    @field_validator("input", mode="before")
    @classmethod
    def _none_input_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value


class SeedTask(BaseModel):
    """A human-written task in the Self-Instruct seed format."""

    model_config = ConfigDict(extra="ignore")

    id: str = ""
    name: str = ""
    instruction: str = Field(min_length=1)
    instances: list[Instance] = Field(min_length=1)
    is_classification: bool = False

    @field_validator("instruction")
    @classmethod
    def _instruction_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("instruction is blank")
        return value.strip()


class Record(BaseModel):
    """One training example, Alpaca style: exactly instruction, input, output."""

    model_config = ConfigDict(extra="forbid", strict=True)

    instruction: str
    input: str = ""
    output: str

    @field_validator("instruction", "output")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("input")
    @classmethod
    def _no_marker(cls, value: str) -> str:
        if value and is_no_input(value):
            raise ValueError(f'use "" for no input, not {value!r}')
        return value

    @field_validator("instruction", "input", "output")
    @classmethod
    def _no_control_chars(cls, value: str) -> str:
        if CONTROL_CHARS.search(value):
            raise ValueError("contains control characters")
        return value


class JudgeScores(BaseModel):
    """The LLM judge's verdict on a record: a 1-5 score and a one-line reason per question
    (`quality.judge.QUESTIONS`), and the model that gave it."""

    model_config = ConfigDict(extra="forbid")

    model: str
    scores: dict[str, Annotated[int, Field(ge=1, le=5)]]
    reasons: dict[str, str] = Field(default_factory=dict)


class DocumentSpan(BaseModel):
    """Where a record grounded in a document came from: the file as given, its content's
    sha256, and the chunk (its number in the document and its character span of the text)."""

    path: str
    sha256: str
    chunk: int
    start: int
    end: int


class Candidate(BaseModel):
    """A task parsed from a teacher answer, not yet filtered or deduplicated."""

    instruction: str
    input: str = ""
    output: str
    request_index: int = -1
    demonstration_ids: list[str] = Field(default_factory=list)
    truncated: bool = False
    #: the key this candidate holds in the dedup pool once it passed screening
    pool_key: str | None = None
    #: Self-Instruct: the teacher's answer to "is this a classification task?"
    is_classification: bool | None = None
    #: the judge's verdict (`--judge`); None when not judged
    judge: JudgeScores | None = None
    #: `--documents`: the chunk the task was asked about
    document: DocumentSpan | None = None

    def as_record(self) -> Record:
        return Record(instruction=self.instruction, input=self.input, output=self.output)


class Rejection(BaseModel):
    """A dropped candidate (or a whole failed answer) and why."""

    reason: str
    instruction: str = ""
    input: str = ""
    output: str = ""
    request_index: int = -1
    neighbour: str | None = None
    score: float | None = None
    detail: str | None = None
    raw: str | None = None
    raw_truncated: bool = False
    cache_key: str | None = None

    @classmethod
    def of(cls, candidate: Candidate, reason: str, index: int, **extra: Any) -> Rejection:
        """A rejection of `candidate`, keeping its text as evidence."""
        return cls(
            reason=reason,
            instruction=candidate.instruction,
            input=candidate.input,
            output=candidate.output,
            request_index=index,
            **extra,
        )


class AcceptedRecord(BaseModel):
    """A record with its provenance, as written to `records.jsonl`."""

    id: str
    instruction: str
    input: str
    output: str
    model: str
    request_index: int
    demonstration_ids: list[str]
    nearest_seed: str | None = None
    nearest_seed_rouge_l: float | None = None
    created_at: str
    #: Self-Instruct: the task's class (None when the method does not ask)
    is_classification: bool | None = None
    #: the LLM judge's scores (`--judge`); None when the run has no judge or the verdict
    #: stayed malformed after its repair (counted as unjudged)
    judge: JudgeScores | None = None
    #: `--documents`: the document and chunk the task is grounded in
    document: DocumentSpan | None = None


def describe_errors(exc: ValidationError, first_only: bool = False) -> str:
    """A pydantic error in the words our file:line messages use (`missing field "x"`,
    `unexpected field "x"`, `field "x": why`), joined by "; "."""
    parts = []
    for error in exc.errors()[: 1 if first_only else None]:
        field = ".".join(str(part) for part in error["loc"]) or "record"
        if error["type"] == "missing":
            parts.append(f'missing field "{field}"')
        elif error["type"] == "extra_forbidden":
            parts.append(f'unexpected field "{field}"')
        else:
            message = str(error["msg"]).removeprefix("Value error, ")  # our own validators
            parts.append(f'field "{field}": {message}')
    return "; ".join(parts)
