"""A random sample of a run's records or rejections, for reading before training on them.

Users should look at their data; this makes it one command. Rejections show their reason
and evidence (neighbour and score, the teacher's raw answer) so a failure can be understood.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from selfinstruct.datafile import iter_jsonl_bytes
from selfinstruct.errors import SelfInstructError
from selfinstruct.store.writer import DATA, RECORDS, REJECTED, committed_sizes

#: Characters of a long field shown before it is cut (the full text is in the file).
FIELD_CHARS = 1200


def _rows(path: Path, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """JSON lines of `path`, up to `limit` bytes (a live run's last commit)."""
    with open(path, "rb") as handle:
        raw = handle.read() if limit is None else handle.read(limit)
    for _, line in iter_jsonl_bytes(raw):
        if line.strip():
            try:
                yield json.loads(line)
            except ValueError:
                continue  # a torn line of a file that is not a run's


def sample_rows(
    run: str | Path,
    *,
    rejected: bool = False,
    reason: str | None = None,
    n: int = 5,
    seed: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """`n` random rows (records or rejections matching `reason` as a prefix) and the total."""
    run = Path(run)
    limit = None
    if run.is_file():
        path = run
    else:
        name = REJECTED if rejected else (RECORDS if (run / RECORDS).exists() else DATA)
        path = run / name
        limit = (committed_sizes(run) or {}).get(name)
    if not path.exists():
        raise SelfInstructError(f"{path}: no such file (is {run} a run directory?)")
    rows = [
        row
        for row in _rows(path, limit)
        if reason is None or str(row.get("reason", "")).startswith(reason)
    ]
    rng = random.Random(seed)
    picked = rng.sample(rows, min(n, len(rows)))
    return picked, len(rows)


def _cut(text: str) -> str:
    return text if len(text) <= FIELD_CHARS else text[:FIELD_CHARS] + " …"


def render_row(row: dict[str, Any]) -> Panel:
    body = Text()
    title = row.get("id") or f"request {row.get('request_index', '?')}"
    subtitle = None
    if "reason" in row:
        title = Text(row["reason"], style="bold red")
    for label in ("instruction", "input", "output"):
        value = row.get(label)
        if value:
            body.append(f"{label}: ", style="bold cyan")
            body.append(_cut(str(value)) + "\n")
    if row.get("neighbour"):
        body.append("neighbour: ", style="bold yellow")
        body.append(f"{_cut(str(row['neighbour']))} (ROUGE-L {row.get('score')})\n")
    if row.get("detail"):
        body.append("detail: ", style="bold yellow")
        body.append(str(row["detail"]) + "\n")
    if row.get("raw"):
        cut = " (cut at 8 KB)" if row.get("raw_truncated") else ""
        body.append(f"teacher's raw answer{cut}:\n", style="bold magenta")
        body.append(_cut(str(row["raw"])) + "\n")
    if row.get("nearest_seed"):
        subtitle = f"nearest seed {row['nearest_seed']} (ROUGE-L {row.get('nearest_seed_rouge_l')})"
    return Panel(body, title=title, subtitle=subtitle, title_align="left")


def show(
    run: str | Path,
    *,
    rejected: bool = False,
    reason: str | None = None,
    n: int = 5,
    seed: int | None = None,
    console: Console | None = None,
) -> int:
    """Print the sample; returns how many rows matched."""
    console = console or Console()
    rows, total = sample_rows(run, rejected=rejected, reason=reason, n=n, seed=seed)
    what = "rejections" if rejected else "records"
    if reason:
        what += f" with reason {reason}*"
    console.print(f"{len(rows)} of {total} {what} in {run}")
    for row in rows:
        console.print(render_row(row))
    return total
