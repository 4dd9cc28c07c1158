"""The Self-Instruct method: its prompts, its strict parsing, step 4, and whole runs."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers import SEEDS, cli, generate_args, read_jsonl, start_cli

from selfinstruct import generate
from selfinstruct.methods.base import UnitOutput
from selfinstruct.methods.prompts import (
    render_classify_prompt,
    render_input_first_prompt,
    render_label_first_prompt,
)
from selfinstruct.methods.self_instruct import (
    INSTANCE_FILTERS,
    SelfInstructMethod,
    prepare_instances,
)
from selfinstruct.methods.self_instruct_parse import (
    ParsedInstance,
    parse_instances,
    parse_instructions,
    parse_verdict,
)
from selfinstruct.quality.chain import default_filters
from selfinstruct.schemas import Candidate, Instance, Record, SeedTask
from selfinstruct.seeds.load import load_seeds
from selfinstruct.teachers.client import Completion, TeacherRequest
from selfinstruct_testing import self_instruct_answers as fake
from selfinstruct_testing.generator import TaskGenerator, request_rng


@pytest.fixture(scope="module")
def seeds() -> list[SeedTask]:
    return load_seeds(SEEDS)


def listed(messages: list[dict[str, str]]) -> list[str]:
    """The numbered instructions a bootstrap prompt shows."""
    text = messages[-1]["content"]
    body = text.split("\n\n")[1]
    return [line.split(". ", 1)[1] for line in body.splitlines()]


# -- step 1: the bootstrap prompt -------------------------------------------------------------
def test_bootstrap_shows_eight_seeds_while_nothing_is_generated(seeds: list[SeedTask]) -> None:
    method = SelfInstructMethod(seeds, seed=1)
    request, demo_ids = method.build_request(0, [])
    request = request.request
    shown = listed(request.messages or [])
    assert len(shown) == 8 and len(set(shown)) == 8
    by_id = {t.id: t.instruction for t in seeds}
    assert sorted(shown) == sorted(by_id[i] for i in demo_ids)
    assert request.step == "bootstrap"
    assert (
        "Continue the list with 8 new tasks, numbered 9 to 16." in request.messages[-1]["content"]
    )


def test_bootstrap_mixes_six_seeds_and_two_generated(seeds: list[SeedTask]) -> None:
    method = SelfInstructMethod(seeds, seed=1)
    generated = [f"Generated task number {i} about rivers and lakes." for i in range(30)]
    request, demo_ids = method.build_request(5, generated)
    request = request.request
    shown = listed(request.messages or [])
    machine = [s for s in shown if s.startswith("Generated task")]
    assert len(shown) == 8 and len(machine) == 2
    assert demo_ids.count("generated") == 2 and len(demo_ids) == 8
    one = SelfInstructMethod(seeds, seed=1).build_request(0, generated[:1])[0].request
    assert sum(s.startswith("Generated") for s in listed(one.messages or [])) == 1
    assert len(listed(one.messages or [])) == 8


def test_bootstrap_is_deterministic_per_unit(seeds: list[SeedTask]) -> None:
    a = SelfInstructMethod(seeds, seed=3).build_request(7, ["x y z w", "a b c d", "e f g h"])
    b = SelfInstructMethod(seeds, seed=3).build_request(7, ["x y z w", "a b c d", "e f g h"])
    c = SelfInstructMethod(seeds, seed=3).build_request(8, ["x y z w", "a b c d", "e f g h"])
    assert a == b and a[0].request.messages != c[0].request.messages


def test_topic_reaches_the_bootstrap_prompt(seeds: list[SeedTask]) -> None:
    method = SelfInstructMethod(seeds, seed=1, topic="customer support for a bank")
    request = method.build_request(0, [])[0].request
    assert "all in the domain of customer support for a bank" in request.messages[-1]["content"]


def test_step_prompts_show_seed_demonstrations(seeds: list[SeedTask]) -> None:
    method = SelfInstructMethod(seeds, seed=1)
    yes = sum(t.is_classification for t in method.classify_demos)
    assert len(method.classify_demos) == 12 and yes == 6
    text = render_classify_prompt(method.classify_demos, "Sort these words.")[-1]["content"]
    assert text.count("Classification task: yes") == 6
    assert text.endswith("Task: Sort these words.\nClassification task:")
    assert all(t.is_classification for t in method.label_demos)
    label = render_label_first_prompt(method.label_demos, "Tag it.", 5)[-1]["content"]
    first = method.label_demos[0].instances[0]
    assert f"Label: {first.output}\nInput: {first.input}" in label
    assert "Write up to 5 examples for this task, label first" in label
    text = render_input_first_prompt(method.input_demos, "Do it.", 4)[-1]["content"]
    assert "Input: <noinput>" in text and "input first" in text
    assert not any(t.is_classification for t in method.input_demos)


# -- parsing ------------------------------------------------------------------------------------
def test_instruction_list_tolerates_drift() -> None:
    raw = (
        "Sure! Here are more tasks:\n\n"
        "9. Write a limerick about a forgetful owl.\n"
        "Task 10: Explain why the sea is salty\n"
        "   to a ten-year-old.\n"
        "11) **Classify each animal as mammal or reptile.**\n"
        "12. Instruction: Suggest three names for a bakery.\n"
        "\nI hope these help!"
    )
    result = parse_instructions(raw)
    assert [c.instruction for c in result.candidates] == [
        "Write a limerick about a forgetful owl.",
        "Explain why the sea is salty to a ten-year-old.",
        "Classify each animal as mammal or reptile.",
        "Suggest three names for a bakery.",
    ]


def test_instruction_list_truncated_and_empty() -> None:
    cut = parse_instructions("9. One full task here.\n10. A task cut in the mid", "length")
    assert len(cut.candidates) == 1 and cut.rejections[0].reason == "truncated"
    none = parse_instructions("I cannot think of anything.")
    assert not none.candidates and none.rejections[0].reason == "parse_error"
    assert none.rejections[0].raw == "I cannot think of anything."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("yes", True),
        ("No", False),
        ("Yes.", True),
        ("**no**", False),
        ('"YES"', True),
        ("Answer: no", False),
        ("Yes, it is a classification task.", None),
        ("It is not.", None),
        ("yes or no", None),
        ("", None),
    ],
)
def test_verdict_is_strict(raw: str, expected: bool | None) -> None:
    assert parse_verdict(raw) is expected


def test_instances_input_first_messy() -> None:
    raw = (
        "Here are some examples:\n\n"
        "Example 1\n**Input:** The cat sat.\n**Output:** A cat was sitting.\n\n"
        "2. Input: Dogs bark\nat night.\nOutput: Barking dogs at night.\n\n"
        "Input: <noinput>\nOutput: Something.\n\n"
        "Input: Orphan input with no output\n\n"
        "Let me know if you need more examples."
    )
    got = parse_instances(raw, label_first=False)
    assert got[0] == ParsedInstance("The cat sat.", "A cat was sitting.")
    assert got[1] == ParsedInstance("Dogs bark\nat night.", "Barking dogs at night.")
    assert got[2] == ParsedInstance("", "Something.")
    assert got[3].problem == "instance_missing_output"
    assert len(got) == 4


def test_instances_label_first_either_order_and_truncation() -> None:
    raw = "Class label: Spam\nInput: Win money now!\n\nInput: See you at 5.\nLabel: Not spam\n\n"
    got = parse_instances(
        raw + "Label: Spam\nInput: Free cru", label_first=True, finish_reason="length"
    )
    assert got[0] == ParsedInstance("Win money now!", "Spam")
    assert got[1] == ParsedInstance("See you at 5.", "Not spam")
    assert got[2].problem == "truncated"


def test_output_lines_inside_input_first_answers_are_text() -> None:
    raw = "Input: Some notes\nOutput: Label: keep this line\nand this"
    assert parse_instances(raw, label_first=False) == [
        ParsedInstance("Some notes", "Label: keep this line\nand this")
    ]


# -- step 4 -------------------------------------------------------------------------------------
def task(text: str = "Rewrite the sentence in the passive voice.") -> Candidate:
    return Candidate(instruction=text, input="", output="", pool_key="u1.0")


FILTERS = [f for f in default_filters() if isinstance(f, INSTANCE_FILTERS)]


def test_step4_drops_bad_instances_keeps_the_rest() -> None:
    items = [
        ParsedInstance("The dog bit him.", "He was bitten by the dog."),
        ParsedInstance("The dog bit him.", "He was bitten by the dog."),  # duplicate
        ParsedInstance("Same text.", "Same text."),
        ParsedInstance("A boy ran.", ""),
        ParsedInstance("We ate cake.", "As an AI language model, I cannot do this."),
        ParsedInstance("X", "Y", "truncated"),
        ParsedInstance("List the steps.", "Here are the steps:"),
        ParsedInstance("Tom wrote it.", "It was written by Tom."),
    ]
    kept, dropped, conflict = prepare_instances(task(), items, False, FILTERS, 5, 1)
    assert conflict is None
    assert [(c.input, c.output) for c in kept] == [
        ("The dog bit him.", "He was bitten by the dog."),
        ("Tom wrote it.", "It was written by Tom."),
    ]
    assert all(c.pool_key == "u1.0" and c.is_classification is False for c in kept)
    assert [r.reason for r in dropped] == [
        "duplicate_instance",
        "input_equals_output",
        "empty_output",
        "refusal",
        "truncated",
        "incomplete_instance",
    ]


def test_step4_conflicting_outputs_reject_the_task() -> None:
    items = [
        ParsedInstance("Great phone!", "positive"),
        ParsedInstance("great  phone!", "negative"),
        ParsedInstance("Awful.", "negative"),
    ]
    kept, _, conflict = prepare_instances(task("Label the review."), items, True, FILTERS, 5, 2)
    assert kept == [] and conflict is not None
    assert conflict.reason == "conflicting_instances" and conflict.detail == "u1.0"
    assert conflict.input == "Great phone!"


def test_step4_open_tasks_may_answer_no_input_several_ways_and_cap() -> None:
    items = [ParsedInstance("", f"Haiku number {i} about rain.") for i in range(7)]
    kept, dropped, conflict = prepare_instances(
        task("Write a haiku about rain."), items, False, FILTERS, 5, 3
    )
    assert conflict is None and len(kept) == 5
    assert [r.reason for r in dropped] == ["extra_instance", "extra_instance"]
    labels = [ParsedInstance("", "yes"), ParsedInstance("", "no")]
    _, _, conflict = prepare_instances(
        task("Is a tomato a fruit? Answer yes or no."), labels, True, FILTERS, 5, 3
    )
    assert conflict is not None


def test_screen_filters_leave_outputs_to_step4(seeds: list[SeedTask]) -> None:
    method = SelfInstructMethod(seeds, seed=0)
    screen = method.screen_filters(default_filters())
    assert screen and not any(isinstance(f, INSTANCE_FILTERS) for f in screen)
    assert len(method.instance_filters) == len(default_filters())
    merged = ParsedInstance("", "Paris.\n\n### 2. Instruction: Name a river in France.")
    kept, dropped, _ = prepare_instances(
        task("Name the capital of France."), [merged], False, method.instance_filters, 5, 0
    )
    assert not kept and [r.reason for r in dropped] == ["merged_task"]
    bare = Candidate(instruction="Name three rivers in Europe.", input="", output="")
    assert all(f.reason(bare) is None for f in screen)


# -- steps 2-4 through a scripted teacher -------------------------------------------------------
@dataclass
class ScriptedTeacher:
    """Answers with `script(request)`, or the fake teacher's brain when it returns None."""

    script: Callable[[TeacherRequest], str | None] = lambda request: None
    seen: list[TeacherRequest] = field(default_factory=list)
    generator: TaskGenerator = field(default_factory=lambda: TaskGenerator.clean(5))

    async def complete(self, request: TeacherRequest) -> Completion:
        self.seen.append(request)
        text = self.script(request)
        if text is None:
            kind, params = fake.detect((request.messages or [])[-1]["content"]) or ("?", {})
            rng = request_rng({"messages": request.messages}, 0)
            text = fake.answer(self.generator, rng, kind, params)
        return Completion(text, "stop", 100, 20, f"{request.index}/{request.step}", False)


