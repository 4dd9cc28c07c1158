"""The report's figures, one function each, drawn with matplotlib's object API.

`matplotlib.figure.Figure` is used directly (no pyplot): no global state, no display backend,
so reports render the same in a terminal, a notebook or CI.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from selfinstruct.dataset.stats import Timeline, top_counts
from selfinstruct.errors import ConfigError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BLUE, ORANGE, GREY = "#3b75af", "#ef8636", "#9a9a9a"


def new_figure(width: float, height: float) -> Figure:
    """A blank figure; ConfigError with an install hint when matplotlib is missing."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ConfigError("reports need matplotlib: pip install 'selfinstruct[report]'") from None
    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def rejection_reasons(counts: dict[str, int], accepted: int) -> Figure:
    """Horizontal bars, largest reason on top, each labelled with its count and share."""
    items = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]))
    total = accepted + sum(counts.values())
    fig = new_figure(8, max(2.5, 0.42 * len(items) + 1.4))
    ax = fig.add_subplot()
    bars = ax.barh([k for k, _ in items], [v for _, v in items], color=ORANGE)
    for bar, (_, value) in zip(bars, items, strict=True):
        share = f" {value} ({value / total:.1%})" if total else f" {value}"
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, share, va="center", fontsize=9)
    ax.set_xlim(0, max((v for _, v in items), default=1) * 1.25)
    ax.set_xlabel("rejected candidates")
    ax.set_title(
        f"Why candidates were rejected: {sum(counts.values())} rejected, {accepted} accepted"
    )
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def lengths(field_lengths: dict[str, list[int]]) -> Figure:
    """One histogram per field, in words, with the median marked; tails beyond the 99th
    percentile are folded into the last bin so the bulk stays readable."""
    fig = new_figure(12, 3.6)
    from matplotlib.ticker import MaxNLocator

    axes = fig.subplots(1, 3)
    titles = {"instruction": "instruction", "input": "input (non-empty only)", "output": "output"}
    for ax, (name, values) in zip(axes, field_lengths.items(), strict=True):
        ax.set_title(f"{titles[name]}  (n={len(values)})")
        ax.set_xlabel("length (words)")
        ax.spines[["top", "right"]].set_visible(False)
        if not values:
            ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
            continue
        ordered = sorted(values)
        cap = max(1, ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))])
        clipped = [min(v, cap) for v in values]
        low = ordered[0]
        # one bar per word count when the range is small, else 40 bins
        bins: Any = [b - 0.5 for b in range(low, cap + 2)] if cap - low <= 40 else 40
        ax.hist(clipped, bins=bins, color=BLUE, edgecolor="white", linewidth=0.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if cap - low <= 40:
            ax.set_xlim(low - 1.5, cap + 1.5)
        median = ordered[len(ordered) // 2]
        ax.axvline(median, color="black", linestyle="--", linewidth=1, label=f"median {median}")
        ax.legend(frameon=False, fontsize=9)
    axes[0].set_ylabel("records")
    fig.suptitle("Length distributions")
    return fig


def seed_similarity(scores: Sequence[float], threshold: float | None) -> Figure:
    """The Self-Instruct paper's diversity figure: ROUGE-L to the most similar seed."""
    fig = new_figure(8, 4)
    ax = fig.add_subplot()
    ax.hist(scores, bins=[i / 20 for i in range(21)], color=BLUE, edgecolor="white")
    if threshold is not None:
        ax.axvline(threshold, color=ORANGE, linestyle="--", label=f"dedup threshold {threshold}")
        ax.legend(frameon=False)
    mean = sum(scores) / len(scores) if scores else 0.0
    ax.set_title(f"ROUGE-L overlap with the most similar seed instruction (mean {mean:.2f})")
    ax.set_xlabel("ROUGE-L F-measure to the nearest seed")
    ax.set_ylabel("instructions")
    ax.set_xlim(0, 1)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _ring_labels(
    ax: Any,
    wedges: Sequence[Any],
    labels: Sequence[str],
    radius: float,
    min_degrees: float,
    size: float,
) -> None:
    """Write each label radially inside its wedge, when the wedge is wide enough."""
    for wedge, label in zip(wedges, labels, strict=True):
        span = wedge.theta2 - wedge.theta1
        if not label or span < min_degrees:
            continue
        angle = (wedge.theta1 + wedge.theta2) / 2
        x, y = radius * math.cos(math.radians(angle)), radius * math.sin(math.radians(angle))
        upside_down = 90 < angle % 360 < 270  # keep text readable on the left half
        ax.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=size,
            rotation=angle + (180 if upside_down else 0),
            rotation_mode="anchor",
        )


def verb_noun(
    verbs: Counter[str],
    pairs: Counter[tuple[str, str]],
    total: int,
    top_verbs: int = 20,
    top_nouns: int = 4,
) -> Figure:
    """The paper's sunburst: inner ring the most common verbs, outer ring their most common
    direct objects (the rest of each verb's share left blank)."""
    from matplotlib import colormaps

    fig = new_figure(9, 9)
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.axis("off")
    chosen = top_counts(verbs, top_verbs)
    if not chosen:
        ax.text(0.5, 0.5, "no verb found", ha="center", va="center", transform=ax.transAxes)
        return fig
    palette = colormaps["tab20"]
    colours = [palette(i % 20) for i in range(len(chosen))]
    ring: dict[str, Any] = {"startangle": 90, "counterclock": False}
    inner, _ = ax.pie(
        [n for _, n in chosen],
        radius=0.62,
        colors=colours,
        **ring,
        wedgeprops={"width": 0.37, "edgecolor": "white"},
    )
    _ring_labels(ax, inner, [v for v, _ in chosen], 0.43, 5, 10)
    sizes, labels, outer_colours = [], [], []
    for (verb, n), colour in zip(chosen, colours, strict=True):
        nouns = top_counts(
            Counter({noun: c for (v, noun), c in pairs.items() if v == verb}), top_nouns
        )
        for noun, c in nouns:
            sizes.append(c)
            labels.append(noun)
            outer_colours.append((*colour[:3], 0.55))
        rest = n - sum(c for _, c in nouns)
        if rest:
            sizes.append(rest)
            labels.append("")
            outer_colours.append((1, 1, 1, 0))
    outer, _ = ax.pie(
        sizes,
        radius=1.0,
        colors=outer_colours,
        **ring,
        wedgeprops={"width": 0.38, "edgecolor": "white"},
    )
    _ring_labels(ax, outer, labels, 0.81, 3, 8)
    covered = sum(n for _, n in chosen)
    ax.set_title(
        f"Top {len(chosen)} verbs (inner) and their top {top_nouns} direct objects (outer)\n"
        f"{covered} of {total} instructions; verbs found by part-of-speech tagging",
        fontsize=11,
    )
    return fig


def input_share(with_input: int, without_input: int) -> Figure:
    fig = new_figure(6, 2.2)
    ax = fig.add_subplot()
    total = with_input + without_input
    for left, value, colour, name in (
        (0, with_input, BLUE, "with input"),
        (with_input, without_input, GREY, "no input"),
    ):
        ax.barh([0], [value], left=[left], color=colour, label=name)
        if total and value:
            ax.text(
                left + value / 2,
                0,
                f"{name}\n{value} ({value / total:.0%})",
                ha="center",
                va="center",
                color="white",
                fontsize=10,
                fontweight="bold",
            )
    ax.set_xlim(0, max(total, 1))
    ax.set_yticks([])
    ax.set_xlabel("records")
    ax.set_title("Share of records with an input")
    ax.spines[["top", "right", "left"]].set_visible(False)
    return fig


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def acceptance_timeline(line: Timeline) -> Figure:
    """Accepted records per hour in each time bucket (and the accepted share, if rejections
    carry timestamps)."""
    fig = new_figure(9, 3.8)
    ax = fig.add_subplot()
    # datetimes: matplotlib plots them through its unit converters (its stubs say floats)
    starts: list[Any] = [line.start + line.width * i for i in range(len(line.accepted))]
    width_days = line.width.total_seconds() / 86400
    rates = line.per_hour(line.accepted)
    ax.bar(starts, rates, width=width_days * 0.9, align="edge", color=BLUE, label="accepted")
    ax.set_ylim(0, max(rates, default=1) * 1.15 or 1)
    ax.set_ylabel("accepted records per hour")
    ax.set_xlabel(f"time (UTC), {_duration(line.width.total_seconds())} buckets")
    ax.set_title("Acceptance rate over the run")
    ax.spines[["top"]].set_visible(False)
    if line.rejected is not None:
        share = [
            a / (a + r) if a + r else math.nan
            for a, r in zip(line.accepted, line.rejected, strict=True)
        ]
        twin = ax.twinx()
        middles: list[Any] = [s + line.width / 2 for s in starts]
        twin.plot(middles, share, color=ORANGE, marker="o", label="accepted / candidates")
        twin.set_ylim(0, 1.05)
        twin.set_ylabel("accepted / candidates")
        fig.legend(loc="outside upper right", ncols=2, frameon=False)
    fig.autofmt_xdate()
    return fig
