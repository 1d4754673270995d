"""Grounding: every quote is found in the article, its offsets computed here, and every
casualty number checked against its quote.

Offsets are Python string indices into the article text exactly as read (CRLF, non-ASCII and
curly quotes included). Matching forgives only what a copy-paste loses: whitespace runs, curly
vs straight quotes, dash variants, invisible characters and letter case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.items import KINDS, Kind, break_cycles, clear_references, reference_problems
from agent.quantities import bare_plural_value, find_numbers, strict_minimum, vague_value
from agent.schema import CasualtyDraft, CauseDraft, EventDraft, ExtractionDraft

_QUOTE_CHARS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u00b4": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
}  # fmt: skip
_DASHES = set("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
# zero-width, bidi controls and BOM: invisible, so a quote never needs to reproduce them
_INVISIBLE = (
    set("\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff")
    | {chr(c) for c in range(0x202A, 0x202F)}
    | {chr(c) for c in range(0x2066, 0x206A)}
)
_EDGE_STRIP = " \t\r\n\"'`\u2018\u2019\u201c\u201d\u00ab\u00bb.,;:\u2026"


def _fold(ch: str) -> str:
    if ch in _QUOTE_CHARS:
        return _QUOTE_CHARS[ch]
    if ch in _DASHES:
        return "-"
    if ch == "\u2026":
        return "..."
    low = ch.lower()
    return low if len(low) == 1 else ch


_RUNS = re.compile(r"\s+|\S+")
# An ASCII whitespace run that folding changes: not one plain space. The character class is
# ASCII's \s spelled out so that the engine can skip to whitespace fast.
_ASCII_SPACE = "\t-\r\x1c-\x1f "
_FOLDED_RUN = re.compile(rf"[{_ASCII_SPACE}](?:(?<! )|(?=[{_ASCII_SPACE}]))[{_ASCII_SPACE}]*")


def normalize(text: str) -> tuple[str, list[int]]:
    """Folded text for matching, and for each folded character its index in `text`."""
    if text.isascii():
        # ASCII folds one to one, except that each whitespace run becomes one space (kept at
        # the run's first character)
        pieces: list[str] = []
        kept: list[int] = []
        last = 0
        for run in _FOLDED_RUN.finditer(text):
            start, end = run.span()
            pieces.append(text[last:start])
            kept.extend(range(last, start + 1))
            last = end
        pieces.append(text[last:])
        kept.extend(range(last, len(text)))
        return " ".join(pieces).lower().replace("`", "'"), kept
    out: list[str] = []
    index: list[int] = []
    in_space = False
    for run in _RUNS.finditer(text):
        start, chunk = run.start(), run.group(0)
        if chunk[0].isspace():
            if not in_space:
                out.append(" ")
                index.append(start)
            in_space = True
            continue
        if chunk.isascii():  # fast path: ASCII folds one to one
            out.append(chunk.lower().replace("`", "'"))
            index.extend(range(start, start + len(chunk)))
            in_space = False
            continue
        for i, ch in enumerate(chunk, start):
            if ch in _INVISIBLE:
                continue
            in_space = False
            for piece in _fold(ch):
                out.append(piece)
                index.append(i)
    return "".join(out), index


def clean_quote(quote: str) -> str:
    """A quote as models write it, without the wrapping quote marks and trailing ellipses."""
    q = quote.strip()
    while q.startswith(("...", "\u2026")):
        q = q.lstrip(".\u2026").strip()
    while q.endswith(("...", "\u2026")):
        q = q.rstrip(".\u2026").strip()
    if len(q) >= 2 and q[0] in "\"'\u201c\u2018" and q[-1] in "\"'\u201d\u2019":
        q = q[1:-1].strip()
    return q


@dataclass(frozen=True)
class Span:
    """Where a quote sits in the article: `article[start:end]` is the quote as written there."""

    text: str
    start: int
    end: int


class ArticleIndex:
    """An article prepared once for repeated quote look-ups."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.folded, self._index = normalize(text)

    def find(self, quote: str, near: int | None = None) -> Span | None:
        """The span of `quote` in the article, or None when it does not occur.

        With several occurrences, the one nearest to `near` (an article offset) wins, else the
        first.
        """
        for candidate in (quote, clean_quote(quote)):
            needle, _ = normalize(candidate)
            needle = needle.strip()
            if not needle:
                return None
            hits = self._hits(needle)
            if hits:
                pos = hits[0]
                if near is not None and len(hits) > 1:
                    pos = min(hits, key=lambda h: abs(self._index[h] - near))
                start = self._index[pos]
                end = self._index[pos + len(needle) - 1] + 1
                return Span(self.text[start:end], start, end)
        return None

    def find_all(self, quote: str) -> list[Span]:
        """Every occurrence of `quote` in the article, in order (empty when it does not occur)."""
        for candidate in (quote, clean_quote(quote)):
            needle, _ = normalize(candidate)
            needle = needle.strip()
            if not needle:
                return []
            hits = self._hits(needle)
            if hits:
                spans = []
                for pos in hits:
                    start = self._index[pos]
                    end = self._index[pos + len(needle) - 1] + 1
                    spans.append(Span(self.text[start:end], start, end))
                return spans
        return []

    def _hits(self, needle: str) -> list[int]:
        """Where `needle` occurs in the folded text, covering whole article characters only
        (an ellipsis folds to "...": a quote may not start or end inside it)."""
        index, size = self._index, len(needle)
        hits = []
        pos = self.folded.find(needle)
        while pos >= 0:
            end = pos + size
            if (pos == 0 or index[pos - 1] != index[pos]) and (
                end == len(index) or index[end] != index[end - 1]
            ):
                hits.append(pos)
            pos = self.folded.find(needle, pos + 1)
        return hits

    def contains(self, phrase: str) -> bool:
        needle, _ = normalize(phrase)
        needle = needle.strip()
        return bool(needle) and needle in self.folded


