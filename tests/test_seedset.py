"""`seeds check` and `seeds export`: a seed set's problems, and a run's tasks as new seeds."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import SEEDS

from selfinstruct.schemas import AcceptedRecord
from selfinstruct.seeds.load import load_seeds
from selfinstruct.seeds.seedset import check_seeds, export_seeds, leading_word
from selfinstruct.store.writer import RunStore


def seed(i: int, instruction: str, **extra: object) -> str:
    task = {
        "id": f"t{i}",
        "instruction": instruction,
        "instances": [{"input": "", "output": "An answer."}],
        "is_classification": False,
    }
    task.update(extra)
    return json.dumps(task)


def test_our_seed_set_has_no_problems() -> None:
    report = check_seeds(SEEDS)
    assert report.ok, report.lines()
    assert len(report.tasks) == 179
    assert report.kinds["classification"] + report.kinds["non-classification"] == 179
    assert report.lines()[-1] == "no problems found"


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "seeds.jsonl"
    path.write_text(
        "\n".join(
            [
                seed(0, "Explain how a rainbow forms after a storm."),
                "{not json",
                seed(2, ""),
                json.dumps({"id": "t3", "instruction": "Name a colour please."}),
                seed(0, "A different task with a reused identifier here."),
                seed(5, "Explain how a rainbow forms after a summer storm."),
                seed(6, "Describe the picture of the harbour at dusk."),
                "[1, 2]",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    report = check_seeds(path)
    errors = "\n".join(report.errors)
    assert f"{path}:2: invalid JSON" in errors
    assert f"{path}:3: " in errors
    assert f'{path}:4: missing field "instances"' in errors
    assert f'{path}:5: duplicate id "t0" (first at {path}:1)' in errors
    assert f"{path}:8: expected a JSON object" in errors
    [pair] = report.near_duplicates
    assert (pair.first.task.id, pair.second.task.id, pair.second.line) == ("t0", "t5", 6)
    assert pair.score > 0.7
    assert any("blacklist:picture" in line for line in report.filtered)
    assert not report.ok and report.lines()[-1] == "7 problem(s)"


def test_a_folder_is_all_its_files(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(seed(1, "Write a haiku about the sea.") + "\n")
    (tmp_path / "b.json").write_text(
        json.dumps(
            [{"instruction": "Write a haiku about the sea.", "input": "", "output": "Waves"}]
        )
    )
    report = check_seeds(tmp_path)
    assert len(report.tasks) == 2 and len(report.near_duplicates) == 1


def test_leading_word_gives_a_rough_kind() -> None:
    assert leading_word("What is the capital of Peru?") == "question"
    assert leading_word("Given the list below, sort it by length.") == "sort"
    assert leading_word("Rewrite this sentence formally.") == "rewrite"
    assert leading_word("1234") == "other"


def make_run(path: Path) -> None:
    def record(i: int, instruction: str, inp: str, out: str, cls: bool | None) -> AcceptedRecord:
        return AcceptedRecord(
            id=f"rec_{i:06d}",
            instruction=instruction,
            input=inp,
            output=out,
            model="m",
            request_index=i,
            demonstration_ids=[],
            created_at="2026-01-01T00:00:00+00:00",
            is_classification=cls,
        )

    with RunStore(path) as store:
        store.commit(
            0,
            [
                record(
                    0, "Label the review as positive or negative.", "Loved it.", "positive", True
                ),
                record(1, "Label the review as positive or negative.", "Awful.", "negative", True),
                record(2, "Name a fruit that is yellow — in español también.", "", "Plátano", None),
            ],
            [],
            totals={},
        )
        store.commit(
            1, [record(3, "Write a haiku about snow.", "", "Snow falls", False)], [], totals={}
        )


def test_export_groups_records_into_seed_tasks(tmp_path: Path) -> None:
    run = tmp_path / "my run"
    make_run(run)
    with open(run / "records.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"id": "uncommitted')  # a crash's torn line is not exported
    out = tmp_path / "grown" / "seeds.jsonl"
    assert export_seeds(run, out) == 3
    text = out.read_text(encoding="utf-8")
    assert "español" in text  # UTF-8 as is
    rows = [json.loads(line) for line in text.splitlines()]
    assert rows[0]["id"] == "my_run_task_0" and rows[0]["is_classification"] is True
    assert rows[0]["instances"] == [
        {"input": "Loved it.", "output": "positive"},
        {"input": "Awful.", "output": "negative"},
    ]
    assert rows[1]["is_classification"] is False
    tasks = load_seeds([SEEDS, out])  # appendable to a seed set as is
    assert len(tasks) == 179 + 3
    assert check_seeds([out]).errors == []
    assert export_seeds(run, tmp_path / "two.jsonl", min_instances=2) == 1
    assert export_seeds(run, tmp_path / "none.jsonl", min_instances=3) == 0
    assert not (tmp_path / "none.jsonl").exists()
