"""The generation loop: units of work → ordered screening → ordered commits.

A unit is one pass of a method (Alpaca: one request; Self-Instruct: a bootstrap request and
the requests that complete its tasks). Units run concurrently; two ordered gates make the
result independent of timing: candidates are screened (filters, exact and ROUGE-L dedup)
in unit order, and units are committed to the store in unit order. So a fixed `--seed` and a
cached teacher give the same dataset every time, and a resumed run restarts at the first
uncommitted unit, replaying from the cache whatever it had already received.
This module knows no HTTP and no file formats: the teacher and the store own those.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from selfinstruct.errors import BudgetExceeded, TeacherError, is_deferred, is_fatal
from selfinstruct.methods.base import Method, UnitOutput
from selfinstruct.methods.quota import OVER_RECORDS_PER_DOCUMENT
from selfinstruct.quality.chain import default_filters, first_reason
from selfinstruct.quality.defects import RequestEcho, TemplatedOutput
from selfinstruct.quality.filters import Filter
from selfinstruct.quality.judge import QUESTIONS, Judge, judge_candidates
from selfinstruct.quality.rouge import RougeIndex, TokenizerName
from selfinstruct.quality.view import CandidateView
from selfinstruct.run.counts import RunCounts
from selfinstruct.run.gcpace import fewer_collections
from selfinstruct.run.guards import Budget, ProgressGuard, StopReason
from selfinstruct.schemas import (
    AcceptedRecord,
    Candidate,
    Rejection,
    SeedTask,
    same_text_key,
    strip_control,
)
from selfinstruct.store.writer import RunStore
from selfinstruct.teachers.client import Teacher

#: Rejections of tasks that passed screening (they joined the dedup pool) but gave no record.
POOL_REASONS = frozenset(
    {"no_valid_instances", "over_target", "classification_unparseable", "conflicting_instances"}
    | {"task_request_failed", OVER_RECORDS_PER_DOCUMENT}
)
#: rejections of tasks that had passed screening: what a method's quota counted
SCREENED_REASONS = POOL_REASONS | {f"judge:{q.name}" for q in QUESTIONS}


#: (second, its ISO text): a unit's records are made within one second, and formatting a
#: datetime cost 3 us a record
_LAST_SECOND: tuple[int, str] = (-1, "")


def now_iso() -> str:
    """The current UTC time to the second, ISO 8601 (what `datetime.now(UTC)` says)."""
    global _LAST_SECOND
    second = int(time.time())  # the clock datetime.now reads
    if second != _LAST_SECOND[0]:
        text = datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds")
        _LAST_SECOND = (second, text)
    return _LAST_SECOND[1]


#: outputs shorter than this (in words) may rightly repeat across tasks: labels, yes/no
REPEATED_OUTPUT_MIN_WORDS = 3
#: a short answer kept under this many different instructions that never name it is a
#: label the teacher pastes everywhere ("Safe"): the next one is `templated_output`
TEMPLATED_SHORT_REPEATS = 3


def repeated_outputs(
    candidates: Sequence[Candidate], views: Sequence[CandidateView] | None = None
) -> set[str]:
    """Normalized outputs that one answer gives to different instructions. A teacher that
    repeats a paragraph under several tasks has answered at most one of them (small models
    do it often), so all of them go. `views`: the candidates' views, when the caller has them
    (their keys are computed once for this and the later checks)."""
    first_instruction: dict[str, str] = {}
    repeated: set[str] = set()
    if views is None:
        views = [CandidateView(c) for c in candidates]
    for view in may_share_output(views):
        output = view.output_key
        # single spaces between words (`same_text_key`): words are spaces + 1
        if not output or output.count(" ") + 1 < REPEATED_OUTPUT_MIN_WORDS:
            continue
        instruction = view.instruction_key
        if first_instruction.setdefault(output, instruction) != instruction:
            repeated.add(output)
    return repeated


def _output_shape(view: CandidateView) -> tuple[int, bytes, bytes]:
    words = view.output_words
    return (len(words), words[0], words[-1]) if words else (0, b"", b"")


def may_share_output(views: Sequence[CandidateView]) -> Sequence[CandidateView]:
    """The views, in order, whose output may have another's `same_text_key`: the others'
    keys need not be made (a key splits, joins and case-folds a whole answer). Two ASCII
    outputs of one key have one lowered word sequence, hence one [a-z0-9] word list
    (`output_words`): a view whose word count, first and last word no other view has holds
    an output of its own. A non-ASCII output may case-fold into an ASCII one: all views."""
    if len(views) < 2:
        return ()
    if not all(view.output_ascii for view in views):
        return views
    shapes = [_output_shape(view) for view in views]
    counts = Counter(shapes)
    if len(counts) == len(views):
        return ()
    return [view for view, shape in zip(views, shapes, strict=True) if counts[shape] > 1]


def _strip_control(candidate: Candidate) -> None:
    """Control characters out of the texts, which are then stripped; a text already clean is
    left as it is (a pydantic attribute write costs more than the check)."""
    for name, text in (
        ("instruction", candidate.instruction),
        ("input", candidate.input),
        ("output", candidate.output),
    ):
        cleaned = strip_control(text)
        if cleaned != text:
            setattr(candidate, name, cleaned)


@dataclass
class Progress:
    """What the loop reports after each commit (the CLI renders it)."""

    #: a snapshot of the run's counters (every session's committed units)
    counts: RunCounts
    target: int
    in_flight: int
    cache_hits: int
    started: float
    cost_usd: float | None = None

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


class GateClosed(Exception):
    """An earlier unit will never pass: later units must not commit (resume redoes them)."""


class OrderedGate:
    """Lets units through one at a time in index order."""

    def __init__(self, first: int) -> None:
        self.next = first
        self.closed_from: int | None = None
        self._changed = asyncio.Condition()

    def _closed_for(self, index: int) -> bool:
        return self.closed_from is not None and index >= self.closed_from

    async def wait_turn(self, index: int) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self._closed_for(index) or self.next == index)
            if self._closed_for(index):
                raise GateClosed

    async def wait_passed(self, index: int) -> None:
        """Wait until every unit up to `index` has passed."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._closed_for(index) or self.next > index)
            if self._closed_for(index):
                raise GateClosed

    async def advance(self) -> None:
        async with self._changed:
            self.next += 1
            self._changed.notify_all()

    async def close(self, from_index: int = 0) -> None:
        """Units from `from_index` on will never pass (earlier ones still may)."""
        async with self._changed:
            if self.closed_from is None or from_index < self.closed_from:
                self.closed_from = from_index
            self._changed.notify_all()


