"""The one place where a config becomes a run: profile, seeds, method, teacher and settings.

`generate` and `--dry-run` both start here, so what the estimate prices is what a real run
sends: the same method (Alpaca or Self-Instruct), the same profile's endpoint and limits, the
same teacher (an API, or the free local one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfinstruct.config import GenerateConfig, apply_profile, uses_local_teacher
from selfinstruct.documents.corpus import Corpus
from selfinstruct.errors import ConfigError
from selfinstruct.methods.alpaca import AlpacaMethod
from selfinstruct.methods.base import Method
from selfinstruct.methods.profiles import (
    DEFAULT_PROFILE,
    LOCAL_PROFILE,
    TeacherProfile,
    profile_from_config,
)
from selfinstruct.schemas import SeedTask
from selfinstruct.seeds.load import load_seeds_with_files
from selfinstruct.store.layout import BATCH_JOURNAL, CACHE
from selfinstruct.teachers.client import Teacher, TeacherSettings, TransportFactory
from selfinstruct.teachers.pricing import Price, run_price

if TYPE_CHECKING:
    from selfinstruct.quality.judge import Judge

Notify = Callable[[str], None]


@dataclass(frozen=True)
class RunPlan:
    """What a run will do, decided before anything is sent or written."""

    config: GenerateConfig  # with the profile's settings applied
    profile: TeacherProfile
    seeds: list[SeedTask]
    #: each seed file's `{"path", "sha256"}`, hashed from the bytes parsed
    seed_files: list[dict[str, Any]]
    method: Method
    #: the embedded local teacher (free, no key), not an API
    local: bool
    #: `--documents`: the chunks units are grounded in
    corpus: Corpus | None = None


def plan_run(config: GenerateConfig) -> RunPlan:
    """Check the settings against each other, load the seeds and build the method."""
    local = uses_local_teacher(config)
    profile = resolve_profile(config)
    config = apply_profile(config, profile)
    if config.batch_api and local:
        raise ConfigError(
            "--batch-api needs a provider with OpenAI's Batch API (--base-url / OPENAI_API_KEY);"
            " the local teacher answers requests one at a time"
        )
    if config.batch_api and not config.use_cache:
        raise ConfigError(
            "--batch-api needs the response cache: batch answers are kept there until the run "
            "uses them (drop --no-cache)"
        )
    if (config.min_score or config.judge_model or config.judge_base_url) and not config.judge:
        raise ConfigError("--min-score, --judge-model and --judge-base-url need --judge")
    _refuse_seeds_in_out(config)
    seeds, seed_files = load_seeds_with_files(config.seeds)
    if config.model and not local:
        price_for(config, config.model)  # a budget that cannot be enforced fails before any I/O
    if config.judge_model and (config.judge_base_url or not local):
        price_for(config, config.judge_model)
    corpus = load_corpus(config, profile) if config.documents else None
    method = build_method(config, seeds, profile, corpus)
    return RunPlan(config, profile, seeds, seed_files, method, local, corpus)


def load_corpus(config: GenerateConfig, profile: TeacherProfile) -> Corpus:
    """The documents, chunked for the profile's context (`--documents` works with alpaca)."""
    from selfinstruct.documents.chunk import chunk_size_for

    if config.method != "alpaca":
        raise ConfigError("--documents works with --method alpaca (one chunk a request)")
    return Corpus(config.documents, chunk_size_for(profile, config.chunk_tokens))


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


def resolve_profile(config: GenerateConfig) -> TeacherProfile:
    """The teacher profile: the one named, else small-local for the local teacher."""
    default = LOCAL_PROFILE if uses_local_teacher(config) else DEFAULT_PROFILE
    return profile_from_config(config.profile_overrides, default=config.profile or default)


