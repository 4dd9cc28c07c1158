"""The generation loop: prompts → teacher → parse → filters → dedup → store.

Requests run concurrently; their answers are processed strictly in request order, one
commit each, so acceptance is deterministic (a fixed `--seed` and a cached teacher give the
same dataset every time) and a resumed run continues at the first uncommitted request.
This module knows no HTTP and no file formats: the teacher and the store own those.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from selfinstruct.errors import TeacherAuthError, TeacherError, TeacherHTTPError
from selfinstruct.filters import Filter, default_filters, first_reason
from selfinstruct.parse import ParseResult, evidence, parse_json_tasks, parse_tasks
from selfinstruct.prompts import render_alpaca_prompt
from selfinstruct.rouge import RougeIndex, TokenizerName
from selfinstruct.schemas import CONTROL_CHARS, AcceptedRecord, Candidate, Rejection, SeedTask
from selfinstruct.store import RunStore
from selfinstruct.teacher import Completion, Teacher, TeacherRequest


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def normalize_instruction(text: str) -> str:
    """The key for exact duplicates: case and spacing do not make a task new."""
    return " ".join(text.lower().split())


@dataclass
class Progress:
    """What the loop reports after each commit (the CLI renders it)."""

    accepted: int
    target: int
    requests_done: int
    in_flight: int
    cache_hits: int
    prompt_tokens: int
    completion_tokens: int
    rejected: Counter[str]
    started: float

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass
class LoopState:
    """Counters that survive a resume (rebuilt from the run directory on start)."""

    accepted: int = 0
    requests_done: int = 0
    candidates: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class AlpacaMethod:
    """Stanford Alpaca's recipe: k seed demonstrations, n new complete tasks per request."""

    seeds: Sequence[SeedTask]
    seed: int
    num_demonstrations: int = 3
    tasks_per_request: int = 20
    topic: str | None = None
    structured: bool = False

    def build_request(self, index: int) -> tuple[TeacherRequest, list[str]]:
        """Request `index`'s prompt; its demonstrations depend only on (seed, index)."""
        rng = random.Random(f"{self.seed}:{index}")
        k = min(self.num_demonstrations, len(self.seeds))
        demos = rng.sample(list(self.seeds), k)
        messages = render_alpaca_prompt(demos, self.tasks_per_request, topic=self.topic)
        return TeacherRequest(index=index, messages=messages), [d.id for d in demos]

    def parse(self, completion: Completion, index: int) -> ParseResult:
        parser = parse_json_tasks if self.structured else parse_tasks
        return parser(completion.text, completion.finish_reason, request_index=index)


