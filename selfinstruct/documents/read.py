"""Readers: one document file to plain text, or a one-line reason it cannot be used.

Each reader gets the file's bytes (read once, bounded by `MAX_DOCUMENT_BYTES`, so a 2 GB file
is refused before it is read) and returns the text the chunker splits. HTML goes through
selectolax (a real parser, the `documents` extra) and falls back to the standard library's
`html.parser`; PDF needs pypdf (same extra). A `.jsonl` document is one text per line, from
its `text` field. Page chrome (menus, cookie notices, running headers, page numbers) is
dropped on the way (`boilerplate`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from selfinstruct.datafile import decode_text, read_bytes
from selfinstruct.documents.boilerplate import CONTENT_TAGS, chrome_element, strip_running_lines
from selfinstruct.errors import SeedFileError

#: The largest document read (its text is held while it is chunked; the corpus streams the
#: rest one document at a time).
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
#: The field a `.jsonl` document's lines hold their text in.
JSONL_TEXT_FIELD = "text"
#: A document with fewer letters than this (a scanned PDF, an empty page) gives no chunk.
MIN_LETTERS = 40

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".jsonl")

#: Said once per run when HTML is read without the extra.
HTML_FALLBACK_HINT = (
    "note: reading HTML with the standard library's parser; "
    "pip install 'selfinstruct[documents]' for selectolax's (faster, handles broken markup)"
)


class DocumentError(SeedFileError):
    """A document that cannot be used; the message names the file (the others still are)."""


def read_document(path: Path, notes: list[str] | None = None) -> tuple[str, str]:
    """(text, sha256 of the bytes) of one document; `notes` collects one-time hints."""
    import hashlib

    try:
        raw = read_bytes(path, MAX_DOCUMENT_BYTES)
    except SeedFileError as exc:
        raise DocumentError(path, None, exc.message) from None
    digest = hashlib.sha256(raw).hexdigest()
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(SUFFIXES)
        raise DocumentError(path, None, f"not a document kind read here (known: {known})")
    text = reader(path, raw, notes if notes is not None else [])
    text = normalise_space(text)
    if sum(ch.isalpha() for ch in text[: MIN_LETTERS * 50]) < MIN_LETTERS:
        what = "a scanned PDF has no text layer; OCR it first" if path.suffix == ".pdf" else ""
        raise DocumentError(path, None, "no text in it" + (f" ({what})" if what else ""))
    return text, digest


_SPACES = re.compile(r"[ \t\f\v\r\u00a0]+")
_BLANKS = re.compile(r"\n\s*\n\s*(?:\n\s*)+")


def normalise_space(text: str) -> str:
    """Runs of spaces to one, three or more line breaks to a paragraph break; control
    characters other than newline dropped (they never belong in training text)."""
    text = "".join(ch for ch in text if ch == "\n" or ch == "\t" or ch >= " ")
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", text).strip()


def _text(path: Path, raw: bytes, notes: list[str]) -> str:
    try:
        return decode_text(path, raw)
    except SeedFileError as exc:
        raise DocumentError(path, exc.line, f"{exc.message} (save it as UTF-8)") from None


def _jsonl(path: Path, raw: bytes, notes: list[str]) -> str:
    texts = []
    for number, line in enumerate(_text(path, raw, notes).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DocumentError(path, number, f"not JSON: {exc.msg}") from None
        value = item.get(JSONL_TEXT_FIELD) if isinstance(item, dict) else None
        if not isinstance(value, str):
            raise DocumentError(path, number, f'no string field "{JSONL_TEXT_FIELD}"')
        texts.append(value.strip())
    return "\n\n".join(texts)


def _html(path: Path, raw: bytes, notes: list[str]) -> str:
    text = _text(path, raw, notes)
    try:
        from selectolax.lexbor import LexborHTMLParser
    except ImportError:
        if HTML_FALLBACK_HINT not in notes:
            notes.append(HTML_FALLBACK_HINT)
        return _stdlib_html_text(text)
    tree = LexborHTMLParser(text)
    root = tree.body or tree.root
    main = tree.css_first("main, [role=main]")
    if main is not None and sum(ch.isalpha() for ch in main.text()) >= MIN_LETTERS:
        root = main  # the page says where its content is
    if root is None:
        return ""
    chrome = []
    stack = [(child, False) for child in root.iter()]
    while stack:
        node, in_content = stack.pop()
        if chrome_element(node.tag or "", node.attributes, in_content):
            chrome.append(node)  # its descendants go with it
            continue
        inside = in_content or node.tag in CONTENT_TAGS
        stack.extend((child, inside) for child in node.iter())
    for node in chrome:
        node.decompose()
    for node in root.css(", ".join(sorted(_BLOCKS))):
        node.insert_after("\n")  # a block ends its line; inline markup does not
    return root.text(separator="")


#: Elements that end a line of text.
_BLOCKS = frozenset(
    {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article"}
    | {"pre", "blockquote", "dd", "dt", "table", "ul", "ol", "header", "footer", "title"}
)
#: Elements with no end tag (the standard library's parser sees no end of them).
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    | {"track", "wbr"}
)


class _TextOnly(HTMLParser):
    """The text outside page chrome (`chrome_element`), for a machine without selectolax."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []  # the chrome element being skipped, and those in it
        self.content = 0  # open `article`/`main` elements

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "br" and not self.skipping:
                self.parts.append("\n")
            return
        if self.skipping:
            if tag == self.skipping[0]:
                self.skipping.append(tag)  # the same kind nested: its end is not ours
            return
        if chrome_element(tag, dict(attrs), self.content > 0):
            self.skipping.append(tag)
            return
        self.content += tag in CONTENT_TAGS
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping[0]:
                self.skipping.pop()
            return
        if tag in CONTENT_TAGS:
            self.content = max(0, self.content - 1)
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _stdlib_html_text(text: str) -> str:
    parser = _TextOnly()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def _pdf(path: Path, raw: bytes, notes: list[str]) -> str:
    try:
        import pypdf
    except ImportError:
        raise DocumentError(
            path, None, "reading PDF needs pypdf: pip install 'selfinstruct[documents]'"
        ) from None
    import io

    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(path, None, "encrypted PDF (decrypt it first)")
        pages = [page.extract_text() or "" for page in reader.pages]
        return "\n\n".join(strip_running_lines(pages))
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise DocumentError(path, None, f"not a readable PDF ({type(exc).__name__})") from None


READERS: dict[str, Callable[[Path, bytes, list[str]], str]] = {
    ".txt": _text,
    ".md": _text,
    ".markdown": _text,
    ".html": _html,
    ".htm": _html,
    ".pdf": _pdf,
    ".jsonl": _jsonl,
}
