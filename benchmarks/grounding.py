"""The `ungrounded` check on human-written grounded answers (Dolly-format JSONL: instruction,
context, response, category), which it must keep, and on the same records paired with another
record's context, which it should drop.

    .venv/bin/python benchmarks/grounding.py path/to/dolly.jsonl [more.jsonl ...]

Each record with a context is checked twice, as a document task would be: with the context as
its input (a task on a quoted passage) and as a question without input (the context only its
chunk). Prints, for each, the false-drop rate (grounded records dropped, by reason) and the
catch rate (the same record against another record's context), over the closed_qa,
information_extraction and summarization records (any record with a context when a file has
no category). The target is at most 5% false drops.
"""

from __future__ import annotations

import json
import sys
from collections import Counter

from selfinstruct.quality.grounding import ungrounded_reason

GROUNDED = ("closed_qa", "information_extraction", "summarization")
TARGET_FALSE_DROPS = 0.05


def load(paths: list[str]) -> list[dict[str, str]]:
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                item = json.loads(line)
                if item.get("context") and item.get("category", GROUNDED[0]) in GROUNDED:
                    rows.append(item)
    return rows


def reasons(rows: list[dict[str, str]], as_input: bool, shift: int) -> Counter[str]:
    """Reasons (None: kept) for each row against the context `shift` rows on (0: its own)."""
    found: Counter[str] = Counter()
    for i, row in enumerate(rows):
        chunk = rows[(i + shift) % len(rows)]["context"]
        given = row["context"] if as_input else ""
        found[str(ungrounded_reason(row["instruction"], given, row["response"], chunk))] += 1
    return found


def main(paths: list[str]) -> int:
    rows = load(paths)
    print(f"{len(rows)} grounded human-written records")
    worst = 0.0
    for as_input, label in ((True, "context as the input"), (False, "a question, no input")):
        own = reasons(rows, as_input, 0)
        dropped = len(rows) - own["None"]
        rate = dropped / len(rows) if rows else 0.0
        worst = max(worst, rate)
        other = reasons(rows, as_input, len(rows) // 2) if len(rows) > 1 else Counter()
        caught = len(rows) - other["None"]
        print(f"{label}: false drops {dropped}/{len(rows)} = {rate:.1%} "
              f"{dict(own - Counter({'None': own['None']}))}")  # fmt: skip
        print(f"  with another record's context: caught {caught}/{len(rows)} "
              f"{dict(other - Counter({'None': other['None']}))}")  # fmt: skip
    verdict = "PASS" if worst <= TARGET_FALSE_DROPS else "MISS"
    print(f"target <= {TARGET_FALSE_DROPS:.0%}: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
