"""Scripted verdicts for the LLM judge's prompts (`selfinstruct.quality.judge`).

A verdict is deterministic by the record's content: the same record always gets the same
scores, whichever request or batch it is in. Markers in a record's text script the faults a
test needs:
- `JUDGE-LOW`: every question scores 1 (what `--min-score` drops);
- `JUDGE-MALFORMED`: the record's verdict is malformed in every answer, repairs included
  (the record must end up unjudged);
- `JUDGE-ONCE`: malformed in the first answer only (the repair must fix it).
`malformed_rate` makes a whole answer prose instead of JSON, drawn per request.

`supported` (asked of records made from a document, shown in a `<document>` block) is scored
as a reader checking the output against it: 5 when every line of the output of four or more
words stands in the document or the input (case and spacing aside), else 1.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

HEADER = re.compile(r"Grade each of the (\d+) records below")
REPAIR = "Your answer could not be used"
_QUESTION = re.compile(r"^- (\w+): ", re.MULTILINE)
_RECORD = re.compile(r"^### Record (\d+)\n", re.MULTILINE)
_DOCUMENT = re.compile(r"<document>\n(.*?)\n</document>", re.S)
_FIELDS = re.compile(r"^Input: (.*?)\nOutput: (.*)\Z", re.S | re.MULTILINE)
_REASONS = {
    5: "Clear, self-contained and fully answered; nothing to fix here.",
    4: "Sound overall, with a minor gap a careful reader might notice.",
    3: "Usable but plainly incomplete or loosely matched to the task.",
    2: "Mostly wrong or missing what the task needs to be answered.",
    1: "Not usable: the task or its answer fails this question outright.",
}
PROSE = "These records look fine to me overall; most are clear and the answers seem right."


def is_judge_prompt(texts: Sequence[str]) -> bool:
    return any(HEADER.search(text) for text in texts)


def _score(block: str, question: str) -> int:
    digest = hashlib.sha256(f"{question}\n{block}".encode()).digest()
    u = digest[0] / 256
    # most generated records are fine; some are weak, a few bad
    return 5 if u < 0.55 else 4 if u < 0.8 else 3 if u < 0.9 else 2 if u < 0.96 else 1


def _flat(text: str) -> str:
    return " ".join(text.casefold().split())


def supported(block: str, document: str) -> bool:
    """Every output line of four or more words (bullets and end stops aside) is found in
    the document or the record's input."""
    fields = _FIELDS.search(block)
    if fields is None:
        return False
    evidence = _flat(f"{document}\n{fields.group(1)}")
    for line in fields.group(2).splitlines():
        claim = _flat(line.strip().removeprefix("- ").rstrip("."))
        if len(claim.split()) >= 4 and claim not in evidence:
            return False
    return True


def verdict(
    block: str, number: int, questions: Sequence[str], repair: bool, document: str | None = None
) -> dict[str, Any]:
    """One record's verdict from its text (`block`: the record as the prompt shows it)."""
    low = "JUDGE-LOW" in block
    item: dict[str, Any] = {"record": number}
    for question in questions:
        score = 1 if low else _score(block, question)
        if question == "supported" and document is not None and not low:
            score = 5 if supported(block, document) else 1
        item[question] = {"score": score, "reason": _REASONS[score]}
    broken = "JUDGE-MALFORMED" in block or ("JUDGE-ONCE" in block and not repair)
    if broken and questions:
        item[questions[-1]] = {"score": "high", "reason": "a score that is not a number"}
    return item


def answer(rng: random.Random, texts: Sequence[str], malformed_rate: float = 0.0) -> str:
    """The judge's answer to a prompt whose messages' texts are `texts`."""
    prompt = next(text for text in texts if HEADER.search(text))
    repair = any(REPAIR in text for text in texts)
    if malformed_rate and rng.random() < malformed_rate:
        return PROSE
    start = prompt.find("one-line reason:")
    questions = _QUESTION.findall(prompt[start : prompt.find("\nAnswer with JSON only")])
    shown = _DOCUMENT.search(prompt)
    document = shown.group(1) if shown else None
    parts = _RECORD.split(prompt[shown.end() :] if shown else prompt)
    verdicts = [
        verdict(parts[i + 1].strip(), int(parts[i]), questions, repair, document)
        for i in range(1, len(parts) - 1, 2)
    ]
    return json.dumps({"verdicts": verdicts})


def message_texts(messages: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            out.append(content)
        elif isinstance(content, list):
            out.append("".join(p.get("text", "") for p in content if isinstance(p, dict)))
    return out
