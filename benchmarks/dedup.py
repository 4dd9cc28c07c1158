"""Benchmark: exact ROUGE-L near-duplicate removal against the papers' rouge_score loop.

    python benchmarks/dedup.py            # 50K, 200K and 1M instructions (about 8 minutes)
    python benchmarks/dedup.py --quick    # 50K only, smaller references (under a minute)

Data: `selfinstruct_testing.corpus.synthetic_instructions(n, seed=0)`: instructions drawn
from the fake teacher's task generator (the one behind the local test server), about 10% light
rewordings of an earlier item and 2% exact repeats; fresh items collide more as n grows, so the
removed share rises with n (it is printed). A prefix of a longer corpus equals a shorter one.

Reference (what Alpaca does): for every candidate, `rouge_scorer._score_lcs` on pre-tokenized
lists against every kept instruction, greedy in order, dropped when any F > 0.7. It is run for
real on a prefix, its decisions compared with ours, and its cost per pair measured; the time at
50K is that cost times the number of pairs the full loop would score (known exactly from the
decisions), because running it would take hours. Same for a greedy loop over rouge-score-rs
(`score_batch` of the kept pool per candidate), which is what one would try first.

Decisions are also checked on the first 10,000 items (1,000 with --quick) against a greedy
reference built from an independent exact LCS (rapidfuzz's LCSseq, all pairs) and
rouge_score's own `scoring.fmeasure`; rapidfuzz's LCS is itself checked against
`rouge_scorer._score_lcs` on every pair above 0.5 and on random pairs.

Our figures are wall-clock times in a fresh process per size (the corpus is generated first
and not timed), and include tokenizing, priming and the JIT: the warm figure loads numba's
compiled code from its on-disk cache; the cold JIT compile (first run after install) is
measured apart with an empty cache and added to the 50K time used for the speedup.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

THRESHOLD = 0.7


def corpus(n: int) -> list[str]:
    from selfinstruct_testing.corpus import synthetic_instructions

    return synthetic_instructions(n, seed=0)


def our_dedup(texts: list[str]) -> tuple[list[bool], dict[str, float]]:
    """Greedy dedup with RougeIndex, as `dedup_file` does it (minus the file I/O)."""
    from selfinstruct.dataset.dedup import BATCH
    from selfinstruct.quality.rouge import RougeIndex

    started = time.perf_counter()
    cpu = time.process_time()
    index = RougeIndex(THRESHOLD)
    encoded = index.encode(texts, allocate=True)
    index.prime(encoded)
    keys = [str(i) for i in range(len(texts))]
    kept: list[bool] = []
    for start in range(0, len(texts), BATCH):
        stop = min(start + BATCH, len(texts))
        results = index.accept_encoded(encoded.slice(start, stop), keys[start:stop],
                                       texts[start:stop])
        kept.extend(r is None for r in results)
    figures = {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
               **index.stats}
    return kept, figures


def worker(n: int) -> None:
    """One size in a fresh process: peak memory is this dedup's (plus its corpus)."""
    texts = corpus(n)
    kept, figures = our_dedup(texts)
    flags = np.array(kept)
    # pairs the papers' loop scores: each candidate against every instruction kept before it
    pairs = int(np.sum(np.cumsum(flags) - flags))
    figures.update(n=n, kept=int(flags.sum()), pairs=pairs,
                   peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(figures))


def run_worker(n: int, env: dict[str, str] | None = None) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--worker", str(n)], capture_output=True,
                          text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def cold_compile_seconds() -> float:
    """JIT compile time of the kernels with an empty numba cache (first run after install)."""
    code = ("import time; from selfinstruct.quality.rouge import RougeIndex; "
            "t = time.perf_counter(); "
            "texts = [' '.join(f'w{i * 7 + k}' for k in range(12)) for i in range(2000)]; "
            "RougeIndex().accept_batch([(x, x) for x in texts]); "  # grows and compacts
            "RougeIndex().prime(['a']); print(time.perf_counter() - t)")
    times = []
    for cache in (tempfile.mkdtemp(prefix="numba-cold-"), None):
        env = dict(os.environ)
        if cache:
            env["NUMBA_CACHE_DIR"] = cache
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, env=env)
        times.append(float(done.stdout.strip()))
    return times[0] - times[1]


