"""The fake teacher's side of `--method self-instruct`: it tells the four prompts apart
(bootstrap, classification, its retry, label-first and input-first instances) and answers
each the way a chat model does, flaws included, so every rule of the method is exercised.

The fake cannot know what a new instruction means, so it guesses the task kind from the
words it shares with each kind's instructions and writes instances of that kind: stateless,
so an identical request always gets an identical answer, whatever the server saw before.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Protocol

from selfinstruct.methods.prompts import NO_INPUT
from selfinstruct_testing.data_tasks import CLASSIFIERS, make_classify
from selfinstruct_testing.kinds import KINDS as TASK_KINDS
from selfinstruct_testing.words import Task, decorate, pick


class TaskGenerator(Protocol):
    """What the answers need of `generator.TaskGenerator` (kept structural: no import cycle)."""

    messiness: float

    def task(self, rng: random.Random, earlier: Sequence[Task] = ()) -> Task: ...


#: The task an instance prompt is about is the last block (demonstration blocks come first);
#: `(?:(?!\n###\n).)+?` cannot cross a block separator, so only the last block matches.
_LAST_TASK = r"\n###\nTask: ((?:(?!\n###\n).)+?)\n\nWrite up to (\d+) examples for this task"

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("si_bootstrap", re.compile(r"Continue the list with (\d+) new tasks, numbered (\d+) to")),
    ("si_classify_retry", re.compile(r"Answer with exactly one word, yes or no\..*\nTask: (.+)")),
    ("si_classify", re.compile(r"\nTask: (.+)\nClassification task:\s*\Z")),
    ("si_label_first", re.compile(_LAST_TASK + ", label first", re.S)),
    ("si_input_first", re.compile(_LAST_TASK + ", input first", re.S)),
)

KINDS = frozenset(kind for kind, _ in PATTERNS)

CLASSIFICATION_HINT = re.compile(
    r"\b(classify|categori[sz]e|category|categories|label|sentiment|spam|which queue|tag this|"
    r"route the|positive|negative|true or false|yes or no|which (?:emotion|section|team))\b",
    re.IGNORECASE,
)
CHATTY_VERDICTS = (
    "Yes, this is a classification task, since the answer is one of a few labels.",
    "No. The task asks for a written answer rather than a label.",
    "I would say it is not a classification task.",
    "This could be seen as classification, depending on how it is framed.",
)
PREAMBLES = ("Here are more tasks:", "Sure! Continuing the list:", "Okay, here you go:")
TRAILERS = ("I hope these tasks are useful!", "Let me know if you would like more tasks.")
EXAMPLE_PREAMBLES = ("Here are some examples:", "Sure, here are examples for this task:")
REFUSALS = (
    "As an AI language model, I cannot complete this example.",
    "I'm sorry, but I can't help with that request.",
)


def detect(text: str) -> tuple[str, dict[str, Any]] | None:
    """(kind, parameters) when `text` is one of the Self-Instruct prompts, else None."""
    for kind, pattern in PATTERNS:
        match = pattern.search(text)
        if match:
            return kind, {"groups": match.groups(), "text": text}
    return None


def answer(generator: TaskGenerator, rng: random.Random, kind: str, params: dict[str, Any]) -> str:
    """The fake teacher's answer to a prompt `detect` recognised."""
    groups = params["groups"]
    if kind == "si_bootstrap":
        return bootstrap_answer(generator, rng, int(groups[0]), int(groups[1]))
    if kind in ("si_classify", "si_classify_retry"):
        return verdict_answer(generator, rng, groups[0], retry=kind == "si_classify_retry")
    k = max(1, min(int(groups[1]), 20))
    if kind == "si_label_first":
        return label_first_answer(generator, rng, groups[0], k)
    return input_first_answer(generator, rng, groups[0], k)


def _chance(generator: TaskGenerator, rng: random.Random, p: float) -> bool:
    return rng.random() < p * generator.messiness


# -- step 1 ---------------------------------------------------------------------------------
def bootstrap_answer(generator: TaskGenerator, rng: random.Random, n: int, start: int) -> str:
    tasks: list[Task] = []
    for _ in range(max(0, min(n, 100))):
        if rng.random() < 0.12:  # chat teachers write fewer classification tasks than asked
            task = make_classify(rng)
            tasks.append(Task(decorate(rng, task.instruction, 0.3, 0.3, 0.3), "", "", "classify"))
        else:
            tasks.append(generator.task(rng, tasks))
    style = rng.random()
    lines = [pick(rng, PREAMBLES), ""] if _chance(generator, rng, 0.3) else []
    for number, task in enumerate(tasks, start=start):
        text = " ".join(task.instruction.split())
        if style < 0.1 * generator.messiness:
            lines.append(f"Task {number}: {text}")
        elif style < 0.15 * generator.messiness:
            lines.append(f"{number}) **{text}**")
        else:
            lines.append(f"{number}. {text}")
    if _chance(generator, rng, 0.2):
        lines += ["", pick(rng, TRAILERS)]
    return "\n".join(lines)


# -- step 2 ---------------------------------------------------------------------------------
def is_classification(instruction: str) -> bool:
    kind = guess_kind(instruction)
    return (
        kind == "classify" or kind.startswith("_") or bool(CLASSIFICATION_HINT.search(instruction))
    )


def verdict_answer(
    generator: TaskGenerator, rng: random.Random, instruction: str, retry: bool
) -> str:
    word = "yes" if is_classification(instruction) else "no"
    if _chance(generator, rng, 0.25 if retry else 0.08):
        return pick(rng, CHATTY_VERDICTS)
    if _chance(generator, rng, 0.2):
        return pick(rng, (f"{word.capitalize()}.", f"**{word.capitalize()}**", word.upper()))
    return word


