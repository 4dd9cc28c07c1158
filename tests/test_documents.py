"""`generate --documents`: real documents we did not write (the long descriptions installed
packages ship in their METADATA, pydoc's HTML of a stdlib module, a PDF matplotlib writes
from such a text), read, chunked, and turned into grounded records against the test server."""

from __future__ import annotations

import itertools
import json
import os
import pydoc
from importlib import metadata
from pathlib import Path

import pytest
from helpers import SEEDS, cli, read_jsonl

from selfinstruct import generate
from selfinstruct.documents.chunk import ChunkSize, chunk_size_for, chunk_text
from selfinstruct.documents.corpus import Corpus
from selfinstruct.documents.read import _stdlib_html_text, read_document
from selfinstruct.errors import ConfigError
from selfinstruct.methods.profiles import get_profile

#: distributions every dev install has, with long real descriptions
PACKAGES = ("openai", "pydantic", "click", "hypothesis")


def real_text(package: str) -> str:
    return metadata.distribution(package).read_text("METADATA") or ""


def write_documents(folder: Path, packages: tuple[str, ...] = PACKAGES) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in packages:
        path = folder / f"{name}.md"
        path.write_text(real_text(name), encoding="utf-8")
        paths.append(path)
    html = folder / "json-module.html"
    import json as json_module

    html.write_text(pydoc.HTMLDoc().page("json", pydoc.HTMLDoc().docmodule(json_module)))
    paths.append(html)
    return paths


