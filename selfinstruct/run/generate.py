"""`generate()`: wires a config to seeds, a run directory, a teacher and the loop.

This is the public entry point a notebook or the CLI calls. It owns the run's life cycle:
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
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import openai

from selfinstruct.config import (
    DEFAULT_OPENAI_MODEL,
    GenerateConfig,
    apply_profile,
    uses_local_teacher,
)
from selfinstruct.errors import ConfigError, RunDirError, SelfInstructError, TeacherAuthError
from selfinstruct.methods.alpaca import AlpacaMethod
from selfinstruct.methods.base import Method
from selfinstruct.methods.profiles import (
    DEFAULT_PROFILE,
    LOCAL_PROFILE,
    TeacherProfile,
    profile_from_config,
)
from selfinstruct.run.guards import Budget, ProgressGuard, StopReason
from selfinstruct.run.history import check_same_run, history_of
from selfinstruct.run.loop import Generation, Progress, now_iso
from selfinstruct.schemas import SeedTask
from selfinstruct.seeds.load import load_seeds_with_files
from selfinstruct.store.writer import BATCH_JOURNAL, CACHE, RunStore
from selfinstruct.teachers.client import Teacher, TeacherSettings, redact_url
from selfinstruct.teachers.pricing import Price, run_price

Notify = Callable[[str], None]


@dataclass
class RunSummary:
    """How a run ended, for the CLI's closing lines and for scripts."""

    out: Path
    status: str
    accepted: int
    target: int
    requests: int
    requests_sent: int
    cache_hits: int
    candidates: int
    rejected: dict[str, int]
    prompt_tokens: int
    completion_tokens: int
    wall_time_s: float
    model: str
    base_url: str | None
    profile: str = ""
    cost_usd: float | None = None
    possibly_billed: int = 0
    possibly_billed_tokens: int = 0
    #: tokens of every answer received this session, committed or not (units still in flight
    #: at the target are paid, kept in the cache and replayed free by a larger run)
    paid_prompt_tokens: int = 0
    paid_completion_tokens: int = 0
    paid_cost_usd: float | None = None
    stop: StopReason | None = None
    errors: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when the target was reached, else the stop's code (3, or 130/143 for signals)."""
        if self.status == "complete":
            return 0
        return self.stop.exit_code if self.stop else 1


