"""Text made safe to show: no control code from a dataset or a server reaches a terminal or
a Markdown card.

Answers, model ids and error bodies are someone else's text. Written raw, an ESC sequence
clears the screen, sets the window title or plants an OSC-8 link; a C1 code does the same on
terminals that read 8-bit controls; a bidi override makes `show` display text in an order
other than the file's. Each such character is shown as its escape (`\\x1b`, `\\u202e`) at the
output edges (error lines, `show`, the progress line, the dataset card); data files keep the
text as data, JSON-escaped.
"""

from __future__ import annotations

import re

#: C0 controls but tab and newline, DEL, C1 controls, bidi embeddings/overrides/isolates and
#: marks, line and paragraph separators, and the BOM/zero-width no-break space.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)
_BREAKS = re.compile("[\t\n\r]+")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """`text` with every control character but tab and newline shown as its escape."""
    return _UNSAFE.sub(_escape, str(text))


def one_line(text: object) -> str:
    """`printable` on one line: tabs, newlines and carriage returns become one space."""
    return printable(_BREAKS.sub(" ", str(text)))
