"""What we keep of text a server sent: no secret, valid Unicode, bounded length.

Every string that comes from a provider (answers, model ids, error bodies, messages of
failed connections) passes here once, where it enters our code in `wire.Wire`, so no later
print, log line, cache row, rejection or manifest can carry what a hostile or careless
server put in it: an echoed `Authorization` header, a lone surrogate that SQLite cannot
encode, or 54 MB of answer to a request that allowed 3,072 tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[redacted]"

#: A bearer token, and strings shaped like OpenAI-style keys (`sk-...`, `sk-proj-...`).
_TOKENS = re.compile(
    r"(?P<bearer>\bbearer\s+)[A-Za-z0-9._~+/=-]{6,}|\bsk-[A-Za-z0-9_-]{12,}", re.IGNORECASE
)
#: UTF-16 halves: JSON's `\ud800` decodes to a lone one, which cannot be encoded as UTF-8.
_SURROGATES = re.compile("[\ud800-\udfff]")

#: Characters an answer may hold per token it was allowed: real tokens average about four
#: characters; sixteen leaves room for long words and code while bounding what is stored.
CHARS_PER_TOKEN = 16
#: Longest model id or finish reason kept (real ones are well under 100 characters).
MAX_LABEL_CHARS = 200
#: Longest error message kept from a server's error body.
MAX_MESSAGE_CHARS = 300


def _redact_token(match: re.Match[str]) -> str:
    bearer = match.group("bearer")
    return f"{bearer}{REDACTED}" if bearer else REDACTED


class ServerText:
    """Cleans server strings: the run's own key (and any bearer token or `sk-` key) becomes
    `[redacted]`, lone surrogates become U+FFFD, and lengths are capped."""

    def __init__(self, secrets: Iterable[str | None] = (), max_tokens: int = 3072) -> None:
        # short "keys" such as "x" or "not-needed" would redact ordinary words
        self.secrets = sorted({s for s in secrets if s and len(s) >= 8}, key=len, reverse=True)
        self.max_answer_chars = max(1, max_tokens) * CHARS_PER_TOKEN

    def scrub(self, text: str) -> str:
        """`text` without secrets and with valid Unicode (not shortened)."""
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        # both patterns scan the whole answer (8 KB, 0.2 ms): skipped where they cannot match
        if not text.isascii() or "bearer" in text.lower() or "sk-" in text:
            text = _TOKENS.sub(_redact_token, text)
        if not text.isascii():
            text = _SURROGATES.sub("\ufffd", text)
        return text

    def message(self, text: object, limit: int = MAX_MESSAGE_CHARS) -> str:
        """An error message or body from a server, shortened, then cleaned (so a secret cut
        in half at the limit is never left half-visible)."""
        raw = str(text)
        cut = raw[: limit + max((len(s) for s in self.secrets), default=0) + 64]
        return self.scrub(cut)[:limit]

    def label(self, value: object) -> str | None:
        """A model id or finish reason: short, clean, or None."""
        if value is None:
            return None
        return self.message(value, MAX_LABEL_CHARS)

    def answer(self, text: str) -> tuple[str, bool]:
        """An answer's text, cut at what `max_tokens` allows; and whether it was cut."""
        limit = self.max_answer_chars
        if len(text) <= limit:
            return self.scrub(text), False
        # cleaned past the limit first, so a secret across the cut is not left half-visible
        margin = max((len(s) for s in self.secrets), default=0) + 64
        return self.scrub(text[: limit + margin])[:limit], True
