"""Answers to `--documents` prompts: tasks grounded in the passage the prompt shows.

Like a capable teacher, most tasks quote the passage in their input (summarise, extract,
rewrite, classify a part) or ask a question one of its sentences answers, and the output is
built from the passage's own words. A share (`ungrounded_rate`) is made up instead: an output
about something the passage never mentions, which the grounding check must catch. Another
share (`contradicted_rate`, none by default) answers with one of the passage's sentences
negated: the document's own words, the opposite claim, which no word count can see and only a
judge shown the document can (`judge_answers` scores `supported` by the document).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from selfinstruct_testing.words import Task, pick

#: about the 150 words the prompt allows an input
MAX_QUOTE_CHARS = 900
PASSAGE = re.compile(r"<passage>\n(.*?)\n</passage>", re.S)
COMPLETION_PASSAGE = re.compile(r"Passage:\n(.*?)\n\nTasks:\n", re.S)
_NEGATABLE = re.compile(r"\b(is|are|was|were|can|will|does|do|has|have)\b")
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n\s*\n")

MADE_UP = (
    "The company was founded in 1987 in Oslo by three engineers who wanted to sell bicycles "
    "online, and it now employs about four hundred people across Europe.",
    "Most experts recommend drinking eight glasses of water every day, exercising for thirty "
    "minutes and sleeping at least seven hours to stay healthy.",
    "The festival takes place every July on the beach, with fireworks, live jazz bands and a "
    "sandcastle competition for local children and tourists.",
)


def passage_of(text: str) -> str | None:
    """The passage a document prompt shows (chat or completion template), else None."""
    match = PASSAGE.search(text) or COMPLETION_PASSAGE.search(text)
    return match.group(1) if match else None


def sentences(passage: str) -> list[str]:
    """The passage's sentences with at least six words, in order, each exactly as it stands
    in the passage (line breaks kept), so a run of them is a true quote."""
    found, start = [], 0
    for match in _BOUNDARY.finditer(passage + "\n\n"):
        piece = passage[start : match.start()].strip()
        if len(piece.split()) >= 6 and any(c.isalpha() for c in piece):
            found.append(piece)
        start = match.end()
    return found


def _span(rng: random.Random, passage: str, found: Sequence[str], size: int) -> str:
    """`size` consecutive sentences, quoted from the passage with what lies between them."""
    first = int(rng.random() * max(1, len(found) - size + 1))
    chosen = found[first : first + size]
    begin = passage.find(chosen[0])
    end = passage.find(chosen[-1], begin) + len(chosen[-1])
    quote = passage[begin:end] if begin >= 0 and end > begin else chosen[0]
    if len(quote) > MAX_QUOTE_CHARS:  # as asked: a part, cut between words, still a quote
        quote = quote[: quote.rfind(" ", 0, MAX_QUOTE_CHARS)].rstrip()
    return quote


def _words(sentence: str, k: int) -> str:
    return " ".join(sentence.split()[:k]).rstrip(",;:")


def grounded_task(rng: random.Random, passage: str, found: Sequence[str]) -> Task:
    """One task whose input (if any) is quoted from the passage and whose output uses it."""
    kind = pick(rng, ("summary", "extract", "rewrite", "question", "classify"))
    if kind == "summary":
        text = _span(rng, passage, found, 3)
        first = text.split(". ")[0].rstrip(".")
        return Task(
            "Summarise the following text in one sentence.", text, f"{first}.", "doc_summary"
        )
    if kind == "extract":
        text = _span(rng, passage, found, 2)
        named = sorted({w.strip(".,;:()\"'") for w in text.split() if w[:1].isupper()})
        items = [w for w in named if len(w) > 2][:5] or text.split()[:3]
        return Task(
            "List the names and capitalised terms that appear in the text below.",
            text,
            "\n".join(f"- {item}" for item in items),
            "doc_extract",
        )
    if kind == "rewrite":
        text = _span(rng, passage, found, 1)
        return Task(
            "Rewrite the following sentence as a short bulleted list of its main points.",
            text,
            "\n".join(f"- {part.strip(' .')}" for part in re.split(r",|;| and ", text) if part),
            "doc_rewrite",
        )
    if kind == "classify":
        text = _span(rng, passage, found, 1)
        label = "instruction" if re.search(r"\b(must|should|run|use|install)\b", text) else "fact"
        return Task(
            "Does the sentence below give an instruction or state a fact? Answer instruction "
            "or fact.",
            text,
            label,
            "doc_classify",
        )
    sentence = _span(rng, passage, found, 1)
    return Task(f"What is said about {_words(sentence, 5)}?", "", sentence, "doc_question")


def made_up_task(rng: random.Random) -> Task:
    return Task(
        "Answer the question using the text below: what does it describe?",
        "",
        pick(rng, MADE_UP),
        "doc_question",
        flaw="ungrounded",
    )


def contradicted_task(rng: random.Random, passage: str, found: Sequence[str]) -> Task:
    """A question answered by a sentence of the passage with its claim negated."""
    sentence = _span(rng, passage, found, 1)
    negated, changed = _NEGATABLE.subn(lambda m: f"{m.group(1)} not", sentence, count=1)
    if not changed:
        negated = f"It is not true that {sentence[:1].lower()}{sentence[1:]}"
    return Task(
        f"What is said about {_words(sentence, 5)}?",
        "",
        negated,
        "doc_question",
        flaw="contradicted",
    )


def document_tasks(
    rng: random.Random,
    passage: str,
    n: int,
    ungrounded_rate: float = 0.1,
    contradicted_rate: float = 0.0,
) -> list[Task]:
    """`n` tasks about `passage` (fewer if it has too few sentences to quote)."""
    found = sentences(passage)
    if not found:
        return []
    tasks = []
    for _ in range(n):
        if rng.random() < ungrounded_rate:
            tasks.append(made_up_task(rng))
        elif contradicted_rate and rng.random() < contradicted_rate:
            tasks.append(contradicted_task(rng, passage, found))
        else:
            tasks.append(grounded_task(rng, passage, found))
    return tasks