def number_problem(
    quote: str,
    *,
    count_text: str,
    low: int | None,
    high: int | None,
    qualifier: str,
    table: str = "acled",
) -> str | None:
    """Why a casualty figure is not supported by its quote, or None when it is."""
    folded_quote, _ = normalize(quote)
    folded_count, _ = normalize(count_text)
    if not folded_count.strip():
        return "count_text is empty; give the number words as written"
    if folded_count.strip() not in folded_quote:
        return f"count_text {count_text!r} does not occur in its quote"
    if not find_numbers(count_text, table):
        return _wordless_problem(count_text, low=low, high=high, qualifier=qualifier, table=table)
    minimum = strict_minimum(count_text, table)
    if minimum is not None and qualifier == "at_least" and low == minimum:
        low = minimum - 1  # "more than 10" is at least 11 under this table: 10 is written
    mentions = find_numbers(quote, table)
    if qualifier == "vague":
        words = [m for m in mentions if m.is_vague]
        if not words:
            return (
                f"qualifier is vague but the quote has no vague quantity word "
                f"(such as 'dozens' or 'several'); quote: {quote!r}"
            )
        return None
    values = {m.value for m in mentions if not m.is_vague}
    for name, value in (("low", low), ("high", high)):
        if value is not None and value not in values:
            return f"{name}={value} is not a number written in its quote {quote!r}"
    return None


def _wordless_problem(
    count_text: str, *, low: int | None, high: int | None, qualifier: str, table: str
) -> str | None:
    """A count_text without number words: one person ("an imam", "Nayyar Iqbal Rana") is
    low = high = 1, exact; a bare plural ("suspected insurgents") is vague, and counts only
    under a table that gives bare plurals a number."""
    if qualifier == "vague":
        if bare_plural_value(table) is None:
            return (
                f"count_text {count_text!r} holds no number: a bare plural counts no one under "
                f"the {table} table; leave it out"
            )
        return None
    if (low, high, qualifier) == (1, 1, "exact"):
        return None
    return (
        f"count_text {count_text!r} holds no number word: one person named without a number is "
        "low = high = 1, qualifier exact; otherwise give the number words as written"
    )


def interval_problem(low: int | None, high: int | None, qualifier: str) -> str | None:
    """Why low/high/qualifier do not fit together, or None."""
    rules = {
        "exact": (low is not None and low == high, "exact needs low == high"),
        "approximately": (low is not None and low == high, "approximately needs low == high"),
        "at_least": (low is not None and high is None, "at_least needs low set and high null"),
        "at_most": (low is None and high is not None, "at_most needs low null and high set"),
        "range": (
            low is not None and high is not None and low < high,
            "range needs low < high, both set",
        ),
        "vague": (low is not None and high is None, "vague needs low set and high null"),
    }
    ok, message = rules.get(qualifier, (False, f"unknown qualifier {qualifier!r}"))
    if not ok:
        return f"{message} (got low={low}, high={high}, qualifier={qualifier})"
    for value in (low, high):
        if value is not None and value < 0:
            return f"a count cannot be negative (got {value})"
    return None


def vague_low(count_text: str, table: str) -> int | None:
    """The configured table's number for the vague word in `count_text`."""
    for mention in find_numbers(count_text, table):
        if mention.vague:
            return vague_value(mention.vague, table)
    return None