def write_pdf(path: Path, text: str | None) -> None:
    """A real PDF (matplotlib's writer): `text` as its text layer, or only an image."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(8.5, 11))
    if text is None:
        figure.figimage([[0.1, 0.9], [0.9, 0.1]] * 50, resize=False)  # a "scan": pixels only
    else:
        for row, line in enumerate(text.splitlines()[:40]):
            figure.text(0.05, 0.95 - row * 0.022, line[:95], fontsize=8)
    figure.savefig(path, format="pdf")
    plt.close(figure)


def run(server, out: Path, documents: list[Path], n: int = 400, **extra):
    return generate(base_url=server.base_url, model="fake-teacher", seeds=[SEEDS],
                    documents=documents, num_instructions=n, seed=3, out=out, **extra)  # fmt: skip


# -- reading and chunking ----------------------------------------------------------------------
def test_chunks_tile_the_text_with_overlap_and_fit_the_size():
    text, _ = read_document_text(real_text("openai"))
    size = ChunkSize(tokens=200, overlap=24)
    chunks = list(chunk_text(text, size))
    assert len(chunks) > 5
    for previous, chunk in itertools.pairwise(chunks):
        assert chunk.start < previous.end, "consecutive chunks overlap"
        assert chunk.start > previous.start
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= size.chars
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def read_document_text(raw: str) -> tuple[str, str]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.md"
        path.write_text(raw, encoding="utf-8")
        return read_document(path)


def test_chunk_size_follows_the_profile_context():
    chat, small = chunk_size_for(get_profile("openai")), chunk_size_for(get_profile("small-local"))
    assert small.tokens < chat.tokens
    tight = get_profile("openai").with_overrides({"context_tokens": 4000})
    assert chunk_size_for(tight, 5000).tokens == 4000 - 3072 - 700


def test_html_and_pdf_give_their_text(tmp_path):
    paths = write_documents(tmp_path, ("click",))
    html_text, _ = read_document(paths[-1])
    assert "JSON (JavaScript Object Notation)" in html_text
    assert "</" not in html_text and "<a href" not in html_text  # no markup left
    # the standard library's parser (no extra installed) finds the same words
    raw = paths[-1].read_text()
    assert set(html_text.split()) <= set(_stdlib_html_text(raw).split()) | {"|"}
    pdf = tmp_path / "click.pdf"
    write_pdf(pdf, real_text("click"))
    pdf_text, _ = read_document(pdf)
    assert "Composable command line interface toolkit" in pdf_text


def test_round_robin_covers_every_document_before_a_second_chunk(tmp_path):
    paths = write_documents(tmp_path / "docs")
    corpus = Corpus([tmp_path / "docs"], ChunkSize(300, 30))
    first = [corpus.chunk(i).span for i in range(len(corpus.documents))]
    assert {s.path for s in first} == {str(p) for p in paths}
    assert all(s.chunk == 0 for s in first)
    assert len(corpus) == sum(d.chunks for d in corpus.documents)
    seen = [(c.span.path, c.span.chunk) for c in corpus.chunks()]
    assert len(set(seen)) == len(seen), "a chunk is used twice"


def test_bad_documents_are_one_line_each_and_the_rest_is_used(tmp_path):
    docs = tmp_path / "docs"
    write_documents(docs, ("click",))
    (docs / "empty.txt").write_text("")
    (docs / "latin1.txt").write_bytes("Caf\xe9 au lait, cr\xe8me br\xfbl\xe9e.\n".encode("latin-1"))
    with open(docs / "huge.txt", "wb") as handle:  # 2 GB, sparse: refused before it is read
        handle.truncate(2 * 1024**3)
    write_pdf(docs / "scanned.pdf", None)
    result = cli("generate", "--dry-run", "--documents", str(docs), "--seeds", str(SEEDS),
                 "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--out",
                 str(tmp_path / "out"), timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    for name, why in (("empty.txt", "no text"), ("latin1.txt", "UTF-8"),
                      ("huge.txt", "larger than"), ("scanned.pdf", "scanned PDF")):  # fmt: skip
        mine = [line for line in lines if name in line]
        assert len(mine) == 1 and why in mine[0], (name, lines)
        assert "the other documents are used" in mine[0]
    assert "Traceback" not in result.stderr
    assert "dry run" in result.stdout


def test_no_usable_document_is_one_line_and_a_failure(tmp_path):
    (tmp_path / "empty.md").write_text("   \n")
    result = cli("generate", "--dry-run", "--documents", str(tmp_path / "empty.md"),
                 "--documents", str(tmp_path / "missing"), "--seeds", str(SEEDS),
                 "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--out",
                 str(tmp_path / "out"))  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "no usable document" in result.stderr
    assert "empty.md" in result.stderr and "missing" in result.stderr


# -- generation --------------------------------------------------------------------------------
def test_records_are_grounded_in_their_chunk_with_provenance(fake_teacher, tmp_path):
    docs = write_documents(tmp_path / "docs")
    summary = run(fake_teacher, tmp_path / "run", [tmp_path / "docs"], records_per_chunk=4)
    records = read_jsonl(tmp_path / "run" / "records.jsonl")
    corpus = Corpus([tmp_path / "docs"], chunk_size_for(get_profile("openai")))
    assert summary.stop is not None and summary.stop.kind == "exhausted"
    assert summary.requests == len(corpus)  # one request a chunk, each chunk once
    texts = {str(p): read_document(p) for p in docs}
    per_chunk: dict[tuple[str, int], int] = {}
    quoted = 0
    for record in records:
        span = record["document"]
        text, sha = texts[span["path"]]
        assert span["sha256"] == sha
        chunk = text[span["start"] : span["end"]]
        assert chunk == corpus.chunk(record["request_index"]).text
        key = (span["path"], span["chunk"])
        per_chunk[key] = per_chunk.get(key, 0) + 1
        if record["input"]:
            assert record["input"] in chunk, "an input is quoted from its chunk"
            quoted += 1
    assert max(per_chunk.values()) <= 4
    assert quoted > len(records) / 2
    assert {r["document"]["path"] for r in records} == {str(p) for p in docs}
    # the made-up answers of the test teacher are caught, and only they
    rejected = read_jsonl(tmp_path / "run" / "rejected.jsonl")
    ungrounded = [r for r in rejected if r["reason"] == "ungrounded"]
    assert ungrounded
    from selfinstruct_testing.document_tasks import MADE_UP

    assert all(r["output"] in MADE_UP for r in ungrounded)
    assert not any(r["output"] in MADE_UP for r in records)
    manifest = json.loads((tmp_path / "run" / "run.json").read_text())
    files = manifest["documents"]["files"]
    assert [f["path"] for f in files] == [str(p) for p in sorted(docs)]


def without_time(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "created_at"}


def test_resume_replays_and_other_documents_are_refused(fake_teacher, tmp_path):
    write_documents(tmp_path / "docs", ("click", "openai"))
    first = run(fake_teacher, tmp_path / "run", [tmp_path / "docs"], n=12)
    assert first.accepted == 12
    before = read_jsonl(tmp_path / "run" / "records.jsonl")
    again = run(fake_teacher, tmp_path / "run", [tmp_path / "docs"], n=20)
    after = read_jsonl(tmp_path / "run" / "records.jsonl")
    assert after[: len(before)] == before
    assert again.accepted == 20
    # the units after the first session's are those of a run made in one go: each unit's
    # prompt depends only on the seed and its chunk (the first session's last unit lost its
    # records over the target, as any run's does)
    run(fake_teacher, tmp_path / "whole", [tmp_path / "docs"], n=40)
    last = before[-1]["request_index"]
    whole = read_jsonl(tmp_path / "whole" / "records.jsonl")

    def later(rows: list[dict]) -> list[tuple]:
        return [(r["request_index"], r["instruction"], r["input"], r["output"], r["document"])
                for r in rows if r["request_index"] > last]  # fmt: skip

    resumed = later(after)
    assert resumed and resumed == later(whole)[: len(resumed)]
    (tmp_path / "docs" / "click.md").write_text(real_text("hypothesis"))
    with pytest.raises(ConfigError, match="other documents or chunking"):
        run(fake_teacher, tmp_path / "run", [tmp_path / "docs"], n=30)
    with pytest.raises(ConfigError, match="started from documents"):
        generate(base_url=fake_teacher.base_url, model="fake-teacher", seeds=[SEEDS], seed=3,
                 num_instructions=30, out=tmp_path / "run")  # fmt: skip


def test_dry_run_prices_at_most_one_request_a_chunk(tmp_path):
    from selfinstruct.config import GenerateConfig
    from selfinstruct.run.build import plan_run
    from selfinstruct.run.estimate import estimate

    write_documents(tmp_path / "docs", ("click", "openai"))
    config = GenerateConfig(seeds=[SEEDS], documents=[tmp_path / "docs"], base_url="http://x/v1",
                            model="gpt-4o-mini", num_instructions=100_000, out=tmp_path / "o")  # fmt: skip
    plan = plan_run(config)
    assert plan.corpus is not None
    found = estimate(plan)
    assert found.requests == len(plan.corpus)
    # the prompt holds the chunk: more tokens than the chunk's own text alone
    chunk_tokens = sum(len(c.text) for c in plan.corpus.chunks()) / 4
    assert found.prompt_tokens > chunk_tokens


def test_small_local_profile_gets_grounded_completion_prompts(fake_teacher, tmp_path):
    docs = write_documents(tmp_path / "docs", ("click",))
    summary = run(fake_teacher, tmp_path / "run", [tmp_path / "docs"], n=6,
                  profile="small-local")  # fmt: skip
    assert summary.accepted == 6
    prompts = [e["body"]["prompt"] for e in fake_teacher.requests if "prompt" in e["body"]]
    assert prompts and all("Passage:\n" in p for p in prompts)
    records = read_jsonl(tmp_path / "run" / "records.jsonl")
    assert {r["document"]["path"] for r in records} <= {str(p) for p in docs}
    assert all(r["document"]["end"] - r["document"]["start"] <= 350 * 4 for r in records)


def test_batch_api_run_matches_the_live_run(fake_teacher, tmp_path):
    write_documents(tmp_path / "docs", ("click", "openai"))
    prices = {"fake-teacher": {"input": 1.0, "output": 2.0}}
    live = run(fake_teacher, tmp_path / "live", [tmp_path / "docs"], n=15, prices=prices)
    batched = run(fake_teacher, tmp_path / "batch", [tmp_path / "docs"], n=15, prices=prices,
                  batch_api=True, batch_poll_s=0.05, batch_gather_s=0.2)  # fmt: skip
    assert batched.accepted == live.accepted == 15
    live_records = [without_time(r) for r in read_jsonl(tmp_path / "live" / "records.jsonl")]
    assert live_records == [
        without_time(r) for r in read_jsonl(tmp_path / "batch" / "records.jsonl")
    ]


def test_max_cost_stops_a_document_run(fake_teacher, tmp_path):
    write_documents(tmp_path / "docs", ("openai", "pydantic"))
    prices = {"fake-teacher": {"input": 1.0, "output": 2.0}}
    summary = run(fake_teacher, tmp_path / "run", [tmp_path / "docs"], prices=prices,
                  max_cost=0.02)  # fmt: skip
    assert summary.stop is not None and summary.stop.kind != "exhausted"
    assert summary.cost_usd is not None and summary.cost_usd <= 0.02


def test_export_keeps_each_document_on_one_side(fake_teacher, tmp_path):
    from selfinstruct import export_dataset

    write_documents(tmp_path / "docs")
    run(fake_teacher, tmp_path / "run", [tmp_path / "docs"], records_per_chunk=4)
    export_dataset(tmp_path / "run", "alpaca-jsonl", tmp_path / "export",
                   validation_fraction=0.2)  # fmt: skip
    records = read_jsonl(tmp_path / "run" / "records.jsonl")
    where = {(r["instruction"], r["input"]): r["document"]["path"] for r in records}
    sides = {}
    for split in ("train", "validation"):
        rows = read_jsonl(tmp_path / "export" / f"{split}.jsonl")
        sides[split] = {where[(r["instruction"], r["input"])] for r in rows}
    assert sides["validation"] and not sides["train"] & sides["validation"]
    card = (tmp_path / "export" / "README.md").read_text()
    manifest = json.loads((tmp_path / "run" / "run.json").read_text())
    for item in manifest["documents"]["files"]:
        assert item["path"] in card and item["sha256"] in card
    assert "documents train never saw" in card
    text, _ = read_document(Path(manifest["documents"]["files"][0]["path"]))
    long_lines = [line for line in text.splitlines() if len(line) > 80]
    assert long_lines and not any(line in card for line in long_lines[:20])


@pytest.mark.skipif(not hasattr(os, "truncate"), reason="needs sparse files")
def test_a_document_over_the_limit_is_refused_before_it_is_read(tmp_path):
    from selfinstruct.documents.read import MAX_DOCUMENT_BYTES, DocumentError

    path = tmp_path / "big.md"
    with open(path, "wb") as handle:
        handle.truncate(MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(DocumentError, match="larger than"):
        read_document(path)


def test_a_readme_row_of_badge_links_is_screened_at_once():
    """Real READMEs open with rows of badge links; the bare-link pattern used to backtrack
    for minutes on such an input (a document task quotes them)."""
    from selfinstruct.quality.defects import UnreadableInput
    from selfinstruct.schemas import Candidate

    text = real_text("pydantic")
    badges = "\n".join(line for line in text.splitlines() if line.startswith("[![")) * 3
    assert badges.count("](") > 10
    filter_ = UnreadableInput()
    task = Candidate(instruction="Summarise the following text in one sentence.",
                     input=badges, output="Badges.")  # fmt: skip
    assert filter_.reason(task) in ("unreadable_input:link", "unreadable_input:image")
    linked = "\n".join(line.split("](", 1)[-1].rstrip(")") for line in badges.splitlines())
    assert filter_.reason(task.model_copy(update={"input": linked})) == "unreadable_input:link"
    prose = "Pydantic is a data validation library for Python: " + linked.splitlines()[0]
    assert filter_.reason(task.model_copy(update={"input": prose})) is None
