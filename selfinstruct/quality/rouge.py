"""ROUGE-L as the papers use it for near-duplicate removal, exact and fast.

Self-Instruct and Alpaca drop a new instruction when its ROUGE-L F-measure against any kept one
is `> 0.7`, computed by `rouge_score` pair by pair: quadratic, hours at 52K. This module gives
the same keep/drop decisions (bit for bit, including floating-point ties) with an index:

- `tokenize`: rouge_score's default tokenizer (no stemmer), or a Unicode-aware one.
- `exceeds`: the decision from the LCS length and the two lengths, with integers; only an exact
  tie falls back to rouge_score's own float expression, which rounds either way.
- `RougeIndex`: kept texts, searched with set-similarity-join filters (rarest-token prefixes,
  length window, positional bound) and a bit-parallel LCS; none of them approximate.

The Unicode tokenizer (`"unicode"`): rouge_score drops every character outside `[a-z0-9]`, so
two Chinese, Russian or Arabic instructions always score 0 and are never duplicates. Here a
token is a run of letters, digits and combining marks of any script (after NFKC and case
folding), and each character of scripts written without spaces (Han, kana, Thai, Lao, Khmer,
Myanmar, Tibetan) is a token of its own. On ASCII-only text it equals the default.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from itertools import pairwise, repeat
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "Match",
    "RougeIndex",
    "TokenizerName",
    "exceeds",
    "rouge_l",
    "rouge_l_tokens",
    "tokenize",
]

#: Batches at least this large are decided by `RougeIndex._accept_joined` (below, the
#: planning and sorting cost more than the cache saves).
JOIN_MIN = 256

TokenizerName = Literal["default", "unicode"]
TOKENIZERS: tuple[TokenizerName, ...] = ("default", "unicode")

_DEFAULT_RE = re.compile(r"[a-z0-9]+")
_NO_SPACE_SCRIPTS = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\p{Tibetan}"


@lru_cache(maxsize=1)
def _unicode_re() -> Any:
    import regex  # a dependency of rouge_score's nltk; only this tokenizer needs it

    no_space = f"[{_NO_SPACE_SCRIPTS}]"
    return regex.compile(
        rf"(?V1){no_space}\p{{M}}*"  # one token per character (with its marks)
        rf"|[[\p{{L}}\p{{N}}]--{no_space}][[\p{{L}}\p{{N}}\p{{M}}]--{no_space}]*"
    )


def _tokenize_default(text: str) -> list[str]:
    # rouge_score: lower(), runs of [^a-z0-9] -> " ", split, keep ^[a-z0-9]+$ tokens.
    return _DEFAULT_RE.findall(text.lower())


def _tokenize_unicode(text: str) -> list[str]:
    if text.isascii():
        return _DEFAULT_RE.findall(text.lower())
    return _unicode_re().findall(unicodedata.normalize("NFKC", text).casefold())


def tokenizer_function(tokenizer: TokenizerName = "default") -> Any:
    """The tokenizing function for a tokenizer name; raises ValueError for an unknown name."""
    if tokenizer == "default":
        return _tokenize_default
    if tokenizer == "unicode":
        return _tokenize_unicode
    raise ValueError(f"unknown tokenizer {tokenizer!r}; expected one of {', '.join(TOKENIZERS)}")


def tokenize(text: str, tokenizer: TokenizerName = "default") -> list[str]:
    """Split text into ROUGE tokens; `"default"` equals rouge_score's DefaultTokenizer()."""
    return tokenizer_function(tokenizer)(text)


#: Bytes that are not [a-z0-9] become spaces: `[a-z0-9]+` of a lowered text is the split of
#: its ASCII encoding (other characters replaced) translated by this table.
_NOT_TOKEN = bytes(b if 48 <= b <= 57 or 97 <= b <= 122 else 32 for b in range(256))


def _words_default(text: str) -> list[bytes]:
    """`_tokenize_default`'s tokens as bytes, by C string methods (3x faster than `findall`);
    a non-ASCII character of the lowered text separates tokens in both."""
    return text.lower().encode("ascii", "replace").translate(_NOT_TOKEN).split()


def _words_unicode(text: str) -> list[bytes]:
    """`_tokenize_unicode`'s tokens as UTF-8 bytes."""
    if text.isascii():
        return text.lower().encode().translate(_NOT_TOKEN).split()
    return [token.encode() for token in _tokenize_unicode(text)]


