"""Hostile and broken servers (issue 20): nothing listening, trickled and endless bodies, huge
answers, invalid Unicode, mostly-failing servers, keys echoed back, escape sequences; plus a
notebook's running event loop and a dedup killed between its renames. Each case ends with
one clear line (or a stored, bounded, clean answer), in bounded time and memory, with no key
written or printed and no control code reaching a terminal."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import ROOT, SEEDS, cli, cli_env, generate_args, read_jsonl

KEY = "sk-test-0123456789abcdefSECRET"


def assert_one_error(result: subprocess.CompletedProcess[str], expected: str) -> str:
    """A non-zero exit, no traceback, exactly one `error:` line, holding `expected`."""
    assert result.returncode not in (0, None), result.stderr
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and expected in errors[0], result.stderr
    return errors[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RawServer:
    """A raw HTTP/1.1 server on 127.0.0.1 for bodies the fake teacher cannot send (trickled,
    endless, huge): reads each request, then `reply(socket)` writes whatever it likes."""

    def __init__(self, reply: Callable[[socket.socket], None]) -> None:
        self.requests = 0
        self.sent = 0
        self.arrived = threading.Event()
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = self.request.recv(65536)
                    if not chunk:
                        return
                    head += chunk
                match = re.search(rb"content-length:\s*(\d+)", head, re.IGNORECASE)
                body = head.split(b"\r\n\r\n", 1)[1]
                while match and len(body) < int(match.group(1)):
                    body += self.request.recv(65536)
                owner.requests += 1
                owner.arrived.set()
                with contextlib.suppress(OSError):  # the client gave up: what the test wants
                    reply(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def raw_server():
    started: list[RawServer] = []

    def start(reply: Callable[[socket.socket], None]) -> RawServer:
        server = RawServer(reply)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def chat_answer(content: str, model: str = "fake-teacher") -> bytes:
    return json.dumps({
        "id": "x", "object": "chat.completion", "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 5},
    }).encode()  # fmt: skip


def http(status: int, body: bytes) -> bytes:
    reason = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}.get(status, "X")
    head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
    return (head + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


def teacher(base_url: str, cache=None, **settings):
    from selfinstruct.teachers.client import Teacher, TeacherSettings

    options = {"model": "fake-teacher", "base_url": base_url, "max_attempts": 1, **settings}
    return Teacher(TeacherSettings(**options), cache=cache, backoff_initial_s=0.01,
                   backoff_max_s=0.05)  # fmt: skip


def ask(client, deadline_s: float = 30.0):
    """One request, closed afterwards; a hang fails the test instead of stalling it."""
    from selfinstruct.teachers.client import TeacherRequest

    async def go():
        try:
            request = TeacherRequest(index=0, messages=[{"role": "user", "content": "Hi"}])
            return await asyncio.wait_for(client.complete(request), deadline_s)
        finally:
            await client.close()

    return asyncio.run(go())


# -- nothing listening ------------------------------------------------------------------------
def test_connection_refused_stops_at_once(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    started = time.monotonic()
    result = cli(*generate_args(url, tmp_path / "run", 20), timeout=60)
    line = assert_one_error(result, "connection refused: nothing listens there")
    assert url in line and "timeout" not in line and "120s" not in line
    assert time.monotonic() - started < 30  # was 84 attempts over 105 s
    manifest = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    assert set(manifest["errors"]) == {"retried:unreachable"}  # each request in flight once


def test_unknown_host_stops_at_once(tmp_path: Path) -> None:
    """In a network namespace of its own, no DNS query leaves the machine: it fails at once."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-n", "true"]).returncode:
        pytest.skip("needs unshare -n (root)")
    args = generate_args("http://teacher.invalid/v1", tmp_path / "run", 20)
    result = subprocess.run(["unshare", "-n", sys.executable, "-m", "selfinstruct", *args],
                            capture_output=True, text=True, timeout=60, env=cli_env(), cwd=ROOT)
    line = assert_one_error(result, "cannot resolve the host name")
    assert "http://teacher.invalid/v1" in line


def test_an_impossible_host_name_is_a_flag_error(tmp_path: Path) -> None:
    result = cli(*generate_args(f"http://{'a' * 64}.invalid/v1", tmp_path / "run", 20))
    assert_one_error(result, "--base-url: base_url: not a valid host name")


# -- trickled and endless bodies ------------------------------------------------------------------
def trickle(sock: socket.socket) -> None:
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100000\r\n\r\n")  # fmt: skip
    for _ in range(600):
        sock.sendall(b" ")
        time.sleep(0.25)


