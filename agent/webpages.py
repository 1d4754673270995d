"""HTML pages to article text.

`visible_text` is the whole readable text of a page: scripts, styles, navigation, footers,
asides and forms left out, entities decoded, one paragraph per block element. It parses with
lxml (libxml2's HTML parser: linear in the size of the page, whatever the markup; the standard
library's parser takes minutes on a few megabytes of `</`), walking the tree without recursion
so no nesting depth can exhaust the stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

_SKIP = frozenset(
    {"script", "style", "noscript", "template", "svg", "nav", "footer", "aside", "form",
     "head", "iframe", "button", "select", "option"}
)  # fmt: skip
_BLOCK = frozenset(
    {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section", "article",
     "blockquote", "header", "figcaption", "pre", "table", "ul", "ol", "main", "dd", "dt",
     "td", "th", "hr", "figure", "address"}
)  # fmt: skip
_PARAGRAPHS = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class PageText:
    """What a page yields: its text, and what it says about itself."""

    text: str
    title: str | None = None


def parse_html(html: str) -> etree._Element | None:
    """The page's element tree (None when there is nothing to parse)."""
    parser = etree.HTMLParser(encoding="utf-8", recover=True, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(html.encode("utf-8", "surrogatepass"), parser)
    except (etree.ParserError, ValueError):
        return None
    return root


def visible_text(html: str) -> PageText:
    """The readable text of a page and its `<title>` (else its first `<h1>`)."""
    root = parse_html(html)
    if root is None:
        return PageText("")
    parts: list[str] = []
    skipping = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _SKIP:
                skipping += 1
            elif not skipping:
                if tag in _BLOCK:
                    parts.append("\n\n")
                if element.text:
                    parts.append(element.text)
            continue
        if tag in _SKIP:
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