#: what an index keys its vocabulary by: each tokenizer's tokens as bytes (one to one)
_WORDS = {"default": _words_default, "unicode": _words_unicode}


# ---------------------------------------------------------------- the decision


@lru_cache(maxsize=64)
def _rule(threshold: float) -> tuple[int, int, float]:
    """(a, b, t): the threshold as the short decimal a/b it was written as, when b is small.

    With b <= 10^6, F = 2·LCS/(m+n) and a/b differ by at least 1/(b(m+n)) unless they are
    equal, far more than the few ulps rouge_score's float can be off, so comparing integers
    gives its answer; b = 0 means "always use the float" (an unusual threshold).
    """
    t = float(threshold)
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold!r}")
    frac = Fraction(repr(t))
    if frac.denominator > 10**6:
        return 0, 0, t
    return frac.numerator, frac.denominator, t


def _multiplier(a: int, b: int, t: float) -> int:
    """need(s) from below in 32-bit fixed point: ceil(s * mul / 2**32) <= need(s), so the
    kernel's vectorized first pass never drops a pair the exact second pass would keep."""
    if b:
        return (a << 32) // (2 * b)
    return max(int((t - 1e-9) / 2 * (1 << 32)) - 1, 0)


def fmeasure(lcs: int, m: int, n: int) -> float:
    """rouge_score's ROUGE-L F for an LCS of two texts of m (new) and n (kept) tokens."""
    if lcs <= 0 or m <= 0 or n <= 0:
        return 0.0
    precision = lcs / n
    recall = lcs / m
    return 2 * precision * recall / (precision + recall)


def exceeds(lcs: int, m: int, n: int, threshold: float) -> bool:
    """Whether rouge_score's `fmeasure > threshold` holds, decided exactly.

    F = 2PR/(P+R) equals 2·LCS/(m+n) only in exact arithmetic: at a tie rouge_score's float
    lands on either side (0.7000000000000001 for (7, 7, 13), 0.7 for (7, 10, 10)), so ties are
    settled by that very float expression and everything else by integers.
    """
    if lcs <= 0 or m <= 0 or n <= 0:
        return threshold < 0.0
    a, b, t = _rule(threshold)
    s = m + n
    if b:
        lhs, rhs = 2 * lcs * b, a * s
        if lhs != rhs:
            return lhs > rhs
    return fmeasure(lcs, m, n) > t


def lcs_length(a: Sequence[Any], b: Sequence[Any]) -> int:
    """Length of the longest common subsequence of two token lists (for tests and one-offs)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def rouge_l_tokens(new: Sequence[str], kept: Sequence[str]) -> float:
    """ROUGE-L F of two token lists, as rouge_score's `_score_lcs(new, kept).fmeasure`."""
    return fmeasure(lcs_length(new, kept), len(new), len(kept))


def rouge_l(a: str, b: str, tokenizer: TokenizerName = "default") -> float:
    """ROUGE-L F-measure of two texts; equals rouge_score's `score(a, b)["rougeL"].fmeasure`."""
    tok = tokenizer_function(tokenizer)
    return rouge_l_tokens(tok(a), tok(b))


# ---------------------------------------------------------------- the index


@dataclass(frozen=True)
class Match:
    """A kept neighbour: its key (record or seed id), its text and its ROUGE-L F."""

    key: str
    text: str
    score: float


def _threads() -> int:
    """Threads `join_batch` splits a batch's queries over: numba's (NUMBA_NUM_THREADS, all
    cores by default), 1 without numba."""
    try:
        from numba import get_num_threads
    except ImportError:  # pragma: no cover - numba is a dependency; plain Python still works
        return 1
    return int(get_num_threads())