def expand(method: SelfInstructMethod, teacher: ScriptedTeacher, *instructions: str) -> UnitOutput:
    unit = UnitOutput(
        candidates=[
            Candidate(instruction=text, input="", output="", pool_key=f"u4.{j}")
            for j, text in enumerate(instructions)
        ],
        requests=1,
    )
    return asyncio.run(method.expand(4, teacher, unit))  # type: ignore[arg-type]


def test_unparseable_verdict_is_retried_then_rejected(seeds: list[SeedTask]) -> None:
    def script(request: TeacherRequest) -> str | None:
        if request.step.startswith("classify:0"):
            return "Hmm, it depends on how you look at it."
        if request.step == "classify:1":
            return "Well, I think so."
        if request.step == "classify:1:retry":
            return "No"
        return None

    teacher = ScriptedTeacher(script)
    method = SelfInstructMethod(seeds, seed=0)
    out = expand(
        method,
        teacher,
        "Suggest a name for a cafe by the sea.",
        "Write a short poem about autumn leaves.",
    )
    steps = sorted(r.step for r in teacher.seen)
    assert steps == [
        "classify:0",
        "classify:0:retry",
        "classify:1",
        "classify:1:retry",
        "instances:1",
    ]
    retry = next(r for r in teacher.seen if r.step == "classify:1:retry").messages or []
    assert retry[-2] == {"role": "assistant", "content": "Well, I think so."}
    assert "Task: Write a short poem about autumn leaves." in retry[-1]["content"]
    rejected = [r for r in out.rejections if r.reason == "classification_unparseable"]
    assert len(rejected) == 1 and rejected[0].detail == "u4.0"
    assert out.candidates and {c.instruction for c in out.candidates} == {
        "Write a short poem about autumn leaves."
    }
    assert out.requests == 1 + 5 and out.prompt_tokens == 500


