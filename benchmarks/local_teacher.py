"""The built-in local teacher, whole `generate`: records a minute and tokens a second at
--concurrency 1 (one llama.cpp slot) against --concurrency 2 (two slots decoded together).

Each setting runs `selfinstruct generate -n N` on a fresh run directory in its own process, as a
user runs it, and reads the run's own counters (run.json) and wall time. The two settings run
alternately, `--rounds` times each, so a load that comes and goes on the machine touches both;
the figure per setting is the median. The ratio is concurrency 2 over concurrency 1 measured in
the same run; the CPU load average before each run is printed next to it.

    python benchmarks/local_teacher.py             # 20 records, 2 rounds (~10 min on 2 cores)
    python benchmarks/local_teacher.py -n 10 --rounds 1 --method self-instruct
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_once(n: int, concurrency: int, method: str, out: Path) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    command = [
        sys.executable, "-m", "selfinstruct", "generate", "-n", str(n), "--out", str(out),
        "--concurrency", str(concurrency), "--method", method, "--seed", "0",
    ]  # fmt: skip
    load = os.getloadavg()[0]
    started = time.monotonic()
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"generate failed ({done.returncode}): {done.stderr[-2000:]}")
    manifest = json.loads((out / "run.json").read_text())
    counts = manifest["counts"]
    records = sum(1 for line in (out / "data.jsonl").open() if line.strip())
    tokens_out = float(manifest["usage"]["completion_tokens"])
    return {
        "wall_s": wall,
        "records": records,
        "requests": float(counts["requests"]),
        "records_per_min": records / wall * 60,
        "tokens_out_per_s": tokens_out / wall,
        "records_per_request": records / max(1.0, float(counts["requests"])),
        "load": load,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=20, help="records per run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--method", default="alpaca", choices=["alpaca", "self-instruct"])
    args = parser.parse_args()
    results: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="bench-local-") as tmp:
        for round_ in range(args.rounds):
            for concurrency in (1, 2):
                out = Path(tmp) / f"c{concurrency}-r{round_}"
                figures = run_once(args.n, concurrency, args.method, out)
                results[concurrency].append(figures)
                print(
                    f"round {round_ + 1} concurrency {concurrency}: {figures['records']:.0f} "
                    f"records in {figures['wall_s']:.0f} s ({figures['records_per_min']:.1f}/min,"
                    f" {figures['tokens_out_per_s']:.1f} tokens out/s, "
                    f"{figures['records_per_request']:.2f} records/request; load before "
                    f"{figures['load']:.1f})",
                    flush=True,
                )
    median = {
        c: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        for c, runs in results.items()
    }
    for concurrency, figures in median.items():
        print(
            f"median concurrency {concurrency}: {figures['records_per_min']:.1f} records/min, "
            f"{figures['tokens_out_per_s']:.1f} tokens out/s, {figures['wall_s']:.0f} s"
        )
    ratio = median[2]["records_per_min"] / median[1]["records_per_min"]
    tokens = median[2]["tokens_out_per_s"] / median[1]["tokens_out_per_s"]
    print(f"ratio concurrency 2 / 1: records/min {ratio:.2f}x, tokens out/s {tokens:.2f}x")
    print(f"{'PASS' if ratio > 1.0 else 'MISS'}  two slots give more records a minute")


if __name__ == "__main__":
    main()
