"""Alpaca's recipe on the user's documents: each unit shows one chunk and asks for tasks
grounded in it (`--documents`).

Unit `i` is about chunk `i` of the corpus order (every document before any gives a second
chunk), with demonstrations drawn as Alpaca draws them, so a unit's prompt depends only on the
run's seed and the chunk order: cached, resumed and batched like any unit. Each chunk is used
once and gives at most `records_per_chunk` records, so a run ends when the chunks do.
"""

from __future__ import annotations

from collections.abc import Sequence

from selfinstruct.documents.corpus import Corpus
from selfinstruct.methods.alpaca import AlpacaMethod
from selfinstruct.methods.base import (
    ASSUMED_ACCEPTANCE,
    CHARS_PER_TOKEN,
    UnitOutput,
    UnitWorkload,
    approx_tokens,
    task_tokens,
)
from selfinstruct.methods.profiles import TeacherProfile
from selfinstruct.methods.prompts_documents import (
    render_document_completion,
    render_document_prompt,
)
from selfinstruct.methods.quota import GroupQuota
from selfinstruct.quality.filters import Filter
from selfinstruct.quality.grounding import Ungrounded
from selfinstruct.schemas import Candidate, Rejection, SeedTask
from selfinstruct.teachers.client import Teacher, TeacherRequest


class GroundedMethod(AlpacaMethod):
    name = "alpaca"

    def __init__(
        self,
        seeds: Sequence[SeedTask],
        seed: int,
        corpus: Corpus,
        records_per_chunk: int = 5,
        records_per_document: int | None = None,
        num_demonstrations: int = 3,
        topic: str | None = None,
        profile: TeacherProfile | None = None,
    ) -> None:
        super().__init__(
            seeds,
            seed,
            num_demonstrations=num_demonstrations,
            tasks_per_request=records_per_chunk,
            topic=topic,
            profile=profile,
        )
        self.corpus = corpus
        self.records_per_chunk = records_per_chunk
        self.no_input_share = 0.0  # a chunk's tasks work on its passages: no input-less units
        self.max_units = len(corpus)
        self.expected_yield = max(0.5, records_per_chunk * ASSUMED_ACCEPTANCE)
        cap = ""
        if records_per_document is not None:
            # a document that gave its records is not asked again: its chunks are skipped
            self.quota = GroupQuota(records_per_document, self._document_of)
            cap = f" and {records_per_document} a document"
        self.exhausted = (
            f"every chunk of the documents was used ({len(corpus)} chunks, at most "
            f"{records_per_chunk} records each{cap}); add documents or raise "
            f"--records-per-chunk{' or --records-per-document' if cap else ''}"
        )

    def _document_of(self, index: int) -> str:
        return self.corpus.chunk(index).span.sha256

    def dedup_text(self, instruction: str, input_text: str) -> str:
        """Instruction and input: "Summarise the text below." over two passages is two
        tasks, over overlapping chunks' same sentence one."""
        return f"{instruction}\n{input_text}" if input_text else instruction

    def material(self, index: int, generated: Sequence[str] = ()) -> list[str]:
        """The demonstrations and the passage, which the tasks quote by design."""
        return [*super().material(index, ()), self.corpus.chunk(index).text]

    def build_request(
        self, index: int, generated: Sequence[str] = ()
    ) -> tuple[TeacherRequest, list[str], str]:
        demos, _, demo_ids = self._demonstrations(index, ())
        chunk = self.corpus.chunk(index).text
        n = self.records_per_chunk
        if self.profile.prompt_style == "completion_list":
            prompt = render_document_completion(chunk, demos, n)
            return self.completion_request(index, prompt, n), demo_ids, prompt.answer_prefix
        messages = render_document_prompt(
            chunk, demos, n, topic=self.topic, json_answers=self.profile.json_answers
        )
        return self.chat_request(index, messages, n), demo_ids, ""

    async def fetch(self, index: int, teacher: Teacher, generated: Sequence[str]) -> UnitOutput:
        unit = await super().fetch(index, teacher, ())
        span = self.corpus.chunk(index).span
        for candidate in unit.candidates:
            candidate.document = span
        extra = unit.candidates[self.records_per_chunk :]
        unit.candidates = unit.candidates[: self.records_per_chunk]
        unit.rejections.extend(Rejection.of(c, "over_records_per_chunk", index) for c in extra)
        return unit

    def source_text(self, candidate: Candidate) -> str | None:
        """The chunk a candidate was asked about: what the grounding check reads and the
        judge is shown."""
        if candidate.document is None or not 0 <= candidate.request_index < len(self.corpus):
            return None
        return self.corpus.chunk(candidate.request_index).text

    def screen_filters(self, defaults: Sequence[Filter]) -> list[Filter]:
        return [*defaults, Ungrounded(self.source_text)]

    def workload(self, max_tokens: int) -> UnitWorkload:
        """One request of the rendered prompt's size (its chunk included), answered with
        `records_per_chunk` tasks as long as the seeds', of which the assumed share is kept."""
        sample = range(min(8, len(self.corpus)))
        prompts = [approx_tokens(self.build_request(i)[0]) for i in sample]
        chunks = [len(self.corpus.chunk(i).text) / CHARS_PER_TOKEN for i in sample]
        answer = sum(task_tokens(t) for t in self.seeds) / len(self.seeds)
        return UnitWorkload(
            requests=1,
            prompt_tokens=sum(prompts) / len(prompts),
            completion_tokens=min(max_tokens, self.records_per_chunk * answer),
            records=self.records_per_chunk * ASSUMED_ACCEPTANCE,
            source_tokens=sum(chunks) / len(chunks),
        )
