"""HTML pages to article text.

`read_page` finds a page's main text and its metadata with trafilatura (the field's standard
for news main text; htmldate inside it reads the publication date from `article:published_time`,
JSON-LD `datePublished`, `<time datetime>` and the like): the body without navigation, ads,
cookie notices, related links and comments; the title without the site's name; author,
publication date, canonical URL and site name. The text keeps one paragraph per line of
trafilatura's output, a blank line between paragraphs. When trafilatura finds no main text,
the page's whole visible text is used, with a warning.

`visible_text` is the whole readable text of a page: scripts, styles, navigation, footers,
asides and forms left out, entities decoded, one paragraph per block element. It parses with
lxml (libxml2's HTML parser: linear in the size of the page, whatever the markup; the standard
library's parser takes minutes on a few megabytes of `</`), walking the tree without recursion
so no nesting depth can exhaust the stack.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from lxml import etree

_INVISIBLE = frozenset(
    {"script", "style", "noscript", "template", "svg", "head", "iframe", "button", "select",
     "option"}
)  # fmt: skip
_FURNITURE = frozenset({"nav", "footer", "aside", "form"})
_BLOCK = frozenset(
    {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article",
     "blockquote", "header", "figcaption", "pre", "table", "ul", "ol", "main", "dd", "dt",
     "td", "th", "hr", "figure", "address"}
)  # fmt: skip
_PARAGRAPHS = re.compile(r"\n\s*\n")


# Left out before trafilatura looks for the main text: site furniture by its HTML element.
# (not `form`: some sites wrap the whole page in one)
_PRUNE = ["//nav", "//footer", "//aside", "//*[@role='navigation']"]
_NO_MAIN_TEXT = (
    "no main text found in the page: its whole visible text was used (navigation, related "
    "links and other site furniture may be in it)"
)


@dataclass(frozen=True)
class PageText:
    """What a page yields: its text, and what it says about itself."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None  # YYYY-MM-DD
    url: str | None = None
    site_name: str | None = None
    warnings: tuple[str, ...] = ()


def read_page(html: str) -> PageText:
    """The main text of a news page and its metadata (see the module's docstring)."""
    import trafilatura  # ~0.15 s to import: only when a page is read
    from trafilatura.metadata import extract_metadata
    from trafilatura.settings import Document

    _quiet_loggers()
    dates = {"extensive_search": False, "original_date": True}
    try:
        doc = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            deduplicate=False,
            prune_xpath=_PRUNE,
            date_extraction_params=dates,
        )
    except (ValueError, TypeError, etree.LxmlError):
        doc = None
    if not isinstance(doc, Document):
        doc = None
    text = (
        "\n\n".join(line.strip() for line in (doc.text or "").splitlines() if line.strip())
        if doc
        else ""
    )
    warnings: tuple[str, ...] = ()
    if not text:
        fallback = visible_text(html, furniture=True)
        text, warnings = fallback.text, (_NO_MAIN_TEXT,)
        try:
            doc = extract_metadata(html, date_config=dates)
        except (ValueError, TypeError, etree.LxmlError):
            doc = None
        if doc is None or not doc.title:
            return PageText(text, fallback.title, warnings=warnings)
    assert doc is not None
    return PageText(
        text,
        title=_clean(doc.title),
        author=_clean(doc.author),
        published=_clean(doc.date),
        url=_clean(doc.url),
        site_name=_clean(doc.sitename),
        warnings=warnings,
    )


def _clean(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None


def _quiet_loggers() -> None:
    """trafilatura and htmldate log what they discard; sitrep says what matters itself."""
    for name in ("trafilatura", "htmldate", "courlan", "justext"):
        log = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
            log.addHandler(logging.NullHandler())
        log.propagate = False


def parse_html(html: str) -> etree._Element | None:
    """The page's element tree (None when there is nothing to parse)."""
    parser = etree.HTMLParser(encoding="utf-8", recover=True, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(html.encode("utf-8", "surrogatepass"), parser)
    except (etree.ParserError, ValueError):
        return None
    return root


def visible_text(html: str, *, furniture: bool = False) -> PageText:
    """The readable text of a page and its `<title>` (else its first `<h1>`); navigation,
    footers, asides and forms too with `furniture` (the whole visible text)."""
    root = parse_html(html)
    if root is None:
        return PageText("")
    skip = _INVISIBLE if furniture else _INVISIBLE | _FURNITURE
    parts: list[str] = []
    skipping = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in skip:
                skipping += 1
            elif not skipping:
                if tag in _BLOCK:
                    parts.append("\n\n")
                if element.text:
                    parts.append(element.text)
            continue
        if tag in skip:
            skipping -= 1
        elif not skipping and tag in _BLOCK:
            parts.append("\n\n")
        if not skipping and element.tail:
            parts.append(element.tail)
    return PageText(paragraphs("".join(parts)), _title(root))


def paragraphs(raw: str) -> str:
    """Whitespace runs folded inside paragraphs, paragraphs apart by one blank line."""
    folded = (" ".join(p.split()) for p in _PARAGRAPHS.split(raw))
    return "\n\n".join(p for p in folded if p)


def _title(root: etree._Element) -> str | None:
    for path in ("//title", "//h1"):
        for found in root.xpath(path):
            text = " ".join("".join(found.itertext()).split())
            if text:
                return text
    return None