def test_classification_tasks_get_label_first_instances(seeds: list[SeedTask]) -> None:
    teacher = ScriptedTeacher()
    method = SelfInstructMethod(seeds, seed=0)
    out = expand(
        method,
        teacher,
        "Classify the sentiment of this review as positive, negative or mixed.",
        "Summarise the news report below in one sentence.",
    )
    by_step = {r.step: r for r in teacher.seen}
    assert "label first" in (by_step["instances:0"].messages or [])[-1]["content"]
    assert "input first" in (by_step["instances:1"].messages or [])[-1]["content"]
    labels = {c.output for c in out.candidates if c.is_classification}
    assert labels and labels <= {"Positive", "Negative", "Mixed"}
    assert all(c.pool_key in ("u4.0", "u4.1") for c in out.candidates)


def test_no_instances_and_failed_requests_reject_the_task(seeds: list[SeedTask]) -> None:
    from selfinstruct.errors import TeacherTimeout

    def script(request: TeacherRequest) -> str | None:
        if request.step.startswith("classify"):
            return "no"
        if request.step == "instances:0":
            return "I am not sure what to write here."
        raise TeacherTimeout("no answer in 120 s")

    out = expand(
        SelfInstructMethod(seeds, seed=0),
        ScriptedTeacher(script),
        "Give three tips for a first job interview.",
        "Describe a busy market at dawn.",
    )
    reasons = {r.reason: r for r in out.rejections}
    assert reasons["no_valid_instances"].detail == "u4.0"
    assert reasons["no_valid_instances"].raw == "I am not sure what to write here."
    assert reasons["task_request_failed"].detail == "u4.1"
    assert not out.candidates


