"""Hostile inputs and damaged run directories (issue 20): each case ends with one clear line,
a non-zero exit, no traceback, in bounded time, and nothing committed changes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import ROOT, SEEDS, cli, cli_env, generate_args, read_jsonl

URL = "http://127.0.0.1:9/v1"  # never contacted: these cases fail before a request


def one_line_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode not in (0, None), result.stderr
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and expected in lines[0], lines[0]


def gen(out: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return cli("generate", "--out", str(out), "--base-url", URL, "--model", "m", *args,
               timeout=timeout)


# -- seed inputs that are not regular files, or pathological -----------------------------------
def test_fifo_without_writer_gives_up(tmp_path: Path) -> None:
    fifo = tmp_path / "seeds.jsonl"
    os.mkfifo(fifo)
    started = time.monotonic()
    result = gen(tmp_path / "run", "--seeds", str(fifo), timeout=30)
    one_line_error(result, "pipe sent nothing for 5 s")
    assert time.monotonic() - started < 20
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("device", ["/dev/urandom", "/dev/zero"])
def test_devices_are_refused(tmp_path: Path, device: str) -> None:
    result = gen(tmp_path / "run", "--seeds", device, timeout=30)
    one_line_error(result, f"{device}: is a device")


def test_process_substitution_is_read_once_and_hashed(tmp_path: Path) -> None:
    """A pipe is read once: the manifest's hash is of the bytes parsed, not of an empty read."""
    from selfinstruct.seeds.load import load_seeds_with_files

    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    content = SEEDS.read_bytes()

    def writer() -> None:
        with open(fifo, "wb") as handle:
            handle.write(content)

    thread = threading.Thread(target=writer)
    thread.start()
    tasks, files = load_seeds_with_files([fifo])
    thread.join(5)
    import hashlib

    assert tasks and files[0]["sha256"] == hashlib.sha256(content).hexdigest()


