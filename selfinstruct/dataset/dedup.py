"""Near-duplicate removal for a dataset someone already has (`selfinstruct dedup`).

Greedy in input order, as Self-Instruct and Alpaca do it: a record is dropped when the ROUGE-L
F-measure of its instruction against any record kept before it (or any record of an
`--against` file) is above the threshold; the decisions are exactly rouge_score's, computed
with `rouge.RougeIndex`.

Outputs, each written to a temporary file and renamed, so a crash never leaves half a file,
nor an output beside another run's removed file (`atomic_pair`):
- OUT: the kept records, unchanged, in input order; a JSON array when OUT ends in `.json`,
  else JSONL. UTF-8, non-ASCII kept as is.
- the removed file (default `STEM.removed.jsonl` beside OUT, one per output): one line per
  dropped record, the record itself plus `_neighbour` (the kept instruction it duplicates),
  `_neighbour_source` (`file:line` of that record) and `_score` (their ROUGE-L F).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from selfinstruct.datafile import expand_paths, iter_json_objects
from selfinstruct.dataset.dedup_input import RecordSource
from selfinstruct.errors import ConfigError, SeedFileError, output_error
from selfinstruct.quality.rouge import TOKENIZERS, Encoded, Match, RougeIndex, TokenizerName

__all__ = ["DedupStats", "dedup_file"]

#: Records decided per kernel call: large enough to amortize Python, small enough for progress.
BATCH = 4096
#: Texts tokenized per call while reading (bounds the Python lists of a chunk).
ENCODE_CHUNK = 65536


@dataclass
class DedupStats:
    """What a dedup run did."""

    read: int
    kept: int
    removed: int
    seconds: float


def _texts(
    path: Path, field: str, records: Iterable[tuple[int, dict[str, Any]]] | None = None
) -> Iterator[tuple[int, dict[str, Any], str]]:
    """(line, record, text of the field) for every record; a missing field names file:line."""
    for line, record in iter_json_objects(path) if records is None else records:
        value = record.get(field)
        if value is None:
            raise SeedFileError(path, line, f'record has no "{field}" field')
        if not isinstance(value, str):
            raise SeedFileError(path, line, f'"{field}" is {type(value).__name__}, not a string')
        yield line, record, value


def _encode_source(
    index: RougeIndex, reference: list[tuple[str, str]], texts: Iterator[str]
) -> Encoded:
    """The --against texts then the source's, tokenized in chunks: the records themselves are
    not held (the second pass reads them again), only 4 bytes a token."""
    parts = [index.encode([text for text, _ in reference], allocate=True)]
    chunk: list[str] = []
    for text in texts:
        chunk.append(text)
        if len(chunk) == ENCODE_CHUNK:
            parts.append(index.encode(chunk, allocate=True))
            chunk = []
    parts.append(index.encode(chunk, allocate=True))
    return Encoded.join(parts)


@contextmanager
def _atomic_writer(path: Path, staged: dict[Path, str]) -> Iterator[IO[str]]:
    """A text file written beside `path`, fully and durably; its temporary name goes into
    `staged`, for `atomic_file` or `atomic_pair` to rename (deleted if anything fails before).

    The name is chosen before the file exists and the file is created inside the `try`: a
    Ctrl-C can land between any two steps, and with `tempfile.mkstemp` one landing after it
    made the file but before its name was known here left that file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = str(path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        try:  # 0o666 less the umask: the permissions a plain open() gives the final file
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            tmp = ""  # another file's name (never seen: 64 random bits), not ours to delete
            raise
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        staged[path] = tmp
    except BaseException:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[str]]:
    """One text file written in full and durably, then renamed over `path`: a kill or a full
    disk leaves the old file or the new one, never half of one."""
    staged: dict[Path, str] = {}
    try:
        with _atomic_writer(path, staged) as handle:
            yield handle
        os.replace(staged[path], path)  # then forgotten: a Ctrl-C between never leaks it
        del staged[path]
    finally:
        for tmp in staged.values():
            Path(tmp).unlink(missing_ok=True)