def test_fatal_teacher_errors_propagate(seeds: list[SeedTask]) -> None:
    from selfinstruct.errors import TeacherAuthError

    def script(request: TeacherRequest) -> str | None:
        raise TeacherAuthError(401, "bad key")

    with pytest.raises(TeacherAuthError):
        expand(SelfInstructMethod(seeds, seed=0), ScriptedTeacher(script), "Name three colours.")


# -- the fake teacher tells the prompts apart ---------------------------------------------------
def test_fake_teacher_recognises_every_step(seeds: list[SeedTask]) -> None:
    method = SelfInstructMethod(seeds, seed=0)
    request = method.build_request(0, [])[0].request
    kinds = [
        fake.detect(request.messages[-1]["content"]),
        fake.detect(render_classify_prompt(method.classify_demos, "Do X now.")[-1]["content"]),
        fake.detect(render_label_first_prompt(method.label_demos, "Tag X.", 5)[-1]["content"]),
        fake.detect(render_input_first_prompt(method.input_demos, "Do X.", 5)[-1]["content"]),
    ]
    assert [k[0] if k else None for k in kinds] == [
        "si_bootstrap",
        "si_classify",
        "si_label_first",
        "si_input_first",
    ]
    assert kinds[1][1]["groups"] == ("Do X now.",)
    assert kinds[2][1]["groups"] == ("Tag X.", "5") and kinds[3][1]["groups"] == ("Do X.", "5")
    gen = TaskGenerator(1)
    answer = fake.answer(gen, random.Random(0), *kinds[0])
    assert len(parse_instructions(answer).candidates) >= 7


