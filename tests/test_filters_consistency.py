"""The answer-checking filters against data whose truth is known: the human-written seeds and
the fake teacher's own tasks pass; the fake teacher's answers paired with the wrong instruction
(what its Self-Instruct side does when it guesses a neighbouring task) are caught exactly when
the count or the function name differs."""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

import pytest

from selfinstruct.quality.filters import (
    CountMismatch,
    NamedFunctionMissing,
    list_items,
    requested_count,
)
from selfinstruct.schemas import Candidate
from selfinstruct.seeds.load import load_seeds
from selfinstruct_testing import TaskGenerator
from selfinstruct_testing.words import Task

SEEDS = Path(__file__).parent.parent / "seed_tasks" / "seed_tasks.jsonl"
NEW_FILTERS = (CountMismatch(), NamedFunctionMissing())


def rejected_by(instruction: str, output: str, input_text: str = "") -> list[str]:
    candidate = Candidate(instruction=instruction, input=input_text, output=output)
    return [found for rule in NEW_FILTERS if (found := rule.reason(candidate))]


def tasks_of(kind: str, n: int, seed: int) -> list[Task]:
    """n well-formed tasks of one kind, as the fake teacher phrases them."""
    generator = TaskGenerator.clean(seed)
    rng = random.Random(seed)
    found: list[Task] = []
    while len(found) < n:
        task = generator.good_task(rng)
        if task.kind == kind:
            found.append(task)
    return found


def test_no_seed_instance_is_rejected():
    seeds = load_seeds(SEEDS)
    read = 0
    for task in seeds:
        for instance in task.instances:
            assert rejected_by(task.instruction, instance.output, instance.input) == [], task.id
        count = requested_count(task.instruction)
        read += count is not None and count == list_items(task.instances[0].output)
    assert read >= 5  # the count check did read (and agree with) some seeds


@pytest.mark.parametrize("generator", [TaskGenerator(3), TaskGenerator.clean(4)])
def test_the_fake_teachers_own_tasks_pass(generator):
    for task in generator.generate(1500):
        assert rejected_by(task.instruction, task.output, task.input) == [], task


def test_other_languages_pass():
    generator = TaskGenerator(5, languages={"zh": 0.3, "ru": 0.5, "ar": 1.0})
    tasks = [t for t in generator.generate(200) if t.kind.startswith("lang_")]
    assert len(tasks) > 100
    for task in tasks:
        assert rejected_by(task.instruction, task.output, task.input) == [], task


def test_swapped_lists_are_caught_exactly_when_the_count_differs():
    tasks = tasks_of("brainstorm", 40, seed=6)
    caught = 0
    for asked, answer in itertools.permutations(tasks, 2):
        want, got = len(asked.output.splitlines()), len(answer.output.splitlines())
        expected = [] if want == got else [f"count_mismatch:{want}/{got}"]
        assert rejected_by(asked.instruction, answer.output) == expected, asked.instruction
        caught += bool(expected)
    assert caught > 1000


def test_swapped_code_is_caught_exactly_when_the_asked_name_is_missing():
    tasks = tasks_of("code_write", 60, seed=7)
    named_tasks = [(t, re.search(r"^def (\w+)", t.output, re.MULTILINE)[1]) for t in tasks]
    caught = 0
    for (asked, name), (answer, defined) in itertools.permutations(named_tasks, 2):
        named = f"`{name}`" in asked.instruction
        expected = ["function_name_mismatch"] if named and name != defined else []
        assert rejected_by(asked.instruction, answer.output) == expected, asked.instruction
        caught += bool(expected)
    assert caught > 100
