"""A deterministic corpus of instruction strings for the dedup benchmark.

`synthetic_instructions(n, seed)` draws from the same generator as the fake teacher, so the
text looks like what a teacher produces, with the near-duplicates a real run meets:

- about 10% are light rewordings of an earlier item (two or more edits: a word swapped for a
  synonym, a word added or dropped, two words swapped), with ROUGE-L to that item of about
  0.6-0.95;
- about 2% are exact repeats of an earlier item;
- the rest are fresh instructions; among those, fewer than 15% have a ROUGE-L > 0.7 neighbour
  in a 10,000-item corpus (the share grows with n, as it does in real runs: the space of things
  worth asking is finite).

Exact repeats also arise naturally as n grows (the generator's space is finite): measured,
2.4% of a 10,000-item corpus and 5.0% of a 1,000,000-item one are exact repeats in all.

It is built item by item from one `random.Random(seed)`, so the same (n, seed) always gives
the same list, and a prefix of a longer corpus equals a shorter one. 1,000,000 items take about
25 s on one core and ~320 MB (the strings themselves, ~180 characters each).
"""

from __future__ import annotations

import random

from selfinstruct_testing.generator import TaskGenerator
from selfinstruct_testing.words import reword

REWORDED_SHARE = 0.10
REPEATED_SHARE = 0.02


def synthetic_instructions(n: int, seed: int = 0) -> list[str]:
    """n instruction strings: ~88% fresh, ~10% light rewordings, ~2% exact repeats."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    rng = random.Random(seed)
    generator = TaskGenerator.clean(seed)
    out: list[str] = []
    for i in range(n):
        u = rng.random()
        if i and u < REPEATED_SHARE:
            out.append(out[int(rng.random() * i)])
        elif i and u < REPEATED_SHARE + REWORDED_SHARE:
            out.append(reword(rng, out[int(rng.random() * i)]))
        else:
            out.append(generator.good_task(rng).instruction)
    return out