def test_trickled_body_meets_the_whole_request_deadline(raw_server) -> None:
    """Every read gets a byte well within the timeout; the request as a whole does not."""
    from selfinstruct.errors import TeacherTimeout

    server = raw_server(trickle)
    started = time.monotonic()
    with pytest.raises(TeacherTimeout, match=r"within 2s after 1 attempts"):
        ask(teacher(server.base_url, timeout_s=2.0))
    assert time.monotonic() - started < 15


def endless(sock: socket.socket, sent: list[int]) -> None:
    sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n")  # fmt: skip
    chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
    while sent[0] < 256 << 20:  # then silence: an unbounded client waits on
        sock.sendall(chunk)
        sent[0] += 65536


def test_endless_chunked_body_is_cut_at_the_size_cap(raw_server) -> None:
    from selfinstruct.errors import TeacherError

    sent = [0]
    server = raw_server(lambda sock: endless(sock, sent))
    with pytest.raises(TeacherError, match=r"answer body larger than 1,052,672 bytes"):
        ask(teacher(server.base_url, max_tokens=64, timeout_s=60.0))
    assert sent[0] < 64 << 20  # read no further than the cap (plus what the socket buffers)


def test_sigterm_during_a_trickled_request_exits_promptly(raw_server, tmp_path: Path) -> None:
    server = raw_server(trickle)
    proc = subprocess.Popen(
        [sys.executable, "-m", "selfinstruct",
         *generate_args(server.base_url, tmp_path / "run", 5, "--timeout", "300")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=ROOT,
    )  # fmt: skip
    try:
        assert server.arrived.wait(30)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        _, err = proc.communicate(timeout=40)
    finally:
        proc.kill()
    assert time.monotonic() - started < 25  # the grace (10 s) and the closing, not 300 s
    assert proc.returncode == 143, err
    assert "Traceback" not in err and "interrupted by SIGTERM" in err
    manifest = json.loads((tmp_path / "run" / "run.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "stopped"


# -- huge answers, invalid Unicode ----------------------------------------------------------------
def test_huge_answer_is_stored_bounded_by_max_tokens(raw_server, tmp_path: Path) -> None:
    from selfinstruct.teachers.cache import ResponseCache

    server = raw_server(lambda sock: sock.sendall(http(200, chat_answer("word " * 100_000))))
    cache = ResponseCache(tmp_path / "cache.sqlite")
    answer = ask(teacher(server.base_url, cache=cache, max_tokens=64))
    assert len(answer.text) == 64 * 16 and answer.finish_reason == "length"
    stored = cache.get(answer.cache_key)
    assert stored is not None and len(stored.text) == 64 * 16
    cache.close()


def test_body_past_the_cap_is_an_unusable_answer(raw_server) -> None:
    from selfinstruct.errors import TeacherError

    big = http(200, chat_answer("word " * 1_000_000))  # 5 MB, for max_tokens 64
    server = raw_server(lambda sock: sock.sendall(big))
    with pytest.raises(TeacherError, match="sent an unusable answer after 1 attempts: answer body"):
        ask(teacher(server.base_url, max_tokens=64))


def test_lone_surrogate_answer_is_cached_and_replayed(fake_teacher_factory, tmp_path: Path) -> None:
    from selfinstruct.teachers.cache import ResponseCache

    server = fake_teacher_factory(responder=lambda body: ("Name a colour\ud800 now.", "stop"))
    cache = ResponseCache(tmp_path / "cache.sqlite")
    first = ask(teacher(server.base_url, cache=cache))
    assert first.text == "Name a colour\ufffd now."
    again = ask(teacher(server.base_url, cache=cache))
    assert again.cached and again.text == first.text and server.request_count == 1
    cache.close()


# -- mostly failing servers, and the waits they ask for ------------------------------------------
def test_transient_5xx_at_80_percent_stops_on_attempts(fake_teacher_factory, tmp_path: Path) -> None:
    server = fake_teacher_factory(seed=3)
    server.fault_rate = {"500": 0.8}
    config = tmp_path / "fast.toml"
    config.write_text("[generate]\nretry-backoff-s = 0.01\n", encoding="utf-8")
    out = tmp_path / "run"
    result = cli(*generate_args(server.base_url, out, 400, "--config", str(config),
                                "--concurrency", "4"), timeout=120)  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert "attempts failed, retries included (more than 50%)" in result.stderr
    assert server.request_count < 200
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["stop"]["kind"] == "error_rate"


def test_retry_after_ms_is_honoured(fake_teacher_factory) -> None:
    server = fake_teacher_factory()
    server.fail_next("429", retry_after_ms=1500)
    ask(teacher(server.base_url, max_attempts=3))
    first, second = server.requests[:2]
    assert second["time"] - first["time"] >= 1.4  # our own backoff here is 0.01 s


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "2"}, 2.0),
        ({"retry-after-ms": "99999999"}, 120.0),
        ({"retry-after": "-5"}, None),
        ({"retry-after-ms": "soon"}, None),
    ],
)
def test_server_waits_are_read_and_capped(headers: dict[str, str], wait: float | None) -> None:
    import httpx2
    import openai

    from selfinstruct.teachers.wire import server_wait

    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx2.Response(429, headers=headers, request=request)
    assert server_wait(openai.RateLimitError("slow down", response=response, body=None)) == wait


