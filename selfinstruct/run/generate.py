"""`generate()`: wires a config to seeds, a run directory, a teacher and the loop.

This is the public entry point a notebook or the CLI calls (`agenerate` from async code;
`generate` also works where an event loop already runs, as in Jupyter, by running the run's
own loop in a worker thread). It owns the run's life cycle:
lock the directory, repair it, resume, pick the teacher (a remote API or the embedded local
one), run, and write the manifest however the run ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, NamedTuple

import openai

from selfinstruct.config import DEFAULT_OPENAI_MODEL, GenerateConfig, uses_local_teacher
from selfinstruct.documents.corpus import check_resume
from selfinstruct.errors import ConfigError, RunDirError, SelfInstructError, TeacherAuthError
from selfinstruct.quality.judge import Judge
from selfinstruct.run.build import (
    RunPlan,
    build_judge,
    build_teacher,
    concurrency,
    plan_run,
    price_for,
    separate_judge,
    teacher_settings,
)
from selfinstruct.run.guards import Budget, ProgressGuard, StopReason
from selfinstruct.run.history import check_same_run, history_of
from selfinstruct.run.loop import Generation, Progress, now_iso
from selfinstruct.run.summary import RunSummary, run_manifest
from selfinstruct.store.writer import RunStore
from selfinstruct.teachers.client import Teacher, TeacherSettings
from selfinstruct.teachers.pricing import Price
from selfinstruct.teachers.wire import redact_url

Notify = Callable[[str], None]


class _Endpoint(NamedTuple):
    base_url: str | None
    model: str | None
    #: the local teacher's log tail for 5xx messages (see TeacherSettings.server_context)
    server_context: Callable[[], str] | None = None


@contextlib.contextmanager
def _teacher_endpoint(config: GenerateConfig, notify: Notify) -> Iterator[_Endpoint]:
    """The configured API, or the embedded local teacher (started here, stopped after)."""
    if not uses_local_teacher(config):
        if not config.base_url and not config.api_key:
            raise ConfigError("--teacher api: no API key; set OPENAI_API_KEY or pass --base-url")
        yield _Endpoint(
            config.base_url, config.model or (None if config.base_url else DEFAULT_OPENAI_MODEL)
        )
        return
    from selfinstruct.teachers.local import LocalTeacher, slots_for

    with LocalTeacher(log_dir=config.out, slots=slots_for(config.concurrency)) as local:
        notify(local.banner())
        yield _Endpoint(local.base_url, local.model, local.server_error_context)


async def _served_model(settings: TeacherSettings) -> str:
    """The model a single-model server (vLLM, llama.cpp, Ollama) serves, when none was named."""
    client = openai.AsyncOpenAI(
        base_url=settings.base_url,
        api_key=settings.api_key or "not-needed",
        max_retries=1,
        timeout=15,
    )
    try:
        page = await client.models.list()
        names = [item.id for item in page.data]
    except openai.AuthenticationError:
        raise TeacherAuthError(
            401, f"{redact_url(settings.base_url)} refused the API key"
        ) from None
    except openai.OpenAIError as exc:
        raise ConfigError(
            f"--model: not given, and {redact_url(settings.base_url)} did not list its models "
            f"({type(exc).__name__}); pass --model"
        ) from None
    finally:
        await client.close()
    if len(names) != 1:
        raise ConfigError(
            f"--model: not given, and {redact_url(settings.base_url)} serves "
            f"{len(names)} models ({', '.join(names[:5])}); pass --model"
        )
    return names[0]


def generate(
    config: GenerateConfig | None = None,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    notify: Notify | None = None,
    **settings: Any,
) -> RunSummary:
    """Generate (or resume) a dataset in `config.out`; returns how the run ended.

    `settings` are `GenerateConfig` fields, for calls like `generate(out="outputs/x",
    num_instructions=50, base_url="http://127.0.0.1:8000/v1")`. Called where an event loop
    already runs (a notebook), the run goes on in a worker thread and this call waits for it.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _generate(config, on_progress=on_progress, notify=notify, **settings)
    with ThreadPoolExecutor(1, thread_name_prefix="selfinstruct") as worker:
        job = worker.submit(_generate, config, on_progress=on_progress, notify=notify, **settings)
        return job.result()


