"""The completion POST sent around the SDK's layers (`teachers.post`): what the SDK sent still
goes, and an environment proxy is still honoured (a real server on 127.0.0.1)."""

from __future__ import annotations

import asyncio

import pytest

from selfinstruct.errors import TeacherHTTPError
from selfinstruct.teachers.client import Teacher, TeacherRequest, TeacherSettings

MESSAGES = [
    {"role": "user", "content": "Now write 2 new tasks, numbered 1 to 2, in the same format."}
]


def _complete(base_url: str) -> str:
    settings = TeacherSettings(model="fake-teacher", base_url=base_url, api_key="test-key")
    teacher = Teacher(settings)

    async def go() -> str:
        try:
            return (await teacher.complete(TeacherRequest(index=0, messages=MESSAGES))).text
        finally:
            await teacher.close()

    return asyncio.run(go())


def test_the_sdk_headers_and_the_key_are_sent(fake_teacher):
    assert _complete(fake_teacher.base_url)
    headers = fake_teacher.requests[-1]["headers"]
    assert "authorization" in headers  # its value is redacted in the log; 401 tests check it
    assert headers["user-agent"].startswith("AsyncOpenAI/Python")
    assert headers["content-type"] == "application/json"
    assert headers["x-stainless-retry-count"] == "0"


def test_an_environment_proxy_carries_the_request(fake_teacher, monkeypatch):
    # the fake teacher stands in for the proxy: it logs the request (a proxied one names the
    # whole URL) and refuses it (404); the teacher's own host is never resolved
    root = fake_teacher.base_url.rsplit("/v1", 1)[0]
    monkeypatch.setenv("HTTP_PROXY", root)
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.delenv("no_proxy", raising=False)
    before = fake_teacher.request_count
    with pytest.raises(TeacherHTTPError, match="HTTP 404"):
        _complete("http://teacher.invalid/v1")
    assert fake_teacher.request_count == before + 1
    assert fake_teacher.requests[-1]["path"].startswith("http://teacher.invalid/v1/")
