"""One answer giving the same output to different instructions: all those tasks go."""

from __future__ import annotations

from helpers import SEEDS, read_jsonl

from selfinstruct import generate
from selfinstruct.methods.prompts import render_task_block
from selfinstruct.quality.filters import InputEqualsOutput
from selfinstruct.quality.view import CandidateView
from selfinstruct.run.loop import may_share_output, repeated_outputs
from selfinstruct.schemas import Candidate

SAME = "Water boils at 100 degrees Celsius at sea level."
TASKS = [
    ("Explain in one sentence why the sky looks blue.", "", SAME),
    ("At what temperature does water boil at sea level?", "", SAME),
    ("Is the following email spam? Answer spam or not spam.", "Lunch at noon?", "Not spam"),
    ("Is this text message spam? Answer spam or not spam.", "Your parcel is here.", "Not spam"),
    ("Name one primary colour and say why it is primary.", "", "Red: it cannot be mixed."),
]


def candidate(instruction: str, output: str) -> Candidate:
    return Candidate(instruction=instruction, input="", output=output)


def test_repeated_outputs_of_three_words_or_more():
    candidates = [candidate(i, o) for i, _, o in TASKS]
    candidates.append(candidate(TASKS[4][0], TASKS[4][2]))  # the same task twice: not this
    assert repeated_outputs(candidates) == {SAME.lower()}
    assert repeated_outputs([candidate("Say hi.", "No way at all"),
                             candidate("Say bye.", "no  WAY at all")]) == {"no way at all"}


def test_keys_made_only_where_outputs_may_collide():
    views = [CandidateView(candidate(i, o)) for i, _, o in TASKS]
    assert [v.output for v in may_share_output(views)] == [SAME, SAME, "Not spam", "Not spam"]
    # a non-ASCII output may case-fold into an ASCII one: every view is a suspect
    folded = [candidate("Name the street.", "Die Straße am Hafen"),
              candidate("Name the road.", "die STRASSE am hafen")]
    assert len(may_share_output([CandidateView(c) for c in folded])) == 2
    assert repeated_outputs(folded) == {"die strasse am hafen"}


def test_input_equals_output_up_to_case_space_and_folding():
    check = InputEqualsOutput().check
    same = [("Copy me  now", "copy me now"), ("Straße hier", "STRASSE HIER"), ("a-b", "A-B")]
    for given, output in same:
        view = CandidateView(Candidate(instruction="Repeat it.", input=given, output=output))
        assert check(view) == "input_equals_output", (given, output)
    for given, output in [("copy me", "copy me too"), ("a-b", "a b"), ("é", "e")]:
        view = CandidateView(Candidate(instruction="Repeat it.", input=given, output=output))
        assert check(view) is None, (given, output)


def test_the_pipeline_rejects_every_copy(fake_teacher_factory, tmp_path):
    def answer(_body):
        return "".join(render_task_block(i + 1, *t) for i, t in enumerate(TASKS)) + "###", "stop"

    server = fake_teacher_factory(responder=answer)
    out = tmp_path / "run"
    generate(out=out, base_url=server.base_url, model="fake-teacher", seeds=[SEEDS],
             num_instructions=5, max_requests=1, stall_requests=0)
    kept = {d["instruction"] for d in read_jsonl(out / "data.jsonl")}
    assert kept == {TASKS[2][0], TASKS[3][0], TASKS[4][0]}
    repeated = [r for r in read_jsonl(out / "rejected.jsonl") if r["reason"] == "repeated_output"]
    assert {r["instruction"] for r in repeated} == {TASKS[0][0], TASKS[1][0]}
