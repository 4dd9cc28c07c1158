"""The run's documents: found, read one at a time, chunked, and served one chunk per unit.

Memory stays bounded however large the corpus: each document's text is held only while it is
chunked; chunk texts go to an anonymous spool file and only their offsets stay in memory
(compact arrays). Unit `i` gets the `i`-th chunk of a fixed order that takes one chunk of
every document in turn (round-robin), so every document is used before any gives a second
chunk, and the order (like the prompt) depends only on the files and the chunk size.

An unusable document (unreadable, empty, a scanned PDF, not UTF-8, too large) is one line in
`skipped`; the others are still used. None usable is an error.
"""

from __future__ import annotations

import hashlib
import tempfile
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from selfinstruct.documents.chunk import ChunkSize, chunk_text
from selfinstruct.documents.read import SUFFIXES, DocumentError, read_document
from selfinstruct.errors import ConfigError
from selfinstruct.schemas import DocumentSpan


@dataclass(frozen=True)
class DocumentInfo:
    """One usable document: its path as given, content hash, text length and chunk count."""

    path: str
    sha256: str
    chars: int
    chunks: int


@dataclass(frozen=True)
class ChunkRef:
    """The chunk a unit is about, with its provenance."""

    position: int
    span: DocumentSpan
    text: str


def find_documents(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """Files to read, in a stable order (a folder's documents sorted by relative path, hidden
    ones left out), and one line for each path that gives none."""
    found: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(
                p
                for p in path.rglob("*")
                if p.suffix.lower() in SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not inside:
                problems.append(f"{path}: a folder with no documents ({', '.join(SUFFIXES)})")
            found.extend(inside)
        elif path.exists():
            found.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    return found, problems


class Corpus:
    """Every chunk of the run's documents, by unit position."""

    def __init__(self, paths: Sequence[Path], size: ChunkSize) -> None:
        self.size = size
        self.documents: list[DocumentInfo] = []
        self.skipped: list[str] = []
        self.notes: list[str] = []
        # anonymous (unlinked at once): chunk texts, read back by offset, gone with the process
        self._spool: IO[bytes] = tempfile.TemporaryFile(prefix="selfinstruct-chunks-")  # noqa: SIM115
        self._offset = array("q")
        self._length = array("l")
        self._document = array("l")
        self._number = array("l")
        self._start = array("q")
        self._end = array("q")
        self._order = array("q")
        files, self.skipped = find_documents(paths)
        seen: dict[str, str] = {}
        for path in files:
            self._add(path, seen)
        self._interleave()
        if not self.documents:
            self.close()
            shown = "; ".join(self.skipped[:3])
            more = f"; and {len(self.skipped) - 3} more" if len(self.skipped) > 3 else ""
            raise ConfigError(f"--documents: no usable document ({shown}{more})")

    def messages(self) -> list[str]:
        """One line for each document left out, then the readers' hints."""
        return [
            *(
                f"warning: --documents {line}; the other documents are used"
                for line in self.skipped
            ),
            *self.notes,
        ]

    def _add(self, path: Path, seen: dict[str, str]) -> None:
        try:
            text, digest = read_document(path, self.notes)
        except DocumentError as exc:
            self.skipped.append(str(exc))
            return
        if digest in seen:
            self.skipped.append(f"{path}: the same content as {seen[digest]}, read once")
            return
        seen[digest] = str(path)
        number = len(self.documents)
        count = 0
        for chunk in chunk_text(text, self.size):
            data = chunk.text.encode("utf-8")
            self._offset.append(self._spool.tell())
            self._length.append(len(data))
            self._spool.write(data)
            self._document.append(number)
            self._number.append(chunk.index)
            self._start.append(chunk.start)
            self._end.append(chunk.end)
            count += 1
        self.documents.append(DocumentInfo(str(path), digest, len(text), count))

    def _interleave(self) -> None:
        """Unit order: chunk r of every document (that has one), for r = 0, 1, ..."""
        first, at = [], 0
        for info in self.documents:
            first.append(at)
            at += info.chunks
        rounds = max((info.chunks for info in self.documents), default=0)
        for r in range(rounds):
            for d, info in enumerate(self.documents):
                if r < info.chunks:
                    self._order.append(first[d] + r)

    def __len__(self) -> int:
        return len(self._order)

    def chunk(self, position: int) -> ChunkRef:
        """The chunk unit `position` is about."""
        i = self._order[position]
        self._spool.seek(self._offset[i])
        text = self._spool.read(self._length[i]).decode("utf-8")
        info = self.documents[self._document[i]]
        span = DocumentSpan(
            path=info.path,
            sha256=info.sha256,
            chunk=self._number[i],
            start=self._start[i],
            end=self._end[i],
        )
        return ChunkRef(position, span, text)

    def chunks(self) -> Iterator[ChunkRef]:
        for position in range(len(self)):
            yield self.chunk(position)

    def manifest(self) -> dict[str, Any]:
        """What run.json records: the document set (names and hashes, never text) and the
        chunking, which together fix every unit's chunk."""
        return {
            "chunk_tokens": self.size.tokens,
            "overlap_tokens": self.size.overlap,
            "chunks": len(self),
            "files": [
                {"path": d.path, "sha256": d.sha256, "chars": d.chars, "chunks": d.chunks}
                for d in self.documents
            ],
        }

    def close(self) -> None:
        self._spool.close()


def fingerprint(manifest: dict[str, Any]) -> str:
    """The identity of a document set and its chunking: what a resume must match."""
    files = [str(f.get("sha256")) for f in manifest.get("files", []) if isinstance(f, dict)]
    key = f"{manifest.get('chunk_tokens')}:{manifest.get('overlap_tokens')}:{','.join(files)}"
    return hashlib.sha256(key.encode()).hexdigest()


def check_resume(previous: dict[str, Any], corpus: Corpus | None, out: Path) -> None:
    """Refuse to resume a run over other documents (or other chunking, or with documents
    added or dropped): unit `i` would be about another chunk than the one its records name.
    `--allow-mixed` does not apply; a new --out does."""
    old = previous.get("documents")
    new = corpus.manifest() if corpus is not None else None
    if old is None and new is None:
        return
    if isinstance(old, dict) and new is not None and fingerprint(old) == fingerprint(new):
        return
    if old is None:
        what = "--documents, and the run started without documents"
    elif new is None:
        what = "no --documents, and the run started from documents"
    else:
        names = ", ".join(str(f.get("path")) for f in old.get("files", [])[:3])
        what = (
            f"other documents or chunking (the run used {names}"
            f"{', ...' if len(old.get('files', [])) > 3 else ''} in "
            f"{old.get('chunk_tokens')}-token chunks, by content hash and order)"
        )
    raise ConfigError(f"--out {out}: resuming with {what}; use a new --out")
