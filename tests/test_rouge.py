"""ROUGE-L: the tokenizer, the decision and the index against rouge_score itself."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer, scoring, tokenizers

from selfinstruct.quality.rouge import (
    Match,
    RougeIndex,
    exceeds,
    lcs_length,
    rouge_l,
    tokenize,
)

SCORER = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
RS_TOKENIZER = tokenizers.DefaultTokenizer(use_stemmer=False)


def rs_score(new: str, kept: str) -> float:
    """The papers' call: the new instruction as target, a kept one as prediction."""
    return SCORER.score(new, kept)["rougeL"].fmeasure


def rs_greedy(texts: list[str], threshold: float) -> list[int | None]:
    """Reference greedy dedup: for each text, the index of a kept text above the threshold."""
    kept: list[int] = []
    out: list[int | None] = []
    for i, text in enumerate(texts):
        hit = next((k for k in kept if rs_score(text, texts[k]) > threshold), None)
        out.append(hit)
        if hit is None:
            kept.append(i)
    return out


# ---------------------------------------------------------------- tokenizer

TRICKY = [
    "",
    "   ",
    "Hello, World!",
    "e-mail don't __init__ snake_case CamelCase",
    "3.14 1,000,000 x² ½ Ⅻ ①",
    "İstanbul ıi KELVIN: \u212a, ß Straße ﬁne ǅ",
    "café naïve résumé Ångström",
    "tabs\tand\nnew\r\nlines\u00a0nbsp\u2003em-space",
    "emoji 😀 and 👍🏽 between words",
    "写一首诗 Напишите стих اكتب قصيدة",
    "a\u0307 combining \u0301 marks",
    "UPPER lower MiXeD 123abc abc123",
    "<html> & {json: [1, 2]} #tag @user",
]


@pytest.mark.parametrize("text", TRICKY)
def test_default_tokenizer_equals_rouge_score(text: str) -> None:
    assert tokenize(text) == RS_TOKENIZER.tokenize(text)


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_default_tokenizer_equals_rouge_score_on_any_text(text: str) -> None:
    assert tokenize(text) == RS_TOKENIZER.tokenize(text)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
@settings(max_examples=300, deadline=None)
def test_unicode_tokenizer_equals_default_on_ascii(text: str) -> None:
    assert tokenize(text, "unicode") == tokenize(text)


def test_unicode_tokenizer_splits_scripts_without_spaces() -> None:
    assert tokenize("写一首诗", "unicode") == ["写", "一", "首", "诗"]
    assert tokenize("日本語のテキスト", "unicode") == ["日", "本", "語", "の", "テ", "キ", "ス", "ト"]
    assert tokenize("Напишите СТИХ, пожалуйста", "unicode") == ["напишите", "стих", "пожалуйста"]
    assert tokenize("हिन्दी भाषा", "unicode") == ["हिन्दी", "भाषा"]  # marks stay in the word
    assert tokenize("ＡＢＣ Straße café", "unicode") == ["abc", "strasse", "café"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("用三句话解释为什么天空是蓝色的。", "请用三句话解释天空为什么是蓝色的。"),
        ("Напишите короткое стихотворение об осени в парке.",
         "Напишите короткое стихотворение об осени в городском парке."),
        ("اكتب قصيدة قصيرة عن فصل الخريف في الحديقة",
         "اكتب قصيدة قصيرة عن الخريف في الحديقة"),
    ],
)
def test_unicode_tokenizer_catches_non_latin_near_duplicates(a: str, b: str) -> None:
    assert rouge_l(a, b) == 0.0  # the default sees no tokens at all
    assert rouge_l(a, b, "unicode") > 0.7
    index = RougeIndex(0.7, "unicode")
    assert index.accept_batch([(a, "a"), (b, "b")])[1] == Match("a", a, rouge_l(b, a, "unicode"))
    assert RougeIndex(0.7).accept_batch([(a, "a"), (b, "b")]) == [None, None]


def test_unknown_tokenizer_is_an_error() -> None:
    with pytest.raises(ValueError, match="tokenizer"):
        tokenize("x", "spacy")  # type: ignore[arg-type]


# ---------------------------------------------------------------- the decision


def test_the_documented_ties() -> None:
    # 20 * LCS == 7 * (m + n): rouge_score's float lands on either side of 0.7
    assert scoring.fmeasure(7 / 13, 7 / 7) == 0.7000000000000001
    assert exceeds(7, 7, 13, 0.7) is True
    assert scoring.fmeasure(7 / 10, 7 / 10) == 0.7
    assert exceeds(7, 10, 10, 0.7) is False