@contextmanager
def atomic_pair(main: Path, companion: Path) -> Iterator[tuple[IO[str], IO[str]]]:
    """Two text files (an output and its removed or rejected file) that appear together or
    not at all, as far as a kill can tell: never `main` beside another run's `companion`.
    Both are written in full first; then the old `companion` goes, `main` is replaced, and
    the new `companion` appears. Killed in between, `main` stands alone (a rerun adds it)."""
    staged: dict[Path, str] = {}
    try:
        with _atomic_writer(main, staged) as first, _atomic_writer(companion, staged) as second:
            yield first, second
        companion.unlink(missing_ok=True)
        directory = os.open(companion.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the unlink is durable before `main` changes
        finally:
            os.close(directory)
        for final in (main, companion):  # each name forgotten once renamed, never before
            os.replace(staged[final], final)
            del staged[final]
    finally:
        for tmp in staged.values():
            Path(tmp).unlink(missing_ok=True)


class _RecordWriter:
    """Writes records as JSONL, or as a JSON array (one record per line) for `.json`."""

    def __init__(self, handle: IO[str], as_array: bool) -> None:
        self._handle = handle
        self._as_array = as_array
        self._count = 0

    def write(self, record: dict[str, Any]) -> None:
        text = json.dumps(record, ensure_ascii=False)
        if self._as_array:
            text = ("[\n" if self._count == 0 else ",\n") + text
        else:
            text += "\n"
        self._handle.write(text)
        self._count += 1

    def close(self) -> None:
        if self._as_array:
            self._handle.write("[]\n" if self._count == 0 else "\n]\n")


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Any]:
    """A rich progress bar on stderr (kept / removed counts in the description)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(),
        console=Console(stderr=True), disable=not enabled, transient=False,
    )  # fmt: skip
    with progress:
        task = progress.add_task("dedup", total=total)
        yield lambda done, kept, removed: progress.update(
            task, completed=done, description=f"dedup: {kept:,} kept, {removed:,} removed"
        )


def dedup_file(
    source: str | Path,
    out: str | Path,
    *,
    field: str = "instruction",
    threshold: float = 0.7,
    against: Sequence[str | Path] = (),
    tokenizer: TokenizerName = "default",
    removed_path: str | Path | None = None,
    progress: bool = True,
) -> DedupStats:
    """Drop the records of `source` whose `field` has ROUGE-L F > threshold with an earlier
    kept record or with any record of the `against` files (or folders); write the rest to
    `out`. A JSONL file is streamed twice (tokenize, then decide and write), never held;
    other inputs are read whole; outputs are streamed."""
    started = time.perf_counter()
    if not 0.0 <= threshold <= 1.0:
        raise ConfigError(f"--threshold must be between 0 and 1, got {threshold}")
    if tokenizer not in TOKENIZERS:
        raise ConfigError(f"--tokenizer must be one of {', '.join(TOKENIZERS)}, got {tokenizer}")
    source, out = Path(source), Path(out)
    removed_file = Path(removed_path) if removed_path is not None else removed_beside(out)
    if removed_file.resolve() == out.resolve():
        raise ConfigError(f"--removed {removed_file}: the same file as --out")

    index = RougeIndex(threshold, tokenizer)
    reference: list[tuple[str, str]] = []  # (text, "file:line") of the --against records
    for path in expand_paths(against):  # a folder stands for its .json/.jsonl files
        reference.extend((text, f"{path}:{line}") for line, _, text in _texts(path, field))
    records = RecordSource(source)
    read = 0

    def source_texts() -> Iterator[str]:
        nonlocal read
        for _, _, text in _texts(source, field, records.records()):
            read += 1
            yield text

    # One tokenization for everything; its token counts fix the rarest-first order.
    encoded = _encode_source(index, reference, source_texts())
    index.prime(encoded)
    if reference:
        index.add_encoded(
            encoded.slice(0, len(reference)),
            [key for _, key in reference],
            [text for text, _ in reference],
        )
    encoded = encoded.slice(len(reference), len(encoded))

    try:
        kept, removed = _write(out, removed_file, index, encoded, records, field, progress)
    except OSError as exc:
        raise output_error(exc.filename or out, exc) from None
    return DedupStats(read=read, kept=kept, removed=removed, seconds=time.perf_counter() - started)


def removed_beside(out: Path) -> Path:
    """The default removed file of `out`: its own, so outputs in one folder never share one."""
    return out.with_name(f"{out.stem}.removed.jsonl")


def _batches(
    records: RecordSource, field: str, size: int
) -> Iterator[tuple[list[dict[str, Any]], list[str], list[str]]]:
    """The source again, in batches of (records, keys, texts) for the decisions."""
    batch: tuple[list[dict[str, Any]], list[str], list[str]] = ([], [], [])
    source = records.path
    for line, record in records.records():
        text = record.get(field)
        if not isinstance(text, str):  # it was one in the first pass
            raise SeedFileError(source, line, "changed while dedup was reading it; run again")
        batch[0].append(record)
        batch[1].append(f"{source}:{line}")
        batch[2].append(text)
        if len(batch[0]) == size:
            yield batch
            batch = ([], [], [])
    if batch[0]:
        yield batch


def _write(
    out: Path,
    removed_file: Path,
    index: RougeIndex,
    encoded: Encoded,
    records: RecordSource,
    field: str,
    progress: bool,
) -> tuple[int, int]:
    """Decide in batches and stream both outputs; returns (kept, removed).

    The decisions run in one worker thread, batch after batch in input order (the kernels
    release the GIL), while this thread parses the next batch's records and writes the last
    one's: reading and writing JSON costs about a fifth of the run, and overlaps."""
    counts = [0, 0]  # kept, removed
    total = len(encoded)
    # The progress bar first: it imports rich, and a Ctrl-C landing in an import's exec of
    # generated code (a dataclass's __init__) makes CPython end `python -m` by SIGINT
    # (status -2) even once caught here; with the outputs open, the loop imports nothing.
    with (
        _progress(total, progress) as report,
        atomic_pair(out, removed_file) as (out_handle, removed_handle),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="dedup") as decider,
    ):
        writer = _RecordWriter(out_handle, as_array=out.suffix.lower() == ".json")

        def emit(batch: list[dict[str, Any]], decided: Future[list[Match | None]]) -> None:
            for record, match in zip(batch, decided.result(), strict=True):
                if match is None:
                    writer.write(record)
                    counts[0] += 1
                else:
                    extra = {"_neighbour": match.text, "_neighbour_source": match.key,
                             "_score": match.score}  # fmt: skip
                    removed_handle.write(json.dumps({**record, **extra}, ensure_ascii=False))
                    removed_handle.write("\n")
                    counts[1] += 1

        start = 0
        pending: tuple[list[dict[str, Any]], Future[list[Match | None]]] | None = None
        try:
            for batch, keys, texts in _batches(records, field, BATCH):
                stop = start + len(batch)
                if stop > total:
                    break
                decided = decider.submit(index.accept_encoded, encoded.slice(start, stop), keys,
                                         texts)  # fmt: skip
                if pending is not None:
                    emit(*pending)
                    report(start, *counts)
                pending = (batch, decided)
                start = stop
            if pending is not None:
                emit(*pending)
                report(start, *counts)
        finally:  # an error or a Ctrl-C: the batch being decided finishes, none after it
            decider.shutdown(wait=True, cancel_futures=True)
        if start != total:
            raise SeedFileError(records.path, None, "changed while dedup was reading it; run again")
        records.check_unchanged()
        writer.close()
    return counts[0], counts[1]
