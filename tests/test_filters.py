"""Each quality filter names its reason; good tasks pass untouched."""

from __future__ import annotations

import pytest

from selfinstruct.filters import default_filters, first_reason
from selfinstruct.schemas import Candidate


def reason(instruction: str, input_text: str = "", output: str = "A fine answer.") -> str | None:
    return first_reason(
        default_filters(), Candidate(instruction=instruction, input=input_text, output=output)
    )


@pytest.mark.parametrize(
    ("instruction", "input_text", "output", "expected"),
    [
        ("Summarise the paragraph below in one sentence.", "Some text here.", "Short.", None),
        ("请用一句话总结下面这段文字的主要内容。", "一些文字。", "总结。", None),
        ("Объясните, почему небо голубое, простыми словами.", "", "Из-за рассеяния.", None),
        ("Summarize this.", "", "x", "too_short"),
        (" ".join(["word"] * 151), "", "x", "too_long"),
        ("Describe the image in three sentences.", "", "x", "blacklist:image"),
        ("Describe these pictures in three sentences.", "", "x", "blacklist:picture"),
        ("Draw a diagram of the water cycle please.", "", "x", "blacklist:draw"),
        ("Explain how to go to the nearest station.", "", "x", "blacklist:go_to"),
        ("Explain how profiles work in sport teams.", "", "x", None),  # "file" inside a word
        ("Write a program that sorts a list of numbers.", "", "x", "program_request"),
        ("- List three fruits that are red.", "", "x", "starts_with_punctuation"),
        ("★ List three fruits that are red.", "", "x", "starts_with_symbol"),
        ("List three fruits that are red.", "", "   ", "empty_output"),
        ("Repeat the sentence back to me exactly.", "Hello there", "hello  there", "input_equals_output"),
        ("Tell me your favourite colour and why.", "", "As an AI language model, I do not.", "refusal"),
        ("Tell me how to pick a lock quickly.", "", "I'm sorry, but I cannot help with that.", "refusal"),
        ("List three fruits that are red.", "", "x" * 9000, "output_too_long"),
    ],
)
def test_reasons(instruction, input_text, output, expected):
    assert reason(instruction, input_text, output) == expected
