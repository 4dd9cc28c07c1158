"""The `ungrounded` check on human-written grounded answers (Dolly-format JSONL: instruction,
context, response, category), which it must keep, and on the same answers paired with another
record's context, which it should drop.

    .venv/bin/python benchmarks/grounding.py path/to/databricks-dolly-15k.jsonl

Prints the false-drop rate (grounded answers dropped) and the catch rate (mismatched pairs
dropped) over the closed_qa, information_extraction and summarization records; answers too
short to judge (fewer than MIN_CONTENT_WORDS content words) are counted apart.
"""

from __future__ import annotations

import json
import sys

from selfinstruct.quality.grounding import MIN_SUPPORTED_SHARE, supported_share

GROUNDED = ("closed_qa", "information_extraction", "summarization")
TARGET_FALSE_DROPS = 0.05


def main(path: str) -> int:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            if item.get("category") in GROUNDED and item.get("context"):
                rows.append(item)
    kept = dropped = short = caught = mismatched = 0
    for i, row in enumerate(rows):
        share = supported_share(row["response"], f"{row['context']}\n{row['instruction']}")
        if share is None:
            short += 1
            continue
        dropped += share < MIN_SUPPORTED_SHARE
        kept += share >= MIN_SUPPORTED_SHARE
        other = rows[(i + len(rows) // 2) % len(rows)]
        if other is not row:
            wrong = supported_share(row["response"], f"{other['context']}\n{row['instruction']}")
            mismatched += 1
            caught += wrong is not None and wrong < MIN_SUPPORTED_SHARE
    judged = kept + dropped
    rate = dropped / judged if judged else 0.0
    print(f"{len(rows)} grounded records, {short} too short to judge, {judged} judged")
    print(f"false drops: {dropped}/{judged} = {rate:.1%} (target <= {TARGET_FALSE_DROPS:.0%})")
    print(f"caught with another record's context: {caught}/{mismatched}")
    print("PASS" if rate <= TARGET_FALSE_DROPS else "MISS")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
