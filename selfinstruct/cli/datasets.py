"""Commands on datasets: validate, show, export, report, dedup, clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from selfinstruct.cli.app import (
    NOTHING_WRITTEN,
    ROUGE_TOKENIZERS,
    fail,
    handle_errors,
    main,
    tokenizer_option,
)


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
        fail(f"{problems} problem(s)")


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
@handle_errors(interrupted=NOTHING_WRITTEN)
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
@handle_errors(interrupted=NOTHING_WRITTEN)
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
