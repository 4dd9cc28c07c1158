"""`selfinstruct dedup` stopped by Ctrl-C or a full disk: one line, a non-zero exit, and the
previous outputs untouched (nothing half-written under a final name, no temporary left)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from selfinstruct.cli.app import NOTHING_WRITTEN
from selfinstruct.dataset.dedup import dedup_file
from selfinstruct.errors import OutputError
from selfinstruct_testing.corpus import synthetic_instructions

OLD_KEPT = '{"instruction": "old kept"}\n'
OLD_REMOVED = '{"instruction": "old removed"}\n'


def write_corpus(path: Path, n: int, output: str = "answer") -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for i, text in enumerate(synthetic_instructions(n, seed=3)):
            handle.write(json.dumps({"instruction": text, "input": "", "output": f"{output} {i}"}))
            handle.write("\n")
    return path


def old_outputs(folder: Path) -> tuple[Path, Path]:
    out, removed = folder / "out.jsonl", folder / "out.removed.jsonl"
    out.write_text(OLD_KEPT, encoding="utf-8")
    removed.write_text(OLD_REMOVED, encoding="utf-8")
    return out, removed


def assert_untouched(folder: Path, out: Path, removed: Path) -> None:
    assert out.read_text(encoding="utf-8") == OLD_KEPT
    assert removed.read_text(encoding="utf-8") == OLD_REMOVED
    assert sorted(p.name for p in folder.iterdir()) == sorted([out.name, removed.name])


def dedup_process(source: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "selfinstruct", "dedup", str(source), "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_ctrl_c_while_deciding_writes_nothing(tmp_path: Path) -> None:
    source = write_corpus(tmp_path / "big.jsonl", 100_000)
    folder = tmp_path / "outs"
    folder.mkdir()
    out, removed = old_outputs(folder)
    child = dedup_process(source, out)
    deadline = time.monotonic() + 120
    while not any(p.suffix == ".tmp" for p in folder.iterdir()):  # deciding and writing
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "dedup never started writing"
        time.sleep(0.02)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=30)  # a kernel call is one batch: it stops at once
    assert child.returncode == 130
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == NOTHING_WRITTEN
    assert_untouched(folder, out, removed)


def test_full_disk_is_one_line_and_keeps_the_old_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_corpus(tmp_path / "d.jsonl", 2_000)
    folder = tmp_path / "outs"
    folder.mkdir()
    out, removed = old_outputs(folder)

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("selfinstruct.dataset.dedup.os.fsync", full_disk)
    with pytest.raises(OutputError, match=r"disk full.*nothing was replaced"):
        dedup_file(source, out, progress=False)
    assert_untouched(folder, out, removed)


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs (needs the right to mount, as root in CI has; skipped otherwise)."""
    mount_point = tmp_path / f"full-{uuid.uuid4().hex[:8]}"
    mount_point.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)],
                          capture_output=True, check=False)  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def test_a_really_full_disk_from_the_command_line(tmp_path: Path, small_filesystem: Path) -> None:
    source = write_corpus(tmp_path / "d.jsonl", 3_000, output="x" * 400)  # ~1.5 MB kept
    out, removed = old_outputs(small_filesystem)
    child = dedup_process(source, out)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 1
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "disk full" in lines[0] and "nothing was replaced" in lines[0]
    assert_untouched(small_filesystem, out, removed)
