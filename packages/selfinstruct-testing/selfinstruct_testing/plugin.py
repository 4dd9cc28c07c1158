"""pytest fixtures, registered through the `pytest11` entry point: any test suite that installs
this distribution gets a real OpenAI-compatible server on 127.0.0.1 by naming a fixture."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from selfinstruct_testing.server import FakeTeacherServer


@pytest.fixture
def fake_teacher() -> Iterator[FakeTeacherServer]:
    """A started fake teacher with default settings (model "fake-teacher", no latency)."""
    with FakeTeacherServer() as server:
        yield server


@pytest.fixture
def fake_teacher_factory() -> Iterator[Callable[..., FakeTeacherServer]]:
    """Start fake teachers with custom settings; all are stopped after the test.

    def test_x(fake_teacher_factory):
        server = fake_teacher_factory(latency=0.2, rpm_limit=10)
    """
    servers: list[FakeTeacherServer] = []

    def start(**kwargs: Any) -> FakeTeacherServer:
        server = FakeTeacherServer(**kwargs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
