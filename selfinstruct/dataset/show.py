"""A random sample of a run's records or rejections, for reading before training on them.

Users should look at their data; this makes it one command. Rejections show their reason
and evidence (neighbour and score, the teacher's raw answer) so a failure can be understood.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from selfinstruct.errors import SelfInstructError
from selfinstruct.printable import one_line, printable
from selfinstruct.store.layout import DATA, RECORDS, REJECTED
from selfinstruct.store.reader import committed_rows

#: Characters of a long field shown before it is cut (the full text is in the file).
FIELD_CHARS = 1200


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
    path = (
        run
        if run.is_file()
        else run / (REJECTED if rejected else (RECORDS if (run / RECORDS).exists() else DATA))
    )
    if not path.exists():
        raise SelfInstructError(f"{path}: no such file (is {run} a run directory?)")
    # a file of a run is read up to the run's last commit; any other file whole
    rows = [
        row
        for _, row in committed_rows(path.parent, path.name)
        if reason is None or str(row.get("reason", "")).startswith(reason)
    ]
    rng = random.Random(seed)
    picked = rng.sample(rows, min(n, len(rows)))
    return picked, len(rows)


def _cut(text: str) -> str:
    """A field shortened for reading, its control characters shown as escapes."""
    return printable(text if len(text) <= FIELD_CHARS else text[:FIELD_CHARS] + " …")


def render_row(row: dict[str, Any]) -> Panel:
    body = Text()
    title = Text(one_line(row.get("id") or f"request {row.get('request_index', '?')}"))
    subtitle = None
    if "reason" in row:
        title = Text(one_line(row["reason"]), style="bold red")
    for label in ("instruction", "input", "output"):
        value = row.get(label)
        if value:
            body.append(f"{label}: ", style="bold cyan")
            body.append(_cut(str(value)) + "\n")
    if row.get("neighbour"):
        body.append("neighbour: ", style="bold yellow")
        body.append(f"{_cut(str(row['neighbour']))} (ROUGE-L {one_line(row.get('score'))})\n")
    if row.get("detail"):
        body.append("detail: ", style="bold yellow")
        body.append(_cut(str(row["detail"])) + "\n")
    if row.get("raw"):
        cut = " (cut at 8 KB)" if row.get("raw_truncated") else ""
        body.append(f"teacher's raw answer{cut}:\n", style="bold magenta")
        body.append(_cut(str(row["raw"])) + "\n")
    if row.get("nearest_seed"):
        seed, score = row["nearest_seed"], row.get("nearest_seed_rouge_l")
        subtitle = Text(one_line(f"nearest seed {seed} (ROUGE-L {score})"))
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
    console.print(Text(one_line(f"{len(rows)} of {total} {what} in {run}")))
    for row in rows:
        console.print(render_row(row))
    return total
