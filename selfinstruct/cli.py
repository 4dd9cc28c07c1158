"""The `selfinstruct` command: parse flags, build a config, call the API, print.

No logic lives here. Every `SelfInstructError` becomes one line on stderr and exit code 1
(tracebacks only with --debug); click's own usage errors exit 2.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from selfinstruct import early_signal

early_signal.install()  # before the slow imports: a SIGTERM now gets a message, not -15

import click  # noqa: E402

from selfinstruct.errors import SelfInstructError  # noqa: E402

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int = 1) -> None:
    from selfinstruct.printable import one_line  # a message may quote a server's text

    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(code)


def handle_errors(func: F) -> F:
    """Turn the package's errors into one-line messages (the one place that does it)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = click.get_current_context().find_root().params.get("debug", False)
        try:
            return func(*args, **kwargs)
        except SelfInstructError as exc:
            if debug:
                raise
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            click.echo("\ninterrupted; run the same command again to resume", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


@click.group()
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(package_name="selfinstruct")
def main(debug: bool) -> None:
    """Grow a few human-written seed tasks into a clean instruction-tuning dataset."""


@main.command()
@click.option("--out", type=click.Path(path_type=Path), help="Run directory [outputs/run].")
@click.option(
    "--seeds",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Seed file or folder (repeatable) [seed_tasks/seed_tasks.jsonl].",
)
@click.option("--num-instructions", "-n", type=int, help="Total records wanted [100].")
@click.option(
    "--method",
    type=click.Choice(["alpaca", "self-instruct"]),
    help="Generation recipe: alpaca (one request, many tasks) or self-instruct (the paper's "
    "four steps) [alpaca].",
)
@click.option("--model", help="Teacher model [gpt-4o-mini on OpenAI; the served one elsewhere].")
@click.option("--base-url", help="OpenAI-compatible API base URL [OPENAI_BASE_URL].")
@click.option("--api-key", help="API key [OPENAI_API_KEY]; prefer the environment.")
@click.option(
    "--teacher",
    type=click.Choice(["auto", "api", "local"]),
    help="auto: the API if configured, else the embedded local model.",
)
@click.option("--profile", help="Teacher profile: openai or small-local [by teacher].")
@click.option("--temperature", type=float, help="Sampling temperature [the profile's].")
@click.option("--top-p", type=float, help="Nucleus sampling [1.0].")
@click.option("--max-tokens", type=int, help="Max tokens per answer [3072].")
@click.option("--concurrency", type=int, help="Requests in flight [8].")
@click.option("--rpm", type=float, help="Requests per minute, spread evenly [unlimited].")
@click.option(
    "--tpm", type=float, help="Tokens per minute (prompt + max_tokens reserved) [unlimited]."
)
@click.option(
    "--batch-api",
    is_flag=True,
    default=None,
    help="Send requests as OpenAI Batch API jobs: half price, answers within 24 h; Ctrl-C "
    "leaves batches running and a rerun collects them.",
)
@click.option("--batch-size", type=int, help="Requests per batch job [5000].")
@click.option("--batch-poll", "batch_poll_s", type=float, help="Seconds between polls [30].")
@click.option("--timeout", "timeout_s", type=float, help="Seconds per request [120].")
@click.option("--max-attempts", type=int, help="Attempts per request, retries included [6].")
@click.option("--num-demonstrations", type=int, help="Seed demonstrations per prompt [3].")
@click.option("--tasks-per-request", type=int, help="New tasks asked per request [20].")
@click.option(
    "--machine-demos",
    type=int,
    help="Generated instructions shown in each prompt [alpaca 0, self-instruct 2].",
)
@click.option("--max-instances", type=int, help="Self-instruct: instances per task [5].")
@click.option("--topic", help='Steer tasks toward a domain, e.g. "customer support for a bank".')
@click.option(
    "--documents",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Ground tasks in these documents (file or folder, repeatable; .txt .md .html .pdf "
    ".jsonl): one chunk a request, records name their document and chunk.",
)
@click.option("--records-per-chunk", type=int, help="--documents: tasks asked of a chunk [5].")
@click.option("--records-per-document", type=int, help="--documents: cap on a document's records.")
@click.option("--chunk-tokens", type=int, help="--documents: chunk size [fits the profile].")
@click.option("--rouge-threshold", type=float, help="Near-duplicate ROUGE-L threshold [0.7].")
@click.option(
    "--tokenizer",
    type=click.Choice(["default", "unicode"]),
    help="ROUGE-L tokenizer: default (paper-exact, ASCII) or unicode [default].",
)
@click.option("--seed", type=int, help="Random seed for sampling demonstrations [42].")
@click.option("--no-cache", is_flag=True, default=None, help="Do not reuse cached answers.")
@click.option("--max-cost", type=float, help="Stop cleanly before spending this many USD.")
@click.option("--max-tokens-total", type=int, help="Stop cleanly before this many tokens.")
@click.option("--max-requests", type=int, help="Hard cap on requests sent, retries included.")
@click.option(
    "--stall-requests",
    type=int,
    help="Stop when this many requests in a row yield no record [50]; 0 = never.",
)
@click.option(
    "--max-error-rate",
    type=float,
    help="Stop when more than this share of the last 100 requests failed [0.5].",
)
@click.option(
    "--allow-mixed",
    is_flag=True,
    default=None,
    help="Resume with another teacher or other seeds (run.json keeps the history).",
)
@click.option(
    "--judge", is_flag=True, default=None, help="Have a teacher grade each record (README)."
)
@click.option("--judge-model", help="Judge model [the generation teacher's].")
@click.option("--judge-base-url", help="Judge API base URL [the generation teacher's].")
@click.option("--judge-batch", type=int, help="Records graded per judge request [5].")
@click.option("--min-score", type=int, help="With --judge: drop a record scored below this (1-5).")
@click.option("--dry-run", is_flag=True, help="Print the estimated requests, tokens and cost.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path),
    help="TOML config file ([generate] table).",
)
@handle_errors
def generate(
    config_file: Path | None,
    no_cache: bool | None,
    seeds: tuple[Path, ...],
    documents: tuple[Path, ...],
    dry_run: bool,
    **flags: Any,
) -> None:
    """Generate a dataset (or resume one: the same command continues where it stopped)."""
    from selfinstruct.config import build_config
    from selfinstruct.printable import one_line
    from selfinstruct.run.generate import generate as run_generate
    from selfinstruct.run.progress import ProgressPrinter

    flags["seeds"] = list(seeds) or None
    flags["documents"] = list(documents) or None
    flags["use_cache"] = False if no_cache else None
    config = build_config(flags, config_file)
    if dry_run:
        from selfinstruct.run.build import plan_run
        from selfinstruct.run.estimate import estimate

        plan = plan_run(config)
        for message in plan.corpus.messages() if plan.corpus else ():
            click.echo(message, err=True)
        click.echo(estimate(plan).describe())
        return
    printer = ProgressPrinter()
    try:
        summary = run_generate(
            config, on_progress=printer, notify=lambda m: click.echo(one_line(m), err=True)
        )
    finally:
        printer.close()
    rejected = sum(summary.rejected.values())
    click.echo(
        f"{summary.status}: {summary.accepted}/{summary.target} records in {summary.out}/data.jsonl"
        f" | {summary.requests} requests committed | this session: {summary.requests_sent} sent"
        f" (retries included), {summary.cache_hits} from cache | tokens {summary.prompt_tokens}"
        f" in / {summary.completion_tokens} out | {summary.wall_time_s:.1f}s",
        err=True,
    )
    if summary.cost_usd is not None:
        paid = summary.paid_cost_usd
        this_session = f"; ${paid:.4f} for the answers received this session" if paid else ""
        click.echo(
            f"estimated cost: ${summary.cost_usd:.4f} for the committed requests{this_session}",
            err=True,
        )
    if rejected:
        from selfinstruct.quality.filters import by_family

        folded = by_family(summary.rejected).most_common()
        reasons = ", ".join(f"{reason} {n}" for reason, n in folded)
        click.echo(
            f"rejected {rejected} ({summary.candidates} candidates parsed, "
            f"{summary.accepted} kept; failed requests count too): {reasons}",
            err=True,
        )
    if summary.judge:
        judge = summary.judge
        click.echo(
            f"judge: {judge.get('judged', 0)} judged, {judge.get('unjudged', 0)} unjudged "
            f"(malformed verdicts or failed judge requests; kept, without scores) | "
            f"{judge.get('requests', 0)} judge requests committed",
            err=True,
        )
    if summary.stop is not None:
        click.echo(one_line(summary.stop.message), err=True)
    if summary.exit_code:
        sys.exit(summary.exit_code)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@handle_errors
def validate(files: tuple[Path, ...]) -> None:
    """Check Alpaca JSON/JSONL files; prints line-numbered problems, exit 1 if any."""
    from selfinstruct.dataset.validate import check_file

    problems = 0
    for path in files:
        found = 0
        for problem in check_file(path):
            click.echo(str(problem))
            found += 1
        problems += found
        if not found:
            click.echo(f"{path}: ok")
    if problems:
        _fail(f"{problems} problem(s)")


@main.command()
@click.argument("run", type=click.Path(path_type=Path))
@click.option("--rejected", is_flag=True, help="Sample rejections instead of records.")
@click.option("--reason", help="Only rejections whose reason starts with this.")
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=0),
    default=5,
    show_default=True,
    help="How many to show.",
)
@click.option("--seed", type=int, help="Random seed for the sample.")
@handle_errors
def show(run: Path, rejected: bool, reason: str | None, count: int, seed: int | None) -> None:
    """Print a random sample of a run's records (or rejections, with their evidence)."""
    from selfinstruct.dataset.show import show as show_sample

    show_sample(run, rejected=rejected or reason is not None, reason=reason, n=count, seed=seed)


