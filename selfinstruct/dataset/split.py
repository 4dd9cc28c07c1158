"""A train/validation split with no near-duplicate leakage across it.

If a validation instruction has a near-duplicate in train, validation loss measures memory,
not generalisation. So the guarantee is: no validation instruction has a neighbour in train,
where neighbours are identical instructions (after case and whitespace folding) or a ROUGE-L
F-measure above the threshold.

How it holds. Records are placed one at a time, in a seeded random order, against one
near-duplicate index per side (an exact "is anything above the threshold?" query):

- no neighbour                         → validation while it is short of its quota, else train;
- a neighbour in train only            → train;
- a neighbour in validation only       → validation while it is short of its quota; else the
  record goes to train, and so does every validation record connected to it through
  validation neighbours (found level by level: an index of the level, queried with every
  validation record);
- neighbours on both sides (a bridge)  → train, with the same move of its validation group.

Every pair of records is checked when the later of the two is placed, against the index of
the other side, so a cross pair is never created; a move takes a whole connected group of
validation records, so none of the remaining ones has a neighbour among the moved. Clusters
therefore land on one side, without an all-pairs search over the whole data set, and the
validation side never grows past its quota (it can end a little short of it, when the last
records placed pulled groups out of it). Large clusters tend to end in train, so validation
leans towards distinct tasks, which is what it should measure.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from selfinstruct.schemas import same_text_key


class NeighbourIndex(Protocol):
    """The part of `selfinstruct.quality.rouge.RougeIndex` the split needs: exact answers to "does
    any kept text have ROUGE-L above the threshold with this one?"."""

    def add(self, text: str, key: str) -> None: ...

    def find_duplicate(self, text: str) -> Any | None: ...

    def find_duplicates(self, texts: Sequence[str]) -> list[Any | None]: ...


@dataclass(frozen=True)
class Similarity:
    """What "neighbour" means: indexes built by `new_index`, whose answers are ROUGE-L above
    `threshold` on the tokens `tokenize` gives (used only for an exact prefilter)."""

    new_index: Callable[[], NeighbourIndex]
    tokenize: Callable[[str], list[str]]
    threshold: float


def rouge_similarity(threshold: float = 0.7, tokenizer: str = "default") -> Similarity:
    """The package's ROUGE-L index with the run's threshold and tokenizer."""
    from selfinstruct.quality.rouge import RougeIndex, tokenize

    return Similarity(
        new_index=lambda: RougeIndex(threshold=threshold, tokenizer=tokenizer),  # type: ignore[arg-type]
        tokenize=lambda text: tokenize(text, tokenizer),  # type: ignore[arg-type]
        threshold=threshold,
    )


@dataclass(frozen=True)
class Split:
    """Indices into the input, each list in input order; `moved` counts the validation
    records moved to train to keep a cluster whole."""

    train: list[int]
    validation: list[int]
    moved: int = 0


def validation_quota(total: int, fraction: float) -> int:
    """How many records validation aims for: at least one when asked for any and there are two."""
    if fraction <= 0 or total < 2:
        return 0
    return min(total - 1, max(1, round(total * fraction)))


#: Moved records left in the validation index before it is rebuilt.
REBUILD_AFTER = 32