def test_seed_instances_parse_back(seeds: list[SeedTask]) -> None:
    """The demonstrations are in the format the parser reads: a seed's own instances,
    written as the prompt writes them, parse back to themselves."""
    for seed_task in seeds:
        label_first = seed_task.is_classification
        blocks = []
        for inst in seed_task.instances:
            if label_first:
                blocks.append(f"Label: {inst.output}\nInput: {inst.input or '<noinput>'}")
            else:
                blocks.append(f"Input: {inst.input or '<noinput>'}\nOutput: {inst.output}")
        got = parse_instances("\n\n".join(blocks), label_first)
        assert [Instance(input=g.input, output=g.output) for g in got] == [
            Instance(input=i.input.strip(), output=i.output.strip()) for i in seed_task.instances
        ], seed_task.id


# -- whole runs against the fake OpenAI-compatible server ---------------------------------------
def run_kwargs(server: object, n: int, **extra: object) -> dict[str, object]:
    return dict(
        method="self-instruct",
        base_url=server.base_url,  # type: ignore[attr-defined]
        model="fake-teacher",
        seeds=[SEEDS],
        num_instructions=n,
        seed=11,
        **extra,
    )


def step_counts(server: object) -> Counter[str]:
    from selfinstruct_testing.generator import detect_prompt

    return Counter(
        detect_prompt(entry["body"]["messages"])[0]
        for entry in server.requests  # type: ignore[attr-defined]
        if entry["path"].endswith("/chat/completions")
    )