EXPORT_FORMATS = ("alpaca-json", "alpaca-jsonl", "openai-chat", "sharegpt", "hf")


@main.command("export")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format", "fmt", required=True, type=click.Choice(EXPORT_FORMATS), help="Training format."
)
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Output folder (split files, README.md card, dataset_info.json).",
)
@click.option(
    "--validation-fraction",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.05,
    show_default=True,
    help="Share of records held out for validation.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed of the split.")
@click.option("--system", help="System prompt (openai-chat and sharegpt only).")
@click.option(
    "--rouge-threshold",
    type=float,
    help="Near-duplicate ROUGE-L threshold for the split [the run's, else 0.7].",
)
@click.option("--overwrite", is_flag=True, help="Replace OUT if it exists.")
@click.option("--with-scores", is_flag=True, help="Add each record's judge scores (--judge runs).")
@handle_errors
def export_command(
    source: Path,
    fmt: str,
    out: Path,
    validation_fraction: float,
    seed: int,
    system: str | None,
    rouge_threshold: float | None,
    overwrite: bool,
    with_scores: bool,
) -> None:
    """Write SOURCE (a run directory or an Alpaca JSON/JSONL file) in a training format."""
    from selfinstruct.dataset.export import export

    result = export(
        source,
        fmt,
        out,
        validation_fraction=validation_fraction,
        seed=seed,
        system=system,
        rouge_threshold=rouge_threshold,
        overwrite=overwrite,
        with_scores=with_scores,
    )
    counts = ", ".join(f"{n} {split}" for split, n in result.counts.items())
    click.echo(
        f"{result.out}: {counts} ({result.format}); dataset card: {result.out / 'README.md'}"
    )
    if result.skipped:
        click.echo(
            f"skipped {len(result.skipped)} invalid record(s); first: {result.skipped[0]}", err=True
        )