def build_method(
    config: GenerateConfig,
    seeds: list[SeedTask],
    profile: TeacherProfile | None = None,
    corpus: Corpus | None = None,
) -> Method:
    """The recipe `config.method` names, with its settings; over `corpus`'s chunks when given."""
    if corpus is not None:
        from selfinstruct.methods.grounded import GroundedMethod

        return GroundedMethod(
            seeds,
            config.seed,
            corpus,
            records_per_chunk=config.records_per_chunk,
            records_per_document=config.records_per_document,
            num_demonstrations=config.num_demonstrations,
            topic=config.topic,
            profile=profile,
        )
    if config.method == "self-instruct":
        from selfinstruct.methods.self_instruct import SelfInstructMethod
        from selfinstruct.methods.self_instruct_steps import CompletionSteps

        machine = 2 if config.machine_demos is None else config.machine_demos
        # a small model gets short completion documents with grammars, as in alpaca's recipe
        small = profile is not None and profile.prompt_style == "completion_list"
        return SelfInstructMethod(
            seeds,
            config.seed,
            instructions_per_request=profile.tasks_per_request if profile and small else 8,
            seed_demos=8 - machine,
            machine_demos=machine,
            max_instances=config.max_instances,
            topic=config.topic,
            steps=CompletionSteps() if small else None,
            demo_pool=profile.demonstration_pool(seeds) if profile and small else None,
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


def price_for(config: GenerateConfig, model: str) -> Price | None:
    """The model's price (batch price with --batch-api); an error when --max-cost needs one."""
    price = run_price(model, config.prices, config.batch_api)
    if config.max_cost is not None and price is None:
        raise ConfigError(
            f"--max-cost: no price known for model {model!r}; add it to the config "
            "file's [prices] table, or cap with --max-tokens-total / --max-requests"
        )
    return price


def teacher_settings(plan: RunPlan, base_url: str | None, model: str | None) -> TeacherSettings:
    """How to reach the teacher and sample from it, from the config and the profile."""
    config, profile = plan.config, plan.profile
    return TeacherSettings(
        model=model or "",
        base_url=base_url,
        api_key=config.api_key_value(),
        temperature=config.temperature,
        top_p=config.top_p,
        max_tokens=config.max_tokens,
        seed=config.seed,
        send_seed=profile.send_seed,
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


def concurrency(plan: RunPlan) -> int:
    """Units in flight: the concurrency bound, or with --batch-api every unit a batch holds
    (the transport gathers them into batch jobs)."""
    return plan.config.batch_size if plan.config.batch_api else plan.config.concurrency


def build_teacher(plan: RunPlan, settings: TeacherSettings, run_dir: Path, say: Notify) -> Teacher:
    """The teacher with its cache and its transport: live requests, or the Batch API."""
    config = plan.config
    cache = None
    if config.use_cache:
        from selfinstruct.teachers.cache import ResponseCache

        cache = ResponseCache(run_dir / CACHE)
        for warning in cache.warnings:
            say(f"warning: {warning}")
    transport: TransportFactory | None = None
    if config.batch_api:
        from selfinstruct.teachers.batch import BatchTransport

        if config.rpm or config.tpm:
            say("warning: --rpm/--tpm do not apply to --batch-api (the provider queues batches)")
        transport = BatchTransport.factory(
            run_dir / BATCH_JOURNAL,
            poll_s=config.batch_poll_s,
            gather_s=config.batch_gather_s,
            max_lines=config.batch_size,
            say=say,
        )
    return Teacher(
        settings, cache=cache, backoff_initial_s=config.retry_backoff_s, transport=transport
    )


def separate_judge(config: GenerateConfig, settings: TeacherSettings) -> bool:
    """True when `--judge-model`/`--judge-base-url` name another model or server."""
    return bool(
        (config.judge_model and config.judge_model != settings.model)
        or (config.judge_base_url and config.judge_base_url != settings.base_url)
    )


def build_judge(
    plan: RunPlan, teacher: Teacher, settings: TeacherSettings, judge_model: str, say: Notify
) -> Judge:
    """The judge: the generation teacher itself (its cache, limits, retries, request cap,
    Batch API), or another model/server on a client of its own sharing the run's cache."""
    from dataclasses import replace

    from selfinstruct.quality.judge import Judge, Structured

    config, profile = plan.config, plan.profile
    judge_teacher = teacher
    structured: Structured = "json_schema"
    if profile.structured in ("json_object_schema", "guided_json"):
        structured = profile.structured
    if separate_judge(config, settings):
        if config.batch_api:
            say("warning: --batch-api: the judge's own server is asked live, not in batches")
        judge_settings = replace(
            settings,
            model=judge_model,
            base_url=config.judge_base_url or settings.base_url,
            stop=None,
            extra_body=None,
            send_seed=True,
            max_requests=None,
        )
        judge_teacher = Teacher(
            judge_settings, cache=teacher.cache, backoff_initial_s=config.retry_backoff_s
        )
    completion = judge_teacher is teacher and profile.endpoint == "completions"
    if completion:
        structured = "none"
    return Judge(
        judge_teacher,
        model=judge_model,
        batch=config.judge_batch,
        structured=structured,
        completion=completion,
    )