@pytest.mark.parametrize("threshold", [0.7, 0.5, 0.3, 0.9, 0.0, 1.0, 0.6180339887, 0.1 + 0.2])
def test_exceeds_matches_rouge_score_float_everywhere(threshold: float) -> None:
    for m in range(1, 61):
        for n in range(1, 61):
            for lcs in range(0, min(m, n) + 1):
                # rouge_score: precision = lcs / len(prediction = kept), recall = lcs / len(new)
                expected = scoring.fmeasure(lcs / n, lcs / m) > threshold
                assert exceeds(lcs, m, n, threshold) is expected, (lcs, m, n)


def test_empty_token_lists_are_never_duplicates() -> None:
    assert exceeds(0, 0, 5, 0.7) is False
    index = RougeIndex(0.0)
    assert index.accept_batch([("!!!", "a"), ("...", "b"), ("x", "c")]) == [None, None, None]
    assert index.nearest("???") is None


def test_realistic_pairs_match_rouge_score() -> None:
    from selfinstruct_testing.corpus import synthetic_instructions

    texts = synthetic_instructions(1200, seed=3)
    sets = [set(tokenize(t)) for t in texts]
    rng = random.Random(0)
    pairs = []
    for i in range(1, len(texts)):
        pairs.append((texts[i], texts[rng.randrange(i)]))  # a random earlier one
        window = range(max(0, i - 300), i)  # and the most similar-looking earlier one
        j = max(window, key=lambda j: len(sets[i] & sets[j]) / len(sets[i] | sets[j] or {0}))
        pairs.append((texts[i], texts[j]))
    above = 0
    for new, kept in pairs:
        expected = rs_score(new, kept)
        assert rouge_l(new, kept) == expected
        assert exceeds(lcs_length(tokenize(new), tokenize(kept)), len(tokenize(new)),
                       len(tokenize(kept)), 0.7) is (expected > 0.7)
        above += expected > 0.7
    assert len(pairs) > 2000 and 50 < above < len(pairs) - 1000  # both sides exercised


# ---------------------------------------------------------------- the index

WORDS = ["a", "b", "c", "d", "e"]


def texts_strategy(max_len: int = 14, max_size: int = 40) -> st.SearchStrategy[list[str]]:
    text = st.lists(st.sampled_from(WORDS), max_size=max_len).map(" ".join)
    return st.lists(text, min_size=1, max_size=max_size)


@given(texts=texts_strategy(), threshold=st.sampled_from([0.7, 0.5, 0.35, 0.0, 0.8571, 0.1 + 0.2, 1.0]))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_accept_batch_equals_greedy_rouge_score(texts: list[str], threshold: float) -> None:
    expected = rs_greedy(texts, threshold)
    index = RougeIndex(threshold)
    got = index.accept_batch([(t, str(i)) for i, t in enumerate(texts)])
    assert [g is None for g in got] == [e is None for e in expected]
    for text, match in zip(texts, got, strict=True):
        if match is not None:
            assert match.score == rs_score(text, match.text) > threshold
            assert match.text == texts[int(match.key)]
    assert len(index) == sum(e is None for e in expected)


@given(kept=texts_strategy(), queries=texts_strategy(max_size=8))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_find_duplicate_and_nearest_equal_brute_force(kept: list[str], queries: list[str]) -> None:
    index = RougeIndex(0.7)
    for i, text in enumerate(kept):
        index.add(text, str(i))
    assert len(index) == len(kept)
    for query in queries:
        scores = [rs_score(query, k) for k in kept]
        best = max(scores)
        duplicate = index.find_duplicate(query)
        assert (duplicate is not None) is (best > 0.7)
        if duplicate is not None:
            assert duplicate.score == rs_score(query, duplicate.text) > 0.7
        nearest = index.nearest(query)
        if best == 0:
            assert nearest is None
        else:
            assert nearest == Match(str(scores.index(best)), kept[scores.index(best)], best)


@given(texts=texts_strategy(max_len=150, max_size=12))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_long_texts_use_the_multiword_lcs(texts: list[str]) -> None:
    index = RougeIndex(0.5)
    got = index.accept_batch([(t, str(i)) for i, t in enumerate(texts)])
    assert [g is None for g in got] == [e is None for e in rs_greedy(texts, 0.5)]
    for query in texts[:3]:
        nearest = index.nearest(query + " a b")
        scores = [rs_score(query + " a b", t) for t in index._texts]
        assert (nearest.score if nearest else 0.0) == max(scores, default=0.0)


