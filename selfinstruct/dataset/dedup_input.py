"""The records `dedup` reads, streamed from disk when the input is a JSONL file.

A 10M-record dataset is several GB: held whole (the raw bytes, the decoded text, a dict per
record) it needs far more memory than its index, and `datafile` refuses files over 1 GiB.
So a regular JSONL file is read in chunks of whole lines, twice (once to tokenize, once to
write the outputs in input order), with the messages `datafile.iter_json_objects` gives,
`file:line` included. Anything else (a JSON array, a pipe, which can be read once only) is
read whole as before and held.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from selfinstruct import datafile
from selfinstruct.datafile import MAX_LINE_BYTES, decode_text, iter_json_objects
from selfinstruct.errors import SeedFileError

__all__ = ["RecordSource"]

#: Bytes read per chunk; far above the longest line allowed (MAX_LINE_BYTES characters).
CHUNK_BYTES = 16 << 20
_LONGEST_LINE_BYTES = 4 * MAX_LINE_BYTES  # UTF-8: at most 4 bytes a character


def _kind(value: Any) -> str:
    return type(value).__name__ if value is not None else "null"


class RecordSource:
    """`(line, record)` of a data file, as often as asked, in file order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._held: list[tuple[int, dict[str, Any]]] | None = None
        self._identity: tuple[int, int] | None = None
        if not self._streamable():
            self._held = list(iter_json_objects(path))

    def _streamable(self) -> bool:
        """A regular file whose first chunk reads as JSONL (not empty, not a JSON array)."""
        try:
            info = os.stat(self.path)
        except OSError:
            return False  # iter_json_objects gives the message
        if not stat.S_ISREG(info.st_mode):
            return False
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(CHUNK_BYTES)
        except OSError:
            return False
        cut = head.rfind(b"\n") + 1 if len(head) == CHUNK_BYTES else len(head)
        try:
            text = decode_text(self.path, head[:cut])
        except SeedFileError:
            return False
        if not text.strip() or text.lstrip().startswith("["):
            return False
        self._identity = (info.st_size, info.st_mtime_ns)
        return True

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Every record, or the `SeedFileError` of the first bad entry (at file:line)."""
        if self._held is not None:
            yield from self._held
            return
        yield from self._stream()

    def check_unchanged(self) -> None:
        """Raise when a streamed file changed since it was first read (the two passes would
        not describe the same records)."""
        if self._identity is None:
            return
        info = os.stat(self.path)
        if (info.st_size, info.st_mtime_ns) != self._identity:
            raise SeedFileError(self.path, None, "changed while dedup was reading it; run again")

    def _chunks(self) -> Iterator[tuple[int, bytes]]:
        """(lines before it, chunk of whole lines) over the file."""
        before = 0
        carry = b""
        with open(self.path, "rb") as handle:
            while True:
                block = handle.read(CHUNK_BYTES)
                data = carry + block if carry else block
                if not block:
                    if data:
                        yield before, data
                    return
                cut = data.rfind(b"\n") + 1
                if cut == 0:
                    if len(data) > _LONGEST_LINE_BYTES:
                        raise SeedFileError(
                            self.path, before + 1, f"line longer than {MAX_LINE_BYTES} characters"
                        )
                    carry = data
                    continue
                yield before, data[:cut]
                before += data.count(b"\n", 0, cut)
                carry = data[cut:]

    def _stream(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for before, chunk in self._chunks():
            if before:
                # a newline first: a later chunk's leading BOM is data, not one to strip
                text = decode_text_at(self.path, b"\n" + chunk, before - 1)
                offset = before - 1
            else:
                text = decode_text(self.path, chunk)
                offset = 0
            for number, value in datafile._iter_lines(self.path, text):
                line = number + offset
                if isinstance(value, SeedFileError):
                    raise SeedFileError(self.path, line, value.message)
                if not isinstance(value, dict):
                    raise SeedFileError(
                        self.path, line, f"expected a JSON object, got {_kind(value)}"
                    )
                yield line, value


def decode_text_at(path: Path, raw: bytes, offset: int) -> str:
    """`decode_text` of a chunk starting after `offset` lines (a bad byte names its line)."""
    try:
        return decode_text(path, raw)
    except SeedFileError as exc:
        raise SeedFileError(path, (exc.line or 0) + offset, exc.message) from None
