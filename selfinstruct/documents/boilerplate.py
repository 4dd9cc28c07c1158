"""Page chrome out of a document's text: what a site or a PDF repeats around every page.

A teacher shown a chunk of menus, cookie notices, "Next: ... Previous: ..." bars, running
headers and page numbers writes tasks about them ("List the navigation links"), and the
grounding check would call them grounded. So, before chunking:

- HTML: elements that are chrome wherever they stand (`nav`, `aside`, scripts, styles,
  forms, buttons), those marked as chrome by their ARIA role (navigation, banner,
  contentinfo, complementary, search), and those whose class or id names chrome (menu,
  navbar, sidebar, breadcrumb, cookie, consent, banner, related, toc, skip, share, ...) are
  dropped; a page's `header` and `footer` (element, class or id) are dropped unless they
  belong to an `article` or `main` (there they hold the title and byline). A page with a
  `main` element (or role) keeps only what is in it.
- PDF: a line at the top or bottom of a page (the first and last `EDGE_LINES`) that comes
  back at an edge of at least `MIN_RUNNING_PAGES` pages and a tenth of them, numbers aside
  ("Chapter 2: Usage 7", "Shared MIME-info Database", a bare page number), is a running
  header or footer and is dropped there; body lines are never touched.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence

#: Elements that are never the document's text.
CHROME_TAGS = frozenset(
    {"script", "style", "noscript", "template", "svg", "head", "nav", "aside", "form"}
    | {"button", "iframe", "dialog", "menu"}
)
#: A page's own header and footer, dropped outside an `article` or `main`.
EDGE_TAGS = frozenset({"header", "footer"})
#: ARIA roles of chrome.
CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
#: Words in a class or id that name chrome (compared whole, after splitting on - _ and space).
CHROME_WORDS = frozenset(
    {"nav", "navbar", "navbox", "navigation", "menu", "menubar", "sidebar", "sphinxsidebar"}
    | {"breadcrumb", "breadcrumbs", "cookie", "cookies", "consent", "gdpr", "banner"}
    | {"related", "toc", "skip", "share", "social", "pagination", "subscribe", "newsletter"}
    | {"advert", "advertisement", "ads", "popup", "modal"}
)
EDGE_WORDS = frozenset({"header", "footer", "masthead"})
#: Elements whose header and footer are the content's own.
CONTENT_TAGS = frozenset({"article", "main"})

_WORDS = re.compile(r"[a-z0-9]+")


def chrome_element(tag: str, attributes: Mapping[str, str | None], in_content: bool) -> bool:
    """True when an element (by its tag and attributes) is page chrome, not text;
    `in_content`: it stands inside an `article` or `main`."""
    if tag in CHROME_TAGS:
        return True
    if (attributes.get("role") or "").strip().lower() in CHROME_ROLES:
        return True
    names = f"{attributes.get('class') or ''} {attributes.get('id') or ''}".lower()
    words = set(_WORDS.findall(names))
    if words & CHROME_WORDS:
        return True
    return not in_content and (tag in EDGE_TAGS or bool(words & EDGE_WORDS))


# -- PDF --------------------------------------------------------------------------------------
#: Lines looked at on each edge (top and bottom) of a page.
EDGE_LINES = 2
#: A running line comes back at an edge of at least this many pages (and a tenth of them).
MIN_RUNNING_PAGES = 3

_DIGITS = re.compile(r"\d+")


def _line_key(line: str) -> str:
    return _DIGITS.sub("#", " ".join(line.split()).casefold())


def _edges(lines: Sequence[str]) -> list[int]:
    """Positions of a page's first and last `EDGE_LINES` non-blank lines."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))


def strip_running_lines(pages: Sequence[str]) -> list[str]:
    """The pages' texts without their running headers, footers and page numbers."""
    split = [page.splitlines() for page in pages]
    seen: Counter[str] = Counter()
    for lines in split:
        seen.update({_line_key(lines[i]) for i in _edges(lines)})
    need = max(MIN_RUNNING_PAGES, math.ceil(len(pages) / 10))
    running = {key for key, count in seen.items() if count >= need}
    if not running:
        return list(pages)
    out = []
    for lines in split:
        drop = {i for i in _edges(lines) if _line_key(lines[i]) in running}
        out.append("\n".join(line for i, line in enumerate(lines) if i not in drop))
    return out
