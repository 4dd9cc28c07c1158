"""Keeping a seed set healthy and growing it from a run (`selfinstruct seeds check|export`).

Seeds are the only human input of a run and every prompt samples them, so one broken or
duplicated seed is seen thousands of times. `check_seeds` reports all problems at once (not
the first, as loading does); `export_seeds` turns a run's accepted tasks back into the seed
format for a person to review and append, so the next run grows from a bigger set.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selfinstruct.datafile import expand_paths, iter_json_entries
from selfinstruct.errors import ConfigError, OutputError, RunDirError, SeedFileError, output_error
from selfinstruct.quality.chain import default_filters, first_reason
from selfinstruct.quality.filters import Filter
from selfinstruct.quality.rouge import RougeIndex, TokenizerName, rouge_l
from selfinstruct.schemas import AcceptedRecord, Candidate, SeedTask
from selfinstruct.seeds.load import parse_seed_object
from selfinstruct.store.layout import RECORDS, dumps
from selfinstruct.store.reader import committed_rows
from selfinstruct.store.writer import write_atomic

#: First words that make an instruction a question rather than a command.
QUESTION_WORDS = frozenset(
    {"what", "which", "who", "whom", "whose", "why", "how", "when", "where", "is", "are"}
    | {"was", "were", "does", "do", "did", "can", "could", "should", "would", "will"}
)
#: Openers skipped to reach the verb: "Given the list below, sort ..." is a sort task.
LEAD_IN_WORDS = frozenset({"a", "an", "the", "please", "given", "using", "in", "for", "here"})


@dataclass(frozen=True)
class Located:
    """A task and where it was read (file, line), for messages a person can act on."""

    task: SeedTask
    path: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class NearDuplicate:
    """Two seeds whose instructions overlap more than the dedup threshold allows."""

    first: Located
    second: Located
    score: float


@dataclass
class SeedReport:
    """Everything `seeds check` says about a seed set."""

    files: list[Path]
    tasks: list[Located] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    near_duplicates: list[NearDuplicate] = field(default_factory=list)
    #: seeds the generation filters would reject: a prompt then demonstrates a rejected kind
    filtered: list[str] = field(default_factory=list)
    threshold: float = 0.7

    @property
    def ok(self) -> bool:
        return not (self.errors or self.near_duplicates or self.filtered)

    @property
    def kinds(self) -> dict[str, int]:
        """Counts by task kind: classification or not, with an input or not."""
        counts: Counter[str] = Counter()
        for item in self.tasks:
            task = item.task
            counts["classification" if task.is_classification else "non-classification"] += 1
            has_input = any(i.input for i in task.instances)
            counts["with input" if has_input else "without input"] += 1
        return dict(counts)

    @property
    def leading_words(self) -> Counter[str]:
        """A rough kind from the first word: the command verb, or "question"."""
        return Counter(leading_word(item.task.instruction) for item in self.tasks)

    def lines(self, top: int = 12) -> list[str]:
        """The report as text lines (the CLI prints them)."""
        out = [f"{len(self.tasks)} seed tasks in {len(self.files)} file(s)"]
        out += [f"error: {message}" for message in self.errors]
        for pair in self.near_duplicates:
            out.append(
                f"near-duplicate (ROUGE-L {pair.score:.2f} > {self.threshold}): "
                f"{pair.second.where} {pair.second.task.id!r} ~ "
                f"{pair.first.where} {pair.first.task.id!r}"
            )
        out += [f"filtered: {message}" for message in self.filtered]
        kinds = self.kinds
        out.append(
            "kinds: "
            + ", ".join(
                f"{kinds.get(k, 0)} {k}"
                for k in ("classification", "non-classification", "with input", "without input")
            )
        )
        words = ", ".join(f"{w} {n}" for w, n in self.leading_words.most_common(top))
        out.append(f"leading words: {words}")
        problems = len(self.errors) + len(self.near_duplicates) + len(self.filtered)
        out.append("no problems found" if problems == 0 else f"{problems} problem(s)")
        return out


def leading_word(instruction: str) -> str:
    """The instruction's command verb, "question" for a question, or "other"."""
    words = re.findall(r"[^\W\d_]+", instruction.lower())[:1]
    if words and words[0] in LEAD_IN_WORDS and "," in instruction:
        words = re.findall(r"[^\W\d_]+", instruction.split(",", 1)[1].lower())[:1]
    if not words or words[0] in LEAD_IN_WORDS:
        return "other"
    return "question" if words[0] in QUESTION_WORDS else words[0]


def _objects(path: Path) -> Iterator[tuple[int, dict[str, Any] | SeedFileError]]:
    """(line, object or error) for each entry; a JSONL file goes on past a broken line."""
    try:
        yield from iter_json_entries(path)
    except SeedFileError as exc:
        yield exc.line or 0, exc


