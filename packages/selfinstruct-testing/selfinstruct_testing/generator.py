"""The fake teacher's brain: reads a prompt, decides what kind of prompt it is, and answers
with realistic, deterministic tasks.

An identical request gives an identical answer (the random stream is seeded from a hash of the
messages, the request's seed and temperature, and the generator's seed), so tests can compare
runs, and different requests (other demonstrations) give different answers.

Real teachers make mistakes, and the filters exist to catch them, so a share of the tasks is
deliberately bad; the shares are attributes, which a test can set to 0 (or raise).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from selfinstruct.methods.prompts import render_task_block
from selfinstruct_testing import document_tasks as documents
from selfinstruct_testing import judge_answers as judge
from selfinstruct_testing import self_instruct_answers as self_instruct
from selfinstruct_testing.kinds import KINDS
from selfinstruct_testing.render import draw_style, render_json, render_text
from selfinstruct_testing.words import Task, decorate, pick, reword

MODALITY = (
    ("Draw a diagram of {x}.", "", "[A labelled diagram showing {x}.]"),
    ("Describe the image below.", "<image>", "The image shows a small harbour at sunset."),
    (
        "Listen to the attached audio clip and transcribe it.",
        "audio_clip_03.mp3",
        "Hello and welcome to today's episode.",
    ),
    (
        "Watch the video at https://www.youtube.com/watch?v=dQw4w9WgXcQ and summarise it.",
        "",
        "The video explains {x} in about five minutes.",
    ),
    ("Create a bar chart showing {x}.", "", "[Bar chart]"),
    ("Design a logo for a company that specialises in {x}.", "", "[Logo image]"),
    ("Look at the photo and count the people in it.", "<photo>", "There are seven people."),
    ("Record yourself reading this poem aloud.", "The fog comes on little cat feet.", "[Audio]"),
)
MODALITY_TOPICS = (
    "the water cycle",
    "how a bill becomes law",
    "the layers of the Earth",
    "monthly rainfall in London",
    "the parts of a flower",
    "renewable energy",
    "the structure of a cell",
    "a company's sales by region",
)
REFUSALS = (
    "As an AI language model, I cannot perform this task.",
    "I'm sorry, but as an AI language model I do not have access to that information.",
    "As an AI, I don't have personal opinions or experiences.",
    "I'm sorry, I can't help with that request.",
)
SHORT_INSTRUCTIONS = (
    "Summarize this.",
    "Translate.",
    "Explain.",
    "Write a poem.",
    "Fix it.",
    "Continue the story.",
    "Classify.",
    "Answer the question.",
)
OTHER_LANGUAGES = {
    "zh": (
        (
            "用三句话解释为什么天空是蓝色的。",
            "",
            "阳光包含多种颜色。空气分子对蓝光的散射比红光强得多。所以我们看到的天空是蓝色的。",
        ),
        ("把下面的句子改写得更正式。", "明天开会别迟到啊", "请各位准时参加明天的会议。"),
    ),
    "ru": (
        (
            "Назовите три способа сэкономить электричество дома.",
            "",
            "1. Выключать свет в пустых комнатах.\n2. Использовать светодиодные лампы.\n3. "
            "Стирать при низкой температуре.",
        ),
        (
            "Определите тональность отзыва: положительная или отрицательная.",
            "Доставка быстрая, всё работает отлично.",
            "Положительная",
        ),
    ),
    "ar": (
        (
            "اكتب جملة واحدة تلخص فوائد المشي اليومي.",
            "",
            "يحسن المشي اليومي صحة القلب والمزاج ويساعد على النوم الجيد.",
        ),
        (
            "صنّف الرسالة التالية: بريد مزعج أم لا؟",
            "مبروك! لقد ربحت جائزة، اضغط على الرابط.",
            "بريد مزعج",
        ),
    ),
}
UNKNOWN_ANSWERS = (
    "Sure, I can help with that. Could you tell me a little more about what you need?",
    "That is an interesting question; the short answer is that it depends on the context.",
    "Here is a brief answer: yes, that should work as described.",
    "I have read your message. Let me know which part you would like me to expand on.",
)

#: Prompt kinds answered here, checked against the last user message after the Self-Instruct
#: steps (`self_instruct_answers.detect`); the first match wins. To add one, add a pattern and a
#: `TaskGenerator._answer_<kind>` method.
PROMPT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("document_batch", re.compile(r"grounded in the passage, numbered 1 to (\d+)")),
    ("alpaca_batch", re.compile(r"numbered 1 to (\d+)")),
)


def message_text(content: Any) -> str:
    """A message's text, whether `content` is a string or a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def detect_prompt(messages: Sequence[Mapping[str, Any]]) -> tuple[str, dict[str, Any]]:
    """(kind, parameters) of a chat prompt, from its last user message; ("unknown", {}) else."""
    users = [m for m in messages if m.get("role") == "user"]
    text = message_text(users[-1].get("content")) if users else ""
    found = self_instruct.detect(text)  # the four Self-Instruct steps
    if found is not None:
        return found
    for kind, pattern in PROMPT_PATTERNS:
        match = pattern.search(text)
        if match:
            return kind, {"n": int(match.group(1)), "text": text}
    return "unknown", {"text": text}


