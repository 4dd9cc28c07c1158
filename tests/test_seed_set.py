"""Sanity checks for the human-written seed task set in seed_tasks/seed_tasks.jsonl."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest
from rouge_score import rouge_scorer

from selfinstruct.quality.filters import DEFAULT_BLACKLIST

SEED_PATH = Path(__file__).parent.parent / "seed_tasks" / "seed_tasks.jsonl"

#: Words the generation filters reject; matched as whole words, singular or plural.
BLACKLIST = list(DEFAULT_BLACKLIST)
BLACKLIST_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(word) + "s?" for word in BLACKLIST) + r")\b",
    re.IGNORECASE,
)

MAX_ROUGE_L = 0.7


@pytest.fixture(scope="module")
def tasks() -> list[dict]:
    with SEED_PATH.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _texts(task: dict) -> list[str]:
    texts = [task["instruction"]]
    for instance in task["instances"]:
        texts.extend([instance["input"], instance["output"]])
    return texts


def test_enough_tasks(tasks: list[dict]) -> None:
    assert len(tasks) >= 150


def test_instance_counts(tasks: list[dict]) -> None:
    bad = [task["id"] for task in tasks if not 1 <= len(task["instances"]) <= 3]
    assert not bad, f"tasks without 1-3 instances: {bad}"


def test_instances_well_formed(tasks: list[dict]) -> None:
    for task in tasks:
        assert isinstance(task["is_classification"], bool), task["id"]
        for instance in task["instances"]:
            assert isinstance(instance["input"], str), task["id"]
            assert instance["output"].strip(), task["id"]
            assert instance["input"].strip().lower() != "<noinput>", task["id"]


def test_share_with_input(tasks: list[dict]) -> None:
    with_input = sum(any(inst["input"].strip() for inst in t["instances"]) for t in tasks)
    assert with_input / len(tasks) >= 0.30


def test_share_classification(tasks: list[dict]) -> None:
    classification = sum(task["is_classification"] for task in tasks)
    assert classification / len(tasks) >= 0.25


def test_unique_ids_and_names(tasks: list[dict]) -> None:
    ids = [task["id"] for task in tasks]
    names = [task["name"] for task in tasks]
    assert len(set(ids)) == len(ids)
    assert len(set(names)) == len(names)


def test_no_blacklisted_words(tasks: list[dict]) -> None:
    hits = [
        (task["id"], match.group(0))
        for task in tasks
        for text in _texts(task)
        if (match := BLACKLIST_RE.search(text))
    ]
    assert not hits, f"blacklisted words: {hits}"


def test_no_write_a_program(tasks: list[dict]) -> None:
    bad = [t["id"] for t in tasks if t["instruction"].lower().startswith("write a program")]
    assert not bad


def test_no_near_duplicate_instructions(tasks: list[dict]) -> None:
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    too_close = []
    for first, second in itertools.combinations(tasks, 2):
        score = scorer.score(first["instruction"], second["instruction"])["rougeL"].fmeasure
        if score > MAX_ROUGE_L:
            too_close.append((first["id"], second["id"], round(score, 3)))
    assert not too_close, f"near-duplicate instructions: {too_close}"