def test_incremental_adds_interleaved_with_queries() -> None:
    """New words keep arriving; the order behind the prefix filter must stay exact."""
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(30)]
    texts = [" ".join(rng.choice(vocab[: 5 + i // 10]) for _ in range(rng.randint(3, 12)))
             for i in range(250)]
    expected = rs_greedy(texts, 0.6)
    index = RougeIndex(0.6)
    got: list[Match | None] = []
    for start in range(0, len(texts), 7):  # uneven batches, with find_duplicate in between
        batch = texts[start : start + 7]
        for text in batch:
            index.find_duplicate(text)
        got.extend(index.accept_batch([(t, str(start + i)) for i, t in enumerate(batch)]))
    assert [g is None for g in got] == [e is None for e in expected]


def test_priming_keeps_decisions_and_is_only_allowed_when_empty() -> None:
    from selfinstruct_testing.corpus import synthetic_instructions

    texts = synthetic_instructions(400, seed=1)
    plain, primed = RougeIndex(), RougeIndex()
    primed.prime(texts[::2])
    items = [(t, str(i)) for i, t in enumerate(texts)]
    assert plain.accept_batch(items) == primed.accept_batch(items)
    with pytest.raises(RuntimeError):
        primed.prime(texts)


def test_index_grows_past_its_initial_arrays() -> None:
    from selfinstruct_testing.corpus import synthetic_instructions

    texts = synthetic_instructions(1500, seed=2)
    index = RougeIndex()
    results = index.accept_batch([(t, str(i)) for i, t in enumerate(texts)])
    assert index._pool.shape[0] > 4096 and index._rec_off.shape[0] > 1500
    sample = random.Random(1).sample(range(len(texts)), 25)
    kept = [texts[i] for i, r in enumerate(results) if r is None]
    for i in sample:
        if results[i] is not None:
            assert rs_score(texts[i], results[i].text) > 0.7
        else:  # accepted: nothing kept before it is a duplicate
            earlier = [t for j, t in enumerate(texts[:i]) if results[j] is None]
            assert all(rs_score(texts[i], t) <= 0.7 for t in earlier)
    assert len(index) == len(kept)


def test_threshold_out_of_range() -> None:
    with pytest.raises(ValueError, match="threshold"):
        RougeIndex(1.5)


def test_plain_python_kernels_without_numba_jit() -> None:
    """Where numba is missing the same kernels run as Python; check they stay exact."""
    code = textwrap.dedent(
        """
        import warnings
        warnings.simplefilter("ignore")
        from selfinstruct.quality.rouge import RougeIndex
        texts = ["a b c d e f g", "a b c d e f", "x y z", "a b c x y z", "g f e d c b a", "x y"]
        index = RougeIndex(0.7)
        print([m is None for m in index.accept_batch([(t, str(i)) for i, t in enumerate(texts)])])
        print(index.nearest("a b c").key)
        """
    )
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          check=True, timeout=120)
    assert done.stdout.split("\n")[:2] == ["[True, False, True, True, True, False]", "3"]


def test_very_long_texts_saturate_the_packed_fields_safely() -> None:
    """Lengths >= 4095 and prefix positions >= 4095 do not fit a posting; still exact."""
    long_text = [f"w{i}" for i in range(9000)]
    shorter = long_text[:100] + long_text[120:]  # LCS 8980, F = 2 * 8980 / 17980 > 0.7
    index = RougeIndex(0.7)
    index.add(" ".join(long_text), "long")
    index.add("w1 w2 w3", "short")
    match = index.find_duplicate(" ".join(shorter))
    assert match is not None and match.key == "long"
    assert match.score == scoring.fmeasure(8980 / 9000, 8980 / 8980)
    assert index.find_duplicate(" ".join(reversed(long_text))) is None
    nearest = index.nearest(" ".join(long_text[::2]))  # LCS 4500 of 4500 and 9000 tokens
    assert nearest is not None and nearest.score == scoring.fmeasure(4500 / 9000, 1.0)


def test_nearest_many_equals_nearest_one_at_a_time():
    """The loop asks a unit's nearest seeds in one batch: same keys and scores as one by one."""
    from selfinstruct.quality.rouge import RougeIndex
    from selfinstruct_testing.generator import TaskGenerator

    index = RougeIndex()
    for number, task in enumerate(TaskGenerator(11).generate(150)):
        index.add(task.instruction, f"s{number}")
    queries = [task.instruction for task in TaskGenerator(12).generate(200)] + ["zzz qqq"]
    one = [index.nearest(q) for q in queries]
    many = index.nearest_many(queries)
    assert [m and (m.key, m.score) for m in many] == [m and (m.key, m.score) for m in one]
    assert one[-1] is None and index.nearest_many([]) == []