async def agenerate(
    config: GenerateConfig | None = None,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    notify: Notify | None = None,
    **settings: Any,
) -> RunSummary:
    """`generate` for async code: the run (its file work, its own event loop) goes on in a
    worker thread, so the caller's loop stays free; `on_progress` and `notify` are called
    from that thread. Cancelling the await does not stop the run: it finishes or stops on
    its own terms, and a rerun resumes it."""
    return await asyncio.to_thread(
        _generate, config, on_progress=on_progress, notify=notify, **settings
    )


def _generate(
    config: GenerateConfig | None = None,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    notify: Notify | None = None,
    **settings: Any,
) -> RunSummary:
    if config is None:
        config = GenerateConfig(**settings)
    elif settings:
        config = config.model_copy(update=settings)
    say: Notify = notify or (lambda message: None)
    plan = plan_run(config)
    config = plan.config
    for message in plan.corpus.messages() if plan.corpus else ():
        say(message)
    with RunStore(config.out) as store:
        previous = store.read_manifest() or {}
        for warning in store.warnings:
            say(f"warning: {warning}")
        _warn_changed(previous, config, say)
        with _teacher_endpoint(config, say) as endpoint:
            return asyncio.run(_run(plan, store, previous, endpoint, on_progress, say))


def _warn_changed(previous: dict[str, Any], config: GenerateConfig, say: Notify) -> None:
    """Changing what is asked of the teacher mid-run is allowed, but the user should know."""
    old = previous.get("config") or {}
    new = config.request_settings()
    changed = [k for k, v in new.items() if k in old and old[k] != v and k != "model"]
    if changed:
        say(
            "warning: resuming with different "
            + ", ".join(changed)
            + " than the run started with; earlier records keep the old settings"
        )


async def _run(
    plan: RunPlan,
    store: RunStore,
    previous: dict[str, Any],
    endpoint: _Endpoint,
    on_progress: Callable[[Progress], None] | None,
    say: Notify,
) -> RunSummary:
    config, profile, method, seed_files = plan.config, plan.profile, plan.method, plan.seed_files
    settings = teacher_settings(plan, endpoint.base_url, endpoint.model)
    settings.server_context = endpoint.server_context
    if not settings.model:
        settings.model = await _served_model(settings)
    price = None if plan.local else price_for(config, settings.model)
    teacher = build_teacher(plan, settings, store.path, say)
    cache = teacher.cache
    if cache is not None:
        store.warnings.extend(cache.warnings)
    local = uses_local_teacher(config)
    identity = {"model": settings.model, "base_url": teacher.public_base_url, "local": local}
    resumed = store.last_commit.request_index >= 0
    if resumed:
        try:
            check_same_run(previous, identity, seed_files, config.allow_mixed, store.path)
            check_resume(previous, plan.corpus, store.path)
        except SelfInstructError:
            await teacher.close()
            if cache is not None:
                cache.close()
            raise
    history = history_of(
        previous if resumed else {},
        identity,
        seed_files,
        from_request=store.last_commit.request_index + 1,
    )
    created_at = previous.get("created_at") or now_iso()
    judge, judge_price = None, price
    if config.judge:
        judge_model = config.judge_model or settings.model
        if separate_judge(config, settings):
            if not config.judge_model:
                judge_model = await _served_model(replace(settings, base_url=config.judge_base_url))
            judge_price = price_for(config, judge_model)
        judge = build_judge(plan, teacher, settings, judge_model, say)
    loop = Generation(
        store=store,
        teacher=teacher,
        method=method,
        seeds=plan.seeds,
        target=config.num_instructions,
        model_name=settings.model,
        concurrency=concurrency(plan),
        rouge_threshold=config.rouge_threshold,
        tokenizer=config.tokenizer,
        on_progress=on_progress,
        guard=ProgressGuard(config.stall_requests, config.max_error_rate),
        budget=Budget(
            price,
            config.max_cost,
            config.max_tokens_total,
            worst_case=(method.prompt_tokens_estimate(), config.max_tokens),
            judge_price=judge_price,
        ),
        judge=judge,
        min_score=config.min_score,
    )
    started = time.monotonic()
    status = "running"

    def summary() -> RunSummary:
        counts = loop.counts.snapshot()
        return RunSummary(
            out=store.path,
            status=status,
            counts=counts,
            target=config.num_instructions,
            requests_sent=teacher.stats.requests_sent,
            cache_hits=teacher.stats.cache_hits,
            wall_time_s=time.monotonic() - started,
            model=settings.model,
            base_url=teacher.public_base_url,
            profile=profile.name,
            cost_usd=loop.budget.cost(
                counts.prompt_tokens, counts.completion_tokens, counts.judge_tokens
            )
            if loop.budget
            else None,
            stop=loop.stop_reason,
            possibly_billed=teacher.stats.possibly_billed,
            possibly_billed_tokens=teacher.stats.possibly_billed_tokens,
            paid_prompt_tokens=teacher.stats.prompt_tokens,
            paid_completion_tokens=teacher.stats.completion_tokens,
            paid_cost_usd=_paid_cost(teacher, price, judge, judge_price),
            errors={
                **{f"failed:{k}": v for k, v in loop.errors.items()},
                **{f"retried:{k}": v for k, v in teacher.stats.errors.items()},
            },
            warnings=list(store.warnings),
        )

    def manifest(result: RunSummary) -> dict[str, Any]:
        written = run_manifest(config, result, seed_files, created_at)
        written["teacher"]["local"] = local
        written["history"] = history
        if plan.corpus is not None:
            written["documents"] = plan.corpus.manifest()
        return written

    store.write_manifest(manifest(summary()))
    _install_signal_handlers(loop, say, teacher.stop_waiting)
    try:
        await loop.run()
        status = "complete" if loop.counts.accepted >= config.num_instructions else "stopped"
    except SelfInstructError:
        status = "failed"
        raise
    except BaseException:
        status = "interrupted"
        raise
    finally:
        result = summary()
        try:
            await teacher.close()  # first: a failing manifest write must not leak the session
            if judge is not None and judge.teacher is not teacher:
                await judge.teacher.close()
        finally:
            if cache is not None:
                cache.close()
            _final_manifest(store, manifest(result), status, say)
    return result


