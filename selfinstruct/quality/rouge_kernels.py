"""Compiled kernels of the ROUGE-L near-duplicate index (see `rouge.RougeIndex`).

Kept apart from `rouge.py` so that numba is imported (and its on-disk JIT cache loaded) only
when an index is used, not on `selfinstruct --help`. Without numba the same functions run as
plain Python: exact, only slow. The entry points release the GIL (`nogil`), so `dedup` decides
one batch in a thread while its main thread reads and writes records.

Why it is exact. A kept text y (n tokens) can be a duplicate of x (m tokens) only if
LCS >= alpha = need(m + n), the smallest LCS for which F can exceed the threshold. Then:
- length: alpha <= min(m, n);
- overlap: LCS <= |X ∩ Y| as multisets; making the k-th repeat of a word a token of its own
  ("occurrence tokens") turns that into a set overlap;
- prefix (PPJoin): sort every text's tokens by one fixed global order; if |X ∩ Y| >= alpha,
  their first common token sits within the first m - alpha + 1 tokens of x and the first
  n - alpha + 1 of y. So only prefixes are indexed and probed; a posting failing those
  position bounds can be skipped (later common tokens sit further right in both texts), and
  postings are bucketed by their position in y so that whole buckets are skipped unread;
- signatures: at their first common token (x's i-th, y's j-th) the overlap is the one of the
  suffixes x[i:] and y[j:] (a token earlier in either order is in neither's rest), so each
  posting carries the 128-bit signature of y[j:] and each probe entry the one of x[i:]. Every
  bit both have stands for one common token, plus at most the collisions (tokens less set
  bits) of either suffix: the overlap is at most common bits + the smaller collisions
  (`survives`, `pair_passes`), which also bounds it by m - i and n - j. At a later common
  token the bound can undercount, which is harmless: a pair is met at its first common token
  before any later one, and judged there;
- only then the LCS itself, bit-parallel (Allison-Dix / Hyyrö), and the exact decision.
The bounds are checked in two passes per posting list: a branch-free one over the packed
postings (vectorized; it uses a lower bound of alpha), then an exact one over the survivors.
Any fixed total order works; here a token's order key is fixed when it is first seen: its count
in a priming sample when there is one (rare first), else "newer is rarer".

A batch of greedy decisions (`plan_batch`, `join_batch`, `settle_batch`): the probe of query q
finds the least (prefix position i in q, bucket of j, record) among the kept texts above the
threshold, since a qualifying pair is always met at its first common token. So the batch is
probed against the index as it was before it, entry by entry in the global token order (each
posting list scanned by all the queries sharing its token in a row, from cache, and each query's
entries in increasing i), then each query is compared in order with the texts the batch kept
before it, directly, and the least of both answers is the one `probe` gives.
"""

from __future__ import annotations

import math

import numpy as np

try:
    from numba import njit, prange
except ImportError:  # pragma: no cover - the plain-Python path is tested with NUMBA_DISABLE_JIT

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        if args and callable(args[0]):
            return args[0]
        return lambda f: f

    prange = range  # type: ignore[misc]


ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
_ZERO = np.uint64(0)
_ONE = np.uint64(1)
_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
SIG_WORDS = 2  # 128-bit token signatures per text
#: Below this (total length x threshold denominator) the integer decision is provably exact.
EXACT_LIMIT = 10**15
# A posting is its record (pool, int32), 16 bits of meta: y's length << 7 | the collisions
# of y[j:] (pool_meta), and the 128-bit signature of y[j:] (pool_sig, pool_sig2). Pass 1
# streams the meta and the signature, 18 bytes a posting (with the record in a 64-bit word
# beside them, 24 bytes, the same scan took 1.5-1.7x as long: measured on lists in cache and
# out of it; `dedup` of 3M records took 4% less CPU and 12% less memory, while the small
# batches of a generate run, with one more array to touch a posting, took ~7% more in the
# kernel, about 10-20 us a request). A length field at LEN_MAX ("saturated": a text of
# LEN_MAX tokens or more, or whose collisions do not fit their field) always survives pass 1;
# the exact pass resolves the length from the record and bounds the pair by x's side alone.
COLL_BITS = 7
LEN_MAX = (1 << (16 - COLL_BITS)) - 1
COLL_MAX = (1 << COLL_BITS) - 1
# Each token has one posting list per bucket of positions j in the kept text's sorted order
# (0, 1, ..., 7, 8-9, 10-11, 12-15, 16-23, 24+): a frequent token of x sits late in x's
# order, where only pairs whose first common token is early in y (small j) can still
# qualify, so most buckets of the long lists are skipped unread.
BUCKET_LOW = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24], dtype=np.int64)
BUCKETS = BUCKET_LOW.shape[0]
START, LEN, CAP = 0, 1, 2

# state slots
N_REC, N_IDS, N_POOL, N_FLAT, SERIAL, N_MAXLEN = 0, 1, 2, 3, 4, 5
S_VISITED, S_CANDIDATES = 6, 7  # statistics: postings visited, LCS computed
STATE_SIZE = 8
# run_batch modes
FIRST, BEST, ACCEPT, ADD = 0, 1, 2, 3


