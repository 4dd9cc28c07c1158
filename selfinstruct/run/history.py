"""Which teachers and seed files a run's records came from, across its sessions.

A resumed run continues the dataset it started: resuming with another teacher model, another
base URL or other seeds would mix two datasets under one manifest that names only the last.
That is refused unless asked for (`allow_mixed`); then `run.json` keeps a `history` list, one
entry per change, and the dataset card shows it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selfinstruct.errors import ConfigError
from selfinstruct.run.loop import now_iso


def _hashes(seed_files: list[dict[str, Any]]) -> list[str]:
    return sorted(str(item.get("sha256")) for item in seed_files if isinstance(item, dict))


def differences(
    previous: dict[str, Any], identity: dict[str, Any], seed_files: list[dict[str, Any]]
) -> list[str]:
    """What differs between the run as `previous` (run.json) records it and this session.
    The local teacher's URL changes every session (a free port), so only its model counts;
    seeds are compared by content, so a moved or renamed seed file is the same seed."""
    raw_teacher = previous.get("teacher")
    teacher = raw_teacher if isinstance(raw_teacher, dict) else {}
    found = []
    if teacher.get("model") and teacher.get("model") != identity["model"]:
        found.append(f"teacher model {identity['model']!r} (the run used {teacher['model']!r})")
    was_local = teacher.get("local")
    if (
        was_local is not None
        and not (was_local or identity["local"])
        and teacher.get("base_url") != identity["base_url"]
    ):
        found.append(f"base URL {identity['base_url']} (the run used {teacher.get('base_url')})")
    elif was_local is not None and bool(was_local) != bool(identity["local"]):
        found.append("teacher kind (local and API)")
    old = previous.get("seed_files")
    if isinstance(old, list) and old and _hashes(old) != _hashes(seed_files):
        names = ", ".join(str(item.get("path")) for item in old if isinstance(item, dict))
        found.append(f"seed files (the run grew from {names}, by content hash)")
    return found


def check_same_run(
    previous: dict[str, Any],
    identity: dict[str, Any],
    seed_files: list[dict[str, Any]],
    allow_mixed: bool,
    out: Path,
) -> None:
    """Refuse, in one line, to resume a run with another teacher or seeds unless allowed."""
    changed = differences(previous, identity, seed_files)
    if changed and not allow_mixed:
        raise ConfigError(
            f"--out {out}: resuming with another {'; another '.join(changed)}; use a new --out, "
            "or --allow-mixed to continue (run.json and the card then list every teacher and "
            "seed file)"
        )


def _entry(
    identity: dict[str, Any], seed_files: list[dict[str, Any]], from_request: int
) -> dict[str, Any]:
    return {
        "from_request": from_request,
        "started_at": now_iso(),
        "teacher": dict(identity),
        "seed_files": list(seed_files),
    }


def history_of(
    previous: dict[str, Any],
    identity: dict[str, Any],
    seed_files: list[dict[str, Any]],
    from_request: int,
) -> list[dict[str, Any]]:
    """The run's `history` after this session starts: unchanged when nothing differs, else
    with an entry for this session (a run.json older than `history` gives the first one)."""
    history = previous.get("history")
    if not isinstance(history, list) or not history:
        if not previous.get("teacher"):
            return [_entry(identity, seed_files, from_request)]
        first = {
            "from_request": 0,
            "started_at": previous.get("created_at"),
            "teacher": previous.get("teacher"),
            "seed_files": previous.get("seed_files", []),
        }
        history = [first]
    if differences(previous, identity, seed_files):
        return [*history, _entry(identity, seed_files, from_request)]
    return list(history)