def assert_self_instruct_run(
    out: Path, expected: int, counts: bool = True
) -> list[dict[str, object]]:
    """data.jsonl, records.jsonl and run.json agree; no record twice; each task's instances
    come from one unit and have one output per input. (`counts`: the manifest's rejection
    counters match rejected.jsonl.)"""
    data = read_jsonl(out / "data.jsonl")
    records = read_jsonl(out / "records.jsonl")
    assert len(data) == len(records) == expected
    for row, rec in zip(data, records, strict=True):
        assert set(row) == {"instruction", "input", "output"}
        Record.model_validate(row)
        assert (rec["instruction"], rec["input"], rec["output"]) == (
            row["instruction"],
            row["input"],
            row["output"],
        )
        assert rec["is_classification"] in (True, False)
    triples = [(r["instruction"], r["input"], r["output"]) for r in data]
    assert len(set(triples)) == len(triples), "a record appears twice"
    units: dict[str, set[int]] = {}
    answers: dict[tuple[str, str], set[str]] = {}
    for rec in records:
        units.setdefault(rec["instruction"], set()).add(rec["request_index"])
        if rec["input"]:
            answers.setdefault((rec["instruction"], rec["input"]), set()).add(rec["output"])
    assert all(len(found) == 1 for found in units.values()), "a task came from two units"
    assert all(len(found) == 1 for found in answers.values()), "conflicting instances kept"
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["accepted"] == expected
    if counts:
        rejected = read_jsonl(out / "rejected.jsonl")
        assert sum(manifest["counts"]["rejected"].values()) == len(rejected)
    return records


def test_a_300_instance_run_exercises_all_four_steps(fake_teacher, tmp_path: Path) -> None:
    out = tmp_path / "run"
    summary = generate(out=out, **run_kwargs(fake_teacher, 300))
    assert summary.status == "complete" and summary.accepted == 300
    records = assert_self_instruct_run(out, 300)
    steps = step_counts(fake_teacher)
    assert steps["si_bootstrap"] >= 10 and steps["si_classify"] >= 60
    assert steps["si_label_first"] >= 5 and steps["si_input_first"] >= 30
    assert steps["si_classify_retry"] >= 1
    # units still in flight at the target are not committed (a larger target replays them)
    assert sum(steps.values()) == fake_teacher.request_count >= summary.requests
    classification = [r for r in records if r["is_classification"]]
    assert classification and any(not r["is_classification"] for r in records)
    assert any("generated" in r["demonstration_ids"] for r in records), "no machine demos"
    assert max(Counter(r["instruction"] for r in records).values()) <= 5
    reasons = Counter(r["reason"] for r in read_jsonl(out / "rejected.jsonl"))
    assert reasons["empty_output"] + reasons["refusal"] + reasons["input_equals_output"] > 0
    assert reasons["conflicting_instances"] > 0
    # the same command again sends nothing (the SIGKILL test checks determinism)
    before = fake_teacher.request_count
    assert generate(out=out, **run_kwargs(fake_teacher, 300)).accepted == 300
    assert fake_teacher.request_count == before


def test_the_topic_reaches_the_bootstrap_prompt(fake_teacher, tmp_path: Path) -> None:
    generate(out=tmp_path / "run", **run_kwargs(fake_teacher, 5, topic="beekeeping"))
    first = fake_teacher.requests[0]["body"]["messages"][-1]["content"]
    assert "all in the domain of beekeeping" in first


def test_sigkill_then_resume_repeats_nothing(fake_teacher_factory, tmp_path: Path) -> None:
    server = fake_teacher_factory(latency=0.03)
    out = tmp_path / "run"
    args = generate_args(server.base_url, out, 300, "--method", "self-instruct", "--seed", "5")
    process = start_cli(*args)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(read_jsonl(out / "data.jsonl")) < 120:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    killed = time.time()
    process.wait(timeout=10)
    killed_at = len((out / "data.jsonl").read_bytes().splitlines())
    assert 0 < killed_at < 300
    before = list(server.requests)
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    # TODO(store): counts=True once the journal keeps the loop's totals across a resume
    assert_self_instruct_run(out, 300, counts=False)

    def identity(entry: dict[str, object]) -> str:
        body = entry["body"]
        return json.dumps([body.get("messages"), body.get("seed")], sort_keys=True)  # type: ignore[attr-defined]

    first = {identity(e): e["time"] for e in before}
    again = [first[identity(e)] for e in server.requests[len(before) :] if identity(e) in first]
    # only requests still unanswered at the kill go out twice (their answers never arrived)
    assert len(again) <= 8 and all(t > killed - 1.0 for t in again)
    # the interrupted run made the dataset an uninterrupted one makes
    whole = tmp_path / "whole"
    args = generate_args(server.base_url, whole, 300, "--method", "self-instruct", "--seed", "5")
    assert cli(*args).returncode == 0
    assert (out / "data.jsonl").read_bytes() == (whole / "data.jsonl").read_bytes()


