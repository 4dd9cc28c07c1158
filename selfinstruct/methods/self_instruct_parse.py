"""Teacher text → Self-Instruct step results: new instructions, yes/no verdicts, instances.

Each step's answer format is simple enough to read strictly where it matters (the yes/no of
step 2 is a label that decides the record's shape, so anything but one word is refused) and
tolerantly where drift is harmless (numbering, bold labels, preambles, `Example 2` headers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selfinstruct.methods.parse import evidence
from selfinstruct.schemas import CONTROL_CHARS, Candidate, Rejection, normalise_input

_ITEM = re.compile(
    r"""^[ \t>*_#-]*                              # bullets, quotes, markdown
        (?:task|instruction)?\s*\#?\s*
        (?P<number>\d{1,3})\s*[.):\-]\s+          # "9." / "9)" / "Task 9:"
        (?P<text>.*\S)""",
    re.IGNORECASE | re.VERBOSE,
)
_TASK_PREFIX = re.compile(r"^(?:[*_]+\s*)?(?:task|instruction)\s*:\s*", re.IGNORECASE)
_VERDICT = re.compile(r"^[\s*_\"'`]*(?:answer\s*:\s*)?[\s*_\"'`]*(yes|no)[\s*_\"'`.!]*$", re.I)
_FIELD = re.compile(
    r"""^[ \t>*_#-]*
        (?:(?:example|instance)\s*\#?\s*\d+\s*[.):\-]?\s*)?   # "Example 2:" prefix
        (?:\d+\s*[.):\-]\s*)?                              # "2." numbering
        [*_]*\s*
        (?P<label>class\s+label|label|input|output)
        \s*\d*\s*[*_]*\s*:\s*[*_]*[ \t]*""",
    re.IGNORECASE | re.MULTILINE | re.VERBOSE,
)
_NOISE_LINE = re.compile(
    r"^\s*(?:#{3,}|-{3,}|\*{3,}|={3,}|[*_#\s]*(?:example|instance)\s*\#?\s*\d+\s*[.):]?[*_\s]*)$",
    re.IGNORECASE | re.MULTILINE,
)
_SIGN_OFF = re.compile(
    r"\n\s*\n\s*(?:I hope|Hope this|Let me know|Feel free|These (?:examples|tasks)|Note:|"
    r"I've (?:created|written)|Enjoy)[^\n]*(?:\n.*)?\Z",
    re.IGNORECASE | re.DOTALL,
)


def clean_text(value: str) -> str:
    """Teacher text as training text: no control characters, no markdown wrapping."""
    value = CONTROL_CHARS.sub("", value).strip()
    if len(value) > 4 and value.startswith("**") and value.endswith("**"):
        value = value[2:-2].strip()
    if len(value) > 1 and value[0] == value[-1] == '"' and value.count('"') == 2:
        value = value[1:-1].strip()
    return value


# -- step 1 ---------------------------------------------------------------------------------
@dataclass
class InstructionList:
    """Step 1's answer: new instructions as candidates, and answer-level failures."""

    candidates: list[Candidate] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def parse_instructions(
    raw: str, finish_reason: str | None = None, request_index: int = -1
) -> InstructionList:
    """A numbered list, one task per item; lines that continue an item join it, and text
    outside the list (a preamble, a sign-off after a blank line) is ignored."""
    result = InstructionList()
    items: list[list[str]] = []
    open_item = False
    for line in raw.replace("\r\n", "\n").split("\n"):
        match = _ITEM.match(line)
        if match:
            items.append([match.group("text")])
            open_item = True
        elif not line.strip():
            open_item = False
        elif open_item:
            items[-1].append(line.strip())
    texts = [_TASK_PREFIX.sub("", clean_text(" ".join(parts))) for parts in items]
    for position, text in enumerate(texts):
        text = clean_text(text)
        if finish_reason == "length" and position == len(texts) - 1:
            result.rejections.append(
                Rejection(
                    reason="truncated",
                    instruction=text,
                    detail="the answer hit max_tokens inside this task",
                    request_index=request_index,
                )
            )
        elif text:
            result.candidates.append(
                Candidate(instruction=text, input="", output="", request_index=request_index)
            )
    if not texts:
        raw_text, cut = evidence(raw)
        result.rejections.append(
            Rejection(
                reason="truncated" if finish_reason == "length" else "parse_error",
                detail="no numbered task found in the answer",
                raw=raw_text,
                raw_truncated=cut,
                request_index=request_index,
            )
        )
    return result


# -- step 2 ---------------------------------------------------------------------------------
def parse_verdict(raw: str) -> bool | None:
    """True for yes, False for no, None for anything else ("Yes, because..." included)."""
    match = _VERDICT.match(raw.strip())
    if match is None:
        return None
    return match.group(1).lower() == "yes"


# -- step 3 ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ParsedInstance:
    """One example as written; `problem` names why it cannot be used, if it cannot."""

    input: str
    output: str
    problem: str | None = None


def parse_instances(
    raw: str, label_first: bool, finish_reason: str | None = None
) -> list[ParsedInstance]:
    """Examples in `Input:`/`Output:` (input first) or `Label:`/`Input:` (label first) form.

    A field opens a new example unless it completes the current one (so the two fields may
    come in either order); a missing field is a problem of that example only. An input-first
    `Output:` with no `Input:` is an example without input."""
    text = _NOISE_LINE.sub("", raw.replace("\r\n", "\n"))
    if finish_reason != "length":
        text = _SIGN_OFF.sub("", text)
    opener = "label" if label_first else "input"
    other = "input" if label_first else "output"
    examples: list[dict[str, str]] = []
    matches = [
        m
        for m in _FIELD.finditer(text)
        if label_first or not m.group("label").lower().endswith("label")
    ]
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        label = match.group("label").lower()
        label = "label" if label.endswith("label") else label
        if label_first and label == "output":
            label = "label"
        value = text[match.end() : end]
        current = examples[-1] if examples else None
        complete = current is not None and opener in current and other in current
        if current is None or label in current or (label == opener and complete):
            examples.append({label: value})
        else:
            current[label] = value
    parsed = [_to_instance(example, opener, other) for example in examples]
    if finish_reason == "length" and parsed:
        last = parsed[-1]
        parsed[-1] = ParsedInstance(last.input, last.output, "truncated")
    return parsed


def _to_instance(example: dict[str, str], opener: str, other: str) -> ParsedInstance:
    if opener == "label":
        if "label" not in example or "input" not in example:
            missing = "Label" if "label" not in example else "Input"
            return ParsedInstance(
                clean_text(example.get("input", "")),
                clean_text(example.get("label", "")),
                f"instance_missing_{missing.lower()}",
            )
        given, answer = example["input"], example["label"]
    else:
        if "output" not in example:
            given = clean_text(example.get("input", ""))
            return ParsedInstance(given, "", "instance_missing_output")
        given, answer = example.get("input", ""), example["output"]
    given = clean_text(given)
    return ParsedInstance(normalise_input(given), clean_text(answer))