@main.command("report")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for report.html and the PNG figures.",
)
@click.option(
    "--seeds",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Seed file(s) for the similarity-to-seed figure [the run's] (repeatable).",
)
@handle_errors
def report_command(source: Path, out: Path, seeds: tuple[Path, ...]) -> None:
    """Statistics and plots of a run directory or an Alpaca JSON/JSONL file."""
    from selfinstruct.dataset.report import report

    result = report(source, out, seeds=list(seeds) or None)
    click.echo(f"{result.html} ({len(result.images)} figures)")
    for note in result.notes:
        click.echo(f"not drawn: {note}", err=True)


ROUGE_TOKENIZERS = "default: rouge_score's (ASCII); unicode: every script."


def tokenizer_option(help_text: str) -> Callable[[F], F]:
    """`--tokenizer` of the commands that run ROUGE-L on their own (seeds check, dedup, clean)."""
    return click.option(
        "--tokenizer",
        type=click.Choice(["default", "unicode"]),
        default="default",
        show_default=True,
        help=help_text,
    )


@main.group(name="seeds")
def seeds_group() -> None:
    """Keep a seed set healthy, and grow it from a run's tasks."""


@seeds_group.command(name="check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--rouge-threshold",
    type=float,
    default=0.7,
    show_default=True,
    help="Seed pairs above this ROUGE-L are near-duplicates.",
)
@tokenizer_option("ROUGE-L tokenizer.")
@handle_errors
def seeds_check(paths: tuple[Path, ...], rouge_threshold: float, tokenizer: Any) -> None:
    """Schema errors (file:line), near-duplicate pairs and counts by kind; exit 1 on problems."""
    from selfinstruct.seeds.seedset import check_seeds

    report = check_seeds(paths, threshold=rouge_threshold, tokenizer=tokenizer)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        sys.exit(1)


@seeds_group.command(name="export")
@click.argument("run", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Seed file to write.")
@click.option(
    "--min-instances",
    type=int,
    default=1,
    show_default=True,
    help="Skip tasks with fewer accepted instances.",
)
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
@handle_errors
def seeds_export(run: Path, out: Path, min_instances: int, force: bool) -> None:
    """A run's accepted tasks in the Self-Instruct seed format, to review and append."""
    from selfinstruct.seeds.seedset import export_seeds

    count = export_seeds(run, out, min_instances=min_instances, force=force)
    if count == 0:
        _fail(f"{run}: no task with at least {min_instances} accepted instance(s); nothing written")
    click.echo(f"{count} tasks written to {out}; review them, then add the file to --seeds")


@main.command()
@click.option("--port", type=int, default=8000, show_default=True, help="Port on --host.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--threads",
    type=int,
    default=1,
    show_default=True,
    help="CPU threads (llama.cpp's all-cores default stalls on a busy machine).",
)
@click.option(
    "--slots",
    type=int,
    default=1,
    show_default=True,
    help="Requests decoded together (llama.cpp's continuous batching); more wait in its queue.",
)
@handle_errors
def serve(port: int, host: str, threads: int, slots: int) -> None:
    """Run the embedded local teacher alone, as an OpenAI-compatible server for other tools."""
    from selfinstruct.teachers.local import serve as serve_local

    sys.exit(serve_local(port=port, host=host, threads=threads, slots=slots, echo=click.echo))


@main.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Kept records (.json: a JSON array, else JSONL).",
)
@click.option("--field", default="instruction", show_default=True, help="Field compared.")
@click.option(
    "--threshold",
    default=0.7,
    show_default=True,
    type=float,
    help="Drop a record whose ROUGE-L F against a kept one is above this.",
)
@click.option(
    "--against",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Files or folders whose records count as kept already (repeatable).",
)
@tokenizer_option(ROUGE_TOKENIZERS)
@click.option(
    "--removed",
    "removed_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Removed records with neighbour and score [STEM.removed.jsonl beside OUT].",
)
@handle_errors
def dedup(
    source: Path,
    out: Path,
    field: str,
    threshold: float,
    against: tuple[Path, ...],
    tokenizer: Any,
    removed_path: Path | None,
) -> None:
    """Remove near-duplicates from any Alpaca JSON/JSONL dataset, greedily in input order."""
    from selfinstruct.dataset.dedup import dedup_file

    stats = dedup_file(
        source,
        out,
        field=field,
        threshold=threshold,
        against=against,
        tokenizer=tokenizer,
        removed_path=removed_path,
    )
    click.echo(
        f"{stats.read:,} read, {stats.kept:,} kept, {stats.removed:,} removed "
        f"in {stats.seconds:.1f} s"
    )


@main.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for data.jsonl (kept) and rejected.jsonl (dropped, with reasons).",
)
@click.option(
    "--rouge-threshold",
    default=0.7,
    show_default=True,
    type=float,
    help="Drop an instruction whose ROUGE-L F against a kept one is above this.",
)
@tokenizer_option(ROUGE_TOKENIZERS)
@click.option("--judge", is_flag=True, help="Have a teacher grade each kept record (README).")
@click.option(
    "--judge-model", help="Judge model [gpt-4o-mini on OpenAI; the served one elsewhere]."
)
@click.option("--judge-base-url", help="Judge API base URL [OPENAI_BASE_URL]; key: OPENAI_API_KEY.")
@click.option("--judge-batch", type=int, default=5, show_default=True, help="Records a request.")
@click.option("--min-score", type=int, help="With --judge: drop a record scored below this (1-5).")
@handle_errors
def clean(
    source: Path, out: Path, rouge_threshold: float, tokenizer: Any, judge: bool, **options: Any
) -> None:
    """Run the quality gate and duplicate removal on any Alpaca JSON/JSONL dataset."""
    from selfinstruct.dataset.clean import clean_file

    judging = None
    if judge or any(v is not None for k, v in options.items() if k != "judge_batch"):
        from selfinstruct.dataset.clean_judge import judge_options

        judging = judge_options(judge, **options)
    stats = clean_file(
        source, out, rouge_threshold=rouge_threshold, tokenizer=tokenizer, judge=judging
    )
    click.echo(
        f"{stats.read:,} read, {stats.kept:,} kept, {stats.read - stats.kept:,} dropped, "
        f'{stats.markers:,} no-input markers set to "" in {stats.seconds:.1f} s'
    )
    for reason, count in stats.rejected.most_common():
        click.echo(f"  {reason}: {count:,}")
    if judging is not None:
        j = stats.judge
        click.echo(
            f"judge: {j['judged']:,} judged, {j['unjudged']:,} unjudged (kept, without scores) | "
            f"{j['requests']:,} requests, {j['prompt_tokens']:,} prompt + "
            f"{j['completion_tokens']:,} completion tokens; scores in {out / 'scores.jsonl'}"
        )
    click.echo(f"wrote {out / 'data.jsonl'} and {out / 'rejected.jsonl'}")
