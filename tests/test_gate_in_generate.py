"""The gate's run-wide checks inside `generate`: the prompt actually sent, and a templated
answer across units (kept across a resume)."""

from __future__ import annotations

import itertools

from helpers import SEEDS, read_jsonl

from selfinstruct import generate
from selfinstruct.methods.prompts import render_task_block
from selfinstruct.quality.defects import PromptEcho
from selfinstruct.schemas import Candidate

TOPIC = "customer support for a small bakery in Lisbon"
ECHOED = f"I will keep to the domain of {TOPIC}, as asked, and answer politely."
GOOD = [
    (
        "Write a polite reply to a customer asking whether the croissants contain nuts.",
        "",
        "Thank you for asking. Our croissants contain no nuts, but they are baked in a kitchen "
        "that also handles almonds, so we cannot promise they are free of traces.",
    ),
    (
        "Suggest three names for a new sourdough loaf with olives.",
        "",
        "Olive Grove Sourdough, The Lisbon Crust, Green Gold Loaf.",
    ),
]


def test_an_answer_repeating_the_rendered_prompt_is_prompt_echo(fake_teacher_factory, tmp_path):
    """The topic sentence exists only in the prompt sent (the template has a placeholder
    there), so only the check against that prompt can see the echo."""
    assert PromptEcho().reason(Candidate(instruction="Greet a customer.", output=ECHOED)) is None

    def answer(_body):
        tasks = [("Greet a customer who walks in at opening time.", "", ECHOED), *GOOD]
        return "".join(render_task_block(i + 1, *t) for i, t in enumerate(tasks)) + "###", "stop"

    server = fake_teacher_factory(responder=answer)
    out = tmp_path / "run"
    generate(out=out, base_url=server.base_url, model="fake-teacher", seeds=[SEEDS],
             topic=TOPIC, num_instructions=2, max_requests=1, stall_requests=0)  # fmt: skip
    kept = [row["instruction"] for row in read_jsonl(out / "data.jsonl")]
    assert kept == [GOOD[0][0], GOOD[1][0]]
    echo = [r for r in read_jsonl(out / "rejected.jsonl") if r["reason"] == "prompt_echo"]
    assert [r["output"] for r in echo] == [ECHOED]


def test_a_label_pasted_under_unrelated_tasks_is_templated_across_units_and_resumes(
    fake_teacher_factory, tmp_path
):
    instructions = [
        "Write a haiku about the first rain of autumn.",
        "Name the capital city of Peru and one of its landmarks.",
        "Summarise the story of Hamlet in a single sentence.",
    ]
    calls = itertools.count()

    def answer(_body):
        instruction = instructions[min(next(calls), 2)]
        return render_task_block(1, instruction, "", "Safe") + "###", "stop"

    server = fake_teacher_factory(responder=answer)
    out = tmp_path / "run"
    common = dict(out=out, base_url=server.base_url, model="fake-teacher", seeds=[SEEDS],
                  num_instructions=10, stall_requests=0, concurrency=1)  # fmt: skip
    generate(**common, max_requests=2)
    assert len(read_jsonl(out / "data.jsonl")) == 2
    generate(**common, max_requests=3)  # a new process would rebuild the memory the same way
    assert [r["instruction"] for r in read_jsonl(out / "data.jsonl")] == instructions[:2]
    templated = [r for r in read_jsonl(out / "rejected.jsonl") if r["reason"] == "templated_output"]
    assert [r["instruction"] for r in templated] == [instructions[2]]


def test_a_label_pasted_under_three_tasks_of_one_answer_is_templated(fake_teacher_factory, tmp_path):
    """The local teacher's run: "Safe" under three unrelated tasks of one answer (one unit)."""
    instructions = [
        "Find all the customers who are near your business's location.",
        "Tell a person to take care of their pets.",
        "Build a new birdhouse from scrap wood.",
    ]
    answer = "\n".join(
        render_task_block(i + 1, text, "", "Safe") for i, text in enumerate(instructions)
    ) + "###"
    server = fake_teacher_factory(responder=lambda _body: (answer, "stop"))
    out = tmp_path / "run"
    generate(out=out, base_url=server.base_url, model="fake-teacher", seeds=[SEEDS],
             num_instructions=10, stall_requests=0, concurrency=1, max_requests=1)  # fmt: skip
    assert [r["instruction"] for r in read_jsonl(out / "data.jsonl")] == instructions[:2]
    templated = [r for r in read_jsonl(out / "rejected.jsonl") if r["reason"] == "templated_output"]
    assert [r["instruction"] for r in templated] == [instructions[2]]
