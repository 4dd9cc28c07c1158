"""Same decisions, same files: `generate` to a fixed target, or a replay of a run's cache.

An optimisation of the pipeline must leave every decision as it was. This runs the real
`generate` against the fake teacher (its answers are a function of the request, so two trees
given the same seeds see the same answers) on a fixed port, so the run's cache keys hold the
same base URL; `--replay RUN` copies RUN's cache into a fresh run and generates again, every
request a cache hit (no teacher). It prints the CPU per request and a digest of each file:
compare the digests printed under two trees (PYTHONPATH=tree). `records` leaves out
`created_at` (the clock), `journal` leaves out `http_requests` (counted when each unit
commits, which timing decides; a replay sends none).

    python benchmarks/generate_replay.py OUT 30000                 # fake teacher, 30,000 records
    python benchmarks/generate_replay.py OUT2 30000 --replay OUT   # the same from OUT's cache
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from teacher_throughput import MODEL, ROOT, fake_teacher

from selfinstruct import generate
from selfinstruct.store.layout import CACHE, DATA, JOURNAL, RECORDS, REJECTED

PORT = 18765


def digest(path: Path, drop: tuple[str, ...] = ()) -> str:
    """sha256 of the file's lines (the `drop` keys, dotted paths, taken out) and their count."""
    h = hashlib.sha256()
    lines = path.read_bytes().splitlines(keepends=True)
    for line in lines:
        if drop:
            obj = json.loads(line)
            for key in drop:
                *parents, last = key.split(".")
                inner = obj
                for part in parents:
                    inner = inner[part]
                inner.pop(last, None)
            line = json.dumps(obj, sort_keys=True).encode()
        h.update(line)
    return f"{h.hexdigest()[:16]} ({len(lines)} lines)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("records", type=int)
    parser.add_argument("--replay", type=Path, help="a run whose cache answers every request")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    if args.replay:
        args.out.mkdir(parents=True)
        shutil.copy(args.replay / CACHE, args.out / CACHE)
        (args.out / JOURNAL).touch()  # a run directory, empty: nothing committed yet
    teacher = nullcontext() if args.replay else fake_teacher(0.05, None, port=PORT)
    with teacher:
        cpu = time.process_time()
        summary = generate(
            base_url=f"http://127.0.0.1:{PORT}/v1", model=MODEL, out=args.out,
            num_instructions=args.records, seeds=[ROOT / "seed_tasks" / "seed_tasks.jsonl"],
            concurrency=64, stall_requests=0, seed=args.seed,
        )  # fmt: skip
        cpu = time.process_time() - cpu
    print(
        f"{summary.accepted} records, {summary.requests} requests, "
        f"{sum(summary.rejected.values())} rejected ({summary.status}); "
        f"CPU {1000 * cpu / max(1, summary.requests):.2f} ms a request (with start-up)"
    )
    for name, drop in ((DATA, ()), (REJECTED, ()), (RECORDS, ("created_at",))):
        print(f"  {name:15s} {digest(args.out / name, drop)}")
    print(f"  {JOURNAL:15s} {digest(args.out / JOURNAL, ('totals.http_requests',))}")


if __name__ == "__main__":
    main()
