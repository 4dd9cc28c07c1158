"""A cap on the tasks one group of units gives: `--records-per-document` (a document's
chunks are a group), so one long document cannot fill the dataset.

Counted in the ordered screening stage, as tasks pass the filters and dedup: the count a
unit meets then depends only on the units before it, never on which answers came back
first, so the dataset is the same at any concurrency and on resume. A unit whose group is
full when it comes up is dropped whole, as if it had not been asked; one whose group is
already full before it is sent is not sent at all (the same outcome, at no cost). A task
counted and later dropped (by `--min-score`) still counts: the cap is an upper bound.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from selfinstruct.schemas import Candidate

#: the rejection reason of a task over its document's cap
OVER_RECORDS_PER_DOCUMENT = "over_records_per_document"


class GroupQuota:
    """At most `cap` screened tasks from the units of one group (`group_of(unit index)`)."""

    reason = OVER_RECORDS_PER_DOCUMENT

    def __init__(self, cap: int, group_of: Callable[[int], str]) -> None:
        self.cap = cap
        self.group_of = group_of
        self.counts: Counter[str] = Counter()

    def full(self, index: int) -> bool:
        """True when unit `index`'s group has given its `cap` tasks already."""
        return self.counts[self.group_of(index)] >= self.cap

    def admit(
        self, index: int, survivors: Sequence[Candidate]
    ) -> tuple[list[Candidate], list[Candidate]]:
        """(kept, over the cap) of a unit's screened tasks, in order; all are counted."""
        group = self.group_of(index)
        room = max(0, self.cap - self.counts[group])
        self.counts[group] += len(survivors)
        return list(survivors[:room]), list(survivors[room:])

    def restore(self, indices: Iterable[int]) -> None:
        """Count again the screened tasks committed earlier, by their unit index."""
        self.counts.update(self.group_of(index) for index in indices)
