"""`missing_input`: an instruction that works on material the task does not give.

Examples from data we did not write are marked with their source (Stanford Alpaca's
alpaca_data.json by index, GSM8K's train split); the others are the shapes those take.
Measured on real data (README, "Quality gate"): 0 of 7,473 GSM8K questions and 1 of 1,119
Alpaca tasks without input flagged, that one a true defect (#1631)."""

from __future__ import annotations

import pytest

from selfinstruct.quality.chain import default_filters, first_reason
from selfinstruct.quality.missing_input import MissingInput
from selfinstruct.schemas import Candidate

MISSING = [
    # alpaca_data.json #1631: the teacher captioned a photo it never saw
    "Generate a funny caption for the following photo.",
    # the local teacher wrote this one (with an input); held to <noinput>, it lacks the number
    "Determine whether the given number is a power of two.",
    "Summarize the following article in two sentences.",
    "Rewrite this sentence in the passive voice.",
    "Find the sum of the numbers in the list below.",
    "Translate the following:",
]
CARRIED_OR_ANAPHORIC = [
    # alpaca_data.json #246, #527, #1776: the material follows in the instruction itself
    "Convert the following number from base 10 to hexadecimal: 278",
    "Evaluate the following expression: (6+2)*(2-2).",
    "Sort the following array in ascending order [3, 6,1,8].",
    # GSM8K train: "this"/"these" in a later sentence points back at the first one
    "A boy has 12 oranges. He gives one-third of this number to his brother, one-fourth of the "
    "remainder to his friend and keeps the rest for himself. How many does his friend get?",
    "The recipe for a four-person cake requires 2 eggs and 4 cups of milk. Tyler wants to use "
    "this recipe to make a cake for eight people. How many eggs does he need?",
    # writing code: "the given number" is the function's parameter
    "Write a Python function that returns True when the given number is prime.",
    # a quoted sentence
    'Rewrite this sentence in the passive voice: "The cat chased the mouse."',
    # no definite reference to pasted material
    "Write a short poem about the sea.",
    "Given a list of numbers, how would you find the largest one?",
]


@pytest.mark.parametrize("instruction", MISSING)
def test_a_reference_to_material_the_task_lacks_is_rejected(instruction: str) -> None:
    candidate = Candidate(instruction=instruction, input="", output="Here is the answer.")
    assert MissingInput().reason(candidate) == "missing_input"
    assert first_reason(default_filters(), candidate) is not None


@pytest.mark.parametrize("instruction", CARRIED_OR_ANAPHORIC)
def test_material_in_the_instruction_or_a_back_reference_is_kept(instruction: str) -> None:
    assert MissingInput().reason(Candidate(instruction=instruction, input="", output="x")) is None


def test_an_input_satisfies_the_reference() -> None:
    candidate = Candidate(
        instruction="Summarize the following article in two sentences.",
        input="The city council voted on Tuesday to extend the bus network to the airport.",
        output="The council approved a bus line to the airport.",
    )
    assert MissingInput().reason(candidate) is None