class Generation:
    """One `generate` run over an open store, a teacher and a method."""

    def __init__(
        self,
        *,
        store: RunStore,
        teacher: Teacher,
        method: AlpacaMethod,
        seeds: Sequence[SeedTask],
        target: int,
        model_name: str,
        concurrency: int,
        rouge_threshold: float = 0.7,
        tokenizer: TokenizerName = "default",
        filters: Sequence[Filter] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.store = store
        self.teacher = teacher
        self.method = method
        self.target = target
        self.model_name = model_name
        self.concurrency = max(1, concurrency)
        self.filters = list(filters) if filters is not None else default_filters()
        self.on_progress = on_progress
        self.state = LoopState()
        self.started = time.monotonic()
        self.pool = RougeIndex(threshold=rouge_threshold, tokenizer=tokenizer)
        self.seed_index = RougeIndex(threshold=rouge_threshold, tokenizer=tokenizer)
        self.exact: dict[str, str] = {}
        self.alias: dict[str, str] = {}
        for task in seeds:
            self.pool.add(task.instruction, task.id)
            self.seed_index.add(task.instruction, task.id)
            self.exact.setdefault(normalize_instruction(task.instruction), task.id)
        self._restore()

    def _restore(self) -> None:
        """Reload what earlier sessions committed: the dedup pool and the counters."""
        for record in self.store.accepted_records():
            self.pool.add(record.instruction, record.id)
            self.exact.setdefault(normalize_instruction(record.instruction), record.id)
            self.state.accepted += 1
        commit = self.store.last_commit
        totals = commit.totals
        self.state.requests_done = int(totals.get("requests", commit.request_index + 1))
        self.state.candidates = int(totals.get("candidates", 0))
        self.state.prompt_tokens = int(totals.get("prompt_tokens", 0))
        self.state.completion_tokens = int(totals.get("completion_tokens", 0))
        self.state.rejected = Counter(totals.get("rejected", {}))

    # -- accepting --------------------------------------------------------------------------
    def _screen(self, result: ParseResult, index: int) -> tuple[list[Candidate], list[Rejection]]:
        """Filters and exact duplicates: what is left goes to the ROUGE-L check."""
        rejected = list(result.rejections)
        survivors: list[Candidate] = []
        in_batch: set[str] = set()
        for candidate in result.candidates:
            candidate.instruction = CONTROL_CHARS.sub("", candidate.instruction).strip()
            candidate.input = CONTROL_CHARS.sub("", candidate.input).strip()
            candidate.output = CONTROL_CHARS.sub("", candidate.output).strip()
            reason = first_reason(self.filters, candidate)
            if reason is not None:
                rejected.append(_reject(candidate, reason, index))
                continue
            key = normalize_instruction(candidate.instruction)
            if key in self.exact or key in in_batch:
                neighbour = self.exact.get(key, "an earlier task of the same answer")
                rejected.append(_reject(candidate, "exact_duplicate", index, neighbour=neighbour))
                continue
            in_batch.add(key)
            survivors.append(candidate)
        return survivors, rejected

    def _accept(
        self, result: ParseResult, index: int, demo_ids: list[str]
    ) -> tuple[list[AcceptedRecord], list[Rejection]]:
        survivors, rejected = self._screen(result, index)
        provisional = [f"req{index}.{j}" for j in range(len(survivors))]
        items = [(c.instruction, key) for c, key in zip(survivors, provisional, strict=True)]
        matches = self.pool.accept_batch(items) if items else []
        accepted: list[AcceptedRecord] = []
        for candidate, key, match in zip(survivors, provisional, matches, strict=True):
            if match is not None:
                rejected.append(
                    _reject(
                        candidate,
                        "near_duplicate",
                        index,
                        neighbour=match.text,
                        score=round(match.score, 4),
                        detail=self.alias.get(match.key, match.key),
                    )
                )
                continue
            if self.state.accepted + len(accepted) >= self.target:
                rejected.append(_reject(candidate, "over_target", index))
                continue
            record_id = f"rec_{self.state.accepted + len(accepted):06d}"
            self.alias[key] = record_id
            self.exact[normalize_instruction(candidate.instruction)] = record_id
            nearest = self.seed_index.nearest(candidate.instruction)
            accepted.append(
                AcceptedRecord(
                    id=record_id,
                    instruction=candidate.instruction,
                    input=candidate.input,
                    output=candidate.output,
                    model=self.model_name,
                    request_index=index,
                    demonstration_ids=demo_ids,
                    nearest_seed=nearest.key if nearest else None,
                    nearest_seed_rouge_l=round(nearest.score, 4) if nearest else 0.0,
                    created_at=now_iso(),
                )
            )
        return accepted, rejected

    def _commit(
        self,
        index: int,
        completion: Completion | None,
        accepted: list[AcceptedRecord],
        rejected: list[Rejection],
        candidates: int,
    ) -> None:
        state = self.state
        state.requests_done += 1
        state.candidates += candidates
        state.accepted += len(accepted)
        if completion is not None:
            state.prompt_tokens += completion.prompt_tokens
            state.completion_tokens += completion.completion_tokens
        for item in rejected:
            state.rejected[item.reason] += 1
        totals = {
            "requests": state.requests_done,
            "candidates": state.candidates,
            "prompt_tokens": state.prompt_tokens,
            "completion_tokens": state.completion_tokens,
            "rejected": dict(state.rejected),
        }
        self.store.commit(index, accepted, rejected, totals=totals)

    def _process(
        self, index: int, demo_ids: list[str], outcome: Completion | BaseException
    ) -> None:
        if isinstance(outcome, BaseException):
            detail = str(outcome)
            kind = type(outcome).__name__
            failure = Rejection(reason=f"request_failed:{kind}", detail=detail, request_index=index)
            self._commit(index, None, [], [failure], 0)
            return
        result = self.method.parse(outcome, index)
        for item in result.rejections:
            if item.reason in ("parse_error", "schema_error", "truncated") and item.raw is None:
                item.raw, item.raw_truncated = evidence(outcome.text)
            item.cache_key = outcome.cache_key
        accepted, rejected = self._accept(result, index, demo_ids)
        self._commit(index, outcome, accepted, rejected, len(result.candidates))

    # -- the loop ---------------------------------------------------------------------------
    def _expected_yield(self) -> float:
        """Accepted records per request so far (optimistic before the first answer)."""
        done = self.state.requests_done
        if done == 0 or self.state.accepted == 0:
            return max(1.0, self.method.tasks_per_request * 0.5)
        return max(0.5, self.state.accepted / done)

    def _should_dispatch(self, outstanding: int) -> bool:
        if outstanding >= self.concurrency:
            return False
        remaining = self.target - self.state.accepted
        if remaining <= 0:
            return False
        needed = math.ceil(remaining / self._expected_yield())
        return outstanding < max(1, needed)

    async def run(self) -> LoopState:
        """Run until the target is reached; raises on a fatal teacher error."""
        next_index = self.store.last_commit.request_index + 1
        to_process = next_index
        in_flight: dict[asyncio.Task[Completion], tuple[int, list[str]]] = {}
        finished: dict[int, tuple[list[str], Completion | BaseException]] = {}
        self._report(0)
        try:
            while self.state.accepted < self.target:
                while self._should_dispatch(len(in_flight) + len(finished)):
                    request, demo_ids = self.method.build_request(next_index)
                    task = asyncio.create_task(self.teacher.complete(request))
                    in_flight[task] = (next_index, demo_ids)
                    next_index += 1
                if not in_flight and not finished:
                    break
                if in_flight:
                    done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        index, demo_ids = in_flight.pop(task)
                        exc = task.exception()
                        if exc is not None and _is_fatal(exc):
                            raise exc
                        finished[index] = (demo_ids, exc if exc is not None else task.result())
                while to_process in finished and self.state.accepted < self.target:
                    demo_ids, outcome = finished.pop(to_process)
                    self._process(to_process, demo_ids, outcome)
                    to_process += 1
                    self._report(len(in_flight))
        finally:
            await _settle(in_flight)
        return self.state

    def _report(self, in_flight: int) -> None:
        if self.on_progress is None:
            return
        stats = self.teacher.stats
        self.on_progress(
            Progress(
                accepted=self.state.accepted,
                target=self.target,
                requests_done=self.state.requests_done,
                in_flight=in_flight,
                cache_hits=stats.cache_hits,
                prompt_tokens=self.state.prompt_tokens,
                completion_tokens=self.state.completion_tokens,
                rejected=self.state.rejected,
                started=self.started,
            )
        )


def _is_fatal(exc: BaseException) -> bool:
    """Errors no other request can avoid: a refused key, an unknown model."""
    if isinstance(exc, TeacherAuthError):
        return True
    if isinstance(exc, TeacherHTTPError) and exc.status == 404:
        return True
    return not isinstance(exc, TeacherError)


async def _settle(in_flight: dict[asyncio.Task[Any], Any]) -> None:
    """Let requests already sent finish (their answers land in the cache), ignoring errors."""
    if in_flight:
        await asyncio.gather(*in_flight, return_exceptions=True)


def _reject(candidate: Candidate, reason: str, index: int, **extra: Any) -> Rejection:
    return Rejection(
        reason=reason,
        instruction=candidate.instruction,
        input=candidate.input,
        output=candidate.output,
        request_index=index,
        **extra,
    )
