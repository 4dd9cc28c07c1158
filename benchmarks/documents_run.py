"""`generate --documents` against the test teacher on documents we did not write: the METADATA
of four installed packages (openai, pydantic, click, hypothesis), pydoc's HTML page for `json`
and a PDF matplotlib writes from click's METADATA. Prints records per chunk, the share of
records whose input quotes their chunk, the rejections by reason and the records of each
document, without a cap and with `--records-per-document` (default 40).

    .venv/bin/python benchmarks/documents_run.py [--cap 40] [--keep DIR]

The test teacher quotes its passage and makes up 10% of its answers (`document_tasks`), so
this measures the plumbing (chunking, coverage, the textual check, the cap), not a model.
"""

from __future__ import annotations

import argparse
import json
import pydoc
import sys
import tempfile
import time
from collections import Counter
from importlib import metadata
from pathlib import Path

from selfinstruct import generate
from selfinstruct.documents.read import read_document
from selfinstruct_testing.server import FakeTeacherServer

PACKAGES = ("openai", "pydantic", "click", "hypothesis")
SEEDS = Path(__file__).resolve().parent.parent / "seed_tasks" / "seed_tasks.jsonl"


def write_documents(folder: Path) -> None:
    import json as json_module

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    for name in PACKAGES:
        text = metadata.distribution(name).read_text("METADATA") or ""
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    page = pydoc.HTMLDoc().page("json", pydoc.HTMLDoc().docmodule(json_module))
    (folder / "json-module.html").write_text(page, encoding="utf-8")
    figure = plt.figure(figsize=(8.5, 11))
    click = metadata.distribution("click").read_text("METADATA") or ""
    for row, line in enumerate(click.splitlines()[:40]):
        figure.text(0.05, 0.95 - row * 0.022, line[:95], fontsize=8)
    figure.savefig(folder / "click.pdf", format="pdf")
    plt.close(figure)


def measure(server: FakeTeacherServer, docs: Path, out: Path, cap: int | None) -> None:
    started = time.monotonic()
    summary = generate(base_url=server.base_url, model="fake-teacher", seeds=[SEEDS],
                       documents=[docs], num_instructions=100_000, seed=3, out=out,
                       records_per_document=cap)  # fmt: skip
    seconds = time.monotonic() - started
    records = [json.loads(line) for line in (out / "records.jsonl").open()]
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").open()]
    chunks = json.loads((out / "run.json").read_text())["documents"]["chunks"]
    quoted = with_input = 0
    texts: dict[str, str] = {}
    for record in records:
        span = record["document"]
        text = texts.setdefault(span["path"], read_document(Path(span["path"]))[0])
        if record["input"]:
            with_input += 1
            quoted += " ".join(record["input"].split()) in " ".join(
                text[span["start"] : span["end"]].split()
            )
    label = f"--records-per-document {cap}" if cap else "no cap"
    print(f"{label}: {len(records)} records from {chunks} chunks in {summary.requests} "
          f"requests ({len(records) / chunks:.1f} a chunk), {seconds:.1f} s")  # fmt: skip
    print(f"  with an input: {with_input} ({with_input / max(1, len(records)):.0%}), "
          f"quoted from the chunk: {quoted}")  # fmt: skip
    print(f"  rejected: {dict(Counter(r['reason'] for r in rejected).most_common())}")
    per = Counter(Path(r["document"]["path"]).name for r in records)
    print(f"  records per document: {dict(per.most_common())}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cap", type=int, default=40)
    parser.add_argument("--keep", type=Path, help="keep the documents and runs here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        write_documents(root / "docs")
        with FakeTeacherServer() as server:
            measure(server, root / "docs", root / "free", None)
            measure(server, root / "docs", root / "capped", args.cap)
    return 0


if __name__ == "__main__":
    sys.exit(main())
