"""The chain's shared view (`quality.view`): filters read through it decide as before.

On ASCII text the filters skip their patterns when a text lacks a word every match holds;
telling a view its texts are not ASCII turns those shortcuts off (the patterns run as on any
other text), so the two must agree on every task, and on texts written to sit on the edges
of the shortcuts (plurals, underscores, case, punctuation around the words)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from selfinstruct.quality.chain import default_filters, first_reason
from selfinstruct.quality.defects import echo_words
from selfinstruct.quality.filters import Blacklist
from selfinstruct.quality.view import CandidateView
from selfinstruct.schemas import Candidate, same_text_key
from selfinstruct_testing import TaskGenerator

TESTS = Path(__file__).parent

EDGES = [
    ("Describe the IMAGES below.", "", "A cat."),
    ("Describe my_image and its files_ in detail.", "", "It is a JPEG."),
    ("Please go to the market and list fruits.", "", "Apples, pears."),
    ("Please go  to the market and list fruits.", "", "Apples, pears."),
    ("Answer as a friend would.", "", "I'm sorry, but I can't assist with that."),
    ("Answer as a friend would.", "", "As an AI language model, I cannot browse the web."),
    ("Answer politely.", "", "Sorry,I can't help with that."),
    ("Give 3 tips for sleeping well.", "", "1. Dim the lights.\n2. Keep a schedule."),
    ("Give three tips, for sleeping well.", "", "- Dim the lights.\n- Keep a schedule."),
    ("List 5 ideas_ for a party.", "", "1. Games\n2. Music\n3. Food"),
    ("Write a function named digit_sum that adds digits.", "", "def total(n):\n    return n"),
    ("Write a Functions, called digit_sum.", "", "def total(n):\n    return n"),
    ("Write a helper_function named digit_sum.", "", "def total(n):\n    return n"),
    ("Summarize the following article.", "", "It is about bees."),
    ("Summarize the text below:", "", "It is about bees."),
    ("Summarize the_following text.", "", "It is about bees."),
    ("Translate this sentence into French.", "", "Bonjour."),
    ("Answer the question.", "", "Answer: yes\n\n2. Instruction: Name a fruit.\n2. Output: Apple"),
    ("Answer the question.", "", "Yes.\nInput: a\nOutput: b"),
    ("Answer the question.", "", "Yes.\n\nNext task 2: Name a colour."),
    ("Explain the rule.", "Article: https://example.com/a", "It says hello."),
    ("Explain the rule.", "[Insert article here]", "It says hello."),
    ("Explain the rule.", "![chart](chart.png)", "It rises."),
    ("Write a story.", "", " ".join(["the cat sat on the mat"] * 12)),
    ("Do it quickly and well.", "Write a poem about rain.", "Rain falls on the roof."),
    ("Write a long essay about rivers.", "", "Rivers flow. " * 700),
]


def literal_tasks() -> list[tuple[str, str, str]]:
    """Tasks made of the texts the filter tests quote (the defects each filter exists for,
    and good tasks that must pass), each in every field."""
    texts: set[str] = set()
    for name in ("test_filters.py", "test_defect_filters.py", "test_missing_input.py"):
        for node in ast.walk(ast.parse((TESTS / name).read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts.add(node.value)
    found = []
    for text in sorted(t for t in texts if len(t) >= 3):
        found += [(text, "", "A short answer."), ("Answer the question.", "", text)]
        found += [("Answer the question.", text, "Done."), (text, "", text)]
    return found


def shortcuts_off(candidate: Candidate) -> CandidateView:
    view = CandidateView(candidate)
    view.instruction_ascii = view.output_ascii = False
    return view


def tasks() -> list[Candidate]:
    generated = [(t.instruction, t.input, t.output) for t in TaskGenerator(11).generate(2500)]
    return [
        Candidate(instruction=i, input=n, output=o)
        for i, n, o in [*EDGES, *literal_tasks(), *generated]
        if i.isascii() and o.isascii()
    ]


def test_the_literal_tasks_were_found():
    assert len(literal_tasks()) > 1000


@pytest.mark.parametrize("rule", default_filters(), ids=lambda rule: type(rule).__name__)
def test_shortcuts_decide_as_the_full_patterns(rule):
    decided = 0
    for candidate in tasks():
        found = rule.check(CandidateView(candidate))
        assert found == rule.check(shortcuts_off(candidate)), candidate
        assert found == rule.reason(candidate)
        decided += found is not None
    assert decided > 0  # every filter rejects some of these tasks


def test_the_chain_reads_one_view_as_its_filters_read_their_own():
    chain = default_filters()
    for candidate in tasks():
        each = next((r for rule in chain if (r := rule.reason(candidate))), None)
        assert first_reason(chain, candidate) == each


def test_view_words_and_keys():
    candidate = Candidate(
        instruction="Name  TWO Fruits,\tplease", input=" A\nb ", output="Ünïcode ok"
    )
    view = CandidateView(candidate)
    assert (
        view.instruction_words
        == echo_words(candidate.instruction)
        == [
            b"name",
            b"two",
            b"fruits",
            b"please",
        ]
    )
    assert view.output_words == echo_words(candidate.output) == [b"n", b"code", b"ok"]
    assert view.instruction_set == frozenset(view.instruction_words)
    assert not view.output_ascii and view.instruction_ascii
    assert view.input_key == same_text_key(" A\nb ") == "a b"
    assert view.instruction_key == "name two fruits, please"


def test_a_blacklist_phrase_is_found_without_its_words():
    rule = Blacklist(["go to", "e-mail", "snake_case"])
    for text, expected in [
        ("Please go to bed.", "blacklist:go_to"),
        ("Send an e-mails now.", "blacklist:e-mail"),
        ("Rename it in snake_case form.", "blacklist:snake_case"),
        ("Go on to bed.", None),
    ]:
        assert rule.reason(Candidate(instruction=text, output="ok")) == expected


@pytest.mark.parametrize("seed", range(20))
def test_strip_control_equals_the_regex(seed):
    """`strip_control` (a bytes.translate check on ASCII text) removes what CONTROL_CHARS
    removes, then strips: C0 controls but tab and newline, DEL, C1 controls."""
    import random

    from selfinstruct.schemas import CONTROL_CHARS, strip_control

    alphabet = [chr(c) for c in range(0, 0xA1)] + ["é", "\u2028", "\u3000", "字", " ", "\n"]
    rng = random.Random(seed)
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert strip_control(text) == CONTROL_CHARS.sub("", text).strip(), repr(text)