def _paid_cost(
    teacher: Teacher, price: Price | None, judge: Judge | None, judge_price: Price | None
) -> float | None:
    """What the answers received this session cost: the judge's at its own price when
    another model judges."""
    if price is None:
        return None
    paid = price.cost(teacher.stats.prompt_tokens, teacher.stats.completion_tokens)
    if judge is not None and judge.teacher is not teacher:
        stats = judge.teacher.stats
        if stats.prompt_tokens or stats.completion_tokens:
            if judge_price is None:
                return None
            paid += judge_price.cost(stats.prompt_tokens, stats.completion_tokens)
    return paid


def _final_manifest(store: RunStore, manifest: dict[str, Any], status: str, say: Notify) -> None:
    """Write the closing run.json; when the run already fails (a full disk), a failure here
    is a warning, so the error the user sees is the first one, alone."""
    try:
        store.write_manifest(manifest)
        return
    except RunDirError:
        store.free_reserve()  # a full disk (the cache or a record filled it): use the reserve
    try:
        store.write_manifest(manifest)
    except RunDirError as exc:
        if status not in ("failed", "interrupted"):
            raise
        say(f"warning: {exc}")


def _install_signal_handlers(
    loop: Generation, say: Notify, stop_waiting: Callable[[], str | None]
) -> None:
    """First SIGINT/SIGTERM: stop cleanly (in-flight requests finish, manifest written;
    `stop_waiting` stops waiting for Batch API jobs, which keep running at the provider).
    Second: exit at once; the journal keeps every committed record intact."""
    try:
        event_loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    seen = {"count": 0}

    def on_signal(signum: int) -> None:
        seen["count"] += 1
        name = signal.Signals(signum).name
        if seen["count"] > 1:
            say(f"{name} again: exiting now; committed records are safe, rerun to resume")
            os._exit(128 + signum)
        resume = stop_waiting()
        if resume is not None:  # batch mode: nothing to finish here, the batches run on
            say(f"{name}: stopping; {resume}")
        else:
            resume = "run the same command to resume"
            say(f"{name}: finishing requests in flight, then stopping (again to exit at once)")
        loop.request_stop(StopReason("signal", f"interrupted by {name}; {resume}", 128 + signum))

    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            event_loop.add_signal_handler(signum, on_signal, signum)
        except (NotImplementedError, RuntimeError, ValueError):
            return  # not the main thread, or no signals here: the default behaviour stays
