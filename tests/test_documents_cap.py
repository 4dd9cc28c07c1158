"""`--records-per-document`: one long document cannot fill the dataset. Against the test
server on the METADATA of installed packages (one of them several times longer than the
others): each document gives at most the cap, a document's later chunks are not asked for
once it is full, the dataset does not depend on concurrency, and a resumed run counts what
the earlier session kept."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from helpers import SEEDS, cli, read_jsonl
from test_documents import real_text, run

from selfinstruct.documents.chunk import chunk_size_for
from selfinstruct.documents.corpus import Corpus
from selfinstruct.methods.profiles import get_profile

PACKAGES = ("click", "openai", "pydantic", "hypothesis")


def write_docs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in PACKAGES:
        (folder / f"{name}.md").write_text(real_text(name), encoding="utf-8")


def per_document(out: Path) -> Counter[str]:
    return Counter(r["document"]["path"] for r in read_jsonl(out / "records.jsonl"))


def test_no_document_gives_more_than_the_cap_and_full_ones_are_not_asked(
    fake_teacher, tmp_path
):
    write_docs(tmp_path / "docs")
    docs = [tmp_path / "docs"]
    uncapped = run(fake_teacher, tmp_path / "free", docs)
    free = per_document(tmp_path / "free")
    assert max(free.values()) > 12, free  # one document dominates without the cap
    chunks = len(Corpus(docs, chunk_size_for(get_profile("openai"))))
    assert uncapped.requests == chunks

    before = fake_teacher.request_count
    capped = run(fake_teacher, tmp_path / "capped", docs, records_per_document=12)
    counts = per_document(tmp_path / "capped")
    assert max(counts.values()) == 12 and len(counts) == len(PACKAGES), counts
    # a document under the cap gives what it gave uncapped
    assert all(counts[p] == free[p] for p in free if free[p] <= 12)
    assert capped.stop is not None and capped.stop.kind == "exhausted"
    assert "--records-per-document" in capped.stop.message
    sent = fake_teacher.request_count - before
    assert sent < chunks, "the chunks of a full document are not asked for"
    rejected = read_jsonl(tmp_path / "capped" / "rejected.jsonl")
    over = [r for r in rejected if r["reason"] == "over_records_per_document"]
    assert over and all(r["detail"] for r in over)

    # the same dataset at any concurrency (the cap is counted in the ordered stage)
    run(fake_teacher, tmp_path / "one", docs, records_per_document=12, concurrency=1)
    for name in ("data.jsonl", "rejected.jsonl"):
        assert (tmp_path / "one" / name).read_text() == (tmp_path / "capped" / name).read_text()


def test_a_resumed_run_counts_the_records_it_already_has(fake_teacher, tmp_path):
    write_docs(tmp_path / "docs")
    docs = [tmp_path / "docs"]
    run(fake_teacher, tmp_path / "whole", docs, records_per_document=6)
    stopped = run(fake_teacher, tmp_path / "run", docs, records_per_document=6,
                  max_requests=6, concurrency=1)  # fmt: skip
    assert stopped.stop is not None and stopped.stop.kind == "max_requests"
    assert max(per_document(tmp_path / "run").values()) == 6  # some document is full
    resumed = run(fake_teacher, tmp_path / "run", docs, records_per_document=6)
    assert resumed.stop is not None and resumed.stop.kind == "exhausted"
    assert max(per_document(tmp_path / "run").values()) == 6
    whole = (tmp_path / "whole" / "data.jsonl").read_text()
    assert (tmp_path / "run" / "data.jsonl").read_text() == whole


def test_records_per_document_is_checked_and_shown_in_help(tmp_path):
    result = cli("generate", "--dry-run", "--documents", str(tmp_path), "--seeds", str(SEEDS),
                 "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--out",
                 str(tmp_path / "o"), "--records-per-document", "0")  # fmt: skip
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "records_per_document" in result.stderr or "records-per-document" in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    shown = cli("generate", "--help")
    assert "--records-per-document" in shown.stdout