def rouge_score_reference(texts: list[str]) -> tuple[list[bool], float, int]:
    """Alpaca's loop on pre-tokenized lists; returns (kept flags, seconds, pairs scored)."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    tokens = [scorer._tokenizer.tokenize(t) for t in texts]
    kept_tokens: list[list[str]] = []
    kept: list[bool] = []
    pairs = 0
    started = time.perf_counter()
    for new in tokens:
        scores = [rouge_scorer._score_lcs(new, old).fmeasure for old in kept_tokens]
        pairs += len(scores)
        keep = not scores or max(scores) <= THRESHOLD
        kept.append(keep)
        if keep:
            kept_tokens.append(new)
    return kept, time.perf_counter() - started, pairs


def rouge_score_rs_reference(texts: list[str]) -> tuple[list[bool], float, int]:
    """The same greedy loop over rouge-score-rs, one `score_batch` of the kept pool each."""
    from rouge_score_rs import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    kept_texts: list[str] = []
    kept: list[bool] = []
    pairs = 0
    started = time.perf_counter()
    for new in texts:
        scores = scorer.score_batch([new] * len(kept_texts), kept_texts) if kept_texts else []
        pairs += len(scores)
        keep = all(s["rougeL"].fmeasure <= THRESHOLD for s in scores)
        kept.append(keep)
        if keep:
            kept_texts.append(new)
    return kept, time.perf_counter() - started, pairs


def lcs_reference(texts: list[str]) -> tuple[list[bool], int]:
    """Greedy decisions from an independent exact LCS (rapidfuzz, all pairs) and rouge_score's
    float F; rapidfuzz's LCS is spot-checked against rouge_score's. Returns (kept, checked)."""
    from rapidfuzz.distance import LCSseq
    from rapidfuzz.process import cdist
    from rouge_score import rouge_scorer, scoring

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    tokens = [scorer._tokenizer.tokenize(t) for t in texts]
    vocab: dict[str, str] = {}
    # one character per token (skipping surrogates), so rapidfuzz compares token sequences
    chars = [
        "".join(vocab.setdefault(w, chr(0x100 + len(vocab) + (0x800 if len(vocab) >= 0xD700
                                                              else 0))) for w in toks)
        for toks in tokens
    ]
    lengths = np.array([len(t) for t in tokens], dtype=np.float64)
    kept = np.zeros(len(texts), dtype=bool)
    checked = 0
    rng = np.random.default_rng(0)
    block = 1000
    for start in range(0, len(texts), block):
        stop = min(start + block, len(texts))
        lcs = cdist(chars[start:stop], chars[:stop], scorer=LCSseq.similarity, workers=-1,
                    dtype=np.int32)
        for row, i in enumerate(range(start, stop)):
            ell = lcs[row, :i].astype(np.float64)
            m, n = lengths[i], lengths[:i]
            with np.errstate(divide="ignore", invalid="ignore"):
                p, r = ell / n, ell / m  # rouge_score: precision over the kept, recall over new
                f = np.where(p + r > 0, 2 * p * r / (p + r), 0.0)
            for j in np.flatnonzero((f > 0.5) | (rng.random(i) < 0.002)):
                ref = rouge_scorer._score_lcs(tokens[i], tokens[j])
                assert ref.fmeasure == f[j] == scoring.fmeasure(ref.precision, ref.recall), (i, j)
                checked += 1
            kept[i] = not np.any(kept[:i] & (f > THRESHOLD))
    return kept.tolist(), checked


def row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in
                     enumerate(zip(cells, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="50K only, small references")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker)
        return
    sizes = [50_000] if args.quick else [50_000, 200_000, 1_000_000]
    ref_prefix, rs_prefix, check_n = (300, 1000, 1000) if args.quick else (1000, 4000, 10_000)
    print(f"ROUGE-L dedup benchmark (threshold {THRESHOLD}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at start)", flush=True)

    phase = time.perf_counter()

    def step(name: str) -> None:
        nonlocal phase
        print(f"  {name}: {time.perf_counter() - phase:.1f} s", file=sys.stderr, flush=True)
        phase = time.perf_counter()

    cold = cold_compile_seconds()
    step("cold JIT compile measured")
    ours = {}
    for n in sizes:
        ours[n] = run_worker(n)
        step(f"our dedup of {n:,}")
    texts = corpus(max(ref_prefix, rs_prefix, check_n))
    our_kept, _ = our_dedup(texts)
    ref_kept, ref_seconds, ref_pairs = rouge_score_reference(texts[:ref_prefix])
    step("rouge_score reference")
    rs_kept, rs_seconds, rs_pairs = rouge_score_rs_reference(texts[:rs_prefix])
    step("rouge-score-rs reference")
    lcs_kept, spot_checked = lcs_reference(texts[:check_n])
    step("LCS reference")
    same = {
        "rouge_score": ref_kept == our_kept[:ref_prefix],
        "rouge-score-rs": rs_kept == our_kept[:rs_prefix],
        "LCS reference": lcs_kept == our_kept[:check_n],
    }
    per_pair = ref_seconds / ref_pairs
    rs_per_pair = rs_seconds / rs_pairs
    base = ours[50_000]
    ref_50k = per_pair * base["pairs"]
    rs_50k = rs_per_pair * base["pairs"]
    ours_50k = base["seconds"] + cold

    print()
    print("Decisions identical (kept/dropped, item by item):")
    print(f"  rouge_score greedy loop, first {ref_prefix:,} items ........ {same['rouge_score']}")
    print(f"  rouge-score-rs greedy loop, first {rs_prefix:,} items ..... {same['rouge-score-rs']}")
    print(f"  LCS reference, first {check_n:,} items ................... {same['LCS reference']}"
          f"  ({spot_checked:,} pairs re-scored with rouge_score)")
    print()
    widths = [12, 9, 9, 10, 10, 12, 14, 11]
    print(row(["items", "removed", "wall s", "CPU s", "peak MiB", "pairs (ref)",
               "postings read", "LCS run"], widths))
    for n, fig in ours.items():
        print(row([f"{n:,}", f"{1 - fig['kept'] / n:.1%}", f"{fig['seconds']:.2f}",
                   f"{fig['cpu']:.2f}", f"{fig['peak_mb']:.0f}", f"{fig['pairs']:.3g}",
                   f"{fig['postings_visited']:.3g}", f"{fig['lcs_computed']:.3g}"], widths))
    print(f"  cold JIT compile (first run after install, then cached on disk): {cold:.1f} s")
    print()
    print(f"rouge_score  _score_lcs on pre-tokenized lists: {per_pair * 1e6:.1f} us/pair "
          f"(measured on {ref_pairs:,} pairs, one process)")
    print(f"rouge-score-rs  score_batch per candidate:       {rs_per_pair * 1e6:.2f} us/pair "
          f"(measured on {rs_pairs:,} pairs, all cores)")
    print(f"50K reference time, extrapolated by its {base['pairs']:,} pairs: rouge_score "
          f"{ref_50k / 3600:.1f} h, rouge-score-rs {rs_50k / 60:.1f} min")
    nominal = 50e-6 * base["pairs"]
    print(f"(at the issue's nominal 50 us/pair, for Alpaca's shorter instructions: "
          f"{nominal / 3600:.1f} h, i.e. {nominal / base['seconds']:,.0f}x warm, "
          f"{nominal / ours_50k:,.0f}x with cold JIT)")
    print()
    speedup = ref_50k / ours_50k
    speedup_rs = rs_50k / ours_50k
    checks = [
        ("speedup at 50K vs rouge_score (incl. cold JIT)", f"{speedup:,.0f}x", ">= 5,000x",
         speedup >= 5000),
        ("speedup at 50K vs rouge-score-rs (incl. cold JIT)", f"{speedup_rs:,.0f}x", "-", True),
        ("decisions identical", str(all(same.values())), "True", all(same.values())),
    ]
    if 1_000_000 in ours:
        big = ours[1_000_000]
        checks += [
            ("1,000,000 items, wall time", f"{big['seconds']:.0f} s", "<= 180 s",
             big["seconds"] <= 180),
            ("1,000,000 items, peak memory", f"{big['peak_mb'] / 1024:.2f} GiB", "<= 2 GiB",
             big["peak_mb"] <= 2048),
        ]
    widths = [50, 14, 11, 6]
    print(row(["target", "measured", "target", "met"], widths))
    for name, value, target, ok in checks:
        print(row([name, value, target, "yes" if ok else "NO"], widths))
    if not all(ok for *_, ok in checks):
        sys.exit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
