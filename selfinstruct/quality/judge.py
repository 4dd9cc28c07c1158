"""The LLM judge: a teacher grades each record that passed the filters (`--judge`).

The questions are those of the Self-Instruct paper's audit (is the instruction a valid,
self-contained task; is the input appropriate; is the output a correct, complete answer),
kept as data in `QUESTIONS`; the fourth, `supported` ("is the answer supported by the
document?"), is asked only of a record made from a document chunk (`--documents`), with
that chunk shown once above the records it made. A request grades several records at once
(`batch` records: the rubric and the chunk are sent once, not once per record). Answers
are asked as structured output (`response_format` json_schema) where the server takes it,
else as plain JSON by the prompt alone; a server that refuses `response_format` switches
the judge to the plain prompt for the rest of the run.

A verdict that does not parse, misses a record or a question, or gives a score outside 1-5
gets one repair request (the judge's answer and what was wrong with it); a record still
without a valid verdict is kept unjudged and counted, never passed as judged. Requests go
through the run's `Teacher`: cache, rate limits, retries, counters, the Batch API.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from selfinstruct.errors import TeacherError, TeacherHTTPError, is_fatal
from selfinstruct.quality.grounding import SUPPORT_QUESTION
from selfinstruct.schemas import CONTROL_CHARS, Candidate, JudgeScores, Rejection
from selfinstruct.teachers.client import Teacher, TeacherRequest

#: Scores run from 1 (no) to 5 (yes).
MIN_SCORE, MAX_SCORE = 1, 5
#: A judge's reason is one line of at most this many characters (server text, bounded).
MAX_REASON_CHARS = 300
#: Records graded per request unless told otherwise (see README: what batching saves).
DEFAULT_BATCH = 5
#: Completion tokens a verdict takes per record and question (score + one-line reason), and
#: the room allowed for it; also what `--dry-run` prices.
VERDICT_TOKENS_PER_QUESTION = 30
MAX_TOKENS_PER_RECORD = 400
#: Longest record text shown to the judge, per field (generation answers are bounded by
#: max_tokens already; a cleaned file's records may not be).
MAX_FIELD_CHARS = 6000

#: What a server that does not take `response_format` answers (llama-cpp-python: 500).
REFUSED_FORMAT = frozenset({400, 415, 422, 500, 501})

Structured = Literal["json_schema", "json_object_schema", "guided_json", "none"]


@dataclass(frozen=True)
class Question:
    """One audit question: its name (`judge:<name>` is the rejection reason) and its text.
    `needs_document`: asked only of records made from a document (shown to the judge)."""

    name: str
    text: str
    needs_document: bool = False


QUESTIONS: tuple[Question, ...] = (
    Question(
        "instruction",
        "Is the instruction a valid, self-contained task that a text-only assistant can do "
        "(not a statement, not merged tasks, nothing missing it refers to)?",
    ),
    Question(
        "input",
        "Is the input appropriate for the instruction (readable text the task needs; an "
        "empty input is appropriate when the task needs none)?",
    ),
    Question(
        "output",
        "Is the output a correct and complete answer to the instruction and input (not "
        "truncated, not a refusal, no made-up facts)?",
    ),
    Question(
        "supported",
        f"{SUPPORT_QUESTION.removesuffix('?')} (everything the output states is said in or "
        "follows from the document; nothing in it contradicts the document)?",
        needs_document=True,
    ),
)


@dataclass(frozen=True)
class JudgeItem:
    """One record to grade; `document` is the source text of a record made from one."""

    instruction: str
    input: str
    output: str
    document: str | None = None


@dataclass
class Grading:
    """The judge's verdicts on some records (None: unjudged), and what it cost."""

    grades: list[JudgeScores | None]
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: why records stayed unjudged (e.g. "malformed: record 3: no score for output")
    problems: list[str] = field(default_factory=list)


SYSTEM = (
    "You review instruction-tuning data strictly, as a careful human annotator would. You "
    "grade the records you are shown; you never carry out their tasks yourself."
)

HEADER = "Grade each of the {n} records below on these questions."


def questions_for(item: JudgeItem, questions: Sequence[Question] = QUESTIONS) -> list[Question]:
    return [q for q in questions if not q.needs_document or item.document is not None]


