"""The batch join (`RougeIndex._accept_joined`): the same decisions and neighbours as deciding
one text at a time, and the bounds it relies on hold on real text pairs."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rouge_score import rouge_scorer

from selfinstruct.quality import rouge
from selfinstruct.quality.rouge import JOIN_MIN, RougeIndex, tokenize
from selfinstruct_testing.corpus import synthetic_instructions

SCORER = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


def rs_score(new: str, kept: str) -> float:
    return SCORER.score(new, kept)["rougeL"].fmeasure


class CountingIndex(RougeIndex):
    """Counts the batches the join decided (not its fallback)."""

    joined = 0

    def _accept_joined(self, enc: rouge.Encoded) -> tuple[np.ndarray, np.ndarray] | None:
        result = super()._accept_joined(enc)
        self.joined += result is not None
        return result


def decide(texts: list[str], batch: int, threshold: float, seeds: list[str]) -> list[tuple]:
    """Greedy decisions over a primed index in batches of `batch`: (key, score) or None."""
    index = CountingIndex(threshold)
    enc = index.encode(seeds + texts, allocate=True)
    index.prime(enc)
    if seeds:
        index.add_encoded(enc.slice(0, len(seeds)), [f"s{i}" for i in range(len(seeds))], seeds)
    enc = enc.slice(len(seeds), len(enc))
    out: list[tuple] = []
    for start in range(0, len(texts), batch):
        stop = min(start + batch, len(texts))
        part = enc.slice(start, stop)
        matches = index.accept_encoded(
            part, [str(i) for i in range(start, stop)], texts[start:stop]
        )
        out.extend(None if m is None else (m.key, m.score) for m in matches)
    batches = -(-len(texts) // batch)
    assert index.joined == (batches if batch >= JOIN_MIN else 0)
    return out


@pytest.mark.parametrize("threshold", [0.7, 0.5])
def test_joined_batches_equal_one_text_at_a_time(threshold: float) -> None:
    texts = synthetic_instructions(6000, seed=5)
    seeds = synthetic_instructions(300, seed=6)
    one_by_one = decide(texts, 1, threshold, seeds)  # sequential probes only
    joined = decide(texts, 1500, threshold, seeds)
    assert joined == one_by_one
    removed = sum(m is not None for m in joined)
    assert 300 < removed < len(texts) - 1000  # both decisions exercised
    assert any(m is not None and m[0].startswith("s") for m in joined)  # seeds found too


def test_joined_batches_equal_rouge_score_greedy() -> None:
    texts = synthetic_instructions(500, seed=8)
    texts += [texts[i] for i in range(0, 500, 7)]  # exact repeats of kept and removed ones
    index = RougeIndex(0.7)
    enc = index.encode(texts, allocate=True)
    index.prime(enc)
    assert index._accept_joined(enc.slice(0, 0)) is not None
    got = index.accept_encoded(enc, [str(i) for i in range(len(texts))], texts)
    kept: list[int] = []
    for i, text in enumerate(texts):
        hit = any(rs_score(text, texts[k]) > 0.7 for k in kept)
        assert (got[i] is not None) is hit, i
        if got[i] is not None:
            assert got[i].score == rs_score(text, got[i].text) > 0.7
        else:
            kept.append(i)
    assert 20 < len(texts) - len(kept) < len(texts) - 100


def test_a_batch_with_unseen_repeats_falls_back_and_stays_exact() -> None:
    """A word's second occurrence is a token of its own, given an id when a text holding it
    is first kept: ids given out inside the batch would reorder it, so `_run` decides."""
    index = RougeIndex(0.7)
    index.add("write a poem about the sea", "seed")
    texts = ["write a poem about the sea today", "a new new sentence here"] * (JOIN_MIN // 2)
    assert index._accept_joined(index.encode(texts, allocate=True)) is None
    got = index.accept_batch([(t, str(i)) for i, t in enumerate(texts)])
    assert got[0] is not None and got[0].key == "seed"
    assert got[1] is None and all(m is not None and m.key == "1" for m in got[3::2])
    # without unseen repeats an unprimed index is joined: token ids are fixed when given out
    more = ["write a poem about the sea now", "a new sentence there"] * (JOIN_MIN // 2)
    joined = index._accept_joined(index.encode(more, allocate=True))
    assert joined is not None and joined[0][0] == 0 and joined[0][1] < 0


def test_the_bounds_of_the_join_never_drop_a_pair_above_the_threshold() -> None:
    """On real pairs rouge_score scores above 0.7: the length window, both signature bounds
    (with the exact alpha) hold, and the first common token in the global order lies within
    both prefixes (i <= m - alpha, j <= n - alpha), where the index posts and probes it."""
    k = rouge._kernels()
    texts = synthetic_instructions(3000, seed=9)
    index = RougeIndex(0.7)
    enc = index.encode(texts, allocate=True)
    index.prime(enc)
    a, b, t = index._a, index._b, index._t
    rng = random.Random(1)
    sets = [set(tokenize(text)) for text in texts]
    checked = 0
    for p in range(1, len(texts)):
        window = range(max(0, p - 400), p)
        q = max(window, key=lambda j: len(sets[p] & sets[j]) / len(sets[p] | sets[j] or {0}))
        for other in (q, rng.randrange(p)):
            if rs_score(texts[p], texts[other]) <= 0.7:
                continue
            x = enc.tokens[enc.offsets[p] : enc.offsets[p + 1]]
            y = enc.tokens[enc.offsets[other] : enc.offsets[other + 1]]
            m, n = len(x), len(y)
            alpha = k.need(m + n, a, b, t)
            assert alpha <= min(m, n)
            xt = k.rarest_first(
                k.occurrence_ids(x, index._dup_next, index._occ, index._state, 0), index._okey
            )
            yt = k.rarest_first(
                k.occurrence_ids(y, index._dup_next, index._occ, index._state, 0), index._okey
            )
            sx = np.zeros(k.SIG_WORDS, dtype=np.uint64)
            sy = np.zeros(k.SIG_WORDS, dtype=np.uint64)
            k.signature(xt, sx)
            k.signature(yt, sy)
            assert m - k.popcount(sx[0] & ~sy[0]) - k.popcount(sx[1] & ~sy[1]) >= alpha
            assert n - k.popcount(sy[0] & ~sx[0]) - k.popcount(sy[1] & ~sx[1]) >= alpha
            i, j = k.first_common(xt, yt, index._okey)
            assert 0 <= i <= m - alpha and 0 <= j <= n - alpha
            assert j < k.prefix_len(n, a, b, t) and i < k.prefix_len(m, a, b, t)
            # the bound of the suffixes from the first common token, as the join checks it
            x_suf, x_coll = k.suffix_signatures(xt, i + 1)
            y_suf, y_coll = k.suffix_signatures(yt, j + 1)
            common = k.common_bits(x_suf[i, 0], x_suf[i, 1], y_suf[j, 0], y_suf[j, 1])
            assert common + min(x_coll[i], y_coll[j]) >= alpha
            meta = k.meta_of(n, y_coll[j])
            mul = index._mul
            assert k.survives(meta, y_suf[j, 0], y_suf[j, 1], 1, n, m * mul + 0xFFFFFFFF,
                              mul & 0xFFFFFFFF, x_suf[i, 0], x_suf[i, 1], x_coll[i])
            assert k.pair_passes(meta, y_suf[j, 0], y_suf[j, 1], n, alpha, x_suf[i, 0],
                                 x_suf[i, 1], x_coll[i])
            assert set(xt[:i].tolist()).isdisjoint(yt.tolist())
            checked += 1
    assert checked > 150


@pytest.mark.parametrize("length", [9000, 300])
def test_the_join_stays_exact_with_texts_a_posting_cannot_describe(length: int) -> None:
    """A posting's length field holds up to LEN_MAX - 1 tokens (511) and its collisions
    field up to COLL_MAX - 1: a longer text (9000), or one whose suffixes collide more than
    that (300 distinct words in 128 bits: ~120-180 collisions), saturates; the join resolves
    the length from the record, bounds the pair by the query's side, and decides as one text
    at a time does."""
    k = rouge._kernels()
    long_text = " ".join(f"w{i}" for i in range(length))
    words = long_text.split()
    assert length >= k.LEN_MAX or k.meta_len(k.meta_of(length, 140)) == k.LEN_MAX
    cut = length // 45
    # LCS 44/45 of both: alpha ~ 0.7 of the length, more than a clipped field could show
    near = " ".join(words[:cut] + words[2 * cut :])
    far = " ".join(words[::3])  # LCS 1/3 of the long text's length: F = 0.5
    texts = synthetic_instructions(2 * JOIN_MIN - 1, seed=3)  # two batches of JOIN_MIN + 1
    texts = [long_text, *texts[:JOIN_MIN], near, far, *texts[JOIN_MIN:]]
    one_by_one = decide(texts, 1, 0.7, [])
    joined = decide(texts, JOIN_MIN + 1, 0.7, [])  # the long text is kept in the first batch
    assert joined == one_by_one
    assert joined[JOIN_MIN + 1] == ("0", rs_score(near, long_text))
    assert joined[0] is None and joined[JOIN_MIN + 2] is None
