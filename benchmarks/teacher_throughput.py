"""Teacher-client throughput (issue 5): concurrency, RPM/TPM pacing and client CPU per request.

The fake teacher (`python -m selfinstruct_testing.server`) runs in its own process, so its
threads never take the client's GIL; it answers each Alpaca batch prompt (3 seed
demonstrations, 20 tasks asked) after a fixed latency with a realistic answer (about 8 KB).
The client is the real `Teacher` (no cache), driven by as many closed-loop workers as its
concurrency. Each scenario warms up, then counts the requests completed in a measured window
and the CPU time of the client process over it (nothing but the teacher runs in it: no parse,
filters or dedup), and of the server process. A last run sends the same requests as bare
httpx POSTs: the client CPU any httpx-based client pays, measured in the same run.

    python benchmarks/teacher_throughput.py            # 60 s windows, about 4 minutes
    python benchmarks/teacher_throughput.py --quick    # 10 s windows
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import operator
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

try:  # the transport the openai SDK is built on: httpx2 in its newer releases
    import httpx2 as httpx
except ImportError:  # pragma: no cover
    import httpx  # type: ignore[no-redef]

from selfinstruct.errors import TeacherError
from selfinstruct.methods.prompts import render_alpaca_prompt
from selfinstruct.seeds.load import load_seeds
from selfinstruct.teachers.client import Teacher, TeacherRequest, TeacherSettings

ROOT = Path(__file__).resolve().parent.parent
MODEL = "fake-teacher"
Messages = list[dict[str, str]]
Call = Callable[[int], Awaitable[int]]  # request index -> tokens used
#: what `Teacher` sends with the default settings
SAMPLING = {"temperature": 1.0, "top_p": 1.0, "max_tokens": 3072}
COMPARE = {">=": operator.ge, "<=": operator.le, "==": operator.eq}


@dataclass
class Result:
    """What one scenario achieved inside its measured window."""

    requests: int
    seconds: float
    cpu_s: float
    server_cpu_s: float | None
    tokens: int
    failed: int
    errors: Counter[str]

    @property
    def per_s(self) -> float:
        return self.requests / self.seconds

    @property
    def client_ms(self) -> float:
        return 1000 * self.cpu_s / max(1, self.requests)

    @property
    def server_ms(self) -> str:
        if self.server_cpu_s is None:
            return "n/a"
        return f"{1000 * self.server_cpu_s / max(1, self.requests):.2f} ms"


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of another process (Linux /proc), None where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def fake_teacher(
    latency: float, rpm_limit: int | None, tpm_limit: int | None = None, port: int = 0
) -> Iterator[tuple[str, int]]:
    """Run the fake teacher in its own process (on `port`, 0: any free one); yield its base
    URL and process id."""
    cmd = [sys.executable, "-m", "selfinstruct_testing.server", "--port", str(port)]
    cmd += ["--latency", str(latency), "--model", MODEL]
    if rpm_limit:
        cmd += ["--rpm-limit", str(rpm_limit)]
    if tpm_limit:
        cmd += ["--tpm-limit", str(tpm_limit)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"(http://\S+/v1)", line)
        if found is None:
            raise RuntimeError(f"the fake teacher did not start: {line!r}")
        yield found.group(1), proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def prompts(count: int = 64) -> list[Messages]:
    """Real Alpaca batch prompts, as the pipeline sends them."""
    seeds = load_seeds(ROOT / "seed_tasks" / "seed_tasks.jsonl")
    rng = random.Random(0)
    return [render_alpaca_prompt(rng.sample(seeds, 3), 20) for _ in range(count)]


@dataclass
class Timing:
    warmup: float
    window: float
    server_cpu: Callable[[], float | None]


async def measure(call: Call, concurrency: int, timing: Timing) -> Result:
    """Closed-loop workers make calls without pause; measure the window after warm-up."""
    indices = itertools.count()
    done = [0, 0, 0]  # completed, tokens, failed

    async def worker() -> None:
        while True:
            try:
                tokens = await call(next(indices))
            except (TeacherError, httpx.HTTPError):
                done[2] += 1
                continue
            done[0] += 1
            done[1] += tokens

    workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
    await asyncio.sleep(timing.warmup)
    before, start, cpu = list(done), time.perf_counter(), time.process_time()
    server = timing.server_cpu()
    await asyncio.sleep(timing.window)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    server_end, after = timing.server_cpu(), list(done)
    for task in workers:
        task.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    count, tokens, failed = (a - b for a, b in zip(after, before, strict=True))
    server_s = None if server is None or server_end is None else server_end - server
    return Result(count, seconds, cpu, server_s, tokens, failed, Counter())


async def run_teacher(
    settings: TeacherSettings, messages: list[Messages], base_url: str, timing: Timing
) -> Result:
    """The real client: `Teacher.complete`, no cache. Tokens are counted as a TPM limit
    counts them: reserved on admission (prompt + max_tokens), or used where refunded."""
    settings.base_url = base_url
    teacher = Teacher(settings, cache=None, backoff_initial_s=0.5)

    async def call(index: int) -> int:
        request = TeacherRequest(index=index, messages=messages[index % len(messages)])
        answer = await teacher.complete(request)
        if settings.tpm_refund:
            return answer.prompt_tokens + answer.completion_tokens
        return teacher.admission_tokens(request)

    try:
        result = await measure(call, settings.concurrency, timing)
    finally:
        await teacher.close()
    result.errors.update(teacher.stats.errors)
    return result


async def run_bare(
    concurrency: int, messages: list[Messages], base_url: str, timing: Timing
) -> Result:
    """The reference: the same requests as bare httpx POSTs (no SDK, no retries, no limits)."""
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as http:

        async def call(index: int) -> int:
            body = {"model": MODEL, "messages": messages[index % len(messages)], "seed": index}
            response = await http.post("/chat/completions", json={**body, **SAMPLING})
            response.raise_for_status()
            return int(json.loads(response.text)["usage"]["total_tokens"])

        return await measure(call, concurrency, timing)


def scenario(
    run: Callable[[str, Timing], Awaitable[Result]],
    latency: float,
    rpm_limit: int | None,
    warmup: float,
    window: float,
    tpm_limit: int | None = None,
) -> Result:
    with fake_teacher(latency, rpm_limit, tpm_limit) as (base_url, pid):
        return asyncio.run(run(base_url, Timing(warmup, window, lambda: process_cpu(pid))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=60.0, help="measured seconds per run")
    parser.add_argument("--quick", action="store_true", help="10 s windows, 2 s warm-up")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.5, help="server latency, seconds")
    parser.add_argument("--rpm", type=int, default=3000, help="server limit and client rpm")
    parser.add_argument(
        "--tpm", type=float, default=2e6, help="server limit and client tpm (0 skips the run)"
    )
    args = parser.parse_args()
    window, warmup = (10.0, 2.0) if args.quick else (args.window, 5.0)
    c, lat, messages = args.concurrency, args.latency, prompts()
    print(
        f"teacher throughput: latency {lat:g} s, concurrency {c}, window {window:g} s "
        f"(+{warmup:g} s warm-up), {os.cpu_count()} CPUs, fake teacher in its own process",
        flush=True,
    )

    def run(rpm_limit: int | None = None, tpm_limit: int | None = None, **limits: float) -> Result:
        settings = TeacherSettings(model=MODEL, api_key="sk-bench", seed=0, concurrency=c, **limits)
        call = partial(run_teacher, settings, messages)
        return scenario(call, lat, rpm_limit, warmup, window, tpm_limit)

    runs = {"no limit": run(), f"rpm {args.rpm}": run(args.rpm, rpm=args.rpm)}
    free, paced = runs["no limit"], runs[f"rpm {args.rpm}"]
    bound, rpm, n429 = c / lat, 60 * paced.per_s, paced.errors["http_429"]
    cpu_ms = free.client_ms
    rows = [
        (
            f"req/s, no limit, of C/L = {bound:g}",
            f"{free.per_s:.1f}",
            free.per_s / bound,
            ">=",
            0.9,
        ),
        (f"rpm {args.rpm} (server enforces), of R", f"{rpm:.0f}", rpm / args.rpm, ">=", 0.95),
        ("429s from the server (rpm run)", str(n429), n429, "==", 0),
        ("client CPU per request, ms (no limit)", f"{cpu_ms:.2f}", cpu_ms, "<=", 2),
    ]
    if args.tpm:
        limit = int(args.tpm)
        runs[f"tpm {limit:,}"] = tokens = run(tpm_limit=limit, tpm=limit)
        tpm, t429 = 60 * tokens.tokens / tokens.seconds, tokens.errors["http_429"]
        rows += [
            (f"tpm {limit:,} (server enforces), of T", f"{tpm:,.0f}", tpm / limit, ">=", 0.95),
            ("429s from the server (tpm run)", str(t429), t429, "==", 0),
        ]
    print(f"\n{'figure':<40} {'achieved':>10} {'value':>7}  {'target':<8} result")
    for name, achieved, value, op, limit in rows:
        verdict = "PASS" if COMPARE[op](value, limit) else "MISS"
        print(f"{name:<40} {achieved:>10} {value:>7.3f}  {op} {limit:<5g} {verdict}")
    bare = scenario(partial(run_bare, c, messages), lat, None, 3.0, min(window, 20.0))
    print(
        f"reference, same run: the same requests as bare httpx POSTs cost {bare.client_ms:.2f} ms"
        f" of client CPU each ({bare.requests} in {bare.seconds:.0f} s); the Teacher costs "
        f"{cpu_ms / bare.client_ms:.2f}x that"
    )
    if warmup + window < 60:
        print("(runs shorter than 60 s never fill the server's 60 s RPM window: 429 check weak)")
    print()
    for name, r in runs.items():
        errors = ", ".join(f"{k} {v}" for k, v in sorted(r.errors.items())) or "none"
        print(
            f"{name:<13} {r.requests} requests in {r.seconds:.1f} s, "
            f"{r.tokens / max(1, r.requests):.0f} tokens each, {r.failed} failed; CPU per "
            f"request: client {r.client_ms:.2f} ms, server {r.server_ms}; errors over the run: "
            f"{errors}"
        )


if __name__ == "__main__":
    main()
