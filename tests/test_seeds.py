"""Seed loading: both formats, auto-detected, and file:line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from selfinstruct.errors import SeedFileError
from selfinstruct.seeds.load import load_seeds

SELF_INSTRUCT = {
    "id": "t1",
    "name": "rivers",
    "instruction": "Name three rivers.",
    "instances": [{"input": "", "output": "Nile, Amazon, Danube"}],
    "is_classification": False,
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_self_instruct_jsonl(tmp_path):
    path = write(tmp_path, "s.jsonl", json.dumps(SELF_INSTRUCT) + "\n")
    (task,) = load_seeds(path)
    assert task.id == "t1" and task.instances[0].output == "Nile, Amazon, Danube"


def test_alpaca_json_array_and_noinput_marker(tmp_path):
    records = [
        {"instruction": "Say hi.", "input": "<noinput>", "output": "Hi!"},
        {"instruction": "Reverse it.", "input": "abc", "output": "cba"},
    ]
    path = write(tmp_path, "a.json", json.dumps(records, indent=2))
    tasks = load_seeds(path)
    assert [t.instances[0].input for t in tasks] == ["", "abc"]
    assert [t.id for t in tasks] == ["a_0", "a_1"]


def test_folder_of_files(tmp_path):
    write(tmp_path, "one.jsonl", json.dumps(SELF_INSTRUCT) + "\n")
    write(tmp_path, "two.jsonl", json.dumps({**SELF_INSTRUCT, "id": "t2"}) + "\n")
    assert [t.id for t in load_seeds(tmp_path)] == ["t1", "t2"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "s.jsonl: file is empty"),
        (json.dumps(SELF_INSTRUCT) + "\n{not json\n", "s.jsonl:2: invalid JSON"),
        ('{"id": "x", "instances": [{"output": "o"}]}\n', 's.jsonl:1: missing field "instruction"'),
        ('{"instruction": "Do it.", "instances": []}\n', 's.jsonl:1: field "instances"'),
        ('{"instruction": "Do it."}\n', 's.jsonl:1: missing field "instances"'),
        ('{"instruction": 5, "output": "o"}\n', 's.jsonl:1: field "instruction"'),
        ("[1, 2]\n", "s.jsonl:1: expected a JSON object, got int"),
        (json.dumps(SELF_INSTRUCT) + "\n" + json.dumps(SELF_INSTRUCT) + "\n", 's.jsonl:2: duplicate id "t1"'),
    ],
)
def test_errors_name_file_and_line(tmp_path, text, message):
    path = write(tmp_path, "s.jsonl", text)
    with pytest.raises(SeedFileError) as info:
        load_seeds(path)
    assert str(info.value).startswith(str(tmp_path / message.split(":")[0]))
    assert message in str(info.value)


def test_invalid_utf8_names_line(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_bytes(json.dumps(SELF_INSTRUCT).encode() + b"\n\xff\xfe\n")
    with pytest.raises(SeedFileError, match=r"s\.jsonl:2: not valid UTF-8"):
        load_seeds(path)


def test_bom_is_accepted(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(SELF_INSTRUCT).encode() + b"\n")
    assert load_seeds(path)[0].id == "t1"
