"""Page chrome is dropped before chunking, on real documents we did not write: the HTML
manuals Debian's packages install on this kind of machine (Sphinx's output for the Python
policy, from python3-dev; GNU Texinfo's for libffi, from libffi-dev) and their PDF
manuals (DocBook's for shared-mime-info, Texinfo's for libtasn1, from libtasn1-doc), each
checked against its raw text first so a test fails if nothing is dropped; then pages made
here around real text (an installed package's METADATA) that run everywhere."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import pytest
from test_documents import real_text

from selfinstruct.documents.boilerplate import strip_running_lines
from selfinstruct.documents.read import _stdlib_html_text, read_document

DOC = Path("/usr/share/doc")
SPHINX = DOC / "python3" / "python-policy.html"
TEXINFO = DOC / "libffi8" / "html" / "Structures.html"
DOCBOOK_PDF = DOC / "shared-mime-info" / "shared-mime-info-spec.pdf"
TEXINFO_PDF = DOC / "libtasn1-doc" / "libtasn1.pdf"


def needs(path: Path):
    return pytest.mark.skipif(not path.exists(), reason=f"{path} is not installed here")


def raw_pdf_pages(path: Path) -> list[str]:
    import pypdf

    return [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]


@needs(SPHINX)
def test_a_sphinx_page_keeps_its_body_and_drops_navigation_sidebar_and_footer():
    raw = SPHINX.read_text(encoding="utf-8")
    text, _ = read_document(SPHINX)
    body = "This document describes the packaging of Python within the Debian"
    assert body in " ".join(text.split())
    for chrome in ("Navigation", "Table of Contents", "Created using", "1999-2023"):
        assert chrome in raw and chrome not in text, chrome
    fallback = _stdlib_html_text(raw)  # a machine without selectolax drops the same chrome
    assert body in " ".join(fallback.split())
    assert "Navigation" not in fallback and "Created using" not in fallback


@needs(TEXINFO)
def test_a_texinfo_page_drops_its_next_previous_up_bar():
    raw = TEXINFO.read_text(encoding="utf-8")
    text, _ = read_document(TEXINFO)
    assert "libffi is perfectly happy passing structures back and forth" in " ".join(text.split())
    for chrome in ("Next:", "Previous:", "Up:"):
        assert chrome in raw and chrome not in text and chrome not in _stdlib_html_text(raw)


@needs(DOCBOOK_PDF)
def test_a_pdf_loses_its_running_header_and_page_numbers_not_its_text():
    pages = raw_pdf_pages(DOCBOOK_PDF)
    header = "Shared MIME-info Database"
    raw = "\n".join(pages)
    assert raw.count(header) >= len(pages) - 1 > 10
    text, _ = read_document(DOCBOOK_PDF)
    assert not re.search(rf"^{header}$", text, re.M)  # mentions in sentences stay
    numbers = re.compile(r"^\d+$", re.M)
    assert len(numbers.findall(raw)) >= len(pages) - 1 and not numbers.findall(text)
    assert "Many programs and desktops use the MIME system" in text
    # every line that is not a running one is kept, in order
    def lines(text: str) -> list[str]:
        return [" ".join(line.split()) for line in text.splitlines() if line.strip()]

    expected = [line for line in lines(raw) if line != header and not numbers.match(line)]
    assert lines(text) == expected


@needs(TEXINFO_PDF)
def test_a_texinfo_pdf_loses_its_chapter_headers():
    pages = raw_pdf_pages(TEXINFO_PDF)
    running = re.compile(r"^Chapter 4: Function reference \d+$", re.M)
    assert len(running.findall("\n".join(pages))) >= 10
    text, _ = read_document(TEXINFO_PDF)
    assert not running.findall(text)
    assert "asn1_read_value" in text


def write_paged_pdf(path: Path, text: str, header: str) -> list[str]:
    """A real multi-page PDF (matplotlib's writer) of `text`, with a running header and a
    "Page N of M" footer on each page; returns the body lines written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    lines = [line[:90] for line in text.splitlines() if line.strip()][:120]
    per_page = 30
    count = -(-len(lines) // per_page)
    with PdfPages(path) as pdf:
        for number in range(count):
            figure = plt.figure(figsize=(8.5, 11))
            figure.text(0.05, 0.97, header, fontsize=8)
            for row, line in enumerate(lines[number * per_page : (number + 1) * per_page]):
                figure.text(0.05, 0.92 - row * 0.028, line, fontsize=8)
            figure.text(0.45, 0.02, f"Page {number + 1} of {count}", fontsize=8)
            pdf.savefig(figure)
            plt.close(figure)
    return lines


def test_running_lines_of_a_pdf_made_here_from_real_text(tmp_path):
    path = tmp_path / "click.pdf"
    lines = write_paged_pdf(path, real_text("click"), "Click - the user guide (draft)")
    text, _ = read_document(path)
    assert "user guide (draft)" not in text and "Page 1 of" not in text
    flat = " ".join(text.split())
    assert all(" ".join(line.split()) in flat for line in lines[1:-1] if len(line) > 20)


def test_lines_repeated_inside_pages_are_kept():
    parts = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta")
    pages = [f"Manual\nPart {p} begins\nNote: see below.\nPart {p} ends\n{n}"
             for n, p in enumerate(parts, 1)]  # fmt: skip
    out = strip_running_lines(pages)
    for page, part in zip(out, parts, strict=True):
        assert page.splitlines() == [f"Part {part} begins", "Note: see below.", f"Part {part} ends"]
    assert strip_running_lines(pages[:2]) == pages[:2]  # two pages tell nothing


def test_html_chrome_around_real_text(tmp_path):
    body = real_text("click").split("\n\n", 1)[1][:3000]
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in body.split("\n\n") if p.strip())
    page = (
        "<html><head><title>Click</title></head><body>"
        '<div id="cookie-banner">We use cookies. <button>Accept all</button></div>'
        '<header class="site-header"><a href="/">Home</a> | <a href="/docs">Docs menu</a></header>'
        '<nav><ul><li>Quickstart</li><li>API reference</li></ul></nav>'
        '<div class="breadcrumbs">Docs / Click / Intro</div>'
        f"<article><header><h1>About Click</h1></header>{paragraphs}</article>"
        '<aside class="related">Related posts: Typer, argparse</aside>'
        "<footer>Copyright 2026 Example Corp. Privacy policy.</footer>"
        "</body></html>"
    )
    path = tmp_path / "click.html"
    path.write_text(page, encoding="utf-8")
    text, _ = read_document(path)
    fallback = _stdlib_html_text(page)
    for reading in (text, fallback):
        for chrome in ("cookies", "Accept all", "Docs menu", "Quickstart", "Docs / Click",
                       "Related posts", "Privacy policy"):  # fmt: skip
            assert chrome not in reading, chrome
        assert "About Click" in reading  # an article's own header is its title
        first = next(p for p in body.split("\n\n") if len(p) > 40)
        assert " ".join(first.split())[:60] in " ".join(reading.split())