@njit(cache=True)
def fmeasure(lcs, m, n):
    """rouge_score's own float expression (precision over the kept text, recall over the new)."""
    p = lcs / n
    r = lcs / m
    if p + r > 0:
        return 2 * p * r / (p + r)
    return 0.0


@njit(cache=True)
def exceeds(lcs, m, n, a, b, t):
    """fmeasure(lcs, m, n) > t, decided with integers unless it is a tie (t == a/b, b > 0)."""
    if lcs <= 0 or m <= 0 or n <= 0:
        return t < 0.0
    s = m + n
    if b > 0 and s * b < EXACT_LIMIT:
        lhs = 2 * lcs * b
        rhs = a * s
        if lhs > rhs:
            return True
        if lhs < rhs:
            return False
    return fmeasure(lcs, m, n) > t


@njit(cache=True)
def need(s, a, b, t):
    """Smallest LCS that can exceed the threshold when the two lengths add up to s (>= 1)."""
    if b > 0 and s * b < EXACT_LIMIT:
        k = (a * s + 2 * b - 1) // (2 * b)
    else:
        k = math.ceil((t - 1e-9) * s / 2.0)
    return max(k, 1)


@njit(cache=True)
def prefix_len(n, a, b, t):
    """Tokens of a text to index or probe: n - alpha + 1 for the smallest feasible partner."""
    for other in range(1, n + 1):
        k = need(n + other, a, b, t)
        if k <= other:
            return n - k + 1
    return 0


