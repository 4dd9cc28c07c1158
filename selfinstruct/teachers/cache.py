"""The response cache: an identical request is answered from disk, at zero cost.

Keyed by a hash of what the provider sees (base URL, model, endpoint, messages or prompt,
sampling parameters) plus the request's index in the run, so a resumed run replays every
answer it already paid for, and settings that do not change the request (concurrency, rate
limits, budgets, output options) never invalidate it. No key or header is ever stored.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    text TEXT NOT NULL,
    finish_reason TEXT,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    model TEXT,
    created_at REAL NOT NULL
)
"""


def request_key(request: dict[str, Any]) -> str:
    """A stable hash of a request description (JSON with sorted keys)."""
    blob = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedResponse:
    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    model: str | None


class ResponseCache:
    """SQLite store of teacher answers; safe against a kill at any moment (WAL, one row a put)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def get(self, key: str) -> CachedResponse | None:
        row = self._db.execute(
            "SELECT text, finish_reason, prompt_tokens, completion_tokens, model "
            "FROM responses WHERE key = ?",
            (key,),
        ).fetchone()
        return CachedResponse(*row) if row else None

    def put(self, key: str, response: CachedResponse) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                response.text,
                response.finish_reason,
                response.prompt_tokens,
                response.completion_tokens,
                response.model,
                time.time(),
            ),
        )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        self._db.close()
