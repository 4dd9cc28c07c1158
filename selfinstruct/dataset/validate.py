"""Checking any Alpaca JSON/JSONL file against the `Record` contract, line by line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from selfinstruct.datafile import iter_json_entries
from selfinstruct.errors import SeedFileError
from selfinstruct.schemas import Record, describe_errors, same_text_key


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


def check_file(path: str | Path) -> Iterator[Problem]:
    """Every problem of an Alpaca-style dataset file; nothing when it is clean."""
    path = Path(path)
    seen: dict[tuple[str, str], int] = {}
    count = 0
    try:
        for line, obj in iter_json_entries(path):
            count += 1
            if isinstance(obj, SeedFileError):
                yield Problem(obj.path, obj.line, obj.message)
                continue
            try:
                record = Record.model_validate(obj)
            except ValidationError as exc:
                yield Problem(str(path), line, describe_errors(exc))
                continue
            key = (same_text_key(record.instruction), record.input.strip())
            if key in seen:
                yield Problem(str(path), line, f"duplicate of the record on line {seen[key]}")
            else:
                seen[key] = line
    except SeedFileError as exc:
        yield Problem(exc.path, exc.line, exc.message)
        return
    if count == 0:
        yield Problem(str(path), None, "no records")
