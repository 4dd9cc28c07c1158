"""`jsontext.dumps_function`: json.dumps' text by one C encoder, for every setting we use."""

from __future__ import annotations

import hashlib
import json

import pytest

from selfinstruct.jsontext import dumps_function
from selfinstruct.teachers.cache import request_key

VALUES = [
    {"instruction": "Ünïcode 任务 \u2028 \x1f \"quoted\" \\ tab\t", "input": "", "n": 3},
    {"score": 0.1 + 0.2, "big": 10**30, "nan": float("nan"), "inf": float("-inf")},
    {"b": [True, False, None], "a": {"z": [1, 2.5, "x"], "y": {}}, "empty": [], "c": 1},
    {"messages": [{"role": "user", "content": "List 20 tasks:\n1. Instruction: é"}], "seed": None},
    ["not", "a", "dict"],
    "a string",
]


@pytest.mark.parametrize("sort_keys", [False, True])
@pytest.mark.parametrize("separators", [(", ", ": "), (",", ":")])
def test_the_text_json_dumps_writes(sort_keys, separators):
    dumps = dumps_function(separators=separators, sort_keys=sort_keys)
    for value in VALUES:
        expected = json.dumps(value, ensure_ascii=False, separators=separators, sort_keys=sort_keys)
        assert dumps(value) == expected
    with pytest.raises(TypeError, match="is not JSON serializable"):
        dumps({"when": object()})


def test_cache_keys_are_unchanged():
    """A cache written before keeps answering: the key is the hash of the same text."""
    for value in VALUES[:4]:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert request_key(value) == hashlib.sha256(text.encode("utf-8")).hexdigest()