def test_one_huge_instruction_in_an_array_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write('[{"instruction": "')
        handle.write("x" * 200_000_000)
        handle.write('", "output": "y"}]')
    proc = subprocess.Popen(
        [sys.executable, "-m", "selfinstruct", "generate", "--out", str(tmp_path / "run"),
         "--base-url", URL, "--model", "m", "--seeds", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=ROOT,
    )
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    one_line_error(subprocess.CompletedProcess([], proc.returncode, out, err),
                   "huge.json:1: record longer than 1000000 characters")
    path.unlink()


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("deep.jsonl", "[" * 100_000 + "]" * 100_000 + "\n", "deep.jsonl:1: invalid JSON: nested too deeply"),
        ("deep.json", "[" + "[" * 100_000 + "]" * 100_000 + "]", "deep.json:1: invalid JSON: nested too deeply"),
        ("digits.jsonl", '{"instruction": "a", "output": "b", "n": ' + "7" * 5000 + "}\n", "digits.jsonl:1: invalid JSON: Exceeds the limit"),
        ("digits.json", '[\n{"instruction": "a", "output": "b", "n": ' + "7" * 5000 + "}]", "digits.json:2: invalid JSON: Exceeds the limit"),
    ],
)  # fmt: skip
def test_json_parser_limits_name_file_and_line(tmp_path: Path, name: str, text: str,
                                               expected: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    one_line_error(gen(tmp_path / "run", "--seeds", str(path)), expected)


# -- line separators: JSONL lines end at "\n" only -------------------------------------------------
SEPARATED = {"instruction": "Join these\u2028two lines.", "input": "", "output": "x\u2029y"}


@pytest.fixture
def separated(tmp_path: Path) -> Path:
    path = tmp_path / "data.jsonl"
    rows = [SEPARATED, {"instruction": "Name a colour.", "input": "", "output": "Blue."}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def test_validate_reads_u2028(separated: Path) -> None:
    result = cli("validate", str(separated))
    assert result.returncode == 0, result.stdout + result.stderr


def test_export_and_dedup_read_u2028(separated: Path, tmp_path: Path) -> None:
    result = cli("export", str(separated), "--format", "alpaca-jsonl", "--out", str(tmp_path / "e"))
    assert result.returncode == 0, result.stderr
    result = cli("dedup", str(separated), "--out", str(tmp_path / "d" / "kept.jsonl"))
    assert result.returncode == 0, result.stderr
    assert read_jsonl(tmp_path / "d" / "kept.jsonl")[0] == SEPARATED


def test_seeds_read_u2028(separated: Path) -> None:
    from selfinstruct.seeds.load import load_seeds

    assert load_seeds(separated)[0].instruction == SEPARATED["instruction"]


def test_validate_reports_every_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    good = json.dumps({"instruction": "Say hi.", "input": "", "output": "Hi"})
    path.write_text(f"{good}\nnot json\n{{broken\n", encoding="utf-8")
    result = cli("validate", str(path))
    assert result.returncode == 1
    assert f"{path}:2: invalid JSON" in result.stdout and f"{path}:3: invalid JSON" in result.stdout


# -- flags and config, validated before the run directory is touched -------------------------------
def test_timeout_inf_is_refused_before_the_run_dir(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    one_line_error(gen(run, "--seeds", str(SEEDS), "--timeout", "inf"),
                   "timeout_s: Input should be a finite number")
    assert list(run.iterdir()) == []


def test_negative_price_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[prices.m]\ninput = -1.0\noutput = 0.6\n', encoding="utf-8")
    one_line_error(gen(tmp_path / "run", "--seeds", str(SEEDS), "--config", str(config)),
                   "prices.m.input: Input should be greater than or equal to 0")


# -- the run directory ---------------------------------------------------------------------------
def test_out_into_a_folder_with_the_users_run_json(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "run.json").write_text('{"my": "notes"}', encoding="utf-8")
    one_line_error(gen(folder, "--seeds", str(SEEDS)), "holds run.json but no progress.jsonl")
    assert (folder / "run.json").read_text(encoding="utf-8") == '{"my": "notes"}'


def test_seeds_inside_out_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "both"
    folder.mkdir()
    shutil.copy(SEEDS, folder / "seeds.jsonl")
    one_line_error(gen(folder, "--seeds", str(folder)), "inside or around the run directory")


def test_lock_survives_deleting_the_lock_file(tmp_path: Path) -> None:
    from selfinstruct.errors import RunDirError
    from selfinstruct.store.layout import LOCK
    from selfinstruct.store.writer import RunStore

    run = tmp_path / "run"
    with RunStore(run):
        (run / LOCK).unlink(missing_ok=True)
        with pytest.raises(RunDirError, match="another selfinstruct process"):
            RunStore(run).open()


@pytest.fixture
def committed_run(tmp_path: Path) -> Path:
    """A run directory with two committed records and a rejection."""
    from selfinstruct.schemas import AcceptedRecord, Rejection
    from selfinstruct.store.writer import RunStore

    run = tmp_path / "run"
    with RunStore(run) as store:
        for i in range(2):
            record = AcceptedRecord(
                id=f"rec_{i}", instruction=f"Name colour number {i}.", input="", output="Blue.",
                model="m", request_index=i, demonstration_ids=[], created_at="2026-01-01T00:00:00Z",
            )
            store.commit(i, [record], [Rejection(reason="too_short", instruction="x", request_index=i)])
        store.write_manifest({"status": "stopped"})
    return run


def _flip(path: Path, needle: bytes, replacement: bytes) -> None:
    raw = path.read_bytes()
    assert needle in raw
    path.write_bytes(raw.replace(needle, replacement, 1))


@pytest.mark.parametrize(
    ("name", "needle", "replacement", "expected"),
    [
        ("progress.jsonl", b'"request_index": 0', b'"request_index":"0"', "progress.jsonl:1: not a commit line"),
        ("records.jsonl", b'"id": "rec_1"', b'"id": "rec\xff1"', "records.jsonl:2: damaged line"),
        ("rejected.jsonl", b'"reason": "too', b'"reason": \xfftoo', "rejected.jsonl:1: damaged line"),
        ("data.jsonl", b"Name colour number 1.", b"Name colour number 9.", "data.jsonl:2: does not match records.jsonl"),
    ],
)  # fmt: skip
def test_damaged_run_files_are_one_line_errors(committed_run: Path, name: str, needle: bytes,
                                               replacement: bytes, expected: str) -> None:
    from selfinstruct.errors import RunDirError
    from selfinstruct.store.writer import RunStore

    _flip(committed_run / name, needle, replacement)
    before = {p.name: p.read_bytes() for p in committed_run.iterdir() if p.is_file()}
    with pytest.raises(RunDirError, match=expected.replace(".", r"\.")):
        RunStore(committed_run).open()
    after = {p.name: p.read_bytes() for p in committed_run.iterdir() if p.is_file()}
    assert {k: v for k, v in after.items() if k in before} == before


def test_unreadable_run_json_is_kept_and_warned(committed_run: Path) -> None:
    from selfinstruct.store.writer import RunStore

    (committed_run / "run.json").write_bytes(b"\x00garbage")
    with RunStore(committed_run) as store:
        assert store.read_manifest() is None
        assert any("run.json: unreadable" in w for w in store.warnings)
    assert (committed_run / "run.json.unreadable").read_bytes() == b"\x00garbage"


@pytest.mark.parametrize("damage", ["random", "truncated"])
def test_damaged_cache_is_moved_aside(tmp_path: Path, damage: str) -> None:
    from selfinstruct.teachers.cache import CachedResponse, ResponseCache

    path = tmp_path / "cache.sqlite"
    cache = ResponseCache(path)
    for i in range(500):
        cache.put(str(i), CachedResponse("answer " * 50, "stop", 1, 1, "m"))
    cache.close()
    raw = path.read_bytes()
    path.write_bytes(os.urandom(len(raw)) if damage == "random" else raw[: len(raw) // 2])
    cache = ResponseCache(path)
    assert len(cache) == 0 and "moved to cache.sqlite.damaged-1" in cache.warnings[0]
    cache.close()


# -- resume that mixes teachers or seeds -------------------------------------------------------------
def test_resume_with_another_model_or_seeds_is_refused(fake_teacher, tmp_path: Path) -> None:
    out = tmp_path / "run"
    first = cli(*generate_args(fake_teacher.base_url, out, 3))
    assert first.returncode == 0, first.stderr
    other = cli(*generate_args(fake_teacher.base_url, out, 6)[:-2], "--seeds", str(SEEDS),
                "--model", "another-model")
    one_line_error(other, "resuming with another teacher model 'another-model'")
    seeds = tmp_path / "other.jsonl"
    seeds.write_text(SEEDS.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    args = generate_args(fake_teacher.base_url, out, 6)
    args[args.index(str(SEEDS))] = str(seeds)
    one_line_error(cli(*args), "another seed files")
    mixed = cli(*args, "--allow-mixed")
    assert mixed.returncode == 0, mixed.stderr
    history = json.loads((out / "run.json").read_text(encoding="utf-8"))["history"]
    assert len(history) == 2 and history[1]["seed_files"][0]["path"] == str(seeds)
    card = tmp_path / "card"
    assert cli("export", str(out), "--format", "alpaca-jsonl", "--out", str(card)).returncode == 0
    assert "its records come from" in (card / "README.md").read_text(encoding="utf-8")


# -- other commands ----------------------------------------------------------------------------------
def test_seeds_export_keeps_a_hand_written_file(committed_run: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.jsonl"
    mine.write_text("my seeds\n", encoding="utf-8")
    one_line_error(cli("seeds", "export", str(committed_run), "--out", str(mine)), "use --force")
    assert mine.read_text(encoding="utf-8") == "my seeds\n"
    assert cli("seeds", "export", str(committed_run), "--out", str(mine), "--force").returncode == 0
    assert len(read_jsonl(mine)) == 2


def test_show_negative_count_is_a_usage_error(committed_run: Path) -> None:
    result = cli("show", str(committed_run), "-n", "-1")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_stale_export_folders_are_cleaned(separated: Path, tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f".e.tmp-{dead.pid}"
    stale.mkdir()
    (stale / "train.jsonl").write_text("{}\n", encoding="utf-8")
    result = cli("export", str(separated), "--format", "alpaca-jsonl", "--out", str(tmp_path / "e"))
    assert result.returncode == 0 and not stale.exists()


def test_dedup_outputs_in_one_folder_keep_their_own_removed_file(separated: Path,
                                                                tmp_path: Path) -> None:
    for name in ("a.jsonl", "b.jsonl"):
        assert cli("dedup", str(separated), "--out", str(tmp_path / "o" / name)).returncode == 0
    assert (tmp_path / "o" / "a.removed.jsonl").exists()
    assert (tmp_path / "o" / "b.removed.jsonl").exists()


def test_sigterm_before_the_run_handler_says_so(tmp_path: Path) -> None:
    fifo = tmp_path / "seeds.jsonl"
    os.mkfifo(fifo)  # no writer: the command waits in the seed reader
    proc = subprocess.Popen(
        [sys.executable, "-m", "selfinstruct", "generate", "--out", str(tmp_path / "run"),
         "--base-url", URL, "--model", "m", "--seeds", str(fifo)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=ROOT,
    )
    time.sleep(2.5)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 143, (proc.returncode, err)
    assert "terminated by SIGTERM" in err and "Traceback" not in err


# -- a full disk ---------------------------------------------------------------------------------
@pytest.fixture
def tiny_disk(tmp_path: Path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_export_and_seeds_export_on_a_full_disk(tiny_disk: Path, tmp_path: Path,
                                                committed_run: Path) -> None:
    big = tmp_path / "big.jsonl"
    with open(big, "w", encoding="utf-8") as handle:
        for i in range(6000):
            handle.write(json.dumps({"instruction": f"Task {i} " + "word " * 60, "input": "",
                                     "output": "out " * 20}) + "\n")
    result = cli("export", str(big), "--format", "alpaca-jsonl", "--out", str(tiny_disk / "e"),
                 "--validation-fraction", "0")
    one_line_error(result, "disk full")
    assert not (tiny_disk / "e").exists()
    result = cli("dedup", str(big), "--out", str(tiny_disk / "kept.jsonl"))
    assert "Traceback" not in result.stderr and result.returncode != 0
    assert "disk full" in result.stderr and not (tiny_disk / "kept.jsonl").exists()
    filler = tiny_disk / "filler"
    with open(filler, "wb") as handle, pytest.raises(OSError):
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    one_line_error(cli("seeds", "export", str(committed_run), "--out", str(tiny_disk / "s.jsonl")),
                   "disk full")
    assert not (tiny_disk / "s.jsonl").exists()


def test_generate_on_a_full_disk(tiny_disk: Path, fake_teacher) -> None:
    out = tiny_disk / "run"
    result = cli(*generate_args(fake_teacher.base_url, out, 100_000), "--max-requests", "400",
                 timeout=300)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "Unclosed" not in result.stderr, result.stderr
    assert "disk full" in result.stderr
    manifest = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert manifest["status"] != "running"
    from selfinstruct.store.reader import committed_sizes

    sizes = committed_sizes(out) or {}
    for name in ("data.jsonl", "records.jsonl", "rejected.jsonl"):
        assert (out / name).stat().st_size == sizes.get(name, 0), name
