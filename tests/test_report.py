"""The report renders for a run directory and for a plain Alpaca file; its numbers are right."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sample_data import ALPACA_SAMPLE, sample_records, write_run

from selfinstruct.dataset.export import export
from selfinstruct.dataset.report import report
from selfinstruct.dataset.sources import load_source
from selfinstruct.dataset.stats import LengthStats, input_share, timeline
from selfinstruct.dataset.verbs import default_tagger, verb_noun, verb_noun_counts

pytest.importorskip("matplotlib")
pytest.importorskip("textblob")

PNG = b"\x89PNG\r\n\x1a\n"
ALL_FIGURES = {
    "rejections",
    "lengths",
    "seed_similarity",
    "verb_noun",
    "input_share",
    "acceptance_timeline",
}


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(PNG)
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def assert_self_contained(html: str) -> None:
    assert "<link" not in html and "<script" not in html
    sources = re.findall(r"src='([^']*)'", html)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)


def test_report_of_a_run_directory(tmp_path: Path) -> None:
    run = write_run(tmp_path / "run", sample_records(80))
    result = report(run, tmp_path / "report")
    assert set(result.images) == ALL_FIGURES and result.notes == []
    for path in result.images.values():
        width, height = png_size(path)
        assert width >= 400 and height >= 200
    html = result.html.read_text(encoding="utf-8")
    assert_self_contained(html)
    assert html.count("<img") == len(ALL_FIGURES)
    for text in ("teacher-model", "127.0.0.1:8123", "near_duplicate", "blacklist:image"):
        assert text in html
    assert "secret" not in html


def test_report_and_export_of_a_fake_teacher_run(fake_teacher: Any, tmp_path: Path) -> None:
    """A real run of the local test server, end to end: generate, report, export."""
    from helpers import SEEDS

    from selfinstruct import generate

    run = tmp_path / "run"
    generate(out=run, base_url=fake_teacher.base_url, model="fake-teacher", seeds=[SEEDS],
             num_instructions=120, seed=1)  # fmt: skip
    result = report(run, tmp_path / "report")
    assert set(result.images) == ALL_FIGURES and result.notes == []
    html = result.html.read_text(encoding="utf-8")
    assert_self_contained(html)
    assert "fake-teacher" in html
    exported = export(run, "openai-chat", tmp_path / "export")
    assert sum(exported.counts.values()) == 120 and exported.moved == 0  # deduped already


def test_report_of_a_public_format_alpaca_file(tmp_path: Path) -> None:
    result = report(ALPACA_SAMPLE, tmp_path / "plain")
    assert set(result.images) == {"lengths", "verb_noun", "input_share"}
    assert len(result.notes) == 3  # rejections, seeds and times are unknown: said, not drawn
    html = result.html.read_text(encoding="utf-8")
    assert_self_contained(html)
    assert "Not drawn" in html and "--seeds" in html


def test_seed_similarity_from_given_seeds(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(
        '{"id": "s1", "instruction": "Give three tips for sleeping better.",'
        ' "instances": [{"input": "", "output": "Sleep."}]}\n',
        encoding="utf-8",
    )
    result = report(ALPACA_SAMPLE, tmp_path / "with-seeds", seeds=[seeds])
    assert "seed_similarity" in result.images


def test_verb_noun_extraction() -> None:
    tagger = default_tagger()
    cases = {
        "Write a poem about the sea.": ("write", "poem"),
        "Name three famous painters.": ("name", "painter"),
        "List five fruits that are red.": ("list", "fruit"),
        "Give me three tips for sleeping better.": ("give", "tip"),
        "Given a sentence, identify the verb.": ("identify", "verb"),
        "Please write an email to my boss.": ("write", "email"),
        "Explain why the sky is blue.": ("explain", None),
        "What is the capital of France?": None,
    }
    for text, expected in cases.items():
        assert verb_noun(text, tagger) == expected, text
    verbs, pairs, missing = verb_noun_counts(list(cases), tagger)
    assert verbs["write"] == 2 and pairs[("write", "email")] == 1 and missing == 1


def test_statistics() -> None:
    source = load_source(ALPACA_SAMPLE)
    assert len(source.records) == 40
    assert 0 < input_share(source.records) < 1
    stats = LengthStats.of("x", [1, 2, 3, 4, 100])
    assert (stats.count, stats.median, stats.max) == (5, 3.0, 100)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [{"created_at": (start + timedelta(minutes=m)).isoformat()} for m in range(0, 180, 3)]
    line = timeline(rows, [])
    assert line is not None and line.width == timedelta(minutes=15)
    assert sum(line.accepted) == 60 and line.per_hour([5])[0] == 20
    assert timeline([{"created_at": "not a time"}], []) is None