def verdict_schema(questions: Sequence[Question]) -> dict[str, Any]:
    """The JSON schema of an answer: one verdict per record, a score and a reason each."""
    grade = {
        "type": "object",
        "properties": {"score": {"type": "integer"}, "reason": {"type": "string"}},
        "required": ["score", "reason"],
        "additionalProperties": False,
    }
    names = [q.name for q in questions]
    verdict = {
        "type": "object",
        "properties": {"record": {"type": "integer"}, **{name: grade for name in names}},
        "required": ["record", *names],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"verdicts": {"type": "array", "items": verdict}},
        "required": ["verdicts"],
        "additionalProperties": False,
    }


def _field(text: str) -> str:
    return text if len(text) <= MAX_FIELD_CHARS else text[:MAX_FIELD_CHARS] + " [...]"


def render_prompt(items: Sequence[JudgeItem], questions: Sequence[Question]) -> str:
    """The user message: the questions, the answer's JSON shape, then the records. Records
    made from one document (a unit's records share its chunk) are shown below it, once."""
    lines = [HEADER.format(n=len(items))]
    lines.append(
        f"Give each question a score from {MIN_SCORE} (no) to {MAX_SCORE} (yes) and a "
        "one-line reason:"
    )
    lines += [f"- {q.name}: {q.text}" for q in questions]
    example = {"record": 1, **{q.name: {"score": 5, "reason": "..."} for q in questions}}
    lines.append(
        'Answer with JSON only: {"verdicts": [' + json.dumps(example) + ", ...]}, one verdict "
        "per record, in order, with its record number."
    )
    shared = {item.document for item in items}
    common = shared.pop() if len(shared) == 1 else None
    if common is not None:
        lines += ["", "Every record below was made from this document:",
                  f"<document>\n{_field(common)}\n</document>"]  # fmt: skip
    for number, item in enumerate(items, 1):
        lines += ["", f"### Record {number}"]
        if item.document is not None and common is None:
            lines.append(f"Document: {_field(item.document)}")
        lines.append(f"Instruction: {_field(item.instruction)}")
        lines.append(f"Input: {_field(item.input) if item.input else '(none)'}")
        lines.append(f"Output: {_field(item.output)}")
    return "\n".join(lines)


REPAIR = (
    "Your answer could not be used: {problem}. Answer again with JSON only, in the shape "
    "asked for, one verdict for each of the {n} records."
)


def _one_line(text: str) -> str:
    text = " ".join(CONTROL_CHARS.sub(" ", text).split())
    return text if len(text) <= MAX_REASON_CHARS else text[: MAX_REASON_CHARS - 3] + "..."


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


def parse_verdicts(
    text: str, count: int, questions: Sequence[Question], model: str
) -> tuple[list[JudgeScores | None], str | None]:
    """The verdicts an answer gives records 1..count (None where missing or invalid), and
    the first problem found (None when every record has a valid verdict)."""
    grades: list[JudgeScores | None] = [None] * count
    body = _FENCE.sub("", text.strip())
    start, end = body.find("{"), body.rfind("}")
    try:
        data = json.loads(body[start : end + 1]) if start >= 0 else None
    except (ValueError, RecursionError):
        data = None
    verdicts = data.get("verdicts") if isinstance(data, dict) else None
    if not isinstance(verdicts, list):
        return grades, 'not JSON with a "verdicts" list'
    problem: str | None = None
    for position, verdict in enumerate(verdicts[: count * 2]):
        if not isinstance(verdict, dict):
            problem = problem or f"verdict {position + 1} is not an object"
            continue
        number = verdict.get("record", position + 1)
        if not isinstance(number, int) or not 1 <= number <= count:
            problem = problem or f"verdict {position + 1} names no record 1-{count}"
            continue
        scores: dict[str, int] = {}
        reasons: dict[str, str] = {}
        for question in questions:
            grade = verdict.get(question.name)
            if not isinstance(grade, dict):
                problem = problem or f"record {number}: no grade for {question.name}"
                break
            score = grade.get("score")
            if isinstance(score, float) and score.is_integer():
                score = int(score)
            if isinstance(score, bool) or not isinstance(score, int):
                problem = problem or f"record {number}: no score for {question.name}"
                break
            if not MIN_SCORE <= score <= MAX_SCORE:
                problem = problem or (
                    f"record {number}: {question.name} score {score} is not {MIN_SCORE}-{MAX_SCORE}"
                )
                break
            scores[question.name] = score
            reasons[question.name] = _one_line(str(grade.get("reason") or ""))
        else:
            grades[number - 1] = JudgeScores(model=model, scores=scores, reasons=reasons)
    if problem is None and any(g is None for g in grades):
        missing = [str(i + 1) for i, g in enumerate(grades) if g is None]
        problem = f"no verdict for record {', '.join(missing[:5])}"
    return grades, problem


