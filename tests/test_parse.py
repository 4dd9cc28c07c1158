"""The parser against the formatting drift real teachers produce."""

from __future__ import annotations

import json

import pytest

from selfinstruct.methods.parse import RAW_EVIDENCE_CHARS, parse_json_tasks, parse_tasks
from selfinstruct.methods.prompts import render_task_block

CLEAN = (
    render_task_block(1, "Name three uses of baking soda.", "", "Cleaning, baking, deodorising.")
    + render_task_block(2, "Classify the sentiment.", "I loved it.", "Positive")
    + "###"
)


def texts(result):
    return [(c.instruction, c.input, c.output) for c in result.candidates]


def test_clean_format():
    result = parse_tasks(CLEAN)
    assert texts(result) == [
        ("Name three uses of baking soda.", "", "Cleaning, baking, deodorising."),
        ("Classify the sentiment.", "I loved it.", "Positive"),
    ]
    assert result.rejections == []


@pytest.mark.parametrize(
    "messy",
    [
        # parenthesis numbering, no separators, preamble
        "Here are 2 new tasks:\n\n1) Instruction: Give two synonyms for happy.\n1) Input: <noinput>"
        "\n1) Output: Joyful, content.\n\n2) Instruction: Sort the numbers ascending.\n"
        "2) Input: 3, 1, 2\n2) Output: 1, 2, 3\n",
        # markdown bold labels and Task headers
        "**Task 1:**\n**Instruction:** Give two synonyms for happy.\n**Input:** None\n"
        "**Output:** Joyful, content.\n\n**Task 2:**\n**Instruction:** Sort the numbers ascending."
        "\n**Input:** 3, 1, 2\n**Output:** 1, 2, 3\n\nI hope these tasks help!",
        # labels without numbers, input missing for the no-input task, odd spacing
        "###\nInstruction:   Give two synonyms for happy.\nOutput: Joyful, content.\n###\n"
        "Instruction: Sort the numbers ascending.\nInput: 3, 1, 2\n\nOutput:\n1, 2, 3\n###",
        # Task N. prefixes on each label, N/A input
        "Task 1. Instruction: Give two synonyms for happy.\nTask 1. Input: N/A\n"
        "Task 1. Output: Joyful, content.\n---\nTask 2. Instruction: Sort the numbers ascending.\n"
        "Task 2. Input: 3, 1, 2\nTask 2. Output: 1, 2, 3",
    ],
)
def test_formatting_drift(messy):
    assert texts(parse_tasks(messy)) == [
        ("Give two synonyms for happy.", "", "Joyful, content."),
        ("Sort the numbers ascending.", "3, 1, 2", "1, 2, 3"),
    ]


def test_multiline_output_kept_whole():
    code = "def add(a, b):\n    return a + b"
    text = render_task_block(1, "Write a Python function that adds two numbers.", "", code)
    assert parse_tasks(text).candidates[0].output == code


def test_truncated_last_task_is_dropped_with_reason():
    text = CLEAN + "\n3. Instruction: Explain why the sky is blue.\n3. Input: <noinput>\n3. Output: Be"
    result = parse_tasks(text, finish_reason="length")
    assert len(result.candidates) == 2
    assert [r.reason for r in result.rejections] == ["truncated"]
    assert result.rejections[0].instruction == "Explain why the sky is blue."


def test_task_without_output_is_a_parse_error():
    text = "1. Instruction: List four prime numbers.\n1. Input: <noinput>\n" + render_task_block(
        2, "Reverse the word.", "stressed", "desserts"
    )
    result = parse_tasks(text)
    assert texts(result) == [("Reverse the word.", "stressed", "desserts")]
    assert [r.reason for r in result.rejections] == ["parse_error"]


def test_no_task_keeps_capped_raw_evidence():
    raw = "I cannot help with that. " * 1000
    result = parse_tasks(raw)
    assert result.candidates == []
    (rejection,) = result.rejections
    assert rejection.reason == "parse_error"
    assert rejection.raw is not None and len(rejection.raw) == RAW_EVIDENCE_CHARS
    assert rejection.raw_truncated


def test_json_tasks():
    raw = json.dumps(
        {"tasks": [{"instruction": "Name a colour.", "input": "<noinput>", "output": "Blue"},
                   {"instruction": "No output here."}]}
    )
    result = parse_json_tasks(raw)
    assert texts(result) == [("Name a colour.", "", "Blue")]
    assert [r.reason for r in result.rejections] == ["schema_error"]


def test_json_not_json_is_schema_error_with_raw():
    result = parse_json_tasks("tasks: none")
    assert result.rejections[0].reason == "schema_error"
    assert result.rejections[0].raw == "tasks: none"


@pytest.mark.parametrize("marker", ["<noinput>", "None", "N/A", "None (no answer).", "(none)", "<no input>."])
def test_no_input_markers_become_empty(marker):
    text = f"1. Instruction: Name a large ocean.\n1. Input: {marker}\n1. Output: The Pacific."
    assert parse_tasks(text).candidates[0].input == ""


#: pieces of answers where a label's match may end on a newline, span lines or sit mid-line
LABEL_PIECES = (
    "Instruction:", "instruction 3:", "INPUT :", "Output:\n", "Output:\n\n", "1.", "2)",
    "Task 3:", "Task 3:\n", "**Instruction:**", "> ", "- ", "## ", "\n", "\n\n", " ", "\t",
    "###", "text", "x: y", "Example 2.", ":", "*", "_", "3 -", "output", "\u2003", "\r", "é",
)  # fmt: skip


@pytest.mark.parametrize("seed", range(40))
def test_label_scan_finds_what_finditer_finds(seed):
    """`_label_spans` (a search after newlines) gives `_LABEL.finditer`'s matches exactly,
    also when a match ends on the newline before the next label."""
    import random

    from selfinstruct.methods.parse import _LABEL, _label_spans

    rng = random.Random(seed)
    for _ in range(200):
        text = "".join(rng.choice(LABEL_PIECES) for _ in range(rng.randint(0, 50)))
        expected = [(m.start(), m.end(), m.group("label")) for m in _LABEL.finditer(text)]
        assert _label_spans(text) == expected, text
    assert _label_spans("Output:\nInput: x") == [(0, 8, "Output"), (8, 15, "Input")]
