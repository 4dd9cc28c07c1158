"""Reading the files a user hands the tool (seed sets, Alpaca datasets, configs), bounded.

One reader for every such file, so every hostile or malformed one gets the same kind of
message, `path:line: what is wrong`, in bounded time and memory: only regular files and pipes
are read (a device such as /dev/zero or /dev/urandom never ends), a pipe or FIFO is read with
a size cap and a deadline, a file larger than `MAX_FILE_BYTES` is refused before it is read,
a record longer than `MAX_RECORD_CHARS` is refused before it is parsed into objects, and the
JSON parser's own limits (nesting depth, integer digits) become `file:line` errors.

JSONL lines end at "\\n" only: `str.splitlines` would also split on U+2028, U+0085 and other
separators that `json.dumps(ensure_ascii=False)` writes raw inside strings.
"""

from __future__ import annotations

import json
import os
import select
import stat
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from selfinstruct.errors import SeedFileError

#: Longest line read from a JSONL file (or record of a JSON array); longer is a broken file.
MAX_LINE_BYTES = 1_000_000
MAX_RECORD_CHARS = MAX_LINE_BYTES
#: Largest file read whole (the 52K-record Alpaca release is 22 MB).
MAX_FILE_BYTES = 1 << 30
#: A pipe or FIFO that sends nothing for this long is given up on.
PIPE_IDLE_S = 5.0
#: ...and one that has not finished after this long.
PIPE_TOTAL_S = 60.0
_CHUNK = 1 << 20


def _describe_kind(mode: int) -> str | None:
    """Why a file of this type cannot be read, or None when it can."""
    if stat.S_ISDIR(mode):
        return "is a directory, expected a JSON or JSONL file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file (it may never end)"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return None


def _read_pipe(path: Path, fd: int, limit: int) -> bytes:
    """A FIFO or pipe (e.g. process substitution), until EOF, with a size cap and deadlines.
    The fd is non-blocking: an EOF before any byte may be a writer not connected yet."""
    chunks: list[bytes] = []
    size = 0
    started = last = time.monotonic()
    while True:
        now = time.monotonic()
        if now - started > PIPE_TOTAL_S:
            raise SeedFileError(path, None, f"pipe not finished after {PIPE_TOTAL_S:.0f} s")
        if now - last > PIPE_IDLE_S:
            raise SeedFileError(path, None, f"pipe sent nothing for {PIPE_IDLE_S:.0f} s")
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, _CHUNK)
        except BlockingIOError:
            continue
        if not chunk:
            if chunks:
                return b"".join(chunks)
            time.sleep(0.05)  # no writer yet (a FIFO) or an empty pipe: wait for the deadline
            continue
        last = time.monotonic()
        size += len(chunk)
        if size > limit:
            raise SeedFileError(path, None, f"pipe sent more than {limit:,} bytes")
        chunks.append(chunk)


