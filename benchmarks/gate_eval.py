"""Benchmark: the quality gate on labelled records this project did not write.

    python benchmarks/gate_eval.py [--data DIR] [--show N] [--generate]

DIR (default: $SELFINSTRUCT_GATE_EVAL, else /work/gate_eval, else ../shared/gate_eval) holds
`clean.jsonl` (keep), `defects.jsonl` (drop; `kind`, optional `group` for templated outputs)
and `markers.jsonl` (keep, input becomes ""); its README says where every record comes from.
The data is not in this repository (its licences forbid it: Stanford Alpaca is CC BY-NC).

The gate is exactly the filter chain `selfinstruct clean` applies (`clean_filters()`, a fresh
one per file, so the templated-output memory spans one file as it spans one dataset), with
duplicate removal off: near-duplicates are not defects of a record. Printed: per defect kind
the share caught (any reason counts) and the reasons that caught it; the share of clean records
dropped, with the reason and source of each drop; the share of markers normalised and kept.
Targets: >= 90% caught overall, >= 75% every kind, <= 2% of clean records dropped.
`--generate` scores the gate `generate` screens candidates with instead (`run_generate_gate`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

TARGET_OVERALL = 0.90
TARGET_KIND = 0.75
TARGET_CLEAN_DROPPED = 0.02


@dataclass(frozen=True)
class Outcome:
    """One labelled record after the gate: its label, the reason it was dropped (None: kept)
    and its input as the gate left it."""

    kind: str
    reason: str | None
    source: str = ""
    group: str | None = None
    input_after: str = ""


@dataclass
class KindScore:
    caught: int = 0
    n: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def share(self) -> float:
        return self.caught / self.n if self.n else 0.0


def score_defects(outcomes: Iterable[Outcome]) -> dict[str, KindScore]:
    """Per kind, how many defects were caught. Records with a `group` (the same templated
    answer under several instructions) count once per group: caught when every member but
    one (the first, which a dataset may keep) was dropped."""
    scores: dict[str, KindScore] = defaultdict(KindScore)
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.group is not None:
            groups[(outcome.kind, outcome.group)].append(outcome)
            continue
        score = scores[outcome.kind]
        score.n += 1
        if outcome.reason is not None:
            score.caught += 1
            score.reasons[outcome.reason.partition(":")[0]] += 1
    for (kind, _), members in groups.items():
        score = scores[kind]
        score.n += 1
        dropped = [m.reason for m in members if m.reason is not None]
        if len(dropped) >= len(members) - 1 and dropped:
            score.caught += 1
            score.reasons.update(r.partition(":")[0] for r in dropped)
    return dict(scores)


def overall(scores: dict[str, KindScore]) -> KindScore:
    """All kinds together, each record (or group) counting once."""
    total = KindScore()
    for score in scores.values():
        total.caught += score.caught
        total.n += score.n
    return total


def false_drops(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """The records a gate should have kept but dropped."""
    return [o for o in outcomes if o.reason is not None]


def markers_kept(outcomes: Sequence[Outcome]) -> int:
    """Marker records kept with their input normalised to ""."""
    return sum(1 for o in outcomes if o.reason is None and o.input_after == "")


def _default_data() -> Path:
    env = os.environ.get("SELFINSTRUCT_GATE_EVAL")
    if env:
        return Path(env)
    for candidate in (Path("/work/gate_eval"), Path("../shared/gate_eval")):
        if candidate.is_dir():
            return candidate
    return Path("/work/gate_eval")


def run_gate(path: Path) -> list[Outcome]:
    """Every record of one labelled file through a fresh `clean_filters()` chain, in order."""
    from selfinstruct.dataset.clean import clean_filters, read_alpaca
    from selfinstruct.quality.chain import first_reason

    chain = clean_filters()
    labels = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    outcomes = []
    for (_, record, candidate), label in zip(read_alpaca(path), labels, strict=True):
        outcomes.append(
            Outcome(
                kind=record.get("kind", "clean"),
                reason=first_reason(chain, candidate),
                source=str(label.get("source", "")),
                group=record.get("group"),
                input_after=candidate.input,
            )
        )
    return outcomes


def run_generate_gate(path: Path) -> list[Outcome]:
    """Every record of one labelled file as `generate` screens a candidate: the default chain
    (word list included), then the echo check against the prompt actually sent (our Alpaca
    prompt for unit i, record i answering it, its demonstrations not counted), then the
    templated-output memory across the records kept so far, as the loop keeps it."""
    from selfinstruct.dataset.clean import read_alpaca
    from selfinstruct.methods.alpaca import AlpacaMethod
    from selfinstruct.methods.base import request_text
    from selfinstruct.quality.chain import default_filters, first_reason
    from selfinstruct.quality.defects import RequestEcho, TemplatedOutput
    from selfinstruct.run.loop import TEMPLATED_SHORT_REPEATS
    from selfinstruct.seeds.load import load_seeds

    root = Path(__file__).resolve().parent.parent
    method = AlpacaMethod(load_seeds(root / "seed_tasks" / "seed_tasks.jsonl"), seed=42)
    chain = default_filters()
    templated = TemplatedOutput(short_repeats=TEMPLATED_SHORT_REPEATS)
    labels = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    outcomes = []
    for number, ((_, record, candidate), label) in enumerate(
        zip(read_alpaca(path), labels, strict=True)
    ):
        unit = number // 20
        reason = first_reason(chain, candidate)
        if reason is None:
            request = method.build_request(unit)[0]
            reason = RequestEcho(request_text(request), method.material(unit)).reason(candidate)
        if reason is None and templated.templated(candidate):
            reason = "templated_output"
        if reason is None:
            templated.remember(candidate)
        outcomes.append(
            Outcome(
                kind=record.get("kind", "clean"),
                reason=reason,
                source=str(label.get("source", "")),
                group=record.get("group"),
                input_after=candidate.input,
            )
        )
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="folder of the labelled set")
    parser.add_argument("--show", type=int, default=5, help="misses printed per kind")
    parser.add_argument(
        "--generate", action="store_true", help="score the gate `generate` screens with instead"
    )
    args = parser.parse_args(argv)
    run_gate_on = run_generate_gate if args.generate else run_gate
    data = args.data or _default_data()
    files = {name: data / f"{name}.jsonl" for name in ("clean", "defects", "markers")}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        print(f"gate_eval: missing {', '.join(missing)} (set --data or SELFINSTRUCT_GATE_EVAL)")
        return 1

    defects = run_gate_on(files["defects"])
    scores = score_defects(defects)
    total = overall(scores)
    gate = "generate" if args.generate else "clean"
    print(f"data: {data} ({gate} gate)\n\n{'kind':<22}{'caught':>8}{'n':>6}   reasons")
    for kind in sorted(scores, key=lambda k: -scores[k].n):
        score = scores[kind]
        top = ", ".join(f"{r} {c}" for r, c in score.reasons.most_common(4))
        print(f"{kind:<22}{score.share:>7.1%}{score.n:>6}   {top}")
    print(f"{'overall':<22}{total.share:>7.1%}{total.n:>6}")
    for kind in sorted(scores):
        missed = [o for o in defects if o.kind == kind and o.reason is None and o.group is None]
        for outcome in missed[: args.show]:
            print(f"  missed {kind}: {outcome.source}")

    clean = run_gate_on(files["clean"])
    dropped = false_drops(clean)
    share = len(dropped) / len(clean)
    by_reason = Counter(o.reason for o in dropped)
    by_source = Counter(o.source.split(":")[0] for o in dropped)
    print(f"\nclean dropped: {share:.2%} ({len(dropped)} of {len(clean)})")
    print("  by reason: " + (", ".join(f"{r} {c}" for r, c in by_reason.most_common()) or "-"))
    print("  by source: " + (", ".join(f"{s} {c}" for s, c in by_source.most_common()) or "-"))
    for outcome in dropped:
        print(f"  false drop {outcome.reason}: {outcome.source}")

    markers = run_gate_on(files["markers"])
    kept = markers_kept(markers)
    print(f"\nmarkers normalised and kept: {kept / len(markers):.1%} ({kept} of {len(markers)})")
    for outcome in markers:
        if outcome.reason is not None:
            print(f"  marker record dropped {outcome.reason}: {outcome.source}")

    low = [k for k, s in scores.items() if s.share < TARGET_KIND]
    checks = [
        (f"caught overall >= {TARGET_OVERALL:.0%}", total.share >= TARGET_OVERALL),
        (f"every kind >= {TARGET_KIND:.0%}" + (f" (below: {', '.join(low)})" if low else ""),
         not low),
        (f"clean dropped <= {TARGET_CLEAN_DROPPED:.0%}", share <= TARGET_CLEAN_DROPPED),
        ("markers all kept and normalised", kept == len(markers)),
    ]  # fmt: skip
    print()
    for label, ok in checks:
        print(f"{'PASS' if ok else 'MISS'}  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