def request_rng(body: Mapping[str, Any], seed: int) -> random.Random:
    """The random stream for one request: same messages, seed and temperature, same stream."""
    key = json.dumps(
        [body.get("messages", body.get("prompt")), body.get("seed"), body.get("temperature"), seed],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


class TaskGenerator:
    """Deterministic, realistic teacher answers; the flaw rates are per task."""

    def __init__(
        self,
        seed: int = 0,
        *,
        messiness: float = 1.0,
        repeat_rate: float = 0.02,
        near_duplicate_rate: float = 0.03,
        modality_rate: float = 0.02,
        refusal_rate: float = 0.01,
        short_instruction_rate: float = 0.01,
        empty_output_rate: float = 0.01,
        input_equals_output_rate: float = 0.01,
        languages: Mapping[str, float] | None = None,
        judge_malformed_rate: float = 0.0,
        contradicted_rate: float = 0.0,
    ) -> None:
        self.seed = seed
        #: share of judge answers that are prose instead of JSON (`judge_answers`)
        self.judge_malformed_rate = judge_malformed_rate
        self.messiness = messiness
        self.repeat_rate = repeat_rate
        self.near_duplicate_rate = near_duplicate_rate
        self.modality_rate = modality_rate
        self.refusal_rate = refusal_rate
        self.short_instruction_rate = short_instruction_rate
        self.empty_output_rate = empty_output_rate
        self.input_equals_output_rate = input_equals_output_rate
        self.languages = dict(languages or {})
        #: share of `--documents` tasks whose output the passage does not support
        self.ungrounded_rate = 0.1
        #: share answered with a sentence of the passage negated (`document_tasks`)
        self.contradicted_rate = contradicted_rate
        self._kinds = KINDS
        total = sum(w for _, w, _, _ in KINDS)
        self._cum = []
        acc = 0.0
        for _, w, _, _ in KINDS:
            acc += w / total
            self._cum.append(acc)

    @classmethod
    def clean(cls, seed: int = 0) -> TaskGenerator:
        """A generator with no flaws and the canonical layout: what a perfect teacher writes."""
        return cls(
            seed,
            messiness=0.0,
            repeat_rate=0,
            near_duplicate_rate=0,
            modality_rate=0,
            refusal_rate=0,
            short_instruction_rate=0,
            empty_output_rate=0,
            input_equals_output_rate=0,
        )

    # ---- tasks -------------------------------------------------------------------------
    def good_task(self, rng: random.Random) -> Task:
        """One well-formed task of a randomly chosen kind."""
        for lang, share in self.languages.items():
            if rng.random() < share and lang in OTHER_LANGUAGES:
                instruction, inp, out = pick(rng, OTHER_LANGUAGES[lang])
                return Task(instruction, inp, out, f"lang_{lang}")
        i = min(bisect.bisect_right(self._cum, rng.random()), len(self._cum) - 1)
        _, _, maker, (p_aud, p_why, p_con) = self._kinds[i]
        t = maker(rng)
        return Task(decorate(rng, t.instruction, p_aud, p_why, p_con), t.input, t.output, t.kind)

    def task(self, rng: random.Random, earlier: Sequence[Task] = ()) -> Task:
        """One task, possibly flawed; `earlier` are the answer's previous tasks (for repeats)."""
        u = rng.random()
        for rate, flaw in (
            (self.repeat_rate, self._repeat),
            (self.near_duplicate_rate, self._near_duplicate),
            (self.modality_rate, self._modality),
            (self.refusal_rate, self._refusal),
            (self.short_instruction_rate, self._short),
            (self.empty_output_rate, self._empty),
            (self.input_equals_output_rate, self._echo),
        ):
            if u < rate:
                flawed = flaw(rng, earlier)
                if flawed is not None:
                    return flawed
                break
            u -= rate
        return self.good_task(rng)

    def tasks(self, rng: random.Random, n: int) -> list[Task]:
        out: list[Task] = []
        for _ in range(n):
            out.append(self.task(rng, out))
        return out

    def generate(self, n: int, seed: int | None = None) -> list[Task]:
        """n tasks without going through a prompt: for tests of parsers, filters and dedup."""
        return self.tasks(random.Random(self.seed if seed is None else seed), n)

    def _repeat(self, rng: random.Random, earlier: Sequence[Task]) -> Task | None:
        return replace(pick(rng, earlier), flaw="repeat") if earlier else None

    def _near_duplicate(self, rng: random.Random, earlier: Sequence[Task]) -> Task | None:
        base = pick(rng, earlier) if earlier else self.good_task(rng)
        return replace(base, instruction=reword(rng, base.instruction), flaw="near_duplicate")

    def _modality(self, rng: random.Random, earlier: Sequence[Task]) -> Task:
        instruction, inp, out = pick(rng, MODALITY)
        x = pick(rng, MODALITY_TOPICS)
        return Task(instruction.format(x=x), inp, out.format(x=x), "modality", "modality")

    def _refusal(self, rng: random.Random, earlier: Sequence[Task]) -> Task:
        return replace(self.good_task(rng), output=pick(rng, REFUSALS), flaw="refusal")

    def _short(self, rng: random.Random, earlier: Sequence[Task]) -> Task:
        return replace(
            self.good_task(rng), instruction=pick(rng, SHORT_INSTRUCTIONS), flaw="short_instruction"
        )

    def _empty(self, rng: random.Random, earlier: Sequence[Task]) -> Task:
        return replace(self.good_task(rng), output="", flaw="empty_output")

    def _echo(self, rng: random.Random, earlier: Sequence[Task]) -> Task:
        base = self.good_task(rng)
        text = base.input or base.output
        return replace(base, input=text, output=text, flaw="input_equals_output")

    # ---- answers -----------------------------------------------------------------------
    def respond(self, body: Mapping[str, Any]) -> tuple[str, str]:
        """(content, finish_reason) for a chat-completions request body."""
        rng = request_rng(body, self.seed)
        texts = judge.message_texts(body.get("messages") or [])
        if judge.is_judge_prompt(texts):
            return judge.answer(rng, texts, self.judge_malformed_rate), "stop"
        kind, params = detect_prompt(body.get("messages") or [])
        if kind in self_instruct.KINDS:
            return self_instruct.answer(self, rng, kind, params), "stop"
        handler = getattr(self, f"_answer_{kind}", self._answer_unknown)
        return handler(rng, params, wants_json=_wants_json(body)), "stop"

    def complete(self, body: Mapping[str, Any]) -> tuple[str, str]:
        """(text, finish_reason) for a legacy completions request (a prompt string)."""
        prompt = body.get("prompt", "")
        prompt = prompt if isinstance(prompt, str) else "".join(map(str, prompt))
        if documents.passage_of(prompt) is not None:
            return self._continue_document(request_rng(body, self.seed), prompt, body), "stop"
        return self.respond({**body, "messages": [{"role": "user", "content": prompt}]})

    def answer_text(self, rng: random.Random, n: int) -> str:
        """n tasks written down as a (messy) teacher would."""
        tasks = self.tasks(rng, n)
        if self.messiness and rng.random() < 0.02 * self.messiness and n > 2:
            tasks = tasks[:-1]  # teachers sometimes stop one task short
        return render_text(draw_style(rng, self.messiness, n), tasks)

    def _answer_alpaca_batch(
        self, rng: random.Random, params: dict[str, Any], wants_json: bool = False
    ) -> str:
        n = max(0, min(int(params["n"]), 200))
        if wants_json:
            return render_json(self.tasks(rng, n))
        return self.answer_text(rng, n)

    def _answer_document_batch(
        self, rng: random.Random, params: dict[str, Any], wants_json: bool = False
    ) -> str:
        n = max(0, min(int(params["n"]), 200))
        passage = documents.passage_of(params["text"]) or ""
        tasks = documents.document_tasks(
            rng, passage, n, self.ungrounded_rate, self.contradicted_rate
        )
        return render_json(tasks) if wants_json else self.answer_text_of(rng, tasks)

    def answer_text_of(self, rng: random.Random, tasks: Sequence[Task]) -> str:
        return render_text(draw_style(rng, self.messiness, len(tasks)), tasks)

    def _continue_document(self, rng: random.Random, prompt: str, body: Mapping[str, Any]) -> str:
        """A completion prompt open at `K. Instruction:`: the rest of task K and up to the
        stop (`K+n. Instruction`), in the canonical layout, without the opening."""
        opened = re.search(r"(\d+)\. Instruction:$", prompt)
        first = int(opened.group(1)) if opened else 1
        stops = [s for s in body.get("stop") or [] if re.match(r"\d+\. Instruction", s)]
        n = int(stops[0].split(".")[0]) - first if stops else 1
        passage = documents.passage_of(prompt) or ""
        tasks = documents.document_tasks(
            rng, passage, max(1, n), self.ungrounded_rate, self.contradicted_rate
        )
        text = "".join(
            render_task_block(first + i, t.instruction, t.input, t.output)
            for i, t in enumerate(tasks)
        )
        return text.removeprefix(f"###\n{first}. Instruction:")

    def _answer_unknown(
        self, rng: random.Random, params: dict[str, Any], wants_json: bool = False
    ) -> str:
        text = pick(rng, UNKNOWN_ANSWERS)
        return json.dumps({"answer": text}) if wants_json else text


def _wants_json(body: Mapping[str, Any]) -> bool:
    fmt = body.get("response_format")
    return isinstance(fmt, Mapping) and fmt.get("type") in ("json_schema", "json_object")
