"""`selfinstruct generate`: its flags (`GenerateConfig` fields) and the closing lines."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from selfinstruct.cli.app import handle_errors, main


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
    for line in summary.lines():
        click.echo(one_line(line), err=True)
    if summary.exit_code:
        sys.exit(summary.exit_code)