class Generation:
    """One `generate` run over an open store, a teacher and a method."""

    def __init__(
        self,
        *,
        store: RunStore,
        teacher: Teacher,
        method: Method,
        seeds: Sequence[SeedTask],
        target: int,
        model_name: str,
        concurrency: int,
        rouge_threshold: float = 0.7,
        tokenizer: TokenizerName = "default",
        filters: Sequence[Filter] | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        guard: ProgressGuard | None = None,
        budget: Budget | None = None,
        judge: Judge | None = None,
        min_score: int | None = None,
    ) -> None:
        self.store = store
        self.teacher = teacher
        self.method = method
        self.target = target
        self.model_name = model_name
        self.concurrency = max(1, concurrency)
        self.filters = method.screen_filters(
            list(filters) if filters is not None else default_filters()
        )
        self.on_progress = on_progress
        self.guard = guard
        self.budget = budget
        self.judge = judge
        self.min_score = min_score
        self.stop_reason: StopReason | None = None
        self.in_flight = 0
        self.errors: Counter[str] = Counter()
        self.counts = RunCounts()
        self.started = time.monotonic()
        self.pool = RougeIndex(threshold=rouge_threshold, tokenizer=tokenizer)
        self.seed_index = RougeIndex(threshold=rouge_threshold, tokenizer=tokenizer)
        self.exact: dict[str, str] = {}
        self.alias: dict[str, str] = {}
        #: answers of the tasks kept so far (records and pool rejections), across units
        self.templated = TemplatedOutput(short_repeats=TEMPLATED_SHORT_REPEATS)
        #: (unit index, instruction) of every screened task, in screening order
        self.generated: list[tuple[int, str]] = []
        for task in seeds:
            self.pool.add(task.instruction, task.id)
            self.seed_index.add(task.instruction, task.id)
            self.exact.setdefault(same_text_key(task.instruction), task.id)
        self._restore()

    def _restore(self) -> None:
        """Reload what earlier sessions committed: the dedup pool and the counters."""
        key = self.method.dedup_text
        accepted = 0
        screened: list[int] = []
        for record in self.store.accepted_records():
            accepted += 1
            screened.append(record.request_index)
            self._join_pool(record.request_index, key(record.instruction, record.input), record.id)
            self.templated.remember(
                Candidate(instruction=record.instruction, input=record.input, output=record.output)
            )
        if self.method.quota is not None:
            screened += [r.request_index for r in self.store.rejections(SCREENED_REASONS)]
            self.method.quota.restore(screened)
        for rejection in self.store.rejections(POOL_REASONS):
            text = key(rejection.instruction, rejection.input)
            self._join_pool(rejection.request_index, text, rejection.detail or "")
            self.templated.remember(
                Candidate(
                    instruction=rejection.instruction,
                    input=rejection.input,
                    output=rejection.output,
                )
            )
        commit = self.store.last_commit
        totals = commit.totals
        self.counts = RunCounts.from_journal(totals, accepted, commit.request_index + 1)
        self.errors.update(totals.get("errors", {}))
        self.teacher.stats.errors.update(totals.get("attempt_errors", {}))
        self.teacher.stats.requests_sent_before = int(totals.get("http_requests", 0))
        self._attempt_mark = (0, 0)
        self._attempts_since_last()

    def _attempts_since_last(self) -> tuple[int, int]:
        """HTTP attempts sent, and failed (rate limits are pacing, not failures), since the
        last call: what the guard counts besides the requests' final outcomes."""
        stats = self.teacher.stats
        failed = sum(n for kind, n in stats.errors.items() if kind != "http_429")
        sent_before, failed_before = self._attempt_mark
        self._attempt_mark = (stats.requests_sent, failed)
        return stats.requests_sent - sent_before, failed - failed_before

    def _join_pool(self, unit: int, instruction: str, key: str) -> None:
        normal = same_text_key(instruction)
        if normal in self.exact:
            return  # several records of one task (Self-Instruct instances)
        self.pool.add(instruction, key)
        self.exact[normal] = key
        self.generated.append((unit, instruction))

    # -- screening (ordered) ----------------------------------------------------------------
    def _screen(self, index: int, unit: UnitOutput) -> UnitOutput:
        """Filters, exact duplicates, then one batched ROUGE-L query against the pool (and
        the method's quota: a unit whose group is full is set aside, as if not asked)."""
        if self.method.quota is not None and self.method.quota.full(index):
            return UnitOutput(
                prompt_tokens=unit.prompt_tokens, completion_tokens=unit.completion_tokens,
                requests=unit.requests, skipped=True,
            )  # fmt: skip
        kept: list[Candidate] = []
        texts: list[str] = []  # each kept candidate's dedup text
        normals: list[str] = []  # ... and its `same_text_key`
        in_batch: set[str] = set()
        for candidate in unit.candidates:
            _strip_control(candidate)
        # one view a candidate: every filter and key below reads its texts from it
        views = [CandidateView(candidate) for candidate in unit.candidates]
        repeated = repeated_outputs(unit.candidates, views)
        echo = RequestEcho(unit.request_text, unit.material) if unit.request_text else None
        dedup = self.method.dedup_text
        for candidate, view in zip(unit.candidates, views, strict=True):
            if repeated and view.output_key in repeated:
                unit.rejections.append(Rejection.of(candidate, "repeated_output", index))
                continue
            reason = first_reason(self.filters, candidate, view)
            if reason is None and echo is not None:
                reason = echo.check(view)
            if reason is None and self.templated.templated(candidate, kept):
                reason = "templated_output"
            if reason is not None:
                unit.rejections.append(Rejection.of(candidate, reason, index))
                continue
            text = dedup(candidate.instruction, candidate.input)
            normal = view.instruction_key if text == view.instruction else same_text_key(text)
            if normal in self.exact or normal in in_batch:
                neighbour = self.exact.get(normal, "an earlier task of the same answer")
                unit.rejections.append(
                    Rejection.of(candidate, "exact_duplicate", index, neighbour=neighbour)
                )
                continue
            in_batch.add(normal)
            kept.append(candidate)
            texts.append(text)
            normals.append(normal)
        provisional = [f"u{index}.{j}" for j in range(len(kept))]
        items = list(zip(texts, provisional, strict=True))
        tokens = self.pool.tokens(texts)
        matches = self.pool.accept_batch(items, tokens) if items else []
        survivors: list[Candidate] = []
        for candidate, key, match, normal, text, words in zip(
            kept, provisional, matches, normals, texts, tokens, strict=True
        ):
            if match is not None:
                unit.rejections.append(
                    Rejection.of(
                        candidate,
                        "near_duplicate",
                        index,
                        neighbour=match.text,
                        score=round(match.score, 4),
                        detail=self.alias.get(match.key, match.key),
                    )
                )
                continue
            candidate.pool_key = key
            if text == candidate.instruction:  # the nearest-seed lookup's tokens too
                unit.instruction_tokens[text] = words
            self.templated.remember(candidate)
            self.exact[normal] = key
            self.generated.append((index, candidate.instruction))
            survivors.append(candidate)
        unit.candidates = survivors
        quota = self.method.quota
        if quota is not None:
            unit.candidates, over = quota.admit(index, survivors)
            unit.rejections += [
                Rejection.of(c, quota.reason, index, detail=c.pool_key) for c in over
            ]
        return unit

    # -- committing (ordered) ---------------------------------------------------------------
    def _records(self, index: int, unit: UnitOutput) -> list[AcceptedRecord]:
        accepted: list[AcceptedRecord] = []
        room = max(0, self.target - self.counts.accepted)
        # one batched ROUGE-L query for the unit's records, not one a record, with the tokens
        # screening made (the pool and the seed index share the tokenizer)
        texts = [c.instruction for c in unit.candidates[:room]]
        known = unit.instruction_tokens
        tokens = [known[t] if t in known else self.seed_index.tokens([t])[0] for t in texts]
        nearest_seeds = self.seed_index.nearest_many(texts, tokens)
        for position, candidate in enumerate(unit.candidates):
            if self.counts.accepted + len(accepted) >= self.target:
                unit.rejections.append(
                    Rejection.of(candidate, "over_target", index, detail=candidate.pool_key)
                )
                continue
            record_id = f"rec_{self.counts.accepted + len(accepted):06d}"
            if candidate.pool_key and candidate.pool_key not in self.alias:
                self.alias[candidate.pool_key] = record_id
            nearest = nearest_seeds[position]
            accepted.append(
                AcceptedRecord(
                    id=record_id,
                    instruction=candidate.instruction,
                    input=candidate.input,
                    output=candidate.output,
                    model=self.model_name,
                    request_index=index,
                    demonstration_ids=unit.demonstration_ids,
                    nearest_seed=nearest.key if nearest else None,
                    nearest_seed_rouge_l=round(nearest.score, 4) if nearest else 0.0,
                    created_at=now_iso(),
                    is_classification=candidate.is_classification,
                    judge=candidate.judge,
                    document=candidate.document,
                )
            )
        if self.judge is not None:
            judged = sum(1 for record in accepted if record.judge is not None)
            self.counts.judge.update(judged=judged, unjudged=len(accepted) - judged)
        return accepted

    def _commit(self, index: int, unit: UnitOutput, failure: BaseException | None) -> None:
        if failure is not None:
            kind = type(failure).__name__
            self.errors[kind] += 1
            unit.rejections.append(
                Rejection(reason=f"request_failed:{kind}", detail=str(failure), request_index=index)
            )
        accepted = self._records(index, unit)
        self.counts.add_unit(
            requests=unit.requests,
            candidates=unit.parsed,
            accepted=len(accepted),
            prompt_tokens=unit.prompt_tokens,
            completion_tokens=unit.completion_tokens,
            rejected=[item.reason for item in unit.rejections],
            judge=unit.judge_usage,
        )
        stats = self.teacher.stats
        totals = {
            **self.counts.journal_totals(),
            "http_requests": stats.requests_sent_before + stats.requests_sent,
            "errors": dict(self.errors),
            "attempt_errors": dict(stats.errors),
        }
        self.store.submit(index, accepted, unit.rejections, totals=totals)
        if self.guard is not None and not unit.skipped:
            reasons = Counter(item.reason for item in unit.rejections)
            attempts, failed_attempts = self._attempts_since_last()
            verdict = self.guard.observe(
                len(accepted), failure is not None, reasons, attempts, failed_attempts
            )
            if verdict is not None:
                self.request_stop(verdict)

    # -- one unit ---------------------------------------------------------------------------
    async def _unit(self, index: int, screen: OrderedGate, commit: OrderedGate) -> None:
        generated: list[str] = []
        lag = self.method.demo_lag
        if lag and index - lag >= 0:
            await screen.wait_passed(index - lag)
            # sorted, so a resumed run (which rebuilds the list) shows the same demonstrations
            generated = [text for unit, text in sorted(self.generated) if unit <= index - lag]
        failure: BaseException | None = None
        quota = self.method.quota
        try:
            if quota is not None and quota.full(index):
                unit = UnitOutput(skipped=True)  # its group is full: no need to ask
            else:
                unit = await self.method.fetch(index, self.teacher, generated)
            unit.parsed = len(unit.candidates)
        except TeacherError as exc:
            if is_fatal(exc):
                raise
            unit, failure = UnitOutput(), exc
        await screen.wait_turn(index)
        try:
            if failure is None:
                unit = self._screen(index, unit)
        finally:
            await screen.advance()
        if failure is None and unit.candidates:
            try:
                unit = await self.method.expand(index, self.teacher, unit)
            except TeacherError as exc:
                if is_fatal(exc):
                    raise
                failure = exc
                # screened tasks that could not be completed are rejections, never records
                unit.rejections.extend(
                    Rejection.of(c, "task_request_failed", index, detail=c.pool_key)
                    for c in unit.candidates
                )
                unit.candidates = []
        if self.judge is not None and failure is None and unit.candidates:
            await self._judge_unit(index, unit)
        await commit.wait_turn(index)
        try:
            if self.counts.accepted >= self.target:
                return  # not committed: a run with a higher target replays it from the cache
            self._commit(index, unit, failure)
        finally:
            await commit.advance()
        self._report()

    async def _judge_unit(self, index: int, unit: UnitOutput) -> None:
        """--judge: verdicts on the unit's records before its commit (a unit redone on
        resume asks again, from the cache); with --min-score, low scores are rejections."""
        assert self.judge is not None
        kept, rejected, grading = await judge_candidates(
            self.judge, index, unit.candidates, self.min_score, self.method.source_text
        )
        unit.candidates = kept
        unit.rejections.extend(rejected)
        unit.judge_usage.update(
            requests=grading.requests,
            prompt_tokens=grading.prompt_tokens,
            completion_tokens=grading.completion_tokens,
        )

    # -- the loop ---------------------------------------------------------------------------
    def _expected_yield(self) -> float:
        """Accepted records per unit so far (the method's guess before any answer)."""
        done = self.counts.units
        if done == 0 or self.counts.accepted == 0:
            return self.method.expected_yield
        return max(0.5, self.counts.accepted / done)

    def _should_dispatch(self, outstanding: int) -> bool:
        if self.stop_reason is not None or outstanding >= self.concurrency:
            return False
        remaining = self.target - self.counts.accepted
        if remaining <= 0:
            return False
        if self.budget is not None:
            counts = self.counts
            reason = self.budget.check(
                counts.prompt_tokens,
                counts.completion_tokens,
                counts.units,
                outstanding,
                judge=counts.judge_tokens,
            )
            if reason is not None:
                self.request_stop(reason)
                return False
        needed = math.ceil(remaining / self._expected_yield())
        return outstanding < max(1, needed)

    def _exhausted(self, next_index: int) -> bool:
        """True (and the run stops) when the method has no unit `next_index`."""
        limit = self.method.max_units
        if limit is None or next_index < limit:
            return False
        message = self.method.exhausted or f"the method has no unit after {limit}"
        self.request_stop(StopReason("exhausted", message))
        return True

    def request_stop(self, reason: StopReason) -> None:
        """Stop dispatching; units in flight finish and are kept. The first reason wins."""
        if self.stop_reason is None:
            self.stop_reason = reason

    async def run(self) -> RunCounts:
        """Run until the target is reached or a stop is requested; raises on a fatal error.
        The garbage collector runs less often meanwhile (`gcpace`)."""
        with fewer_collections():
            return await self._run_units()

    async def _run_units(self) -> RunCounts:
        first = self.store.last_commit.request_index + 1
        screen, commit = OrderedGate(first), OrderedGate(first)
        next_index = first
        running: dict[asyncio.Task[None], int] = {}
        # units that ended since the last look, told by their own callbacks: `asyncio.wait`
        # over every unit in flight added and removed a callback on each of them per wake
        finished: list[asyncio.Task[None]] = []
        ended = asyncio.Event()

        def on_done(task: asyncio.Task[None]) -> None:
            finished.append(task)
            ended.set()

        self._report()
        try:
            while True:
                while self._should_dispatch(len(running)):
                    if self._exhausted(next_index):
                        break
                    task = asyncio.create_task(self._unit(next_index, screen, commit))
                    task.add_done_callback(on_done)
                    running[task] = next_index
                    next_index += 1
                self.in_flight = len(running)
                if not running:
                    break
                await ended.wait()
                ended.clear()
                done = finished.copy()
                finished.clear()
                for task in done:
                    index = running.pop(task)
                    exc = task.exception()
                    if exc is None or isinstance(exc, GateClosed):
                        continue
                    if is_deferred(exc):
                        # This unit has no answer: it and the later ones are redone on resume
                        # (from the cache or the unit); earlier ones in flight still commit.
                        await screen.close(index)
                        await commit.close(index)
                        kind = "max_requests" if isinstance(exc, BudgetExceeded) else "unit"
                        self.request_stop(StopReason(kind, str(exc)))
                        continue
                    raise exc
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
        self.store.flush()  # the store's thread commits in the background: wait for the last
        return self.counts

    def _report(self) -> None:
        if self.on_progress is None:
            return
        counts = self.counts
        self.on_progress(
            Progress(
                counts=counts.snapshot(),
                target=self.target,
                in_flight=self.in_flight,
                cache_hits=self.teacher.stats.cache_hits,
                started=self.started,
                cost_usd=self.budget.cost(
                    counts.prompt_tokens, counts.completion_tokens, judge=counts.judge_tokens
                )
                if self.budget
                else None,
            )
        )