def package_versions() -> dict[str, str]:
    versions = {}
    for name in ("selfinstruct", "openai", "pydantic", "rapidfuzz", "rouge-score", "datasets"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


@contextlib.contextmanager
def _teacher_endpoint(config: GenerateConfig, notify: Notify) -> Iterator[tuple[str | None, str]]:
    """Yield (base_url, model): the configured API, or the embedded local teacher."""
    if not uses_local_teacher(config):
        if not config.base_url and not config.api_key:
            raise ConfigError("--teacher api: no API key; set OPENAI_API_KEY or pass --base-url")
        yield config.base_url, config.model or (None if config.base_url else DEFAULT_OPENAI_MODEL)
        return
    from selfinstruct.teachers.local import LocalTeacher

    with LocalTeacher(log_dir=config.out) as local:
        notify(local.banner())
        yield local.base_url, local.model


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


def _manifest(
    config: GenerateConfig,
    summary: RunSummary,
    seed_files: list[dict[str, Any]],
    created_at: str,
) -> dict[str, Any]:
    settings = config.model_dump(mode="json")
    settings["base_url"] = summary.base_url
    settings["model"] = summary.model
    settings["profile"] = summary.profile
    return {
        "package_version": package_versions().get("selfinstruct", "unknown"),
        "created_at": created_at,
        "updated_at": now_iso(),
        "status": summary.status,
        "config": settings,
        "teacher": {"model": summary.model, "base_url": summary.base_url},
        "seed_files": seed_files,
        "packages": package_versions(),
        "counts": {
            "requests": summary.requests,
            "requests_sent_this_session": summary.requests_sent,
            "cache_hits_this_session": summary.cache_hits,
            "candidates": summary.candidates,
            "accepted": summary.accepted,
            "rejected": summary.rejected,
        },
        "usage": {
            "prompt_tokens": summary.prompt_tokens,
            "completion_tokens": summary.completion_tokens,
            "cost_usd": None if summary.cost_usd is None else round(summary.cost_usd, 6),
            "received_this_session": {
                "prompt_tokens": summary.paid_prompt_tokens,
                "completion_tokens": summary.paid_completion_tokens,
                "cost_usd": None
                if summary.paid_cost_usd is None
                else round(summary.paid_cost_usd, 6),
            },
            "possibly_billed_failures_this_session": summary.possibly_billed,
            "possibly_billed_tokens_at_most": summary.possibly_billed_tokens,
        },
        "errors": summary.errors,
        "stop": None
        if summary.stop is None
        else {"kind": summary.stop.kind, "message": summary.stop.message},
        "wall_time_s": round(summary.wall_time_s, 2),
    }


def generate(
    config: GenerateConfig | None = None,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    notify: Notify | None = None,
    **settings: Any,
) -> RunSummary:
    """Generate (or resume) a dataset in `config.out`; returns how the run ended.

    `settings` are `GenerateConfig` fields, for calls like `generate(out="outputs/x",
    num_instructions=50, base_url="http://127.0.0.1:8000/v1")`.
    """
    if config is None:
        config = GenerateConfig(**settings)
    elif settings:
        config = config.model_copy(update=settings)
    say: Notify = notify or (lambda message: None)
    profile = resolve_profile(config)
    config = apply_profile(config, profile)
    if config.batch_api and uses_local_teacher(config):
        raise ConfigError(
            "--batch-api needs a provider with OpenAI's Batch API (--base-url / OPENAI_API_KEY);"
            " the local teacher answers requests one at a time"
        )
    if config.batch_api and not config.use_cache:
        raise ConfigError(
            "--batch-api needs the response cache: batch answers are kept there until the run "
            "uses them (drop --no-cache)"
        )
    _refuse_seeds_in_out(config)
    seeds, seed_files = load_seeds_with_files(config.seeds)
    if config.model:
        _price_for(config, config.model)  # a budget that cannot be enforced fails before any I/O
    with RunStore(config.out) as store:
        previous = store.read_manifest() or {}
        for warning in store.warnings:
            say(f"warning: {warning}")
        _warn_changed(previous, config, say)
        with _teacher_endpoint(config, say) as (base_url, model):
            return asyncio.run(
                _run(
                    config,
                    profile,
                    store,
                    seeds,
                    seed_files,
                    previous,
                    base_url,
                    model,
                    on_progress,
                    say,
                )
            )


def _price_for(config: GenerateConfig, model: str) -> Price | None:
    price = run_price(model, config.prices, config.batch_api)
    if config.max_cost is not None and price is None:
        raise ConfigError(
            f"--max-cost: no price known for model {model!r}; add it to the config "
            "file's [prices] table, or cap with --max-tokens-total / --max-requests"
        )
    return price


def _refuse_seeds_in_out(config: GenerateConfig) -> None:
    """The run directory is written, seeds are read: one folder cannot be both."""
    out = config.out.resolve()
    for path in config.seeds:
        real = path.resolve()
        if real == out or out in real.parents or real in out.parents:
            raise ConfigError(
                f"--seeds {path}: inside or around the run directory --out {config.out}; "
                "seeds are the human-written tasks, keep them in their own folder"
            )


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
    config: GenerateConfig,
    profile: TeacherProfile,
    store: RunStore,
    seeds: list[Any],
    seed_files: list[dict[str, Any]],
    previous: dict[str, Any],
    base_url: str | None,
    model: str | None,
    on_progress: Callable[[Progress], None] | None,
    say: Notify,
) -> RunSummary:
    settings = TeacherSettings(
        model=model or "",
        base_url=base_url,
        api_key=config.api_key_value(),
        temperature=config.temperature,
        top_p=config.top_p,
        max_tokens=config.max_tokens,
        seed=config.seed,
        send_seed=profile.send_seed,
        endpoint=profile.endpoint,
        stop=list(profile.stop) or None,
        extra_body=dict(profile.extra_body) or None,
        timeout_s=config.timeout_s,
        max_attempts=config.max_attempts,
        concurrency=config.concurrency,
        rpm=config.rpm,
        tpm=config.tpm,
        tpm_refund=profile.tpm_counts == "used",
        max_requests=config.max_requests,
    )
    if not settings.model:
        settings.model = await _served_model(settings)
    price = _price_for(config, settings.model)
    cache = None
    if config.use_cache:
        from selfinstruct.teachers.cache import ResponseCache

        cache = ResponseCache(store.path / CACHE)
        for warning in cache.warnings:
            store.warnings.append(warning)
            say(f"warning: {warning}")
    teacher = Teacher(settings, cache=cache, backoff_initial_s=config.retry_backoff_s)
    local = uses_local_teacher(config)
    identity = {"model": settings.model, "base_url": teacher.public_base_url, "local": local}
    resumed = store.last_commit.request_index >= 0
    if resumed:
        try:
            check_same_run(previous, identity, seed_files, config.allow_mixed, store.path)
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
    concurrency = config.concurrency
    if config.batch_api:
        # every unit the target needs is asked at once: the sender gathers them into batches
        concurrency = config.batch_size
        if config.rpm or config.tpm:
            say("warning: --rpm/--tpm do not apply to --batch-api (the provider queues batches)")
        teacher.use_batch_api(
            store.path / BATCH_JOURNAL,
            poll_s=config.batch_poll_s,
            gather_s=config.batch_gather_s,
            max_lines=config.batch_size,
            say=say,
        )
    method = build_method(config, seeds, profile)
    loop = Generation(
        store=store,
        teacher=teacher,
        method=method,
        seeds=seeds,
        target=config.num_instructions,
        model_name=settings.model,
        concurrency=concurrency,
        rouge_threshold=config.rouge_threshold,
        tokenizer=config.tokenizer,
        on_progress=on_progress,
        guard=ProgressGuard(config.stall_requests, config.max_error_rate),
        budget=Budget(
            price,
            config.max_cost,
            config.max_tokens_total,
            worst_case=(method.prompt_tokens_estimate(), config.max_tokens),
        ),
    )
    started = time.monotonic()
    status = "running"

    def summary() -> RunSummary:
        state = loop.state
        return RunSummary(
            out=store.path,
            status=status,
            accepted=state.accepted,
            target=config.num_instructions,
            requests=state.requests_done,
            requests_sent=teacher.stats.requests_sent,
            cache_hits=teacher.stats.cache_hits,
            candidates=state.candidates,
            rejected=dict(state.rejected.most_common()),
            prompt_tokens=state.prompt_tokens,
            completion_tokens=state.completion_tokens,
            wall_time_s=time.monotonic() - started,
            model=settings.model,
            base_url=teacher.public_base_url,
            profile=profile.name,
            cost_usd=price.cost(state.prompt_tokens, state.completion_tokens) if price else None,
            stop=loop.stop_reason,
            possibly_billed=teacher.stats.possibly_billed,
            possibly_billed_tokens=teacher.stats.possibly_billed_tokens,
            paid_prompt_tokens=teacher.stats.prompt_tokens,
            paid_completion_tokens=teacher.stats.completion_tokens,
            paid_cost_usd=price.cost(teacher.stats.prompt_tokens, teacher.stats.completion_tokens)
            if price
            else None,
            errors={
                **{f"failed:{k}": v for k, v in loop.errors.items()},
                **{f"retried:{k}": v for k, v in teacher.stats.errors.items()},
            },
            warnings=list(store.warnings),
        )

    def manifest(result: RunSummary) -> dict[str, Any]:
        written = _manifest(config, result, seed_files, created_at)
        written["teacher"]["local"] = local
        written["history"] = history
        return written

    store.write_manifest(manifest(summary()))
    _install_signal_handlers(loop, say, teacher.batch.release_waiters if teacher.batch else None)
    try:
        await loop.run()
        status = "complete" if loop.state.accepted >= config.num_instructions else "stopped"
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
        finally:
            if cache is not None:
                cache.close()
            _final_manifest(store, manifest(result), status, say)
    return result


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


