"""Test doubles shipped with the library: a real OpenAI-compatible HTTP server on 127.0.0.1
backed by a deterministic task generator, and a synthetic instruction corpus for benchmarks.

    with FakeTeacherServer(latency=0.1) as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="x")

The names are imported on first use, so `python -m selfinstruct_testing.server` runs cleanly.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from selfinstruct_testing.corpus import synthetic_instructions
    from selfinstruct_testing.generator import TaskGenerator
    from selfinstruct_testing.server import FakeTeacherServer

__all__ = ["FakeTeacherServer", "TaskGenerator", "synthetic_instructions"]

_HOMES = {
    "FakeTeacherServer": "selfinstruct_testing.server",
    "TaskGenerator": "selfinstruct_testing.generator",
    "synthetic_instructions": "selfinstruct_testing.corpus",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
