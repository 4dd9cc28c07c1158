"""Chinese, Japanese, Russian, Arabic and mixed-script tasks pass every stage unharmed, and
their near-duplicates are caught with the Unicode tokenizer."""

from __future__ import annotations

import json

from helpers import SEEDS, read_jsonl

from selfinstruct import generate
from selfinstruct.methods.prompts import render_task_block

TASKS = [
    ("请用一句话总结下面这段文字的主要内容。", "今天的会议讨论了明年的预算和招聘计划。", "会议讨论了明年的预算和招聘。"),
    ("请用一句话概括下面这段文字的主要内容。", "今天的会议讨论了明年的预算和招聘计划。", "会议讨论了预算与招聘。"),  # near-duplicate
    ("次の文を丁寧な日本語に書き直してください。", "明日行けない。", "明日は伺うことができません。"),
    ("Объясните простыми словами, почему небо голубое.", "", "Солнечный свет рассеивается в воздухе, и синий свет рассеивается сильнее всего."),
    ("Объясните простыми словами, почему небо голубое днём.", "", "Синий свет рассеивается сильнее."),  # near-duplicate
    ("اكتب جملة قصيرة ترحب فيها بزميل جديد في الفريق.", "", "أهلاً بك في فريقنا، يسعدنا انضمامك إلينا!"),
    ("Translate the word 'library' into Spanish and 中文.", "", "biblioteca; 图书馆"),
]


def answer(_body):
    text = "".join(render_task_block(i + 1, *task) for i, task in enumerate(TASKS)) + "###"
    return text, "stop"


def test_non_english_tasks_pass_every_stage(fake_teacher_factory, tmp_path):
    server = fake_teacher_factory(responder=answer)
    out = tmp_path / "run"
    summary = generate(out=out, base_url=server.base_url, model="fake-teacher", seeds=[SEEDS],
                       num_instructions=5, tokenizer="unicode", max_requests=1, stall_requests=0)
    data = read_jsonl(out / "data.jsonl")
    kept = {(d["instruction"], d["input"], d["output"]) for d in data}
    expected = {TASKS[i] for i in (0, 2, 3, 5, 6)}
    assert kept == expected, summary
    rejected = read_jsonl(out / "rejected.jsonl")
    near = {r["instruction"]: r for r in rejected if r["reason"] == "near_duplicate"}
    assert set(near) == {TASKS[1][0], TASKS[4][0]}
    assert near[TASKS[1][0]]["neighbour"] == TASKS[0][0]
    raw = (out / "data.jsonl").read_text(encoding="utf-8")
    assert "请用一句话" in raw and "\\u" not in raw  # UTF-8 as is, never escaped
    for line in raw.splitlines():
        json.loads(line)


def test_default_tokenizer_keeps_paper_exact_scores(fake_teacher_factory, tmp_path):
    """The paper-exact tokenizer sees no token in CJK text: the near-duplicates slip through."""
    server = fake_teacher_factory(responder=answer)
    out = tmp_path / "run"
    generate(out=out, base_url=server.base_url, model="fake-teacher", seeds=[SEEDS],
             num_instructions=7, max_requests=1, stall_requests=0)
    instructions = {d["instruction"] for d in read_jsonl(out / "data.jsonl")}
    assert TASKS[1][0] in instructions  # scored 0 against its twin by the default tokenizer