def resolve_profile(config: GenerateConfig) -> TeacherProfile:
    """The teacher profile: the one named, else small-local for the local teacher."""
    default = LOCAL_PROFILE if uses_local_teacher(config) else DEFAULT_PROFILE
    return profile_from_config(config.profile_overrides, default=config.profile or default)


def build_method(
    config: GenerateConfig, seeds: list[SeedTask], profile: TeacherProfile | None = None
) -> Method:
    """The recipe `config.method` names, with its settings."""
    if config.method == "self-instruct":
        from selfinstruct.methods.self_instruct import SelfInstructMethod

        machine = 2 if config.machine_demos is None else config.machine_demos
        return SelfInstructMethod(
            seeds,
            config.seed,
            seed_demos=8 - machine,
            machine_demos=machine,
            max_instances=config.max_instances,
            topic=config.topic,
        )
    return AlpacaMethod(
        seeds=seeds,
        seed=config.seed,
        num_demonstrations=config.num_demonstrations,
        tasks_per_request=config.tasks_per_request,
        topic=config.topic,
        machine_demos=config.machine_demos or 0,
        profile=profile,
    )


def _install_signal_handlers(
    loop: Generation, say: Notify, on_stop: Callable[[], str] | None = None
) -> None:
    """First SIGINT/SIGTERM: stop cleanly (in-flight requests finish, manifest written;
    `on_stop` stops waiting for Batch API jobs, which keep running at the provider).
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
        resume = "run the same command to resume"
        if on_stop is not None:  # batch mode: nothing to finish here, the batches run on
            resume = on_stop()
            say(f"{name}: stopping; {resume}")
        else:
            say(f"{name}: finishing requests in flight, then stopping (again to exit at once)")
        loop.request_stop(StopReason("signal", f"interrupted by {name}; {resume}", 128 + signum))

    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            event_loop.add_signal_handler(signum, on_signal, signum)
        except (NotImplementedError, RuntimeError, ValueError):
            return  # not the main thread, or no signals here: the default behaviour stays
