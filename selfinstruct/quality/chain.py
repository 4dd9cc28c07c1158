"""The filter chain every method and `clean` use, in order: the Self-Instruct/Alpaca
heuristics of `filters`, then the known real-data defects of `defects`.

Apart from both so that neither imports the other."""

from __future__ import annotations

from collections.abc import Sequence

from selfinstruct.quality.defects import defect_filters
from selfinstruct.quality.filters import (
    BadStart,
    Blacklist,
    CountMismatch,
    EmptyOutput,
    Filter,
    InputEqualsOutput,
    InstructionLength,
    NamedFunctionMissing,
    OutputLength,
    ProgramRequest,
    Refusal,
)
from selfinstruct.quality.missing_input import MissingInput
from selfinstruct.quality.view import CandidateView
from selfinstruct.schemas import Candidate


def default_filters() -> list[Filter]:
    """The chain every method uses, cheapest and most telling first; the defect filters of
    `quality.defects` after the refusal check, so a refusal keeps its own reason."""
    return [
        BadStart(),
        InstructionLength(),
        Blacklist(),
        ProgramRequest(),
        EmptyOutput(),
        InputEqualsOutput(),
        Refusal(),
        *defect_filters(),
        MissingInput(),
        OutputLength(),
        CountMismatch(),
        NamedFunctionMissing(),
    ]


def first_reason(
    filters: Sequence[Filter], candidate: Candidate, view: CandidateView | None = None
) -> str | None:
    """The reason of the first filter that rejects `candidate`, or None to keep it. The
    filters share one `CandidateView` of it (`view`, when the caller made one already)."""
    if view is None:
        view = CandidateView(candidate)
    for rule in filters:
        found = rule.check(view)
        if found:
            return found
    return None