def structured_params(mode: Structured, questions: Sequence[Question]) -> dict[str, Any]:
    """Request arguments asking for the verdict schema (nothing for the plain prompt)."""
    schema = verdict_schema(questions)
    if mode == "json_schema":
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "verdicts", "schema": schema, "strict": True},
            }
        }
    if mode == "json_object_schema":
        return {"response_format": {"type": "json_object", "schema": schema}}
    if mode == "guided_json":
        return {"extra_body": {"guided_json": schema}}
    return {}


class Judge:
    """Grades records through a teacher; counts what it sent and what stayed unjudged."""

    def __init__(
        self,
        teacher: Teacher,
        *,
        model: str,
        batch: int = DEFAULT_BATCH,
        structured: Structured = "json_schema",
        questions: Sequence[Question] = QUESTIONS,
        completion: bool = False,
    ) -> None:
        """`completion`: ask as one text to /v1/completions (a teacher whose profile uses
        that endpoint, e.g. the local small model, has no chat template worth using)."""
        self.teacher = teacher
        self.model = model
        self.completion = completion
        self.batch = max(1, batch)
        self.structured: Structured = structured
        self.questions = tuple(questions)

    def _request(
        self, index: int, step: str, messages: list[dict[str, str]], questions: Sequence[Question]
    ) -> TeacherRequest:
        records = max(1, messages[1]["content"].count("\n### Record "))
        params: dict[str, Any] = structured_params(self.structured, questions)
        # graded at temperature 0, with room for every record's verdict
        sampling = {"temperature": 0.0, "max_tokens": MAX_TOKENS_PER_RECORD * records}
        params["extra_body"] = {**params.get("extra_body", {}), **sampling}
        prompt = None
        if self.completion:
            prompt = "\n\n".join(m["content"] for m in messages) + "\n\nJSON:"
        return TeacherRequest(
            index=index, messages=messages, prompt=prompt, step=step, params=params
        )

    async def _ask(
        self, index: int, step: str, messages: list[dict[str, str]], questions: Sequence[Question],
        grading: Grading,
    ) -> str:  # fmt: skip
        request = self._request(index, step, messages, questions)
        try:
            answer = await self.teacher.complete(request)
        except TeacherHTTPError as exc:
            # requests sent structured before another's refusal switched the judge are
            # asked again plain too
            asked_structured = "response_format" in request.params or (
                "guided_json" in request.params.get("extra_body", {})
            )
            if is_fatal(exc) or not asked_structured or exc.status not in REFUSED_FORMAT:
                raise
            # the server does not take `response_format` (llama-cpp-python: HTTP 500): the
            # plain prompt asks for the same JSON
            self.structured = "none"
            answer = await self.teacher.complete(self._request(index, step, messages, questions))
        grading.requests += 1
        grading.prompt_tokens += answer.prompt_tokens
        grading.completion_tokens += answer.completion_tokens
        return answer.text

    async def _grade_batch(
        self, index: int, step: str, items: Sequence[JudgeItem], grading: Grading
    ) -> list[JudgeScores | None]:
        questions = questions_for(items[0], self.questions)
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": render_prompt(items, questions)},
        ]
        text = await self._ask(index, step, messages, questions, grading)
        grades, problem = parse_verdicts(text, len(items), questions, self.model)
        if problem is None:
            return grades
        messages += [
            {"role": "assistant", "content": text[: MAX_TOKENS_PER_RECORD * 4 * len(items)]},
            {"role": "user", "content": REPAIR.format(problem=problem, n=len(items))},
        ]
        text = await self._ask(index, f"{step}:repair", messages, questions, grading)
        repaired, problem = parse_verdicts(text, len(items), questions, self.model)
        if problem is not None:
            grading.problems.append(f"malformed verdict after one repair: {problem}")
        # a record the first answer graded validly keeps that grade if the repair lost it
        return [new or old for new, old in zip(repaired, grades, strict=True)]

    async def grade(self, index: int, items: Sequence[JudgeItem], step: str = "judge") -> Grading:
        """Verdicts on `items` (requests `step:0`, `step:1`, ... of unit `index`, in parallel).
        A request that fails after its retries leaves its records unjudged; errors no
        other request can avoid (a refused key, a request cap, a pending batch) are raised."""
        grading = Grading(grades=[None] * len(items))
        # a batch asks one set of questions about records of one document (shown once)
        groups: dict[tuple[tuple[str, ...], str | None], list[int]] = {}
        for position, item in enumerate(items):
            names = tuple(q.name for q in questions_for(item, self.questions))
            groups.setdefault((names, item.document), []).append(position)
        batches = [
            positions[start : start + self.batch]
            for positions in groups.values()
            for start in range(0, len(positions), self.batch)
        ]
        results = await asyncio.gather(
            *(
                self._grade_batch(index, f"{step}:{number}", [items[p] for p in batch], grading)
                for number, batch in enumerate(batches)
            ),
            return_exceptions=True,
        )
        for batch, result in zip(batches, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, TeacherError) or is_fatal(result):
                    raise result
                grading.problems.append(f"judge request failed: {result}")
                continue
            for position, grade in zip(batch, result, strict=True):
                grading.grades[position] = grade
        return grading