# -- completion-style steps (the small-local profile) -------------------------------------------


def test_completion_steps_open_each_document_where_its_parser_reads(seeds: list[SeedTask]) -> None:
    from selfinstruct.methods.self_instruct_steps import CompletionSteps

    steps = CompletionSteps()
    boot = steps.bootstrap(3, ["Name a river.", "Sort the list."], 5, topic=None)
    assert boot.request.endpoint == "completions" and boot.request.step == "bootstrap"
    assert boot.request.prompt.endswith("1. Name a river.\n2. Sort the list.\n3.")
    assert '("\\n" num ". " line){0,4}' in boot.request.params["extra_body"]["grammar"]
    listed_tasks = parse_instructions(boot.answer_text(" Add two numbers.\n4. Spell it.\n"))
    assert [c.instruction for c in listed_tasks.candidates] == ["Add two numbers.", "Spell it."]

    demos = [t for t in seeds if t.is_classification][:1] + [
        t for t in seeds if not t.is_classification
    ][:1]
    verdict = steps.classify(3, "classify:0", demos, "Is this email spam?")
    assert verdict.request.prompt.endswith("Task: Is this email spam?\nClassification:")
    assert 'root ::= " " ("Yes" | "No")' in verdict.request.params["extra_body"]["grammar"]
    assert parse_verdict(verdict.answer_text(" Yes")) is True
    again = steps.classify_retry(verdict, "", "Is this email spam?", "classify:0:retry")
    assert again.request.prompt == verdict.request.prompt and again.request.step.endswith("retry")

    inputs = steps.instances(3, "instances:0", demos, "Reverse the word.", 2, label_first=False)
    assert inputs.request.prompt.endswith("Task: Reverse the word.\nInput:")
    assert inputs.request.params["stop"] == ["\nTask:"]
    answer = " stop\nOutput: pots\n\nInput: <noinput>\nOutput: A word\nread backwards.\n"
    parsed = parse_instances(inputs.answer_text(answer), label_first=False)
    assert [(i.input, i.output, i.problem) for i in parsed] == [
        ("stop", "pots", None),
        ("", "A word\nread backwards.", None),
    ]
    labels = steps.instances(3, "instances:0", demos, "Is it spam?", 2, label_first=True)
    assert labels.request.prompt.endswith("Task: Is it spam?\nClass label:")
    parsed = parse_instances(labels.answer_text(" Spam\nInput: Win a prize now!\n"), True)
    assert [(i.input, i.output) for i in parsed] == [("Win a prize now!", "Spam")]


def test_small_local_profile_builds_self_instruct_with_completion_steps(
    seeds: list[SeedTask], tmp_path
) -> None:
    from selfinstruct.config import GenerateConfig
    from selfinstruct.methods.profiles import get_profile
    from selfinstruct.methods.self_instruct_steps import ChatSteps, CompletionSteps
    from selfinstruct.run.build import build_method

    config = GenerateConfig(out=tmp_path, method="self-instruct")
    small = build_method(config, seeds, get_profile("small-local"))
    assert isinstance(small, SelfInstructMethod) and isinstance(small.steps, CompletionSteps)
    assert small.instructions_per_request == get_profile("small-local").tasks_per_request
    request = small.build_request(0, [])[0].request
    assert request.prompt and request.messages is None
    chat = build_method(config, seeds, get_profile("openai"))
    assert isinstance(chat, SelfInstructMethod) and isinstance(chat.steps, ChatSteps)