# -- secrets --------------------------------------------------------------------------------------
def test_credentials_in_the_base_url_are_refused(tmp_path: Path) -> None:
    url = f"http://user:{KEY}@127.0.0.1:9/v1"
    result = cli(*generate_args(url, tmp_path / "run", 5))
    assert_one_error(result, "holds credentials (user:key@)")
    assert KEY not in result.stderr + result.stdout
    assert not (tmp_path / "run").exists()


def every_byte(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


@pytest.mark.parametrize("fault", ["401", "500"])
def test_an_echoed_key_is_never_printed_or_stored(fake_teacher_factory, tmp_path: Path,
                                                  fault: str) -> None:
    server = fake_teacher_factory(api_key=KEY if fault == "500" else "another-key-123456",
                                  echo_headers=True)  # fmt: skip
    if fault == "500":
        server.fault_rate = {"500": 1.0}
    out = tmp_path / "run"
    result = cli(*generate_args(server.base_url, out, 5, "--max-attempts", "1",
                                "--stall-requests", "12"),
                 env=cli_env(OPENAI_API_KEY=KEY))  # fmt: skip
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "Authorization: Bearer [redacted]" in result.stderr + "".join(
        json.dumps(r) for r in read_jsonl(out / "rejected.jsonl")
    )
    shown = cli("show", str(out), "--rejected", "-n", "50")
    for text in (result.stderr, result.stdout, shown.stdout, shown.stderr):
        assert KEY not in text and KEY[3:20] not in text
    assert KEY.encode() not in every_byte(out)


def test_scrubber_removes_tokens_and_key_shapes() -> None:
    from selfinstruct.teachers.server_text import ServerText

    text = ServerText(["my-own-key-1234"]).scrub(
        "got my-own-key-1234; Authorization: Bearer abc.def-123456 and sk-proj-ABCDEFGH12345678"
    )
    assert text == "got [redacted]; Authorization: Bearer [redacted] and [redacted]"


# -- terminals and cards --------------------------------------------------------------------------
NASTY = "\x1b]0;owned\x07\x1b[2J\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\\x9b31m\u202egnp.exe"
RAW_CODES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_escape_sequences_in_answers_never_reach_show(fake_teacher_factory, tmp_path: Path) -> None:
    server = fake_teacher_factory(responder=lambda body: (f"Not a task list {NASTY}", "stop"))
    out = tmp_path / "run"
    cli(*generate_args(server.base_url, out, 3, "--stall-requests", "3", "--concurrency", "1"))
    assert any(NASTY in json.dumps(r, ensure_ascii=False) or "\x1b" in r.get("raw", "")
               for r in read_jsonl(out / "rejected.jsonl"))  # the data keeps the text as data
    shown = cli("show", str(out), "--rejected", "-n", "5")
    assert shown.returncode == 0, shown.stderr
    assert "\\x1b]0;owned" in shown.stdout and not RAW_CODES.search(shown.stdout)


def test_escape_sequences_in_error_bodies_never_reach_stderr(raw_server, tmp_path: Path) -> None:
    body = json.dumps({"error": {"message": f"boom {NASTY}\nsecond line"}}).encode()
    server = raw_server(lambda sock: sock.sendall(http(404, body)))  # fatal: its body is shown
    result = cli(*generate_args(server.base_url, tmp_path / "run", 3, "--concurrency", "1"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert not RAW_CODES.search(result.stderr), repr(result.stderr)
    assert "boom \\x1b]0;owned" in result.stderr


def test_escape_sequences_in_records_and_model_never_reach_show_or_card(tmp_path: Path) -> None:
    data = tmp_path / "data.jsonl"
    row = {"instruction": f"Say {NASTY}", "input": "", "output": "Hi \u202eevil"}
    data.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    shown = cli("show", str(data), "-n", "1")
    assert shown.returncode == 0 and not RAW_CODES.search(shown.stdout)
    run = tmp_path / "run"
    from selfinstruct.schemas import AcceptedRecord
    from selfinstruct.store.writer import RunStore

    with RunStore(run) as store:
        store.commit(0, [AcceptedRecord(
            id="rec_0", instruction="Name a colour.", input="", output="Blue.", model="m",
            request_index=0, demonstration_ids=[], created_at="2026-01-01T00:00:00Z")], [])
        store.write_manifest({"status": "complete", "config": {"model": f"evil{NASTY}",
                              "seeds": [f"seeds{NASTY}.jsonl"]}})  # fmt: skip
    result = cli("export", str(run), "--format", "alpaca-jsonl", "--out", str(tmp_path / "e"))
    assert result.returncode == 0, result.stderr
    card = (tmp_path / "e" / "README.md").read_text(encoding="utf-8")
    assert "evil\\x1b]0;owned" in card and not RAW_CODES.search(card)


# -- a notebook's running event loop ----------------------------------------------------------------
def test_generate_and_agenerate_inside_a_running_loop(fake_teacher, tmp_path: Path) -> None:
    import selfinstruct

    settings = {"base_url": fake_teacher.base_url, "model": "fake-teacher",
                "num_instructions": 3, "seeds": [SEEDS]}  # fmt: skip

    async def notebook_cell():
        ticks = 0

        async def ticker():  # the caller's loop keeps running while the run goes on
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        beat = asyncio.create_task(ticker())
        summary = await selfinstruct.agenerate(out=tmp_path / "a", **settings)
        beat.cancel()
        blocking = selfinstruct.generate(out=tmp_path / "b", **settings)
        return summary, blocking, ticks

    summary, blocking, ticks = asyncio.run(notebook_cell())
    assert summary.accepted == 3 and blocking.accepted == 3 and ticks > 0
    assert "agenerate" in selfinstruct.__all__


# -- dedup killed between its renames --------------------------------------------------------------
def dataset(path: Path, words: str) -> None:
    rows = [{"instruction": f"{words} number {i % 7}", "input": "", "output": "x"} for i in range(40)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_dedup_killed_at_each_publish_step_leaves_a_consistent_pair(tmp_path: Path) -> None:
    """Kill -9 dedup at each rename and unlink that touches its outputs (strace injects the
    signal on entry to the syscall): never OUT beside another run's removed file."""
    if shutil.which("strace") is None:
        pytest.skip("needs strace")
    old_in, new_in = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    dataset(old_in, "Write a poem about the sea")
    dataset(new_in, "List three colours of a rainbow")
    out = tmp_path / "o" / "kept.jsonl"
    removed = tmp_path / "o" / "kept.removed.jsonl"
    env = cli_env(PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, "-m", "selfinstruct", "dedup", "--out", str(out)]
    pairs = {}
    for name, source in (("new", new_in), ("old", old_in)):  # "old" stays in place
        assert subprocess.run([*command, str(source)], env=env, cwd=ROOT).returncode == 0
        pairs[name] = (out.read_bytes(), removed.read_bytes())
    trace = tmp_path / "trace"
    syscalls = "rename,renameat,renameat2,unlink,unlinkat"
    done = subprocess.run(["strace", "-qq", "-o", str(trace), "-e", f"trace={syscalls}",
                           *command, str(new_in)], env=env, cwd=ROOT, capture_output=True)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"strace cannot trace here: {done.stderr[-200:]!r}")
    steps: list[tuple[str, int]] = []
    seen: dict[str, int] = {}
    for line in trace.read_text().splitlines():
        name = line.split("(", 1)[0]
        seen[name] = seen.get(name, 0) + 1
        if str(out.parent) in line and "kept" in line and not line.endswith("ENOENT (No such file or directory)"):
            steps.append((name, seen[name]))
    assert len(steps) >= 2, trace.read_text()
    for name, when in steps:
        out.write_bytes(pairs["old"][0])
        removed.write_bytes(pairs["old"][1])
        subprocess.run(["strace", "-qq", "-o", "/dev/null", "-e", f"trace={name}", "-e",
                        f"inject={name}:signal=KILL:when={when}", *command, str(new_in)],
                       env=env, cwd=ROOT, capture_output=True)  # fmt: skip
        state = (out.read_bytes(), removed.read_bytes() if removed.exists() else None)
        allowed = {pairs["old"], pairs["new"], (pairs["old"][0], None), (pairs["new"][0], None)}
        assert state in allowed, f"killed at {name} #{when}: a pair from two runs"
