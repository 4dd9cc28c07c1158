"""The response cache: an identical request is answered from disk, at zero cost.

Keyed by a hash of what the provider sees (base URL, model, endpoint, messages or prompt,
sampling parameters) plus the request's index in the run, so a resumed run replays every
answer it already paid for, and settings that do not change the request (concurrency, rate
limits, budgets, output options) never invalidate it. No key or header is ever stored.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selfinstruct.errors import RunDirError
from selfinstruct.jsontext import dumps_function

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


#: `json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))`
_key_text = dumps_function(separators=(",", ":"), sort_keys=True)


def request_key(request: dict[str, Any]) -> str:
    """A stable hash of a request description (JSON with sorted keys)."""
    return hashlib.sha256(_key_text(request).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CachedResponse:
    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    model: str | None


class ResponseCache:
    """SQLite store of teacher answers; safe against a kill at any moment (WAL, one row a put).

    The cache only saves money: a damaged one (overwritten, truncated) is moved aside and a
    new one started, with a warning in `warnings`; the committed records never depend on it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.warnings: list[str] = []
        try:
            self._db = self._connect()
        except sqlite3.DatabaseError as exc:
            aside = self._move_aside()
            self.warnings.append(
                f"{self.path.name}: unreadable ({exc}); moved to {aside.name} and a new cache "
                "started (answers not committed yet are asked again)"
            )
            try:
                self._db = self._connect()
            except sqlite3.Error as again:
                raise RunDirError(f"{self.path}: cannot create the cache: {again}") from None

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(_SCHEMA)
            verdict = db.execute("PRAGMA quick_check").fetchone()
            if not verdict or verdict[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {verdict[0] if verdict else '?'}")
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _move_aside(self) -> Path:
        """Rename the damaged file (and its WAL files) to the first free `.damaged-N` name."""
        number = 1
        while (aside := self.path.with_name(f"{self.path.name}.damaged-{number}")).exists():
            number += 1
        for suffix in ("", "-wal", "-shm"):
            part = self.path.with_name(self.path.name + suffix)
            if part.exists():
                os.replace(part, aside.with_name(aside.name + suffix))
        return aside

    def _failed(self, exc: sqlite3.Error) -> RunDirError:
        if "full" in str(exc).lower():
            return RunDirError(
                f"{self.path}: cannot store an answer (disk full); every record committed before "
                "is intact, free space and rerun the same command to resume"
            )
        return RunDirError(
            f"{self.path}: the response cache failed ({exc}); delete it and rerun (answers not "
            "committed yet are asked again)"
        )

    def get(self, key: str) -> CachedResponse | None:
        try:
            row = self._db.execute(
                "SELECT text, finish_reason, prompt_tokens, completion_tokens, model "
                "FROM responses WHERE key = ?",
                (key,),
            ).fetchone()
        except sqlite3.Error as exc:
            raise self._failed(exc) from None
        return CachedResponse(*row) if row else None

    def put(self, key: str, response: CachedResponse) -> None:
        try:
            self._put(key, response)
        except sqlite3.Error as exc:
            raise self._failed(exc) from None

    def _put(self, key: str, response: CachedResponse) -> None:
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
