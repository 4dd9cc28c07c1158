"""What the fake servers put on the wire: OpenAI's error bodies and a reply to send.

Shared by the chat/completions server and the Batch API service, which both answer HTTP."""

from __future__ import annotations

import json
from typing import Any

ERRORS: dict[str, tuple[int, str, str, str | None]] = {  # kind -> (status, message, type, code)
    "429": (
        429,
        "Rate limit reached for requests per min (RPM). Please try again later.",
        "requests",
        "rate_limit_exceeded",
    ),
    "500": (
        500,
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    "502": (502, "Bad gateway.", "server_error", None),
    "503": (
        503,
        "The engine is currently overloaded, please try again later.",
        "server_error",
        None,
    ),
    "401": (
        401,
        "Incorrect API key provided. You can find your API key in your account settings.",
        "invalid_request_error",
        "invalid_api_key",
    ),
}


def error_body(message: str, type_: str, code: str | None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


class Reply:
    """What to send back: status, headers and body, or an instruction to misbehave."""

    def __init__(
        self,
        status: int = 200,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
        reset: bool = False,
    ) -> None:
        self.status = status
        self.raw = raw if raw is not None else _encode(body)
        self.headers = headers or {}
        self.content_type = content_type
        self.reset = reset


def _encode(body: Any) -> bytes:
    """JSON as UTF-8; with \\u escapes when the text holds a lone surrogate (`"\\ud800"`
    on the wire, as a hostile server sends it), which UTF-8 cannot carry raw."""
    try:
        return json.dumps(body, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(body).encode()
