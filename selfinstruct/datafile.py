"""Reading JSON and JSONL data files (seed sets, Alpaca datasets) object by object.

One reader for every file the tool takes in, so every malformed file gets the same kind of
message: `path:line: what is wrong`. JSON arrays are streamed element by element with their
line numbers, so a 52K-record Alpaca file is never a surprise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from selfinstruct.errors import SeedFileError

#: Longest line read from a JSONL file; a longer one is a broken file, not a task.
MAX_LINE_BYTES = 1_000_000


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SeedFileError(path, None, "no such file") from None
    except IsADirectoryError:
        raise SeedFileError(path, None, "is a directory, expected a JSON or JSONL file") from None
    except OSError as exc:
        raise SeedFileError(path, None, f"cannot read: {exc.strerror}") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 BOM is an editor's habit, not an error
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SeedFileError(path, line, "not valid UTF-8") from None


def _looks_like_array(text: str) -> bool:
    return text.lstrip().startswith("[")


def _iter_array(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    length = len(text)

    def skip_ws(i: int) -> int:
        while i < length and text[i] in " \t\r\n":
            i += 1
        return i

    def line_of(i: int) -> int:
        return text.count("\n", 0, i) + 1

    pos = skip_ws(pos)
    if pos < length and text[pos] == "]":
        return
    while True:
        pos = skip_ws(pos)
        start = pos
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise SeedFileError(path, exc.lineno, f"invalid JSON: {exc.msg}") from None
        yield line_of(start), value
        pos = skip_ws(pos)
        if pos >= length:
            raise SeedFileError(path, line_of(pos), "invalid JSON: unterminated array")
        if text[pos] == "]":
            rest = text[pos + 1 :].strip()
            if rest:
                raise SeedFileError(path, line_of(pos + 1), "invalid JSON: extra data after array")
            return
        if text[pos] != ",":
            raise SeedFileError(path, line_of(pos), "invalid JSON: expected ',' or ']'")
        pos += 1


def _iter_lines(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_BYTES:
            raise SeedFileError(path, number, f"line longer than {MAX_LINE_BYTES} characters")
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            hint = ""
            if number == 1 and line.strip() in ("[", "{"):
                hint = " (a pretty-printed JSON object? use one object per line or a JSON array)"
            raise SeedFileError(path, number, f"invalid JSON: {exc.msg}{hint}") from None


def iter_json_objects(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(line, object)` for each object of a JSON array file or a JSONL file.

    The format is detected from the content, not the extension. Raises `SeedFileError`
    naming the file and line for anything that is not a JSON object.
    """
    path = Path(path)
    text = _read_text(path)
    if not text.strip():
        raise SeedFileError(path, None, "file is empty")
    items = _iter_array(path, text) if _looks_like_array(text) else _iter_lines(path, text)
    for line, value in items:
        if not isinstance(value, dict):
            kind = type(value).__name__ if value is not None else "null"
            raise SeedFileError(path, line, f"expected a JSON object, got {kind}")
        yield line, value


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, with folders replaced by the .json/.jsonl files they hold, sorted."""
    files: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in (".json", ".jsonl"))
            if not found:
                raise SeedFileError(path, None, "folder holds no .json or .jsonl file")
            files.extend(found)
        else:
            files.append(path)
    return files
