"""Loading seed tasks from Self-Instruct JSONL or Alpaca JSON/JSONL, auto-detected per file.

Seeds are the only human input of a run, so every problem is reported as `file:line: what`,
before a single paid request is sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from selfinstruct.datafile import expand_paths, iter_json_objects, read_bytes
from selfinstruct.errors import SeedFileError
from selfinstruct.schemas import SeedTask, describe_errors, is_no_input


def _from_alpaca(obj: dict[str, Any]) -> dict[str, Any]:
    input_text = obj.get("input") or ""
    if isinstance(input_text, str) and is_no_input(input_text):
        input_text = ""
    return {
        "id": obj.get("id", ""),
        "instruction": obj.get("instruction"),
        "instances": [{"input": input_text, "output": obj.get("output")}],
        "is_classification": bool(obj.get("is_classification", False)),
    }


def parse_seed_object(obj: dict[str, Any], path: Path, line: int) -> SeedTask:
    """One seed task from either format; raises `SeedFileError` naming `path:line`."""
    data = obj if "instances" in obj else _from_alpaca(obj)
    if "instruction" not in obj:
        raise SeedFileError(path, line, 'missing field "instruction"')
    if "instances" not in obj and "output" not in obj:
        raise SeedFileError(
            path, line, 'missing field "instances" (Self-Instruct format) or "output" (Alpaca)'
        )
    try:
        task = SeedTask.model_validate(data, strict=False)
    except ValidationError as exc:
        raise SeedFileError(path, line, describe_errors(exc, first_only=True)) from None
    for instance in task.instances:
        if is_no_input(instance.input):
            instance.input = ""
    return task


def load_seed_file(path: str | Path, raw: bytes | None = None) -> list[SeedTask]:
    """All seed tasks of one file (or of `raw`, its content already read), with ids filled
    in where the file has none."""
    path = Path(path)
    tasks: list[SeedTask] = []
    seen: dict[str, int] = {}
    for line, obj in iter_json_objects(path, raw):
        task = parse_seed_object(obj, path, line)
        if not task.id:
            task.id = f"{path.stem}_{len(tasks)}"
        if task.id in seen:
            first = seen[task.id]
            raise SeedFileError(path, line, f'duplicate id "{task.id}" (first on line {first})')
        seen[task.id] = line
        tasks.append(task)
    return tasks


def load_seeds(paths: str | Path | Iterable[str | Path]) -> list[SeedTask]:
    """Seed tasks from files or folders; ids must be unique across all of them."""
    return load_seeds_with_files(paths)[0]


def load_seeds_with_files(
    paths: str | Path | Iterable[str | Path],
) -> tuple[list[SeedTask], list[dict[str, Any]]]:
    """The seed tasks and each file's `{"path", "sha256"}`, hashed from the very bytes that
    were parsed: a pipe (process substitution) can be read only once."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    tasks: list[SeedTask] = []
    owners: dict[str, Path] = {}
    files = expand_paths(paths)
    seed_files: list[dict[str, Any]] = []
    for path in files:
        raw = read_bytes(path)
        entry = {"path": str(path), "sha256": hashlib.sha256(raw).hexdigest()}
        if entry not in seed_files:
            seed_files.append(entry)
        for task in load_seed_file(path, raw):
            if task.id in owners:
                raise SeedFileError(path, None, f'id "{task.id}" also used in {owners[task.id]}')
            owners[task.id] = path
            tasks.append(task)
    if not tasks:
        raise SeedFileError(", ".join(map(str, files)) or "<none>", None, "no seed tasks")
    return tasks, seed_files


def file_sha256(path: str | Path) -> str:
    """Content hash recorded in the manifest, so a dataset names exactly the seeds it grew from."""
    return hashlib.sha256(read_bytes(path)).hexdigest()
