"""The scoring of benchmarks/gate_eval.py, on synthetic outcomes (the labelled data is not here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SPEC = importlib.util.spec_from_file_location(
    "gate_eval", Path(__file__).parents[1] / "benchmarks" / "gate_eval.py"
)
assert SPEC and SPEC.loader
gate_eval = importlib.util.module_from_spec(SPEC)
sys.modules["gate_eval"] = gate_eval  # dataclasses look their module up
SPEC.loader.exec_module(gate_eval)
Outcome = gate_eval.Outcome


def test_kinds_groups_and_overall():
    outcomes = [
        Outcome("merged_task", "merged_task"),
        Outcome("merged_task", None),
        Outcome("empty_output", "empty_output"),
        Outcome("templated_output", None, group="g1"),  # first of its group may be kept
        Outcome("templated_output", "templated_output", group="g1"),
        Outcome("templated_output", None, group="g2"),
        Outcome("templated_output", None, group="g2"),
    ]
    scores = gate_eval.score_defects(outcomes)
    assert (scores["merged_task"].caught, scores["merged_task"].n) == (1, 2)
    assert (scores["templated_output"].caught, scores["templated_output"].n) == (1, 2)
    total = gate_eval.overall(scores)
    assert (total.caught, total.n) == (3, 5)


def test_false_drops_and_markers():
    clean = [Outcome("clean", None), Outcome("clean", "too_short")]
    assert [o.reason for o in gate_eval.false_drops(clean)] == ["too_short"]
    markers = [Outcome("m", None, input_after=""), Outcome("m", None, input_after="<x>"),
               Outcome("m", "refusal", input_after="")]  # fmt: skip
    assert gate_eval.markers_kept(markers) == 1
