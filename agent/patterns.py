"""Case-insensitive regular expressions that scan ASCII text faster, with the same matches.

Python's `re` compares every character through case folding under IGNORECASE, and a pattern
that opens with `\\b` and a long alternation of words cannot use its fast skip-ahead, so the
rule tables cost tens of nanoseconds per character of every sentence. On ASCII text (most
news copy) a lowercase, case-sensitive copy of the pattern run over the lowercased text finds
exactly the same spans: ASCII lowercasing keeps every offset, and each piece of the pattern
accepts a character of the text exactly when its lowercase copy accepts the lowercased one.
A hit is then matched again at the same position with the original pattern, so callers get
the original pattern's own match object (groups in the article's case). Text with any
non-ASCII character takes the original pattern directly.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

try:  # the parser the re module compiles with; only read, to find a pattern's first characters
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another Python: no first-character filter
    _sre = _sre_parse = None
# A first-character filter pays unless nearly any character can start a match.
_FEW_INITIALS = 24

# Escapes whose meaning changes when lowercased (\S -> \s, \W -> \w, \B -> \b, \N{...}, ...).
_UPPER_ESCAPE = re.compile(r"\\[A-Z]")
# Ranges whose lowercase copy would cover other characters ([A-z] holds [\]^_` too).
_RANGE = re.compile(r"(?<!\\)(\w)-(\w)")
_FLAGS_GROUP = re.compile(r"\(\?[aiLmsux-]")
# Below this length lowercasing and matching twice cost more than the fast path saves.
_SHORT = 32


@lru_cache(maxsize=32)
def _lower(text: str) -> str:
    """`text.lower()`, remembered for the few strings being scanned right now."""
    return text.lower()


def _initials(source: str) -> str | None:
    """The characters every match of `source` starts with, as a character class body (for a
    leading `(?=[...])` that lets the engine skip other positions fast), or None when that
    cannot be told (a match may be empty or start with any character)."""
    if _sre_parse is None:
        return None
    try:
        first, nullable = _seq_initials(list(_sre_parse.parse(source)))
    except (re.error, TypeError, ValueError):  # pragma: no cover - defensive
        return None
    if first is None or nullable or not first or len(first) > _FEW_INITIALS:
        return None
    return "".join(re.escape(ch) for ch in sorted(first))


def _seq_initials(items: list[Any]) -> tuple[set[str] | None, bool]:
    chars: set[str] = set()
    for op, av in items:
        first, nullable = _item_initials(op, av)
        if first is None:
            return None, False
        chars |= first
        if not nullable:
            return chars, False
    return chars, True


def _item_initials(op: Any, av: Any) -> tuple[set[str] | None, bool]:
    if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
        return set(), True  # zero-width: the next item starts the match
    if op is _sre.LITERAL:
        return {chr(av)}, False
    if op is _sre.IN:
        chars: set[str] = set()
        for kind, value in av:
            if kind is _sre.LITERAL:
                chars.add(chr(value))
            elif kind is _sre.RANGE and value[1] - value[0] < 64:
                chars.update(chr(c) for c in range(value[0], value[1] + 1))
            else:
                return None, False  # a negated set or a category (\w, \s): any character
        return chars, False
    if op is _sre.BRANCH:
        union: set[str] = set()
        nullable = False
        for branch in av[1]:
            first, empty = _seq_initials(list(branch))
            if first is None:
                return None, False
            union |= first
            nullable = nullable or empty
        return union, nullable
    if op is _sre.SUBPATTERN:
        return _seq_initials(list(av[-1]))
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
        first, empty = _seq_initials(list(av[2]))
        return first, empty or av[0] == 0
    return None, False


def _fast_source(source: str) -> str:
    """The lowercase copy of `source`; refuses a pattern whose meaning lowercasing changes."""
    problem = None
    if _UPPER_ESCAPE.search(source):
        problem = "an escape such as \\S, \\W or \\B"
    elif _FLAGS_GROUP.search(source) or "(?P=" in source or re.search(r"\\\d", source):
        problem = "inline flags or a back-reference"
    elif any(
        not (a.isdigit() and b.isdigit())
        and not ((a + b).isascii() and ((a + b).islower() or (a + b).isupper()))
        for a, b in _RANGE.findall(source)
    ):
        problem = "a character range other than 0-9 or letters"
    elif any(
        not ch.isascii() and any(c.isascii() for c in ch.lower() + ch.upper() + ch.casefold())
        for ch in source
    ):
        problem = "a non-ASCII character that folds to ASCII"
    if problem:
        raise ValueError(f"pattern has {problem}; use re.compile: {source[:60]!r}")
    return source.lower()


class Caseless:
    """`re.compile(source, re.IGNORECASE)` with a fast path for ASCII text.

    `search`, `match`, `finditer` and `pattern` behave as on the compiled pattern, and return
    the original pattern's match objects. `search_spans`, `match_spans` and `finditer_spans`
    skip matching again for callers that need offsets only: their matches may be over the
    lowercased text, so `start`, `end` and `span` are right but the strings may be lowercase.
    """

    __slots__ = ("_fast", "regex")

    def __init__(self, source: str) -> None:
        self.regex = re.compile(source, re.IGNORECASE)
        fast = _fast_source(source)
        initials = _initials(fast)
        self._fast = re.compile(f"(?=[{initials}]){fast}" if initials else fast)

    @property
    def pattern(self) -> str:
        return self.regex.pattern

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if len(text) < _SHORT or not text.isascii():
            return self.regex.search(text, pos, endpos)
        hit = self._fast.search(_lower(text), pos, endpos)
        return None if hit is None else self.regex.match(text, hit.start(), endpos)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        if not text.isascii():
            return self.regex.match(text, pos, endpos)
        hit = self._fast.match(_lower(text), pos, endpos)
        return None if hit is None else self.regex.match(text, pos, endpos)

    def search_spans(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None:
        if len(text) < _SHORT or not text.isascii():
            return self.regex.search(text, pos, endpos)
        return self._fast.search(_lower(text), pos, endpos)

    def match_spans(
        self, text: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None:
        if len(text) < _SHORT or not text.isascii():
            return self.regex.match(text, pos, endpos)
        return self._fast.match(_lower(text), pos, endpos)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if len(text) < _SHORT or not text.isascii():
            return self.regex.finditer(text)
        return self._matched_again(text)

    def finditer_spans(self, text: str) -> Iterator[re.Match[str]]:
        if len(text) < _SHORT or not text.isascii():
            return self.regex.finditer(text)
        return self._fast.finditer(_lower(text))

    def _matched_again(self, text: str) -> Iterator[re.Match[str]]:
        for hit in self._fast.finditer(_lower(text)):
            match = self.regex.match(text, hit.start())
            if match is not None:  # always: the two patterns accept the same spans
                yield match


class Prescan:
    """`re.compile(source, flags)` for a pattern whose matches can only start where the
    simpler pattern `candidates` matches, searched faster.

    The engine skips ahead fast to a literal or character-class first character, but not past
    a leading assertion such as `\\b`, which it then tests at every position. `candidates`
    (by default `source` without its leading `\\b`) finds the possible starts with the fast
    skip-ahead, left to right, and the full pattern is tried at each: the first that matches is
    the match `search` on the full pattern returns.
    """

    __slots__ = ("_loose", "regex")

    def __init__(self, source: str, candidates: str | None = None, flags: int = 0) -> None:
        if candidates is None:
            if not source.startswith("\\b"):
                raise ValueError(f"pattern does not open with \\b: {source[:60]!r}")
            candidates = source[2:]
        self.regex = re.compile(source, flags)
        self._loose = re.compile(candidates, flags)

    @property
    def pattern(self) -> str:
        return self.regex.pattern

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        while (hit := self._loose.search(text, pos, endpos)) is not None:
            found = self.regex.match(text, hit.start(), endpos)
            if found is not None:
                return found
            pos = hit.start() + 1
        return None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """As `re.Pattern.finditer`, for a pattern that never matches the empty string."""
        pos = 0
        while (found := self.search(text, pos)) is not None:
            if found.end() == found.start():
                raise ValueError(f"empty match of {self.regex.pattern[:60]!r}")
            yield found
            pos = found.end()