@lru_cache(maxsize=1)
def _kernels() -> ModuleType:
    """The compiled kernels, loaded on first use. numba's OpenMP pool (GNU libgomp, loaded at
    the first `join_batch`) keeps its idle threads spinning by default, on the cores the
    reading thread needs between batches: passive waiting, unless the environment says
    otherwise, took `dedup` of 1M records from 54.8-57.6 to 47.0-54.0 CPU s and 40-42 to
    36-42 s here (2 cores, alternating runs). It also holds for any libgomp this process
    loads later."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from selfinstruct.quality import rouge_kernels as _rougekernels

    return _rougekernels


class _Vocabulary(dict):  # type: ignore[type-arg]
    """Word (a token as bytes) -> id; an unseen word takes the next id of the id space shared
    with the kernels."""

    def __init__(self, state: np.ndarray) -> None:
        super().__init__()
        self._state = state

    def __missing__(self, word: bytes) -> int:
        new = int(self._state[1])
        self._state[1] = new + 1
        self[word] = new
        return new


def _grown(arr: np.ndarray, size: int, fill: int) -> np.ndarray:
    """arr itself if it holds `size` rows, else a copy at least twice as large."""
    if arr.shape[0] >= size:
        return arr
    new = np.full((max(size, 2 * arr.shape[0]), *arr.shape[1:]), fill, dtype=arr.dtype)
    new[: arr.shape[0]] = arr
    return new


@dataclass(frozen=True)
class Encoded:
    """Texts as token ids: `tokens[offsets[i]:offsets[i + 1]]` is text i (-1: unknown word)."""

    tokens: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return int(self.offsets.shape[0]) - 1

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def length_list(self) -> list[int]:
        """`lengths()` as a list: for a unit's few texts, numpy's per-call cost is most of
        `np.diff` and `tolist` (7 us of a 10-text query's glue)."""
        offsets = self.offsets.tolist()
        return [b - a for a, b in pairwise(offsets)]

    def longest(self) -> int:
        """The most tokens of one text, 0 for none."""
        if len(self.offsets) <= 64:
            return max(self.length_list(), default=0)
        return int(np.diff(self.offsets).max())

    @staticmethod
    def join(parts: Sequence[Encoded]) -> Encoded:
        """One Encoded of several, in order (each part's offsets start at 0)."""
        tokens = np.concatenate([part.tokens for part in parts]) if parts else np.zeros(0, np.int32)
        offsets = np.zeros(sum(len(part) for part in parts) + 1, dtype=np.int64)
        row = base = 0
        for part in parts:
            offsets[row + 1 : row + 1 + len(part)] = part.offsets[1:] + base
            row += len(part)
            base += int(part.offsets[-1])
        return Encoded(tokens, offsets)

    def slice(self, start: int, stop: int) -> Encoded:
        lo, hi = int(self.offsets[start]), int(self.offsets[stop])
        return Encoded(self.tokens[lo:hi], self.offsets[start : stop + 1] - lo)


class RougeIndex:
    """Kept texts, answering "has any of them ROUGE-L F > threshold with this one?".

    Exact: every decision equals rouge_score's `fmeasure > threshold` on the same pair. Texts can
    be added at any time: the token order behind the prefix filter is fixed at each token's
    first sight, which is all exactness needs (`prime` makes it a better order). Memory: about
    30 bytes per kept token plus the texts and keys.
    """

    def __init__(self, threshold: float = 0.7, tokenizer: TokenizerName = "default") -> None:
        self.threshold = float(threshold)
        self.tokenizer: TokenizerName = tokenizer
        self._a, self._b, self._t = _rule(self.threshold)
        self._mul = _multiplier(self._a, self._b, self._t)
        tokenizer_function(tokenizer)  # an unknown name fails here
        self._words = _WORDS[tokenizer]
        self._keys: list[str] = []
        self._texts: list[str] = []
        k = _kernels()
        self._state = np.zeros(k.STATE_SIZE, dtype=np.int64)
        self._vocab = _Vocabulary(self._state)
        # per record
        self._rec_off = np.zeros(256, dtype=np.int64)
        self._sigs = np.zeros((256, k.SIG_WORDS), dtype=np.uint64)
        self._stamp = np.zeros(256, dtype=np.int64)
        self._okb = np.zeros(256, dtype=np.uint8)  # scratch, as long as a posting list
        self._sel = np.zeros(256, dtype=np.int32)
        self._flat = np.zeros(1024, dtype=np.int32)  # per kept token
        # per token id
        self._dup_next = np.full(1024, -1, dtype=np.int32)
        self._occ = np.zeros(1024, dtype=np.int32)
        self._loc = np.full(1024, -1, dtype=np.int32)
        self._okey = np.zeros(1024, dtype=np.int64)
        self._lists = np.zeros((1024, k.BUCKETS, 3), dtype=np.int64)
        # per posting
        self._pool = np.zeros(4096, dtype=np.int32)  # the record
        self._pool_meta = np.zeros(4096, dtype=np.uint16)  # its length and collisions
        self._pool_sig = np.zeros(4096, dtype=np.uint64)
        self._pool_sig2 = np.zeros(4096, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def stats(self) -> dict[str, int]:
        """Work done so far: postings visited, LCS computed (pairs past every filter)."""
        k = _kernels()
        return {
            "postings_visited": int(self._state[k.S_VISITED]),
            "lcs_computed": int(self._state[k.S_CANDIDATES]),
        }

    def _store(self) -> tuple[np.ndarray, ...]:
        return (
            self._state, self._rec_off, self._flat, self._sigs, self._stamp, self._dup_next,
            self._occ, self._okey, self._lists, self._pool, self._pool_sig, self._pool_sig2,
            self._okb, self._sel,
            self._loc, self._pool_meta,
        )  # fmt: skip

    # -- encoding and storage

    def encode(self, texts: Iterable[str], allocate: bool = False) -> Encoded:
        """Token ids of texts; unknown words are -1 unless `allocate` gives them ids.

        Built in chunks: a Python list of ints costs ~36 bytes a token, the array 4.
        """
        return self.encode_tokens(map(self._words, texts), allocate)

    def tokens(self, texts: Iterable[str]) -> list[list[bytes]]:
        """Each text's tokens as this index reads them (for `encode_tokens`): a caller asking
        two indexes of one tokenizer about the same texts tokenizes them once."""
        return [self._words(text) for text in texts]

    def encode_tokens(self, tokens: Iterable[list[bytes]], allocate: bool = False) -> Encoded:
        """`encode` of texts already split by `tokens` (of an index with this tokenizer)."""
        lookup = self._vocab.__getitem__
        get = self._vocab.get
        parts: list[np.ndarray] = []
        ends: list[int] = [0]  # offsets, summed in Python: np.cumsum of a short list cost more
        flat: list[int] = []
        done = 0  # tokens already moved from `flat` into `parts`
        for words in tokens:
            if allocate:
                flat += map(lookup, words)
            else:
                flat += map(get, words, repeat(-1))
            ends.append(done + len(flat))
            if len(flat) >= 1 << 20:
                parts.append(np.array(flat, dtype=np.int32))
                done += len(flat)
                flat.clear()
        last = np.array(flat, dtype=np.int32)
        self._grow_ids(0)
        tokens_array = np.concatenate([*parts, last]) if parts else last
        return Encoded(tokens_array, np.array(ends, dtype=np.int64))

    def _grow_ids(self, extra: int) -> None:
        """Room for every id given out so far plus `extra` (arrays double, never shrink)."""
        need = int(self._state[1]) + extra + 1
        self._dup_next = _grown(self._dup_next, need, -1)
        self._occ = _grown(self._occ, need, 0)
        self._loc = _grown(self._loc, need, -1)
        self._okey = _grown(self._okey, need, 0)
        self._lists = _grown(self._lists, need, 0)

    def _grow(self, m: int) -> None:
        """Room for one more text of m tokens (called when the kernel stopped for lack of it)."""
        rec = int(self._state[0]) + 2
        self._rec_off = _grown(self._rec_off, rec, 0)
        self._sigs = _grown(self._sigs, rec, 0)
        self._stamp = _grown(self._stamp, rec, 0)
        self._okb = _grown(self._okb, rec, 0)
        self._sel = _grown(self._sel, rec, 0)
        self._flat = _grown(self._flat, int(self._state[3]) + m, 0)
        self._grow_ids(m)

    def _grow_pool(self, m: int) -> None:
        """Compact the posting lists into a pool with room to grow (lists moved by `post` leave
        holes; compaction drops them, so the pool stays within ~3x the live postings). After
        compaction no list is full, so a text of m tokens needs at most 4m more (new lists)."""
        k = _kernels()
        old = (self._pool, self._pool_meta, self._pool_sig, self._pool_sig2)
        used = int(k.compact(self._state, self._lists, old, old, False))
        size = max(2 * used, used + 4 * m + 4096)
        new = tuple(np.zeros(size, dtype=array.dtype) for array in old)
        k.compact(self._state, self._lists, old, new, True)
        self._pool, self._pool_meta, self._pool_sig, self._pool_sig2 = new

    def _run(self, enc: Encoded, mode: int) -> tuple[np.ndarray, np.ndarray]:
        """One kernel call per batch (more only when an array must grow)."""
        k = _kernels()
        count = len(enc)
        longest = enc.longest()
        words = np.empty(max(longest, 1), dtype=np.int32)
        v = np.empty(max((longest + 63) // 64, 1), dtype=np.uint64)
        out_rec = np.full(count, -1, dtype=np.int64)
        out_lcs = np.zeros(count, dtype=np.int64)
        done = 0
        while True:
            done = k.run_batch(
                enc.tokens,
                enc.offsets,
                done,
                mode,
                self._store(),
                v,
                words,
                self._a,
                self._b,
                self._t,
                self._mul,
                out_rec,
                out_lcs,
            )
            if done >= count:
                return out_rec, out_lcs
            self._make_room(int(enc.offsets[done + 1] - enc.offsets[done]))

    def _accept_joined(self, enc: Encoded) -> tuple[np.ndarray, np.ndarray] | None:
        """ACCEPT for a batch in two steps: every query against the index as it stands, token
        by token (`join_batch`, each posting list read once for all the queries that share
        its token), then in order against what this batch kept (`settle_batch`). The same
        decisions and neighbours as `_run(enc, ACCEPT)`; None when the index is not primed
        for this batch's tokens (then `_run` decides)."""
        k = _kernels()
        count = len(enc)
        q_sig = np.zeros((count, k.SIG_WORDS), dtype=np.uint64)
        q_meta = np.zeros((count, 2), dtype=np.int64)
        cap = max(int(enc.tokens.shape[0]), 1)
        e_key = np.empty(cap, dtype=np.int64)
        e_tok = np.empty(cap, dtype=np.int64)
        e_q = np.empty(cap, dtype=np.int64)
        e_i = np.empty(cap, dtype=np.int64)
        e_top = np.empty((cap, 3), dtype=np.int64)
        e_sig = np.empty((cap, k.SIG_WORDS), dtype=np.uint64)
        ne = int(
            k.plan_batch(enc.tokens, enc.offsets, self._store(), self._a, self._b, self._t,
                         e_key, e_tok, e_q, e_i, e_top, e_sig, q_sig, q_meta)
        )  # fmt: skip
        if ne < 0:
            return None
        order = np.argsort(e_key[:ne], kind="stable")  # token by token; queries in order
        longest = int(enc.lengths().max()) if count else 0
        res = np.zeros((count, 4), dtype=np.int64)
        res[:, 0] = -1
        batch = (order, e_tok, e_q, e_i, e_top, e_sig, enc.tokens, enc.offsets, q_meta)
        k.join_batch(batch, self._store(), self._a, self._b, self._t, self._mul, res, _threads(),
                     longest)  # fmt: skip
        words = np.empty(max(longest, 1), dtype=np.int32)
        v = np.empty(max((longest + 63) // 64, 1), dtype=np.uint64)
        r0 = int(self._state[k.N_REC])
        out_rec = np.full(count, -1, dtype=np.int64)
        out_lcs = np.zeros(count, dtype=np.int64)
        done = 0
        while True:
            done = k.settle_batch(enc.tokens, enc.offsets, q_sig, done, r0, self._store(), v,
                                  words, self._a, self._b, self._t, self._mul, res, out_rec,
                                  out_lcs)  # fmt: skip
            if done >= count:
                return out_rec, out_lcs
            self._make_room(int(enc.offsets[done + 1] - enc.offsets[done]))

    def _make_room(self, m: int) -> None:
        """Room for a kept text of `m` tokens, which a kernel stopped for: a larger pool
        when the record table has space, else larger arrays."""
        if _kernels().fits(m, self._store()):
            self._grow_pool(m)
        else:
            self._grow(m)

    def _matches(self, enc: Encoded, recs: np.ndarray, lcss: np.ndarray) -> list[Match | None]:
        """A Match for each query with a neighbour, else None. The scores are computed on
        arrays, with `fmeasure`'s own float operations in its order (so the same floats):
        `dedup` asks this for every batch, and per item in Python it cost 2.5-3 us a match."""
        out: list[Match | None] = [None] * len(recs)
        found = np.flatnonzero(recs >= 0)
        if not found.size:
            return out
        rec = recs[found]
        lcs = lcss[found]
        offsets = self._rec_off
        kept_len = offsets[rec + 1] - offsets[rec]
        new_len = enc.lengths()[found]
        with np.errstate(divide="ignore", invalid="ignore"):
            precision = lcs / kept_len
            recall = lcs / new_len
            score = np.where(lcs > 0, 2 * precision * recall / (precision + recall), 0.0)
        keys, texts = self._keys, self._texts
        for q, y, f in zip(found.tolist(), rec.tolist(), score.tolist(), strict=True):
            out[q] = Match(keys[y], texts[y], f)
        return out

    # -- the public interface

    def prime(self, texts: Iterable[str] | Encoded) -> None:
        """Fix the token order from a sample (ideally all texts to come): rarest tokens first
        makes the prefix filter far sharper. Only while the index is empty (exactness needs
        an order that never changes for a token already indexed)."""
        if len(self):
            raise RuntimeError("prime() must come before any text is added")
        k = _kernels()
        enc = texts if isinstance(texts, Encoded) else self.encode(texts, allocate=True)
        counts = np.zeros(self._okey.shape[0], dtype=np.int64)
        done = 0
        while done < len(enc):
            part = enc.slice(done, len(enc))
            done += int(
                k.count_tokens(
                    part.tokens, part.offsets, self._state, self._dup_next, self._occ, counts
                )
            )
            if done < len(enc):
                self._grow_ids(int(enc.offsets[done + 1] - enc.offsets[done]))
                counts = np.concatenate(
                    [counts, np.zeros(self._okey.shape[0] - counts.shape[0], dtype=np.int64)]
                )
        ids = np.arange(counts.shape[0], dtype=np.int64)
        self._okey = np.where(counts > 0, counts * (1 << 32) - ids, self._okey[: len(ids)])

    def add(self, text: str, key: str) -> None:
        """Keep a text unconditionally (a seed, or a record accepted elsewhere)."""
        self._run(self.encode([text], allocate=True), _kernels().ADD)
        self._keys.append(key)
        self._texts.append(text)

    def add_encoded(self, enc: Encoded, keys: Sequence[str], texts: Sequence[str]) -> None:
        """`add` for many texts already encoded by this index (`encode(..., allocate=True)`)."""
        self._run(enc, _kernels().ADD)
        self._keys.extend(keys)
        self._texts.extend(texts)

    def find_duplicate(self, text: str) -> Match | None:
        """Some kept text with F > threshold (the first one found), or None."""
        return self.find_duplicates([text])[0]

    def find_duplicates(self, texts: Sequence[str]) -> list[Match | None]:
        """`find_duplicate` for many texts in one call; the index does not change."""
        enc = self.encode(texts)
        return self._matches(enc, *self._run(enc, _kernels().FIRST))

    def nearest(self, text: str) -> Match | None:
        """The kept text with the highest F (exact; ties: earliest added); None if all are 0."""
        enc = self.encode([text])
        return self._matches(enc, *self._run(enc, _kernels().BEST))[0]

    def nearest_many(
        self, texts: Sequence[str], tokens: Sequence[list[bytes]] | None = None
    ) -> list[Match | None]:
        """`nearest` of each text, in one encoding and one kernel call (a unit's records);
        `tokens`: the texts' `tokens`, when the caller has them."""
        if not texts:
            return []
        enc = self.encode_tokens(tokens) if tokens is not None else self.encode(texts)
        return self._matches(enc, *self._run(enc, _kernels().BEST))

    def accept_batch(
        self, items: Sequence[tuple[str, str]], tokens: Sequence[list[bytes]] | None = None
    ) -> list[Match | None]:
        """Greedy in order: each (text, key) is checked against the index and the items of this
        batch accepted before it; None means accepted (and added), a Match means rejected.
        `tokens`: the texts' `tokens`, when the caller has them."""
        texts = (text for text, _ in items)
        enc = self.encode_tokens(tokens if tokens is not None else map(self._words, texts), True)
        return self.accept_encoded(enc, [key for _, key in items], [text for text, _ in items])

    def accept_encoded(
        self, enc: Encoded, keys: Sequence[str], texts: Sequence[str]
    ) -> list[Match | None]:
        """`accept_batch` for texts already encoded by this index (`encode(..., allocate=True)`),
        so a caller that primed the order with them does not tokenize twice."""
        joined = self._accept_joined(enc) if len(enc) >= JOIN_MIN else None
        recs, lcss = joined if joined is not None else self._run(enc, _kernels().ACCEPT)
        for rec, key, text in zip(recs.tolist(), keys, texts, strict=True):
            if rec < 0:  # accepted: it became the next record, a later item may point at it
                self._keys.append(key)
                self._texts.append(text)
        return self._matches(enc, recs, lcss)