@dataclass
class Grounder:
    """Checks items against one article; shared by the LLM validators and the rules path.

    `lenient=False` makes a problem an error (the model is re-asked with it); `lenient=True`
    drops the item and records a warning instead.
    """

    article: ArticleIndex
    table: str = "acled"
    lenient: bool = False
    warnings: list[str] = field(default_factory=list)
    spans: dict[str, Span] = field(default_factory=dict)
    # ids outside the draft that its references may name (earlier parts of a long article)
    external: dict[str, set[str]] = field(default_factory=dict)

    def locate(self, quote: str) -> Span | None:
        if quote not in self.spans:
            span = self.article.find(quote)
            if span is None:
                return None
            self.spans[quote] = span
        return self.spans[quote]

    # --- the draft check (called by ExtractionDraft's validator) ---------------------------

    def check(self, draft: ExtractionDraft) -> ExtractionDraft:
        """Ground every item of `draft`; raise with every problem, or drop what fails (a
        `part_of` cycle is then broken with a warning, the figures kept)."""
        if self.lenient:
            self.warnings.extend(break_cycles(_lists(draft)))
        problems = self.problems(draft)
        if not problems:
            return draft
        if not self.lenient:
            lines = [
                f"{kind}[{i}] ({_item_id(draft, kind, i)}): {p}"
                for (kind, i), ps in sorted(problems.items())
                for p in ps
            ]
            raise ValueError("ungrounded items:\n" + "\n".join(lines))
        return self._drop(draft, problems)

    def problems(self, draft: ExtractionDraft) -> dict[tuple[str, int], list[str]]:
        """Every problem of `draft` by (kind, index of the item): duplicate ids, quotes not in
        the article, intervals and numbers not supported by their quotes, references that name
        nothing. A vague figure's `low` becomes the configured table's number on the way."""
        problems: dict[tuple[str, int], list[str]] = {}
        for kind in KINDS:
            items: Sequence[EventDraft | CasualtyDraft | CauseDraft] = getattr(draft, kind)
            seen: set[str] = set()
            for i, item in enumerate(items):
                found = self._quote_problems(item)
                if item.id in seen:
                    found.insert(0, f"duplicate id {item.id!r}; give each item its own id")
                seen.add(item.id)
                if found:
                    problems.setdefault((kind, i), []).extend(found)
        for i, fig in enumerate(draft.casualties):
            problem = self._figure_problem(fig)
            if problem:
                problems.setdefault(("casualties", i), []).append(problem)
        for kind, i, problem in reference_problems(_lists(draft), self.external):
            problems.setdefault((kind, i), []).append(problem)
        return problems

    def _quote_problems(self, item: EventDraft | CasualtyDraft | CauseDraft) -> list[str]:
        quotes = item.evidence if isinstance(item.evidence, list) else [item.evidence]
        return [
            f"the quote {quote!r} does not occur in the article; copy the words exactly as "
            "they appear, as one continuous passage"
            for quote in quotes
            if self.locate(quote) is None
        ]

    def _figure_problem(self, fig: CasualtyDraft) -> str | None:
        if fig.qualifier == "vague":
            table_low = vague_low(fig.count_text, self.table)
            if table_low is None and not find_numbers(fig.count_text, self.table):
                table_low = bare_plural_value(self.table)  # "insurgents were detained"
            if table_low is not None:
                fig.low, fig.high = table_low, None
        elif fig.qualifier == "at_least":
            minimum = strict_minimum(fig.count_text, self.table)
            if minimum is not None:  # "more than 10" under a table that codes 11
                fig.low = minimum
        problem = interval_problem(fig.low, fig.high, fig.qualifier)
        if problem is None and fig.evidence in self.spans:
            problem = number_problem(
                fig.evidence,
                count_text=fig.count_text,
                low=fig.low,
                high=fig.high,
                qualifier=fig.qualifier,
                table=self.table,
            )
        return problem

    def _drop(
        self, draft: ExtractionDraft, problems: dict[tuple[str, int], list[str]]
    ) -> ExtractionDraft:
        kept: dict[str, list[Any]] = {}
        gone: dict[Kind, set[str]] = {}
        for kind in KINDS:
            items: list[Any] = getattr(draft, kind)
            kept[kind], gone[kind] = [], set()
            for i, item in enumerate(items):
                if (kind, i) in problems:
                    self.warnings.append(
                        f"dropped {kind}[{i}] ({item.id}): " + "; ".join(problems[(kind, i)])
                    )
                    gone[kind].add(item.id)
                else:
                    kept[kind].append(item)
        for kind in KINDS:  # an id both dropped and kept (a duplicate) still names an item
            gone[kind] -= {item.id for item in kept[kind]}
        self.warnings.extend(clear_references(kept, gone))
        return draft.model_copy(update=kept)


def _lists(draft: ExtractionDraft) -> dict[str, Sequence[Any]]:
    return {kind: getattr(draft, kind) for kind in KINDS}


def _item_id(draft: ExtractionDraft, kind: str, i: int) -> str:
    item_id: str = getattr(draft, kind)[i].id
    return item_id
