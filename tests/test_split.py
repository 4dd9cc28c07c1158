"""The split's guarantee, checked against rouge_score itself on every cross pair."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer
from rouge_score import tokenize as rouge_tokenize

from selfinstruct.dataset.split import (
    Similarity,
    rouge_similarity,
    split_records,
    validation_quota,
)
from selfinstruct.schemas import same_text_key

THRESHOLD = 0.7
SCORER = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


def reference_score(a: str, b: str) -> float:
    return SCORER.score(a, b)["rougeL"].fmeasure


@dataclass
class _Hit:
    key: str
    text: str
    score: float


class BruteForceIndex:
    """The index interface, answered pair by pair with rouge_score: slow and obviously right."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self.items: list[tuple[str, str]] = []

    def add(self, text: str, key: str) -> None:
        self.items.append((key, text))

    def find_duplicate(self, text: str) -> _Hit | None:
        for key, kept in self.items:
            score = reference_score(text, kept)
            if score > self.threshold:
                return _Hit(key, kept, score)
        return None

    def find_duplicates(self, texts: list[str]) -> list[_Hit | None]:
        return [self.find_duplicate(text) for text in texts]


def reference_similarity(threshold: float = THRESHOLD) -> Similarity:
    """Neighbours by rouge_score itself: its index, its tokenizer."""
    return Similarity(
        new_index=lambda: BruteForceIndex(threshold),
        tokenize=lambda text: rouge_tokenize.tokenize(text, None),
        threshold=threshold,
    )


def assert_no_leak(texts: list[str], train: list[int], validation: list[int]) -> None:
    """No validation text has a train neighbour: ROUGE-L above the threshold, or identical."""
    assert sorted(train + validation) == list(range(len(texts)))
    for v in validation:
        for t in train:
            assert same_text_key(texts[v]) != same_text_key(texts[t]), (texts[v], texts[t])
            score = reference_score(texts[v], texts[t])
            assert score <= THRESHOLD, (texts[v], texts[t], score)


WORDS = [
    *("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"),
    *("iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho"),
]


def chains(n_chains: int, length: int, rng: random.Random) -> list[str]:
    """Chains of 10-word texts, each two swaps from the previous one: neighbours along a chain
    (F = 0.8), mostly not two steps apart (F ≈ 0.6), so clusters are long and thin and random
    placement creates "bridges" between the sides."""
    texts = []
    for _ in range(n_chains):
        words = rng.sample(WORDS, 10)
        for _ in range(length):
            texts.append(" ".join(words))
            for pos in rng.sample(range(10), 2):
                words[pos] = f"w{rng.randrange(10_000)}"
    rng.shuffle(texts)
    return texts


def templated(n: int, rng: random.Random) -> list[str]:
    verbs = ["Write", "Describe", "List", "Explain", "Summarize"]
    things = ["a poem", "a story", "three facts", "the history", "a recipe"]
    topics = ["the sea", "a cat", "Paris", "winter", "chess", "bread", "rain", "music"]
    out = [
        f"{rng.choice(verbs)} {rng.choice(things)} about {rng.choice(topics)}." for _ in range(n)
    ]
    out += [t.upper() for t in out[:5]]  # identical up to case
    return out


@pytest.mark.parametrize("seed", range(6))
def test_chains_never_leak_and_bridges_are_resolved(seed: int) -> None:
    texts = chains(12, 6, random.Random(seed))
    split = split_records(
        texts, validation_fraction=0.3, seed=seed, similarity=reference_similarity()
    )
    assert_no_leak(texts, split.train, split.validation)
    assert 0 < len(split.validation) <= validation_quota(len(texts), 0.3)


def test_bridges_happen_in_these_data() -> None:
    """The move-to-train path is exercised, not only the easy cases."""
    moved = 0
    for seed in range(6):
        texts = chains(12, 6, random.Random(seed))
        moved += split_records(
            texts, validation_fraction=0.3, seed=seed, similarity=reference_similarity()
        ).moved
    assert moved > 0


def test_templated_instructions_with_the_package_index() -> None:
    """The real `RougeIndex` gives a split that rouge_score itself finds leak-free."""
    texts = templated(150, random.Random(3))
    split = split_records(
        texts, validation_fraction=0.2, seed=7, similarity=rouge_similarity(THRESHOLD)
    )
    assert_no_leak(texts, split.train, split.validation)
    assert split.validation


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(WORDS[:6]), min_size=1, max_size=6).map(" ".join),
        min_size=2,
        max_size=25,
    ),
    st.floats(min_value=0.05, max_value=0.6),
    st.integers(min_value=0, max_value=2**16),
)
def test_property_no_leak(texts: list[str], fraction: float, seed: int) -> None:
    split = split_records(
        texts, validation_fraction=fraction, seed=seed, similarity=reference_similarity()
    )
    assert_no_leak(texts, split.train, split.validation)
    assert len(split.validation) <= validation_quota(len(texts), fraction)


def test_identical_instructions_without_rouge_tokens_stay_together() -> None:
    """ "¿?" has no ROUGE token (score 0 with anything), yet copies are still one cluster."""
    texts = ["¿?", "¿?", "¿ ?", "Name a colour.", "Name a fruit.", "Add two and two."] * 3
    for seed in range(10):
        split = split_records(
            texts, validation_fraction=0.4, seed=seed, similarity=reference_similarity()
        )
        sides = {same_text_key(texts[i]) for i in split.validation}
        assert not sides & {same_text_key(texts[i]) for i in split.train}


def test_distinct_records_fill_the_quota_and_are_deterministic() -> None:
    texts = [f"{w} {i}" for i, w in enumerate(WORDS * 7)][:100]  # no two are neighbours
    a = split_records(texts, validation_fraction=0.1, seed=1, similarity=reference_similarity())
    b = split_records(texts, validation_fraction=0.1, seed=1, similarity=reference_similarity())
    c = split_records(texts, validation_fraction=0.1, seed=2, similarity=reference_similarity())
    assert a == b
    assert len(a.validation) == 10 and a.moved == 0
    assert a.validation != c.validation
    assert a.train == sorted(a.train) and a.validation == sorted(a.validation)


def test_quota() -> None:
    assert validation_quota(1000, 0.05) == 50
    assert validation_quota(10, 0.05) == 1  # asked for a validation split: never empty
    assert validation_quota(1, 0.5) == 0
    assert validation_quota(100, 0) == 0
    split = split_records(["a b", "c d", "e f"], validation_fraction=0)
    assert split.validation == [] and split.train == [0, 1, 2]