# -- step 3 ---------------------------------------------------------------------------------
STOPWORDS = frozenset(
    {"a", "an", "the", "of", "to", "and", "or", "in", "on", "for", "with", "this", "that"}
    | {"these", "is", "are", "it", "as", "be", "by", "at", "from", "your", "you", "my", "our"}
    | {"i", "we", "me", "its", "their", "them", "they"}
)


def _tokens(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z]+", text.lower()) if w not in STOPWORDS)


def _makers() -> dict[str, Callable[[random.Random], Task]]:
    makers = {kind: maker for kind, _, maker, _ in TASK_KINDS}
    for classifier in CLASSIFIERS:
        makers[classifier.__name__] = _as_task(classifier)
    return makers


def _as_task(
    classifier: Callable[[random.Random], tuple[str, str, str]],
) -> Callable[[random.Random], Task]:
    def make(rng: random.Random) -> Task:
        instruction, text, label = classifier(rng)
        return Task(instruction, text, label, "classify")

    return make


@lru_cache(maxsize=1)
def _bank() -> tuple[tuple[tuple[frozenset[str], str], ...], dict[str, float]]:
    """40 sample instructions of every kind (and of every classifier), and each word's idf
    over them: the words every kind shares (audiences, purposes) then count for little."""
    bank = []
    for kind, maker in _makers().items():
        for i in range(40):
            task = maker(random.Random(f"bank:{kind}:{i}"))
            bank.append((_tokens(task.instruction), kind))
    df = Counter(w for words, _ in bank for w in words)
    idf = {w: math.log(len(bank) / n) for w, n in df.items()}
    return tuple(bank), idf


def _similarity(a: frozenset[str], b: frozenset[str], idf: dict[str, float]) -> float:
    """Jaccard similarity with words weighted by idf."""
    union = sum(idf.get(w, 8.0) for w in a | b)
    return sum(idf.get(w, 8.0) for w in a & b) / union if union else 0.0


def guess_kind(instruction: str, kinds: Sequence[str] | None = None) -> str:
    """The kind of the most similar sample instruction (restricted to `kinds` if given)."""
    words = _tokens(instruction)
    bank, idf = _bank()
    best = max(
        (item for item in bank if kinds is None or item[1] in kinds),
        key=lambda item: _similarity(words, item[0], idf),
    )
    return best[1]


def _closest(kind: str, instruction: str, rng: random.Random, k: int) -> list[Task]:
    """k tasks of `kind` whose instructions are most like `instruction`, distinct inputs:
    their inputs and outputs then fit the instruction's own template (dates, not times)."""
    maker = _makers()[kind]
    words = _tokens(instruction)
    idf = _bank()[1]
    pool = [maker(rng) for _ in range(6 * k)]
    pool.sort(key=lambda t: -_similarity(words, _tokens(t.instruction), idf))
    chosen: list[Task] = []
    seen: set[str] = set()
    for task in pool:
        if task.input not in seen:
            seen.add(task.input)
            chosen.append(task)
    return chosen[:k]


def _examples(
    first: str,
    second: str,
    pairs: list[tuple[str, str]],
    rng: random.Random,
    generator: TaskGenerator,
) -> str:
    numbered = _chance(generator, rng, 0.2)
    bold = _chance(generator, rng, 0.1)
    blocks = []
    for number, (a, b) in enumerate(pairs, start=1):
        one, two = (f"**{first}:**", f"**{second}:**") if bold else (f"{first}:", f"{second}:")
        head = f"Example {number}\n" if numbered else ""
        blocks.append(f"{head}{one} {a}\n{two} {b}")
    text = "\n\n".join(blocks)
    if _chance(generator, rng, 0.15):
        text = f"{pick(rng, EXAMPLE_PREAMBLES)}\n\n{text}"
    if _chance(generator, rng, 0.1):
        text += "\n\nLet me know if you need more examples."
    return text


def label_first_answer(
    generator: TaskGenerator, rng: random.Random, instruction: str, k: int
) -> str:
    kind = guess_kind(instruction, [f.__name__ for f in CLASSIFIERS])
    tasks = _closest(kind, instruction, rng, rng.randint(min(2, k), k))
    pairs = [(t.output, t.input) for t in tasks]
    if len(pairs) > 1 and _chance(generator, rng, 0.05):  # one input given two labels
        other = next((lb for lb, _ in pairs if lb != pairs[0][0]), pairs[0][0] + " or other")
        pairs[-1] = (other, pairs[0][1])
    return _examples("Label", "Input", pairs, rng, generator)


def input_first_answer(
    generator: TaskGenerator, rng: random.Random, instruction: str, k: int
) -> str:
    kind = guess_kind(instruction, [name for name, _, _, _ in TASK_KINDS])
    tasks = _closest(kind, instruction, rng, rng.randint(min(2, k), k))
    if not tasks[0].input:
        tasks = tasks[:1]
    pairs = [(t.input or NO_INPUT, t.output) for t in tasks]
    flaw = rng.random() / max(generator.messiness, 1e-9)
    given, _ = pairs[-1]
    if flaw < 0.02:
        pairs[-1] = (given, "")
    elif flaw < 0.03:
        pairs[-1] = (given, pick(rng, REFUSALS))
    elif flaw < 0.045 and given != NO_INPUT:
        pairs[-1] = (given, given)
    elif flaw < 0.065 and len(pairs) > 1:
        pairs[-1] = (pairs[0][0], pairs[-1][1])  # two different outputs for one input
    return _examples("Input", "Output", pairs, rng, generator)