def _read(paths: Iterable[Path], report: SeedReport) -> None:
    owners: dict[str, Located] = {}
    for path in paths:
        for line, obj in _objects(path):
            if isinstance(obj, SeedFileError):
                report.errors.append(str(obj))
                continue
            try:
                task = parse_seed_object(obj, path, line)
            except SeedFileError as exc:
                report.errors.append(str(exc))
                continue
            if not task.id:
                task.id = f"{path.stem}_{len(report.tasks)}"
            here = Located(task, path, line)
            if task.id in owners:
                report.errors.append(
                    f'{here.where}: duplicate id "{task.id}" (first at {owners[task.id].where})'
                )
                continue
            owners[task.id] = here
            report.tasks.append(here)


def _near_duplicates(report: SeedReport, tokenizer: TokenizerName) -> None:
    """Every pair above the threshold: the exact index flags a seed in one pass, and only a
    flagged seed is compared with all earlier ones to name each partner."""
    index = RougeIndex(threshold=report.threshold, tokenizer=tokenizer)
    for position, item in enumerate(report.tasks):
        text = item.task.instruction
        if index.find_duplicate(text) is not None:
            for earlier in report.tasks[:position]:
                score = rouge_l(text, earlier.task.instruction, tokenizer)
                if score > report.threshold:
                    report.near_duplicates.append(NearDuplicate(earlier, item, score))
        index.add(text, item.task.id)


def _filter_hits(report: SeedReport, filters: list[Filter]) -> None:
    for item in report.tasks:
        task = item.task
        for number, instance in enumerate(task.instances, start=1):
            candidate = Candidate(
                instruction=task.instruction, input=instance.input, output=instance.output
            )
            reason = first_reason(filters, candidate)
            if reason:
                report.filtered.append(
                    f"{item.where}: {task.id!r} instance {number}: the filters reject it ({reason})"
                )
                break
        if task.is_classification and not all(i.input for i in task.instances):
            report.filtered.append(
                f"{item.where}: {task.id!r}: a classification task with an instance without input"
            )


def check_seeds(
    paths: str | Path | Iterable[str | Path],
    threshold: float = 0.7,
    tokenizer: TokenizerName = "default",
    filters: list[Filter] | None = None,
) -> SeedReport:
    """Read every seed file (a folder stands for its .json/.jsonl files) and report all
    problems: schema errors with file:line, near-duplicate pairs, seeds the filters reject."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files = expand_paths(paths)
    report = SeedReport(files=files, threshold=threshold)
    _read(files, report)
    _near_duplicates(report, tokenizer)
    _filter_hits(report, filters if filters is not None else default_filters())
    return report


# -- export ---------------------------------------------------------------------------------
def committed_records(run_dir: str | Path) -> list[AcceptedRecord]:
    """A run's records up to its last commit, read without the lock (a run may be going on)."""
    run = Path(run_dir)
    path = run / RECORDS
    if not path.exists():
        raise RunDirError(f"{run}: no {RECORDS}; not a selfinstruct run directory")
    return [AcceptedRecord.model_validate(row) for _, row in committed_rows(run, RECORDS)]


def _slug(text: str, words: int = 6) -> str:
    found = re.findall(r"[^\W_]+", text.lower())[:words]
    return "_".join(found) or "task"


def export_seeds(
    run_dir: str | Path, out: str | Path, *, min_instances: int = 1, force: bool = False
) -> int:
    """Write a run's accepted tasks in the Self-Instruct seed format (one task per
    instruction, its records as instances); returns how many tasks were written. Writes no
    file when there is no task: an empty seed file would stop the next run that reads it.
    An existing `out` (maybe hand-written seeds) is replaced only with `force`, and the file
    appears whole or not at all."""
    run = Path(run_dir)
    target = Path(out)
    if target.exists() and not force:
        raise ConfigError(f"{target}: exists; use --force to replace it, or pick another --out")
    groups: dict[str, list[AcceptedRecord]] = defaultdict(list)
    for record in committed_records(run):
        groups[record.instruction].append(record)
    name = _slug(run.resolve().name, words=8)
    tasks = [
        {
            "id": f"{name}_task_{number}",
            "name": _slug(instruction),
            "instruction": instruction,
            "instances": [{"input": r.input, "output": r.output} for r in records],
            "is_classification": bool(records[0].is_classification),
        }
        for number, (instruction, records) in enumerate(
            (i, r) for i, r in groups.items() if len(r) >= min_instances
        )
    ]
    if tasks:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, "".join(dumps(task) + "\n" for task in tasks).removesuffix("\n"))
        except RunDirError as exc:
            raise OutputError(f"{exc}; nothing was replaced") from None
        except OSError as exc:
            raise output_error(target, exc) from None
    return len(tasks)
