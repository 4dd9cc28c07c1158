"""`selfinstruct report`: statistics and plots of a run directory or any Alpaca file.

Writes one PNG per figure and `report.html`, a single self-contained page (the PNGs are
embedded as data URIs) that can be mailed or attached to an issue as is. A figure whose data
is missing (no rejections in an Alpaca file, no seeds, no timestamps) is left out with a note
saying why, rather than drawn empty.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from selfinstruct.dataset import plots
from selfinstruct.dataset.card import base_url_host, package_version
from selfinstruct.dataset.sources import Source, load_source
from selfinstruct.dataset.stats import (
    field_lengths,
    judge_distribution,
    length_stats,
    recorded_seed_scores,
    seed_scores,
    timeline,
    top_counts,
)
from selfinstruct.dataset.verbs import Tagger, verb_noun_counts
from selfinstruct.errors import SeedFileError
from selfinstruct.quality.filters import by_family
from selfinstruct.seeds.load import load_seeds

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass
class ReportResult:
    """The report page, the PNGs by figure name, and notes on figures left out."""

    out: Path
    html: Path
    images: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Section:
    title: str
    image: str | None = None
    body: str = ""


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _seed_instructions(source: Source, seeds: Sequence[str | Path] | None) -> list[str] | None:
    """Instructions of the given seed files (errors are the user's to fix), else of the run's
    own seed files when they can still be read (else None: the figure is left out)."""
    if seeds:
        return [task.instruction for task in load_seeds(list(seeds))]
    paths = source.seed_paths()
    try:
        return [task.instruction for task in load_seeds(paths)] if paths else None
    except SeedFileError:
        return None


def _summary(source: Source) -> str:
    m = source.meta
    rows: list[tuple[str, Any]] = [("source", str(source.path)), ("records", len(source.records))]
    if source.kind == "run":
        rows += [
            ("method", m("config.method")),
            ("teacher model", m("config.model")),
            ("teacher base URL host", base_url_host(m("config.base_url", ""))),
            ("status", m("status")),
            ("teacher requests", m("counts.requests")),
            ("candidates", m("counts.candidates")),
            ("rejected", sum(source.rejection_counts().values())),
            (
                "prompt / completion tokens",
                f"{m('usage.prompt_tokens')} / {m('usage.completion_tokens')}",
            ),
            ("estimated cost (USD)", m("usage.cost_usd")),
            ("wall time (s)", m("wall_time_s")),
            ("run created", m("created_at")),
        ]
    if source.skipped:
        rows.append(("invalid records skipped", len(source.skipped)))
    return _table(("", "value"), rows)


class _Builder:
    """Collects figures (saved as PNG and embedded) and notes, then writes the page."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.result = ReportResult(out=out, html=out / "report.html")
        self.sections: list[_Section] = []

    def figure(self, name: str, title: str, fig: Figure, body: str = "") -> None:
        path = self.out / f"{name}.png"
        fig.savefig(path, format="png")
        self.result.images[name] = path
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        self.sections.append(_Section(title, f"data:image/png;base64,{data}", body))

    def note(self, title: str, why: str) -> None:
        self.result.notes.append(f"{title}: {why}")
        body = f"<p class='note'>Not drawn: {html.escape(why)}</p>"
        self.sections.append(_Section(title, None, body))

    def write(self, source: Source, summary: str) -> ReportResult:
        parts = [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>selfinstruct report: {html.escape(source.name)}</title>",
            "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;"
            "padding:0 1em;color:#222}img{max-width:100%;border:1px solid #eee}"
            "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;"
            "padding:.25em .6em;text-align:left}.note{color:#777}</style></head><body>",
            f"<h1>Report: {html.escape(source.name)}</h1>",
            f"<p>Made by selfinstruct {html.escape(package_version())} on "
            f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.</p>",
            "<h2>Summary</h2>",
            summary,
        ]
        for section in self.sections:
            parts.append(f"<h2>{html.escape(section.title)}</h2>")
            if section.image:
                parts.append(f"<img alt='{html.escape(section.title)}' src='{section.image}'>")
            parts.append(section.body)
        parts.append("</body></html>")
        self.result.html.write_text("\n".join(parts), encoding="utf-8")
        return self.result


def report(
    source: str | Path | Source,
    out: str | Path,
    *,
    seeds: Sequence[str | Path] | None = None,
    tagger: Tagger | None = None,
) -> ReportResult:
    """Write `report.html` and the PNG figures of `source` into the folder `out`.

    The seed-similarity figure uses `seeds` when given, else the run's own nearest-seed
    scores from `records.jsonl`, else the seed files named in `run.json`."""
    src = source if isinstance(source, Source) else load_source(source)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plots.new_figure(1, 1)  # fail early, before any work, when matplotlib is missing
    build = _Builder(out)
    records = src.records

    rejected = dict(by_family(src.rejection_counts()))
    if rejected:
        rows = [(k, v) for k, v in sorted(rejected.items(), key=lambda kv: (-kv[1], kv[0]))]
        build.figure(
            "rejections",
            "Rejection reasons",
            plots.rejection_reasons(rejected, len(records)),
            _table(("reason", "candidates"), rows),
        )
    elif src.kind == "run":
        build.note("Rejection reasons", "the run rejected no candidate")
    else:
        build.note("Rejection reasons", "an Alpaca file records no rejections")

    stats_rows = [
        (s.field, s.count, f"{s.mean:.1f}", f"{s.median:g}", f"{s.p95:g}", s.max)
        for s in length_stats(records)
    ]
    header = ("field (words)", "records", "mean", "median", "p95", "max")
    build.figure(
        "lengths",
        "Length distributions",
        plots.lengths(field_lengths(records)),
        _table(header, stats_rows),
    )

    instructions = [r.instruction for r in records]
    recorded = None if seeds else recorded_seed_scores(src.provenance, len(records))
    seed_texts = None if recorded else _seed_instructions(src, seeds)
    scores = recorded
    if scores is None and seed_texts:
        scores = seed_scores(instructions, seed_texts, src.tokenizer)
    if scores:
        threshold = src.threshold if src.kind == "run" else None
        build.figure(
            "seed_similarity",
            "Similarity to the nearest seed",
            plots.seed_similarity(scores, threshold),
        )
    else:
        why = "no records" if not records else "no seed tasks known; pass --seeds"
        build.note("Similarity to the nearest seed", why)

    verbs, pairs, missing = verb_noun_counts(instructions, tagger)
    pair_rows = [(v, n, c) for (v, n), c in top_counts(pairs, 20)]
    build.figure(
        "verb_noun",
        "Leading verbs and their direct objects",
        plots.verb_noun(verbs, pairs, len(records)),
        f"<p>{missing} of {len(records)} instructions have no main verb the tagger "
        'could find (questions, "Here is ...", "What is ...?").</p>'
        + _table(("verb", "object", "instructions"), pair_rows),
    )

    with_input = sum(1 for r in records if r.input)
    build.figure(
        "input_share",
        "Records with an input",
        plots.input_share(with_input, len(records) - with_input),
    )

    judged = judge_distribution(src.provenance)
    if judged is not None:
        build.sections.append(_Section("Judge scores", None, _judge_table(judged)))
    elif src.meta("config.judge", False) is True:
        build.note("Judge scores", "the judge gave no valid verdict (all records unjudged)")

    line = timeline(src.provenance, src.rejections)
    if line is not None:
        build.figure(
            "acceptance_timeline", "Acceptance rate over time", plots.acceptance_timeline(line)
        )
    else:
        build.note("Acceptance rate over time", "the records carry no creation times")
    return build.write(src, _summary(src))


def _judge_table(judged: dict[str, Any]) -> str:
    """Records per score (1-5) of each judge question, the unjudged ones and the mean."""
    rows = []
    for question, counts in judged.items():
        graded = sum(n for score, n in counts.items() if score)
        mean = sum(score * n for score, n in counts.items()) / graded if graded else 0.0
        rows.append((question, *(counts.get(s, 0) for s in range(1, 6)), counts[0], f"{mean:.2f}"))
    header = ("question", "1", "2", "3", "4", "5", "unjudged", "mean")
    return "<p>Records by the judge's score (1 = no, 5 = yes).</p>" + _table(header, rows)


#: The package-level name (`report` would be shadowed by this module's own name).
write_report = report
