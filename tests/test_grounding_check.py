"""The textual grounding check on the kinds of task a small teacher writes when it ignores
its passage (seen with the local 135M model on installed packages' READMEs: inputs it made
up, questions about something else, outputs of the instruction's own words), against a real
chunk (click's METADATA); and on tasks drawn from that chunk, which it must keep."""

from __future__ import annotations

import pytest
from test_documents import real_text

from selfinstruct.quality.grounding import ungrounded_reason

CHUNK = real_text("click").split("\n\n", 1)[1][:1400]


@pytest.mark.parametrize(
    ("instruction", "input_text", "output", "reason"),
    [
        # made up: inputs the passage does not hold, however short
        ("Create a new word that describes the color of the sun.", "Sunshine", "Sunlight",
         "ungrounded:input"),
        ("What is the greatest score in the world?", "The greatest score is 1.",
         "The greatest score is 1. The score is the greatest score is 1, so the answer is 1.",
         "ungrounded:input"),
        # a question about something else, answered in a word
        ("On which planet is Europa?", "", "Earth", "ungrounded:instruction"),
        # a task that refers to a passage it does not carry
        ("Summarise the passage in one sentence.", "", "It is a good passage.",
         "ungrounded:instruction"),
        # an output the chunk does not support
        ("What is Click?", "", "Click is a Norwegian bicycle company founded in Oslo in 1987 "
         "by three engineers who sell bicycles online.", "ungrounded"),
    ],
)  # fmt: skip
def test_tasks_not_drawn_from_the_chunk_are_dropped(instruction, input_text, output, reason):
    assert ungrounded_reason(instruction, input_text, output, CHUNK) == reason


def test_tasks_drawn_from_the_chunk_are_kept():
    sentence = next(s for s in CHUNK.split("\n") if len(s.split()) > 8)
    kept = [
        ("Summarise the following text in one sentence.", sentence, sentence.split(",")[0]),
        ("What is Click?", "", "Click is a Python package for creating command line interfaces."),
        ("Is the sentence below an instruction or a fact?", sentence, "fact"),
        ("Which language is Click written for?", "", "Python"),
    ]
    for instruction, input_text, output in kept:
        assert ungrounded_reason(instruction, input_text, output, CHUNK) is None, instruction