@njit(cache=True)
def popcount(x):
    x = np.uint64(x)
    x = x - ((x >> _ONE) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return int((x * _H01) >> np.uint64(56))


@njit(cache=True)
def order_key(tok, okey):
    """Global order, ascending = rarer: primed tokens by count; others newest first."""
    if tok < 0:
        return -(1 << 62)
    k = okey[tok]
    return k if k > 0 else -tok


@njit(cache=True)
def rarest_first(toks, okey):
    """Sort occurrence tokens in place by the global order (a shell sort: texts are short,
    and np.sort would add seconds of JIT compile time)."""
    n = toks.shape[0]
    gap = 1
    while gap * 3 + 1 < n:
        gap = gap * 3 + 1
    while gap > 0:
        for i in range(gap, n):
            item = toks[i]
            key = order_key(item, okey)
            j = i
            while j >= gap and order_key(toks[j - gap], okey) > key:
                toks[j] = toks[j - gap]
                j -= gap
            toks[j] = item
        gap //= 3
    return toks


@njit(cache=True)
def occurrence_ids(x, dup_next, occ, state, allocate):
    """The occurrence token of each position of x (-1 when unknown and not allocated)."""
    m = x.shape[0]
    out = np.empty(m, dtype=np.int64)
    for p in range(m):
        w = x[p]
        if w < 0:
            out[p] = -1
            continue
        k = occ[w]
        occ[w] = k + 1
        tok = w
        for _ in range(k):
            nxt = dup_next[tok]
            if nxt < 0:
                if allocate == 0:
                    tok = -1
                    break
                nxt = state[N_IDS]
                state[N_IDS] = nxt + 1
                dup_next[tok] = nxt
            tok = nxt
        out[p] = tok
    for p in range(m):
        if x[p] >= 0:
            occ[x[p]] = 0
    return out


@njit(cache=True, inline="always")
def sig_bit(tok):
    """(word, mask) of an occurrence token's bit in a 128-bit signature."""
    bit = (np.uint64(tok) * _GOLDEN) >> np.uint64(57)  # top 7 bits: 0..127
    return bit >> np.uint64(6), _ONE << (bit & np.uint64(63))


@njit(cache=True)
def signature(toks, sig):
    """128-bit set signature of occurrence tokens into sig (unknown ones are counted apart);
    returns its 64-bit fold, a weaker signature of the same kind."""
    for w in range(SIG_WORDS):
        sig[w] = _ZERO
    for p in range(toks.shape[0]):
        tok = toks[p]
        if tok < 0:
            continue
        w, mask = sig_bit(tok)
        sig[w] |= mask
    return sig[0] | sig[1]


@njit(cache=True)
def suffix_signatures(toks, count):
    """For i < count: sig[i], the signature of toks[i:], and coll[i], its collisions (its
    tokens with an id less its set bits), built from the end in one pass; with count >= 1,
    sig[0] is the whole text's `signature`."""
    size = max(count, 1)
    sig = np.zeros((size, SIG_WORDS), dtype=np.uint64)
    coll = np.zeros(size, dtype=np.int64)
    s0 = _ZERO
    s1 = _ZERO
    known = 0
    for p in range(toks.shape[0] - 1, -1, -1):
        tok = toks[p]
        if tok >= 0:
            w, mask = sig_bit(tok)
            if w == 0:
                s0 |= mask
            else:
                s1 |= mask
            known += 1
        if p < count:
            sig[p, 0] = s0
            sig[p, 1] = s1
            coll[p] = known - popcount(s0) - popcount(s1)
    return sig, coll


@njit(cache=True)
def count_unknown(toks):
    unknown = 0
    for p in range(toks.shape[0]):
        if toks[p] < 0:
            unknown += 1
    return unknown


@njit(cache=True)
def fill_masks(x, loc, words, masks):
    """Match masks of x for the bit-parallel LCS into masks (rows as needed, zeroed here),
    then one zero row after them, which `lcs_len` reads for a word x lacks (masks needs
    m + 1 rows); loc[word] = row, words[row] = word; returns the rows used (`clear_masks`
    undoes loc)."""
    m = x.shape[0]
    nw = (m + 63) // 64
    rows = 0
    for p in range(m):
        w = x[p]
        if w < 0:
            continue
        r = loc[w]
        if r < 0:
            r = rows
            loc[w] = r
            words[r] = w
            rows += 1
            for c in range(nw):
                masks[r, c] = _ZERO
        masks[r, p // 64] |= _ONE << np.uint64(p % 64)
    for c in range(nw):
        masks[rows, c] = _ZERO
    return rows


@njit(cache=True)
def build_masks(x, loc, words):
    """`fill_masks` into a new array; returns (masks, rows)."""
    m = x.shape[0]
    masks = np.zeros((m + 1, (m + 63) // 64), dtype=np.uint64)
    return masks, fill_masks(x, loc, words, masks)


@njit(cache=True)
def clear_masks(loc, words, rows):
    for r in range(rows):
        loc[words[r]] = -1


@njit(cache=True)
def lcs_len(m, masks, rows, loc, y, lo, hi, v):
    """LCS length of x (as its masks, `fill_masks`' rows) and y[lo:hi], bit-parallel:
    O(n * ceil(m / 64)). A word x lacks reads the zero row masks[rows], which leaves the
    state as it is: no branch to mispredict on every other token."""
    nw = (m + 63) // 64
    if nw == 1:
        vv = ALL
        for k in range(lo, hi):
            r = loc[y[k]]
            mk = masks[r if r >= 0 else rows, 0]
            u = vv & mk
            vv = (vv + u) | (vv & ~mk)
        low = ALL if m == 64 else (_ONE << np.uint64(m)) - _ONE
        return popcount(~vv & low)
    for w in range(nw):
        v[w] = ALL
    for k in range(lo, hi):
        r = loc[y[k]]
        if r < 0:
            continue
        carry = _ZERO
        for w in range(nw):
            mk = masks[r, w]
            old = v[w]
            u = old & mk
            s1 = old + u
            s2 = s1 + carry
            carry = _ONE if (s1 < old or s2 < s1) else _ZERO
            v[w] = s2 | (old & ~mk)
    total = 0
    for w in range(nw):
        bits = m - 64 * w
        low = ALL if bits >= 64 else (_ONE << np.uint64(bits)) - _ONE
        total += popcount(~v[w] & low)
    return total


@njit(cache=True)
def bucket(j):
    """Posting bucket of position j (see BUCKET_LOW)."""
    b = BUCKETS - 1
    while BUCKET_LOW[b] > j:
        b -= 1
    return b


@njit(cache=True, inline="always")
def meta_of(n, coll):
    """A posting's meta: the length and the collisions of y[j:], saturated when either
    does not fit its field."""
    if n >= LEN_MAX or coll >= COLL_MAX:
        return np.uint16(LEN_MAX << COLL_BITS)
    return np.uint16((n << COLL_BITS) | coll)


@njit(cache=True, inline="always")
def meta_len(meta):
    """The length field of a posting's meta (LEN_MAX: saturated)."""
    return np.int64(meta) >> COLL_BITS


@njit(cache=True, inline="always")
def posting_at(p, pool, pool_meta, rec_off):
    """(record, meta, length) of the posting at p: a saturated length read from the record."""
    y = np.int64(pool[p])
    meta = pool_meta[p]
    n = meta_len(meta)
    if n == LEN_MAX:
        n = rec_off[y + 1] - rec_off[y]
    return y, meta, n


@njit(cache=True)
def post(tok, bk, rec, meta, s0, s1, state, lists, postings):
    """Append to a posting list; a full list moves to the pool's end at twice the size, so
    every list stays contiguous (scanned as a stream) while the index grows."""
    pool, pool_meta, pool_sig, pool_sig2 = postings
    n = lists[tok, bk, LEN]
    if n == lists[tok, bk, CAP]:
        cap = 4 if n == 0 else 2 * n
        new = state[N_POOL]
        state[N_POOL] = new + cap
        old = lists[tok, bk, START]
        for k in range(n):
            pool[new + k] = pool[old + k]
            pool_meta[new + k] = pool_meta[old + k]
            pool_sig[new + k] = pool_sig[old + k]
            pool_sig2[new + k] = pool_sig2[old + k]
        lists[tok, bk, START] = new
        lists[tok, bk, CAP] = cap
    at = lists[tok, bk, START] + n
    pool[at] = rec
    pool_meta[at] = meta
    pool_sig[at] = s0
    pool_sig2[at] = s1
    lists[tok, bk, LEN] = n + 1


@njit(cache=True)
def add_record(x, store, a, b, t):
    """Append x (word ids, all known) and post its prefix; False (and nothing posted) when the
    pool could overflow, so the caller grows it and retries."""
    state, rec_off, flat, sigs, _, dup_next, occ, okey, lists = store[:9]
    postings = (store[9], store[15], store[10], store[11])
    pool = store[9]
    m = x.shape[0]
    rec = state[N_REC]
    toks = rarest_first(occurrence_ids(x, dup_next, occ, state, 1), okey)
    plen = prefix_len(m, a, b, t) if m else 0
    room = 0
    for j in range(plen):
        bk = bucket(j)
        n = lists[toks[j], bk, LEN]
        if n == lists[toks[j], bk, CAP]:
            room += 4 if n == 0 else 2 * n
    if state[N_POOL] + room > pool.shape[0]:
        return False
    start = state[N_FLAT]
    for p in range(m):  # a loop: slice assignment costs seconds of JIT compile time
        flat[start + p] = x[p]
    state[N_FLAT] = start + m
    rec_off[rec + 1] = start + m
    state[N_REC] = rec + 1
    state[N_MAXLEN] = max(state[N_MAXLEN], m)
    suf, coll = suffix_signatures(toks, max(plen, 1))
    sigs[rec, 0] = suf[0, 0]  # the whole text's signature, for `settle_batch` and `scan_best`
    sigs[rec, 1] = suf[0, 1]
    for j in range(plen):
        post(toks[j], bucket(j), rec, meta_of(m, coll[j]), suf[j, 0], suf[j, 1], state, lists,
             postings)  # fmt: skip
    return True


@njit(cache=True, nogil=True)
def compact(state, lists, postings, fresh, copy):
    """Copy every posting list (`postings`: pool, pool_meta, pool_sig, pool_sig2) into
    `fresh` arrays, dropping the holes moved lists left behind; each list gets half its
    length again as room to grow. Returns the size needed; with copy False only that (the
    fresh arrays must hold it when copying)."""
    pool, pool_meta, pool_sig, pool_sig2 = postings
    new_pool, new_meta, new_sig, new_sig2 = fresh
    end = 0
    for tok in range(state[N_IDS]):
        for bk in range(BUCKETS):
            n = lists[tok, bk, LEN]
            if n == 0:
                continue
            cap = n + n // 2 + 4
            if copy:
                old = lists[tok, bk, START]
                for k in range(n):
                    new_pool[end + k] = pool[old + k]
                    new_meta[end + k] = pool_meta[old + k]
                    new_sig[end + k] = pool_sig[old + k]
                    new_sig2[end + k] = pool_sig2[old + k]
                lists[tok, bk, START] = end
                lists[tok, bk, CAP] = cap
            end += cap
    if copy:
        state[N_POOL] = end
    return end


#: Slots of a thread's table of pairs (query, record) already verified in a batch: a pair
#: passes pass 1 at several of the query's tokens, and its LCS is computed once (a slot
#: taken by another pair is overwritten: that pair may be verified again, which is exact).
SEEN_BITS = 18
SEEN_SLOTS = 1 << SEEN_BITS


@njit(cache=True, inline="always")
def list_of(pool_meta, pool_sig, pool_sig2, start, size):
    """The three arrays pass 1 reads of one posting list, as slices. A loop indexing them
    from 0 is read as contiguous loads and vectorizes; indexing the pool from `start`
    instead makes numba guard every index against wraparound (it could be negative), and
    LLVM then gathers the words one by one: pass 1 ran 2.4x slower that way."""
    stop = start + size
    return pool_meta[start:stop], pool_sig[start:stop], pool_sig2[start:stop]


@njit(cache=True, inline="always")
def overlap_bound(known, n, x0, x1, y0, y1):
    """An upper bound of LCS(x, y) from the texts' 128-bit signatures: LCS <= |X ∩ Y|, and
    each signature bit one side has and the other lacks is a token of it missing from the
    other (`known`: x's tokens with an id; y's all have one)."""
    return min(
        known - popcount(x0 & ~y0) - popcount(x1 & ~y1),
        n - popcount(y0 & ~x0) - popcount(y1 & ~x1),
    )


@njit(cache=True, inline="always")
def common_bits(x0, x1, y0, y1):
    """Bits two 128-bit signatures share."""
    return popcount(x0 & y0) + popcount(x1 & y1)


@njit(cache=True, inline="always")
def survives(meta, y0, y1, lo_n, top_n, mk, mul32, x0, x1, x_coll):
    """Pass 1 of a posting for a probe entry (x[i:]'s signature x0, x1 and collisions), as
    0 or 1: the length window and the suffixes' bound (common bits + the smaller collisions)
    >= alpha, with alpha from below: ceil((m + n) * mul / 2**32) = (mk + n * mul32) >> 32,
    mk = m * mul + 2**32 - 1 (both factors of the product fit 32 bits: one vector multiply,
    not three). Saturated lengths survive."""
    n = meta_len(meta)
    k = (mk + n * mul32) >> 32
    c = common_bits(x0, x1, y0, y1)
    y_coll = np.int64(meta) & COLL_MAX
    return ((n >= lo_n) & (n <= top_n) & (c + x_coll >= k) & (c + y_coll >= k)) | (n == LEN_MAX)


@njit(cache=True, inline="always")
def pair_passes(meta, y0, y1, n, k, x0, x1, x_coll):
    """The exact form of `survives`' bound for a posting of a text of n tokens and alpha k:
    a saturated one is bounded by x's side alone (it holds no collisions)."""
    c = common_bits(x0, x1, y0, y1)
    if c + x_coll < k:
        return False
    return meta_len(meta) == LEN_MAX or c + (np.int64(meta) & COLL_MAX) >= k


@njit(cache=True)
def probe(x, best_mode, store, v, words, a, b, t, mul):
    """Search kept texts for one above the threshold against x: the first found, or with
    best_mode the best (ties: earliest). Returns (record or -1, lcs)."""
    state, rec_off, flat, _, stamp, dup_next, occ, okey, lists = store[:9]
    pool, pool_sig, pool_sig2, okb, sel, loc, pool_meta = store[9:]
    m = x.shape[0]
    if m == 0:
        return -1, 0
    px = prefix_len(m, a, b, t)
    if px == 0:
        return -1, 0
    toks = rarest_first(occurrence_ids(x, dup_next, occ, state, 0), okey)
    suf, coll = suffix_signatures(toks, px)
    mk = m * mul + 0xFFFFFFFF
    mul32 = mul & 0xFFFFFFFF
    # partner lengths n that can reach alpha(n) = need(m + n) <= min(m, n): lo_n..hi_n
    hi_n = m
    while hi_n < state[N_MAXLEN] and need(m + hi_n + 1, a, b, t) <= m:
        hi_n += 1
    alpha = np.full(hi_n + 1, 1 << 40, dtype=np.int64)
    lo_n = hi_n + 1
    for n in range(hi_n, 0, -1):
        k = need(m + n, a, b, t)
        if k > n or k > m:
            break
        alpha[n] = k
        lo_n = n
    serial = state[SERIAL] + 1
    state[SERIAL] = serial
    best = -1
    best_lcs = 0
    best_f = -1.0
    # built up front: an array variable reassigned inside the loops would cost an atomic
    # reference count update per iteration
    masks, rows = build_masks(x, loc, words)
    visited = 0
    top_n = hi_n
    for i in range(px):
        # x's first common token at i <= m - alpha(n); alpha grows with n, so n <= top_n, and
        # y's at j <= n - alpha(n), which grows with n too: j <= top_j
        while top_n >= lo_n and i > m - alpha[top_n]:
            top_n -= 1
        if top_n < lo_n:
            break
        top_j = top_n - alpha[top_n]
        tok = toks[i]
        if tok < 0:
            continue
        x0 = suf[i, 0]
        x1 = suf[i, 1]
        x_coll = coll[i]
        for bk in range(BUCKETS):
            if BUCKET_LOW[bk] > top_j:
                break
            start = lists[tok, bk, START]
            size = lists[tok, bk, LEN]
            visited += size
            # Pass 1, branch-free so that it vectorizes: length window and the suffixes'
            # signature bound, with alpha from below (k <= alpha). A pair is first met at
            # its first common token, where the bound holds: failing there is final.
            meta_, s_, s2_ = list_of(pool_meta, pool_sig, pool_sig2, start, size)
            for e in range(size):
                okb[e] = survives(meta_[e], s_[e], s2_[e], lo_n, top_n, mk, mul32, x0, x1, x_coll)
            found = 0
            for e in range(size):  # their positions, still branch-free
                sel[found] = e
                found += okb[e]
            # Pass 2: the few survivors, exactly: alpha, the bound, once per pair, LCS.
            for c in range(found):
                p = start + sel[c]
                y, meta, n = posting_at(p, pool, pool_meta, rec_off)
                if n < lo_n or n > top_n or stamp[y] == serial:
                    continue
                k = alpha[n]
                if not pair_passes(meta, pool_sig[p], pool_sig2[p], n, k, x0, x1, x_coll):
                    continue
                stamp[y] = serial  # verified once
                state[S_CANDIDATES] += 1
                lcs = lcs_len(m, masks, rows, loc, flat, rec_off[y], rec_off[y + 1], v)
                if exceeds(lcs, m, n, a, b, t):
                    f = fmeasure(lcs, m, n)
                    if best < 0 or f > best_f or (f == best_f and y < best):
                        best = y
                        best_lcs = lcs
                        best_f = f
                    if not best_mode:
                        break
            if best >= 0 and not best_mode:
                break
        if best >= 0 and not best_mode:
            break
    state[S_VISITED] += visited
    clear_masks(loc, words, rows)
    return best, best_lcs


@njit(cache=True, nogil=True)
def plan_batch(q_toks, q_off, store, a, b, t, e_key, e_tok, e_q, e_i, e_top, e_sig, q_sig, q_meta):
    """The probes of a batch against the index as it stands, as entries (query, prefix
    position i, token), for `join_batch` to run token by token. Per query: its signature and
    (length, lo_n); per entry: the order key, (top_n, top_j, collisions of x[i:]) and the
    signature of x[i:] (see `probe`). Returns the entry count, or -1 when some occurrence
    token of the batch has no id yet (an unprimed index: ids given out during the batch would
    reorder its tokens)."""
    state, dup_next, occ, okey = store[0], store[5], store[6], store[7]
    ne = 0
    for q in range(q_off.shape[0] - 1):
        x = q_toks[q_off[q] : q_off[q + 1]]
        m = x.shape[0]
        q_meta[q, 0] = 0
        q_meta[q, 1] = 1 << 40
        if m == 0:
            continue
        toks = rarest_first(occurrence_ids(x, dup_next, occ, state, 0), okey)
        if count_unknown(toks):
            return -1
        px = prefix_len(m, a, b, t)
        suf, coll = suffix_signatures(toks, max(px, 1))
        q_sig[q, 0] = suf[0, 0]  # the whole text's signature, for `settle_batch`
        q_sig[q, 1] = suf[0, 1]
        hi_n = m
        while hi_n < state[N_MAXLEN] and need(m + hi_n + 1, a, b, t) <= m:
            hi_n += 1
        lo_n = hi_n + 1
        for n in range(hi_n, 0, -1):
            k = need(m + n, a, b, t)
            if k > n or k > m:
                break
            lo_n = n
        q_meta[q, 0] = m
        q_meta[q, 1] = lo_n
        top_n = hi_n
        for i in range(px):
            while top_n >= lo_n and i > m - need(m + top_n, a, b, t):
                top_n -= 1
            if top_n < lo_n:
                break
            e_key[ne] = order_key(toks[i], okey)
            e_tok[ne] = toks[i]
            e_q[ne] = q
            e_i[ne] = i
            e_top[ne, 0] = top_n
            e_top[ne, 1] = top_n - need(m + top_n, a, b, t)
            e_top[ne, 2] = coll[i]
            e_sig[ne, 0] = suf[i, 0]
            e_sig[ne, 1] = suf[i, 1]
            ne += 1
    return ne


# fmt: off
@njit(cache=True)
def verify(
    x, q, store, start, found, lo_n, top_n, x0, x1, x_coll, sel, loc, words, masks, v, seen,
    counts, a, b, t,
):
    # fmt: on
    """Pass 2 of `probe` for query q over the survivors sel[:found] of one posting list,
    with a thread's own scratch; `seen` skips pairs whose LCS this batch already computed
    (they did not exceed the threshold, or q would be done). Returns (record or -1, lcs);
    counts[1] counts the LCS computed.

    The exact checks come first and leave the records to compare in sel; their tokens are
    then loaded side by side (independent loads overlap) before the LCS loop needs them one
    after the other, in the same order, so the first record above the threshold is the same."""
    rec_off, flat, pool, pool_sig, pool_sig2 = store[1], store[2], store[9], store[10], store[11]
    pool_meta = store[15]
    m = x.shape[0]
    todo = 0
    for c in range(found):
        p = start + sel[c]
        y, meta, n = posting_at(p, pool, pool_meta, rec_off)
        if n < lo_n or n > top_n:
            continue
        k = need(m + n, a, b, t)
        if not pair_passes(meta, pool_sig[p], pool_sig2[p], n, k, x0, x1, x_coll):
            continue
        pair = (q << 32) | y
        slot = (np.uint64(pair) * _GOLDEN) >> np.uint64(64 - SEEN_BITS)
        if seen[slot] == pair:
            continue
        seen[slot] = pair  # if q is found below, its later pairs are never asked for again
        sel[todo] = y
        todo += 1
    if todo == 0:
        return -1, 0
    touched = 0
    for c in range(todo):
        touched += flat[rec_off[sel[c]]]
    rows = fill_masks(x, loc, words, masks)
    if touched < 0:  # never (ids are >= 0); a use LLVM cannot fold, so the loads stay
        counts[0] += 1
    best = -1
    best_lcs = 0
    for c in range(todo):
        y = sel[c]
        counts[1] += 1
        lcs = lcs_len(m, masks, rows, loc, flat, rec_off[y], rec_off[y + 1], v)
        if exceeds(lcs, m, rec_off[y + 1] - rec_off[y], a, b, t):
            best = y
            best_lcs = lcs
            break
    clear_masks(loc, words, rows)
    return best, best_lcs


@njit(cache=True)
def join_part(part, parts, batch, store, a, b, t, mul, res, scratch):
    """`join_batch` for the queries q with q % parts == part (one thread's share, with its
    own scratch: see `join_batch`)."""
    order, e_tok, e_q, e_i, e_top, e_sig, q_toks, q_off, q_meta = batch
    sel, loc, words, masks, v, seen, counts = scratch
    lists, pool_meta, pool_sig, pool_sig2 = store[8], store[15], store[10], store[11]
    mul32 = mul & 0xFFFFFFFF
    for idx in range(order.shape[0]):
        e = order[idx]
        q = e_q[e]
        if q % parts != part or res[q, 0] >= 0:
            continue
        tok = e_tok[e]
        top_n = e_top[e, 0]
        top_j = e_top[e, 1]
        x_coll = e_top[e, 2]
        m = q_meta[q, 0]
        lo_n = q_meta[q, 1]
        mk = m * mul + 0xFFFFFFFF
        x0 = e_sig[e, 0]
        x1 = e_sig[e, 1]
        for bk in range(BUCKETS):
            if BUCKET_LOW[bk] > top_j:
                break
            start = lists[tok, bk, START]
            size = lists[tok, bk, LEN]
            counts[0] += size
            # pass 1, branch-free so that it vectorizes: the survivors of the whole list
            # counted (almost every list has none); only a list with one is read again.
            # (Counting per block of 64, to read again only the blocks with one, was no
            # faster: most lists hold a few hundred postings.) Indexing slices from 0 (see
            # `list_of`) keeps the loads contiguous.
            meta_, s_, s2_ = list_of(pool_meta, pool_sig, pool_sig2, start, size)
            hits = 0
            for e2 in range(size):
                hits += survives(meta_[e2], s_[e2], s2_[e2], lo_n, top_n, mk, mul32, x0, x1, x_coll)
            if hits == 0:
                continue
            found = 0
            for e2 in range(size):
                if survives(meta_[e2], s_[e2], s2_[e2], lo_n, top_n, mk, mul32, x0, x1, x_coll):
                    sel[found] = e2
                    found += 1
            x = q_toks[q_off[q] : q_off[q + 1]]
            y, lcs = verify(x, q, store, start, found, lo_n, top_n, x0, x1, x_coll, sel, loc,
                            words, masks, v, seen, counts, a, b, t)  # fmt: skip
            if y >= 0:
                res[q, 0] = y
                res[q, 1] = lcs
                res[q, 2] = e_i[e]
                res[q, 3] = bk
                break


@njit(cache=True, nogil=True, parallel=True)
def join_batch(batch, store, a, b, t, mul, res, parts, longest):
    """`probe` (first mode) of every query of a batch against the index as it stands, run
    entry by entry in the global token order instead of query by query: the queries sharing
    a token scan its posting list one after the other, while it is in cache (one query at a
    time reads every list from memory). Per query, its entries come in increasing prefix
    position, so skipping a query once found keeps `probe`'s answer: the first kept text in
    (position, bucket, record) order. res[q] = (record or -1, lcs, position, bucket).
    `batch` is (order, e_tok, e_q, e_i, e_top, e_sig) of `plan_batch`, then the queries'
    tokens, offsets and meta.

    The queries are independent of each other here (the index does not change), so `parts`
    threads share them, each with its own scratch; the answers do not depend on `parts`."""
    state = store[0]
    nw = max((longest + 63) // 64, 1)
    counts = np.zeros((parts, 2), dtype=np.int64)
    for part in prange(parts):
        sel = np.empty(state[N_REC] + 1, dtype=np.int32)
        loc = np.full(state[N_IDS] + 1, -1, dtype=np.int32)
        words = np.empty(max(longest, 1), dtype=np.int32)
        masks = np.zeros((longest + 1, nw), dtype=np.uint64)  # `fill_masks`' zero row
        v = np.empty(nw, dtype=np.uint64)
        seen = np.full(SEEN_SLOTS, -1, dtype=np.int64)
        scratch = (sel, loc, words, masks, v, seen, counts[part])
        join_part(part, parts, batch, store, a, b, t, mul, res, scratch)
    for part in range(parts):
        state[S_VISITED] += counts[part, 0]
        state[S_CANDIDATES] += counts[part, 1]


@njit(cache=True)
def first_common(xt, yt, okey):
    """(i, j): positions of the first common token of two texts sorted by the global order."""
    p = 0
    r = 0
    while p < xt.shape[0] and r < yt.shape[0]:
        kx = order_key(xt[p], okey)
        ky = order_key(yt[r], okey)
        if kx == ky:
            return p, r
        if kx < ky:
            p += 1
        else:
            r += 1
    return -1, -1


@njit(cache=True, inline="always")
def settle_pass1(rec_off, sigs, r0, r1, m, mul, x0, x1, okb):
    """okb[y - r0] = 0 or 1 for the records r0..r1 of this batch: the length window and
    the whole texts' signature bound (`overlap_bound`: these records are not in the lists, so
    no first common token is known), with need from below, branch-free and on slices so that
    it vectorizes. Returns the count."""
    lens_lo = rec_off[r0:r1]
    lens_hi = rec_off[r0 + 1 : r1 + 1]
    sig = sigs[r0:r1]
    hits = 0
    for j in range(r1 - r0):
        n = lens_hi[j] - lens_lo[j]
        k = ((m + n) * mul + 0xFFFFFFFF) >> 32
        y0 = sig[j, 0]
        y1 = sig[j, 1]
        ok = (k <= n) & (k <= m) & (overlap_bound(m, n, x0, x1, y0, y1) >= k)
        okb[j] = ok
        hits += ok
    return hits


@njit(cache=True, nogil=True)
def settle_batch(
    q_toks, q_off, q_sig, q_from, r0, store, v, words, a, b, t, mul, res, out_rec, out_lcs
):
    """The greedy decisions of a batch after `join_batch`: each query also against the texts
    this batch kept before it (records r0..), by a direct scan (length window and signature
    bounds, vectorized from below in `settle_pass1`, then exactly, then the LCS), keeping the
    neighbour `probe` would have found first over both: the least (prefix position of the
    first common token, its bucket in the kept text, record). A query without one is added.
    q_sig: the signatures `plan_batch` computed. Returns the next query to do (< count: some
    array must grow first)."""
    state, rec_off, flat, sigs, _, dup_next, occ, okey = store[:8]
    okb, sel, loc = store[12], store[13], store[14]
    count = q_off.shape[0] - 1
    for q in range(q_from, count):
        x = q_toks[q_off[q] : q_off[q + 1]]
        m = x.shape[0]
        if not fits(m, store):
            return q
        best = res[q, 0]
        best_lcs = res[q, 1]
        best_i = res[q, 2]
        best_g = res[q, 3]
        r1 = state[N_REC]
        x0 = q_sig[q, 0]
        x1 = q_sig[q, 1]
        hits = 0
        if m > 0 and r1 > r0:
            hits = settle_pass1(rec_off, sigs, r0, r1, m, mul, x0, x1, okb)
        if hits > 0:  # else nothing of this batch can match: not even the masks are built
            xt = rarest_first(occurrence_ids(x, dup_next, occ, state, 0), okey)
            found = 0
            for j in range(r1 - r0):  # the survivors' records, branch-free
                sel[found] = r0 + j
                found += okb[j]
            masks, rows = build_masks(x, loc, words)
            for c in range(found):
                y = sel[c]
                n = rec_off[y + 1] - rec_off[y]
                k = need(m + n, a, b, t)
                if k > n or k > m:
                    continue
                if overlap_bound(m, n, x0, x1, sigs[y, 0], sigs[y, 1]) < k:
                    continue
                state[S_CANDIDATES] += 1
                lcs = lcs_len(m, masks, rows, loc, flat, rec_off[y], rec_off[y + 1], v)
                if not exceeds(lcs, m, n, a, b, t):
                    continue
                yt = rarest_first(
                    occurrence_ids(flat[rec_off[y] : rec_off[y + 1]], dup_next, occ, state, 0),
                    okey,
                )
                i, j = first_common(xt, yt, okey)
                g = bucket(j)
                if best < 0 or i < best_i or (i == best_i and g < best_g):
                    best = y
                    best_lcs = lcs
                    best_i = i
                    best_g = g
            clear_masks(loc, words, rows)
        if best < 0 and not add_record(x, store, a, b, t):
            return q
        out_rec[q] = best
        out_lcs[q] = best_lcs
    return count


@njit(cache=True)
def scan_best(x, store, v, words):
    """The kept text with the highest F against x by a full scan (scores at or below the
    threshold, which prefix filtering cannot see). Ties: earliest. Returns (record, lcs).
    Texts are visited in order and only a higher F replaces the best, so a text whose F
    bound (`overlap_bound`) is no higher than the best so far is skipped unscored."""
    state, rec_off, flat, sigs, loc = store[0], store[1], store[2], store[3], store[14]
    dup_next, occ = store[5], store[6]
    m = x.shape[0]
    best = -1
    best_lcs = 0
    best_f = 0.0
    if m == 0:
        return best, best_lcs
    toks = occurrence_ids(x, dup_next, occ, state, 0)
    sx = np.empty(SIG_WORDS, dtype=np.uint64)
    signature(toks, sx)
    known = m - count_unknown(toks)
    masks, rows = build_masks(x, loc, words)
    for y in range(state[N_REC]):
        lo = rec_off[y]
        hi = rec_off[y + 1]
        n = hi - lo
        if n == 0:
            continue
        bound = overlap_bound(known, n, sx[0], sx[1], sigs[y, 0], sigs[y, 1])
        if bound <= 0 or fmeasure(bound, m, n) <= best_f:  # cannot beat the best so far
            continue
        lcs = lcs_len(m, masks, rows, loc, flat, lo, hi, v)
        if lcs > 0:
            f = fmeasure(lcs, m, n)
            if f > best_f:
                best = y
                best_lcs = lcs
                best_f = f
    clear_masks(loc, words, rows)
    return best, best_lcs


@njit(cache=True, nogil=True)
def count_tokens(q_toks, q_off, state, dup_next, occ, counts):
    """Count occurrence tokens over texts to prime the global order; returns the number of
    texts done (fewer when the id arrays must grow first)."""
    for q in range(q_off.shape[0] - 1):
        x = q_toks[q_off[q] : q_off[q + 1]]
        if state[N_IDS] + x.shape[0] > dup_next.shape[0]:
            return q
        toks = occurrence_ids(x, dup_next, occ, state, 1)
        for p in range(toks.shape[0]):
            counts[toks[p]] += 1
    return q_off.shape[0] - 1


@njit(cache=True)
def fits(m, store):
    """Whether every array has room for one more text of m tokens."""
    state, rec_off, flat, _, stamp, dup_next = store[:6]
    okb = store[12]
    rec = state[N_REC] + 2
    return (
        rec <= rec_off.shape[0]
        and rec <= stamp.shape[0]
        and rec <= okb.shape[0]
        and state[N_FLAT] + m <= flat.shape[0]
        and state[N_IDS] + m <= dup_next.shape[0]
    )


@njit(cache=True, nogil=True)
def run_batch(q_toks, q_off, q_from, mode, store, v, words, a, b, t, mul, out_rec, out_lcs):
    """The one entry point (one JIT compile), for queries q_from.. in order, by mode:
    FIRST: the first kept text found above the threshold; BEST: the best one above it, else the
    best of all by a full scan; ACCEPT: FIRST, and a query without one is added at once;
    ADD: add unconditionally. Returns the next query to do (< count: some array must grow)."""
    count = q_off.shape[0] - 1
    adds = mode in (ACCEPT, ADD)
    for q in range(q_from, count):
        x = q_toks[q_off[q] : q_off[q + 1]]
        if adds and not fits(x.shape[0], store):
            return q
        rec = -1
        lcs = 0
        if mode != ADD:
            rec, lcs = probe(x, mode == BEST, store, v, words, a, b, t, mul)
            if rec < 0 and mode == BEST:
                rec, lcs = scan_best(x, store, v, words)
        if ((mode == ACCEPT and rec < 0) or mode == ADD) and not add_record(x, store, a, b, t):
            return q
        out_rec[q] = rec
        out_lcs[q] = lcs
    return count