def read_bytes(path: str | Path, limit: int | None = None) -> bytes:
    """The whole content of a user's file or pipe, or a one-line `SeedFileError`."""
    path = Path(path)
    limit = MAX_FILE_BYTES if limit is None else limit
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise SeedFileError(path, None, "no such file") from None
    except OSError as exc:
        raise SeedFileError(path, None, f"cannot read: {exc.strerror}") from None
    why = _describe_kind(info.st_mode)
    if why:
        raise SeedFileError(path, None, why)
    if stat.S_ISREG(info.st_mode) and info.st_size > limit:
        raise SeedFileError(path, None, f"larger than {limit:,} bytes ({info.st_size:,})")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise SeedFileError(path, None, f"cannot read: {exc.strerror}") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISFIFO(mode):
            return _read_pipe(path, fd, limit)
        with os.fdopen(os.dup(fd), "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise SeedFileError(path, None, f"cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(raw) > limit:  # grew since stat
        raise SeedFileError(path, None, f"larger than {limit:,} bytes")
    return raw


def decode_text(path: Path, raw: bytes) -> str:
    """UTF-8 text (a leading BOM dropped); a bad byte names its line."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 BOM is an editor's habit, not an error
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SeedFileError(path, line, "not valid UTF-8") from None


def read_text(path: str | Path, limit: int | None = None) -> str:
    """`read_bytes` decoded as UTF-8."""
    path = Path(path)
    return decode_text(path, read_bytes(path, limit))


def loads(path: Path, line: int, text: str) -> Any:
    """`json.loads` whose every failure, including the parser's limits, names `path:line`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SeedFileError(path, line + exc.lineno - 1, f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise SeedFileError(path, line, "invalid JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise SeedFileError(path, line, f"invalid JSON: {exc}") from None


def _looks_like_array(text: str) -> bool:
    return text.lstrip().startswith("[")


def _iter_array(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    length = len(text)
    counted = (0, 1)  # (offset, line there): line numbers are counted forward once

    def skip_ws(i: int) -> int:
        while i < length and text[i] in " \t\r\n":
            i += 1
        return i

    def line_of(i: int) -> int:
        nonlocal counted
        offset, line = counted
        line += text.count("\n", offset, i)
        counted = (i, line)
        return line

    pos = skip_ws(pos)
    if pos < length and text[pos] == "]":
        return
    while True:
        pos = skip_ws(pos)
        start = pos
        line = line_of(start)
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise SeedFileError(path, exc.lineno, f"invalid JSON: {exc.msg}") from None
        except RecursionError:
            raise SeedFileError(path, line, "invalid JSON: nested too deeply") from None
        except ValueError as exc:
            raise SeedFileError(path, line, f"invalid JSON: {exc}") from None
        if pos - start > MAX_RECORD_CHARS:
            raise SeedFileError(path, line, f"record longer than {MAX_RECORD_CHARS} characters")
        yield line, value
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


def _iter_lines(path: Path, text: str) -> Iterator[tuple[int, Any | SeedFileError]]:
    """(line, value or the error of that line): a caller may go on past a broken line."""
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_BYTES:
            yield (
                number,
                SeedFileError(path, number, f"line longer than {MAX_LINE_BYTES} characters"),
            )
            continue
        try:
            yield number, loads(path, number, line)
        except SeedFileError as exc:
            if number == 1 and line.strip() in ("[", "{"):
                hint = " (a pretty-printed JSON object? use one object per line or a JSON array)"
                exc = SeedFileError(path, number, exc.message + hint)
            yield number, exc


def iter_json_entries(
    path: str | Path, raw: bytes | None = None
) -> Iterator[tuple[int, dict[str, Any] | SeedFileError]]:
    """`(line, object or error)` for each entry of a JSON array or JSONL file, going on past
    a broken JSONL line (a broken array ends the file: nothing after it can be placed).

    The format is detected from the content, not the extension. `raw` is the content when
    the caller already read it (a pipe can be read once only)."""
    path = Path(path)
    text = decode_text(path, read_bytes(path) if raw is None else raw)
    if not text.strip():
        raise SeedFileError(path, None, "file is empty")
    if _looks_like_array(text):
        items: Iterator[tuple[int, Any]] = _iter_array(path, text)
    else:
        items = _iter_lines(path, text)
    try:
        for line, value in items:
            if isinstance(value, (SeedFileError, dict)):
                yield line, value
                continue
            kind = type(value).__name__ if value is not None else "null"
            yield line, SeedFileError(path, line, f"expected a JSON object, got {kind}")
    except SeedFileError as exc:
        yield exc.line or 0, exc


def iter_json_objects(
    path: str | Path, raw: bytes | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(line, object)` for each object of a JSON array file or a JSONL file; raises
    `SeedFileError` naming the file and line at the first entry that is not a JSON object."""
    for line, value in iter_json_entries(path, raw):
        if isinstance(value, SeedFileError):
            raise value
        yield line, value


def iter_jsonl_bytes(raw: bytes) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of JSONL content, split at b"\\n" only, blank lines skipped."""
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if line.strip():
            yield number, line


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, with folders replaced by the .json/.jsonl files they hold, sorted. A run
    directory is not a folder of data files: its journal and rejections are not records."""
    files: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            if (path / "progress.jsonl").exists():
                raise SeedFileError(
                    path,
                    None,
                    "is a selfinstruct run directory, not a folder of data files "
                    "(name its data.jsonl to use its records)",
                )
            found = sorted(p for p in path.iterdir() if p.suffix in (".json", ".jsonl"))
            if not found:
                raise SeedFileError(path, None, "folder holds no .json or .jsonl file")
            files.extend(found)
        else:
            files.append(path)
    return files
