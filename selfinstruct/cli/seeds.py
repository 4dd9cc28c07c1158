"""`selfinstruct seeds`: keep a seed set healthy, grow it from a run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from selfinstruct.cli.app import fail, handle_errors, main, tokenizer_option


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
        fail(f"{run}: no task with at least {min_instances} accepted instance(s); nothing written")
    click.echo(f"{count} tasks written to {out}; review them, then add the file to --seeds")