def lowest(grade: JudgeScores, min_score: int) -> tuple[str, int] | None:
    """The first question (in asking order) scored below `min_score`, with its score."""
    for name, score in grade.scores.items():
        if score < min_score:
            return name, score
    return None


def judge_workload(
    records: float, record_tokens: float, batch: int, document_tokens: float = 0.0
) -> tuple[float, float, float]:
    """(requests, prompt tokens, completion tokens) of judging `records` records of about
    `record_tokens` tokens each, `batch` a request, no repairs: what `--dry-run` adds.
    `document_tokens`: the chunk the records were made from, shown once a request, which
    adds the `supported` question."""
    if records <= 0:
        return 0.0, 0.0, 0.0
    asked = [q for q in QUESTIONS if document_tokens > 0 or not q.needs_document]
    questions = len(asked)
    requests = math.ceil(records / max(1, batch))
    rubric = len(SYSTEM + render_prompt([], asked)) / 4 + 16
    if document_tokens > 0:
        rubric += document_tokens + 12
    prompt = requests * rubric + records * (record_tokens + 12)
    completion = records * (questions * VERDICT_TOKENS_PER_QUESTION + 8) + requests * 6
    return float(requests), prompt, completion


async def judge_candidates(
    judge: Judge,
    index: int,
    candidates: Sequence[Candidate],
    min_score: int | None,
    document_of: Callable[[Candidate], str | None] | None = None,
) -> tuple[list[Candidate], list[Rejection], Grading]:
    """Grade a unit's screened candidates: each gets its verdict (or stays unjudged); with
    `min_score`, one scored below it on a question becomes a `judge:<question>` rejection
    carrying the judge's reason. `document_of` gives the text a candidate was made from
    (its chunk), which the judge is shown and asked whether the answer is supported by."""
    grading = await judge.grade(
        index,
        [
            JudgeItem(c.instruction, c.input, c.output, document_of(c) if document_of else None)
            for c in candidates
        ],
    )
    kept: list[Candidate] = []
    rejected: list[Rejection] = []
    for candidate, grade in zip(candidates, grading.grades, strict=True):
        candidate.judge = grade
        low = lowest(grade, min_score) if grade is not None and min_score else None
        if low is None:
            kept.append(candidate)
            continue
        name, score = low
        rejected.append(
            Rejection.of(
                candidate, f"judge:{name}", index, score=float(score),
                detail=grade.reasons.get(name, "") if grade else None,
            )
        )  # fmt: skip
    return kept, rejected, grading
