"""`selfinstruct clean --judge`: the LLM judge on the records a clean keeps.

The same `quality.judge.Judge` a run uses, on a teacher of its own whose answers are cached
in `DIR/judge-cache.sqlite`: a clean run again on the same file (after a crash, or with
another `--min-score`) sends nothing twice. Records are graded `batch` a request, requests
`concurrency` at once, each request's cache key fixed by its place in the file.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from selfinstruct.quality.judge import DEFAULT_BATCH, Judge, JudgeItem
from selfinstruct.schemas import Candidate, JudgeScores
from selfinstruct.teachers.cache import ResponseCache
from selfinstruct.teachers.client import Teacher, TeacherSettings

#: the judge's response cache in a clean's output folder
JUDGE_CACHE = "judge-cache.sqlite"


@dataclass(frozen=True)
class JudgeOptions:
    """Which teacher judges a clean, and how strictly."""

    model: str
    base_url: str | None = None
    api_key: str | None = None
    batch: int = DEFAULT_BATCH
    min_score: int | None = None
    concurrency: int = 8
    timeout_s: float = 120.0


async def _grade_all(
    judge: Judge, items: Sequence[JudgeItem], batch: int, concurrency: int, usage: Counter[str]
) -> list[JudgeScores | None]:
    grades: list[JudgeScores | None] = [None] * len(items)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(number: int) -> None:
        start = number * batch
        async with gate:
            grading = await judge.grade(number, items[start : start + batch], step="clean-judge")
        grades[start : start + len(grading.grades)] = grading.grades
        usage.update(
            requests=grading.requests,
            prompt_tokens=grading.prompt_tokens,
            completion_tokens=grading.completion_tokens,
        )

    await asyncio.gather(*(one(n) for n in range((len(items) + batch - 1) // batch)))
    return grades


def judge_records(
    candidates: Sequence[Candidate], options: JudgeOptions, out_dir: Path
) -> tuple[list[JudgeScores | None], Counter[str]]:
    """The judge's verdict on each candidate (None: unjudged) and the judge's usage
    (requests, prompt_tokens, completion_tokens)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = TeacherSettings(
        model=options.model,
        base_url=options.base_url,
        api_key=options.api_key,
        concurrency=options.concurrency,
        timeout_s=options.timeout_s,
    )
    items = [JudgeItem(c.instruction, c.input, c.output) for c in candidates]
    usage: Counter[str] = Counter()
    cache = ResponseCache(out_dir / JUDGE_CACHE)

    async def run() -> list[JudgeScores | None]:
        teacher = Teacher(settings, cache=cache)
        try:
            judge = Judge(teacher, model=options.model, batch=options.batch)
            return await _grade_all(judge, items, judge.batch, options.concurrency, usage)
        finally:
            await teacher.close()

    try:
        grades = asyncio.run(run())
    finally:
        cache.close()
    return grades, usage


def judge_options(
    judge: bool,
    judge_model: str | None = None,
    judge_base_url: str | None = None,
    judge_batch: int = DEFAULT_BATCH,
    min_score: int | None = None,
) -> JudgeOptions:
    """The CLI's judge flags as options: the key and a missing base URL from the environment
    (as `generate` reads them), the model named, else the one a single-model server serves,
    else OpenAI's default."""
    from selfinstruct.config import DEFAULT_OPENAI_MODEL, from_environment
    from selfinstruct.errors import ConfigError

    if not judge:
        raise ConfigError("--min-score, --judge-model and --judge-base-url need --judge")
    if min_score is not None and not 1 <= min_score <= 5:
        raise ConfigError(f"--min-score must be 1-5, got {min_score}")
    if not 1 <= judge_batch <= 50:
        raise ConfigError(f"--judge-batch must be 1-50, got {judge_batch}")
    env = from_environment()
    base_url = judge_base_url or env.get("base_url")
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"--judge-base-url: not an http(s) URL: {base_url!r}")
    api_key = env.get("api_key")
    if not base_url and not api_key:
        raise ConfigError("--judge: no API key; set OPENAI_API_KEY or pass --judge-base-url")
    model = judge_model
    if model is None and base_url:
        from selfinstruct.run.generate import _served_model

        model = asyncio.run(
            _served_model(TeacherSettings(model="", base_url=base_url, api_key=api_key))
        )
    return JudgeOptions(
        model=model or DEFAULT_OPENAI_MODEL,
        base_url=base_url,
        api_key=api_key,
        batch=judge_batch,
        min_score=min_score,
    )
