"""Whole-`generate` throughput (issue 16, part 4): the full pipeline against the fake teacher.

The fake teacher runs in its own process (`teacher_throughput.fake_teacher`), answering each
Alpaca request (20 tasks asked) after a fixed latency. `generate()` runs in this process with
every filter on and the judge off: parse, the ordered screening (filters, exact and ROUGE-L
dedup), the journal's commits with their fsyncs, the response cache. After a warm-up, the
units committed and this process's CPU time are counted over a window, then the run is
stopped as a Ctrl-C would (SIGINT: units in flight finish). Reported: units/s against the
concurrency bound C/L (goal >= 0.95) and CPU ms per 20-task request (goal <= 3 ms), with
`--profile` the top functions by cumulative time over the whole run.

This host's speed drifts (the same code measured 3.2 to 5.3 ms a request within two hours), so
the run also times a fixed reference in this process, before and after the run: parsing 32 of
the fake teacher's answers and screening their tasks with the filter chain. The CPU of a
request is printed against it too: a ratio that two runs at different host speeds can compare.

    python benchmarks/generate_throughput.py            # C=64, L=0.5 s, 20 s window
    python benchmarks/generate_throughput.py --quick    # 8 s window
    python benchmarks/generate_throughput.py --profile  # cProfile (slower; ratios not judged)
    PROFILE_SORT=tottime PROFILE_OUT=run.prof python benchmarks/generate_throughput.py --profile
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import signal
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from teacher_throughput import MODEL, ROOT, SAMPLING, fake_teacher, prompts

from selfinstruct import generate
from selfinstruct.methods.parse import parse_tasks
from selfinstruct.quality.chain import default_filters, first_reason
from selfinstruct.quality.view import CandidateView
from selfinstruct.run.loop import Progress


@dataclass
class Window:
    """Commits and CPU seen between the end of the warm-up and the end of the window."""

    warmup: float
    window: float
    started: float = field(default_factory=time.monotonic)
    start: tuple[float, int, float] | None = None
    end: tuple[float, int, float] | None = None
    stopped: bool = False

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic() - self.started
        cpu = sum(os.times()[:2])
        if self.start is None and now >= self.warmup:
            self.start = (now, progress.counts.requests, cpu)
        elif self.start is not None and self.end is None and now >= self.warmup + self.window:
            self.end = (now, progress.counts.requests, cpu)
            if not self.stopped:
                self.stopped = True
                os.kill(os.getpid(), signal.SIGINT)  # stop cleanly, as a first Ctrl-C does


def reference_answers(base_url: str, count: int = 32) -> list[str]:
    """The fake teacher's answers to `count` real Alpaca prompts (a function of the prompt),
    asked all at once: one after the other they would add count x its latency to the run."""

    def ask(messages: list[dict[str, str]]) -> str:
        body = json.dumps({"model": MODEL, "messages": messages, **SAMPLING}).encode()
        request = urllib.request.Request(
            f"{base_url}/chat/completions", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.load(response)["choices"][0]["message"]["content"])

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(ask, prompts(count)))


def reference_ms(answers: list[str], rounds: int = 20) -> float:
    """CPU ms of the reference work an answer: parse it, screen each task with the chain."""
    filters = default_filters()
    start = time.process_time()
    for _ in range(rounds):
        for text in answers:
            for candidate in parse_tasks(text).candidates:
                first_reason(filters, candidate, CandidateView(candidate))
    return 1000 * (time.process_time() - start) / (rounds * len(answers))


def run(concurrency: int, latency: float, warmup: float, window: float, profile: bool) -> None:
    bound = concurrency / latency
    records = int(bound * (warmup + window) * 20 * 2)  # never reached: the window stops it
    with fake_teacher(latency, None) as (base_url, _pid), tempfile.TemporaryDirectory() as tmp:
        answers = reference_answers(base_url)
        reference_ms(answers, rounds=2)  # warm
        before = reference_ms(answers)
        meter = Window(warmup, window)
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        summary = generate(
            base_url=base_url, model=MODEL, out=Path(tmp) / "run", num_instructions=records,
            seeds=[ROOT / "seed_tasks" / "seed_tasks.jsonl"], concurrency=concurrency,
            stall_requests=0, on_progress=meter,
        )  # fmt: skip
        if profiler:
            profiler.disable()
        after = reference_ms(answers)
        if profiler and os.environ.get("PROFILE_OUT"):
            profiler.dump_stats(os.environ["PROFILE_OUT"])
    if meter.start is None or meter.end is None:
        raise SystemExit("the run ended before the window did")
    seconds = meter.end[0] - meter.start[0]
    units = meter.end[1] - meter.start[1]
    cpu_ms = 1000 * (meter.end[2] - meter.start[2]) / max(1, units)
    ratio = units / seconds / bound
    print(
        f"generate C={concurrency} L={latency}s: {units / seconds:.1f} requests/s over "
        f"{seconds:.1f} s = {ratio:.3f} of C/L ({bound:.0f}/s)  "
        f"[goal >= 0.95: {'PASS' if ratio >= 0.95 else 'MISS'}]"
    )
    print(
        f"CPU of this process: {cpu_ms:.2f} ms per 20-task request (client, parse, filters, "
        f"dedup, journal, cache)  [goal <= 3 ms: {'PASS' if cpu_ms <= 3 else 'MISS'}]"
    )
    reference = (before + after) / 2
    print(
        f"reference (parse + filter chain of one fake-teacher answer, this process, before and "
        f"after the run): {before:.3f} and {after:.3f} ms; a request's CPU is "
        f"{cpu_ms / reference:.1f}x the reference"
    )
    print(
        f"run: {summary.accepted} records from {summary.requests} requests, "
        f"{sum(summary.rejected.values())} rejected; status {summary.status}"
    )
    if profiler:
        print("(profiled: the ratios above include cProfile's overhead)")
        order = os.environ.get("PROFILE_SORT", "cumulative")  # or tottime: CPU where spent
        pstats.Stats(profiler).sort_stats(order).print_stats(int(os.environ.get("PROFILE_N", "45")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--quick", action="store_true", help="8 s window")
    parser.add_argument("--profile", action="store_true", help="cProfile the whole run")
    args = parser.parse_args()
    window = 8.0 if args.quick else args.window
    run(args.concurrency, args.latency, args.warmup, window, args.profile)


if __name__ == "__main__":
    main()
