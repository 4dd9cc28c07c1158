"""Teacher text → candidate tasks.

Teachers drift from the format they are shown: `1)` instead of `1.`, `Task 3:` headers,
markdown bold, missing `###` lines, `Input: None`, a chatty preamble or sign-off. The parser
reads the labels (`Instruction:`, `Input:`, `Output:`) wherever they stand and ignores the rest,
so one stray line costs one task at most, never the whole answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from selfinstruct.schemas import Candidate, Rejection, normalise_input

#: Answers the provider cut off: the last task is incomplete, and why it was cut.
CUT_SHORT = {"length": "truncated", "content_filter": "content_filter"}

#: The most of a failed answer kept as evidence in rejected.jsonl.
RAW_EVIDENCE_CHARS = 8192

_LABEL = re.compile(
    r"""^[ \t>*_#-]*                       # bullets, quotes, markdown bold/heading
        (?:(?:task|example)\s*\#?\s*\d+\s*[.):\-]?\s*)?   # "Task 3:" prefix
        (?:\d+\s*[.):\-]\s*)?              # "3." / "3)" numbering
        [*_]*\s*
        (?P<label>instruction|input|output)
        \s*\#?\s*\d*\s*                    # "Instruction 3"
        [*_]*\s*:\s*[*_]*[ \t]*            # the colon, with bold around it
    """,
    re.IGNORECASE | re.MULTILINE | re.VERBOSE,
)
_SEPARATOR = re.compile(r"^\s*(?:#{3,}|-{3,}|\*{3,}|={3,})\s*$", re.MULTILINE)
#: `_LABEL` after a newline: searched for in "\n" + text, each match starts with that literal,
#: which the regex engine finds by a fast scan instead of trying `^` at every character
#: (`_split_fields` of a 20-task answer 170 -> 146 us)
_LABEL_AFTER_NEWLINE = re.compile(
    r"\n" + _LABEL.pattern.removeprefix("^"), re.IGNORECASE | re.VERBOSE
)
_TASK_HEADER = re.compile(
    r"^\s*[*_#]*\s*(?:task|example)\s*\#?\s*\d+\s*[.):]?\s*[*_]*\s*$", re.IGNORECASE | re.MULTILINE
)
_SIGN_OFF = re.compile(
    r"\n\s*\n\s*(?:I hope|Hope this|Let me know|Feel free|These (?:tasks|examples)|"
    r"Note:|I've (?:created|written)|Enjoy)[^\n]*(?:\n.*)?\Z",
    re.IGNORECASE | re.DOTALL,
)


@dataclass
class ParseResult:
    """What one teacher answer yielded: tasks to filter, and answer-level failures."""

    candidates: list[Candidate] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def evidence(raw: str) -> tuple[str, bool]:
    """The teacher's raw text, capped, and whether it was cut."""
    if len(raw) <= RAW_EVIDENCE_CHARS:
        return raw, False
    return raw[:RAW_EVIDENCE_CHARS], True


def _has_separator_run(value: str) -> bool:
    """Whether `value` holds a run a `_SEPARATOR` match needs."""
    return "###" in value or "---" in value or "***" in value or "===" in value


def _clean(value: str) -> str:
    # each pattern scans every line of every field: skipped where it cannot match
    if value.endswith("\n###") and not _has_separator_run(value[:-4]):
        # the separator line our prompt format puts after each task, and no other: the
        # regex would cut it with the blank space before it, which the strip below cuts
        value = value[:-4]
    elif _has_separator_run(value):
        value = _SEPARATOR.sub("", value)
    lowered = value.lower()
    if not value.isascii() or "task" in lowered or "example" in lowered:
        value = _TASK_HEADER.sub("", value)
    value = value.strip().strip("*_").strip()
    if value.startswith('"') and value.endswith('"') and value.count('"') == 2:
        value = value[1:-1].strip()
    return value


def _label_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, label) of each `_LABEL.finditer(text)` match, found after the newlines of
    a newline + text. A match that ended on a newline (the blank space after its colon) leaves
    that newline to the next search: the next line start is one for `^` too."""
    spans: list[tuple[int, int, str]] = []
    search = _LABEL_AFTER_NEWLINE.search
    padded = "\n" + text
    at = 0
    while (match := search(padded, at)) is not None:
        end = match.end()
        spans.append((match.start(), end - 1, match.group("label")))
        at = end - 1 if padded[end - 1] == "\n" else end
    return spans


def _split_fields(text: str) -> list[dict[str, str]]:
    """Walk the labels in order; each `Instruction:` opens a new task."""
    tasks: list[dict[str, str]] = []
    spans = _label_spans(text)
    for i, (_, value_start, label) in enumerate(spans):
        end = spans[i + 1][0] if i + 1 < len(spans) else len(text)
        label = label.lower()
        value = text[value_start:end]
        if label == "instruction":
            tasks.append({"instruction": value})
        elif tasks and label not in tasks[-1]:
            tasks[-1][label] = value
        elif tasks:
            tasks[-1]["_extra"] = label  # a label twice in one task: the format broke
    return tasks


def _to_candidate(fields: dict[str, str], request_index: int) -> Candidate | Rejection:
    instruction = _clean(fields.get("instruction", ""))
    input_text = normalise_input(_clean(fields.get("input", "")))
    if "output" not in fields:
        return Rejection(
            reason="parse_error",
            instruction=instruction,
            input=input_text,
            detail="task has no Output",
            request_index=request_index,
        )
    output = _clean(fields["output"])
    return Candidate(
        instruction=instruction, input=input_text, output=output, request_index=request_index
    )


def parse_tasks(raw: str, finish_reason: str | None = None, request_index: int = -1) -> ParseResult:
    """Parse a plain-text answer in the numbered Instruction/Input/Output format."""
    result = ParseResult()
    text = raw.replace("\r\n", "\n")
    fields = _split_fields(text)
    if fields and finish_reason not in CUT_SHORT:
        last = fields[-1]
        if "output" in last:
            last["output"] = _SIGN_OFF.sub("", last["output"])
    for index, task in enumerate(fields):
        item = _to_candidate(task, request_index)
        if finish_reason in CUT_SHORT and index == len(fields) - 1:
            item = Rejection(
                reason=CUT_SHORT[finish_reason],
                instruction=_clean(task.get("instruction", "")),
                detail=f"the answer stopped inside this task (finish_reason {finish_reason})",
                request_index=request_index,
            )
        if isinstance(item, Candidate):
            result.candidates.append(item)
        else:
            result.rejections.append(item)
    if not fields:
        raw_text, cut = evidence(raw)
        reason = CUT_SHORT.get(finish_reason or "", "parse_error")
        result.rejections.append(
            Rejection(
                reason=reason,
                detail="no task found in the answer",
                raw=raw_text,
                raw_truncated=cut,
                request_index=request_index,
            )
        )
    return result


def parse_json_tasks(
    raw: str, finish_reason: str | None = None, request_index: int = -1
) -> ParseResult:
    """Parse a structured answer `{"tasks": [{"instruction", "input", "output"}, ...]}`."""
    result = ParseResult()
    raw_text, cut = evidence(raw)

    def fail(reason: str, detail: str) -> ParseResult:
        result.rejections.append(
            Rejection(
                reason=reason,
                detail=detail,
                raw=raw_text,
                raw_truncated=cut,
                request_index=request_index,
            )
        )
        return result

    if finish_reason in CUT_SHORT:
        return fail(CUT_SHORT[finish_reason], f"the JSON answer was cut ({finish_reason})")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return fail("schema_error", f"not JSON: {exc.msg} at char {exc.pos}")
    tasks = data.get("tasks") if isinstance(data, dict) else data
    if not isinstance(tasks, list):
        return fail("schema_error", 'expected {"tasks": [...]}')
    for item in tasks:
        if not isinstance(item, dict):
            result.rejections.append(
                Rejection(
                    reason="schema_error",
                    detail="task is not an object",
                    request_index=request_index,
                )
            )
            continue
        try:
            input_text = item.get("input") or ""
            candidate = Candidate(
                instruction=str(item["instruction"]).strip(),
                input=normalise_input(str(input_text).strip()),
                output=str(item["output"]).strip(),
                request_index=request_index,
            )
        except (KeyError, ValidationError) as exc:
            result.rejections.append(
                Rejection(
                    reason="schema_error",
                    detail=f"missing {exc}",
                    instruction=str(item.get("instruction", "")),
                    request_index=request_index,
                )
            )
            continue
        result.candidates.append(candidate)
    return result