class _Splitter:
    """The placement state: sides, one index per side, and the identity keys per side.

    Validation records that move to train stay in the validation index (an index cannot
    forget) and are listed in `gone`; a hit on a gone record is settled by asking the live
    validation records, and the index is rebuilt once `gone` has a few records. Questions
    about all the validation neighbours of a record go through an inverted index of the
    validation tokens first: ROUGE-L F = 2·LCS/(m+n) and the LCS is at most the multiset
    overlap, so records whose overlap cannot reach the threshold are skipped, exactly."""

    def __init__(
        self,
        texts: Sequence[str],
        similarity: Similarity,
        groups: Sequence[str | None] | None = None,
    ) -> None:
        self.texts = texts
        self.sim = similarity
        self.new_index = similarity.new_index
        # records of one group (a document) share a key, so they land on one side together
        self.keys = [
            f"\0group:{group}" if group else same_text_key(text)
            for text, group in zip(texts, groups or [None] * len(texts), strict=True)
        ]
        self.bags: dict[int, tuple[Counter[str], int]] = {}
        self.postings: dict[str, dict[int, int]] = {}
        self.side: dict[int, str] = {}
        self.key_sides: dict[str, Counter[str]] = {}
        self.train_index = self.new_index()
        self.val: dict[int, None] = {}  # an insertion-ordered set, for determinism
        self.val_index = self.new_index()
        self.gone: set[int] = set()
        self.moved = 0

    def _bag(self, i: int) -> tuple[Counter[str], int]:
        if i not in self.bags:
            tokens = self.sim.tokenize(self.texts[i])
            self.bags[i] = (Counter(tokens), len(tokens))
        return self.bags[i]

    def _possible(self, i: int) -> set[int]:
        """Live validation records that may neighbour `i` (a superset, never missing one)."""
        bag, m = self._bag(i)
        overlap: Counter[int] = Counter()
        for token, count in bag.items():
            for j, other in self.postings.get(token, {}).items():
                overlap[j] += min(count, other)
        # ">=" with slack: at an exact tie rouge_score's float F can land just above t
        t = self.sim.threshold
        found = {j for j, o in overlap.items() if 2 * o >= t * (m + self._bag(j)[1]) - 1e-9}
        return found | {j for j in self.val if self.keys[j] == self.keys[i]}

    def val_neighbours(self, sources: Sequence[int]) -> list[int]:
        """Every live validation record that neighbours one of `sources`."""
        possible: set[int] = set()
        for i in sources:
            possible |= self._possible(i)
        return self.neighbours_among(sources, [j for j in self.val if j in possible])

    def neighbours_among(self, sources: Sequence[int], candidates: Sequence[int]) -> list[int]:
        """The candidates that neighbour any of the sources (all of them, not the first)."""
        if not sources or not candidates:
            return []
        index = self.new_index()
        for i in sources:
            index.add(self.texts[i], str(i))
        keys = {self.keys[i] for i in sources}
        hits = index.find_duplicates([self.texts[j] for j in candidates])
        return [
            j
            for j, hit in zip(candidates, hits, strict=True)
            if hit is not None or self.keys[j] in keys
        ]

    def in_train(self, i: int) -> bool:
        if self.key_sides.get(self.keys[i], Counter())["train"]:
            return True
        return self.train_index.find_duplicate(self.texts[i]) is not None

    def in_validation(self, i: int) -> bool:
        if self.key_sides.get(self.keys[i], Counter())["validation"]:
            return True
        match = self.val_index.find_duplicate(self.texts[i])
        if match is None:
            return False
        if int(match.key) not in self.gone:
            return True
        return bool(self.val_neighbours([i]))

    def place(self, i: int, side: str) -> None:
        self.side[i] = side
        self.key_sides.setdefault(self.keys[i], Counter())[side] += 1
        if side == "train":
            self.train_index.add(self.texts[i], str(i))
        else:
            self.val[i] = None
            self.val_index.add(self.texts[i], str(i))
            for token, count in self._bag(i)[0].items():
                self.postings.setdefault(token, {})[i] = count

    def _drop_from_validation(self, j: int) -> None:
        del self.val[j]
        self.gone.add(j)
        self.key_sides[self.keys[j]]["validation"] -= 1
        for token in self._bag(j)[0]:
            del self.postings[token][j]

    def move_group_to_train(self, start: int) -> None:
        """Move every validation record connected to `start` through validation neighbours
        to train (breadth first, one level of neighbours at a time)."""
        group: list[int] = []
        level = [start]
        while level:
            level = self.val_neighbours(level)
            for j in level:
                self._drop_from_validation(j)
            group += level
        for j in group:
            self.place(j, "train")
        self.moved += len(group)
        if len(self.gone) >= REBUILD_AFTER:
            self.val_index, self.gone = self.new_index(), set()
            for j in self.val:
                self.val_index.add(self.texts[j], str(j))


def split_records(
    texts: Sequence[str],
    *,
    validation_fraction: float = 0.05,
    seed: int = 0,
    similarity: Similarity | None = None,
    groups: Sequence[str | None] | None = None,
) -> Split:
    """Split `texts` (instructions) into train and validation with no neighbour across;
    `similarity` defines neighbours (default: ROUGE-L above 0.7, the default tokenizer).
    `groups` (a document's hash per record, None for none) keeps each group on one side,
    so validation holds documents train never saw."""
    quota = validation_quota(len(texts), validation_fraction)
    if quota == 0:
        return Split(train=list(range(len(texts))), validation=[])
    splitter = _Splitter(texts, similarity or rouge_similarity(), groups)
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    for i in order:
        in_train, in_val = splitter.in_train(i), splitter.in_validation(i)
        if in_val and (in_train or len(splitter.val) >= quota):
            splitter.move_group_to_train(i)  # a bridge, or a full validation side
            splitter.place(i, "train")
        elif in_val or (not in_train and len(splitter.val) < quota):
            splitter.place(i, "validation")
        else:
            splitter.place(i, "train")
    train = sorted(i for i, side in splitter.side.items() if side == "train")
    return Split(train=train, validation=sorted(splitter.val), moved=splitter.moved)
