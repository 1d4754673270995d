"""Headlines: found in a text file's first line, and made part of the text the extractors read.

An article's headline is scanned for figures like the rest of its text, whatever the input: a
text file's first line is its headline already; a JSON Lines `title` or a page's headline that
the main text leaves out is put in front of the text (`with_title`), so offsets index the text
the extractors read (`Article.text`).
"""

from __future__ import annotations

import re


def guess_title(text: str, *, markdown: bool = False) -> str | None:
    """A headline: a short first line followed by a blank line; in Markdown also a first
    `# heading` line, without its `#` marks."""
    lines = text.splitlines()
    first = lines[0].strip() if lines else ""
    if markdown:
        heading = _MD_HEADING.fullmatch(first)
        if heading:
            return heading.group(1)
    if len(lines) >= 3 and first and not lines[1].strip() and len(lines[0]) <= 250:
        return _MD_HEADING.sub(r"\1", first) if markdown else first
    return None


_MD_HEADING = re.compile(r"#{1,6}\s+(.+?)(?:\s+#+)?\s*")
TITLE_LINES = 3  # the title counts as part of the text when one of its first lines is it


def with_title(text: str, title: str | None) -> str:
    """The text the extractors read and offsets index: `text`, preceded by the title and a
    blank line when none of its first lines already is the title (a JSON Lines `title`, a
    page's headline that its main text leaves out). So a toll in a headline is found alike
    from a text file, a page or a JSON Lines record."""
    if not title or not title.strip():
        return text
    wanted = _folded(title)
    lines = [line for line in text.splitlines()[: TITLE_LINES * 2] if line.strip()]
    if any(_folded(_MD_HEADING.sub(r"\1", line.strip())) == wanted for line in lines[:TITLE_LINES]):
        return text
    return f"{title.strip()}\n\n{text}"


def _folded(line: str) -> str:
    return " ".join(line.split()).casefold()
