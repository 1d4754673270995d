"""Numerals, number words, qualifiers and vague quantities.

One module answers "what number does this wording give?" for the whole program: the rule-based
extractor reads counts with it, grounding checks that a figure's number is in its quote with it,
and the vague-word step ("dozens" -> 12) goes through ONE table chosen by configuration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from agent.patterns import Caseless, Prescan

Qualifier = Literal["exact", "at_least", "at_most", "approximately", "range", "vague"]

# --- vague words -------------------------------------------------------------------------------

# ACLED's coding rules: "several/many/few" -> 3 or 10 by scale (3 for the few-words, 10 for the
# many-words), "dozens" -> 12, "hundreds" -> 100, older FAQ "tens" -> 10.
_ACLED: dict[str, int] = {
    "a few": 3,
    "few": 3,
    "several": 3,
    "some": 3,
    "a handful": 3,
    "a number": 3,
    "a group": 3,
    "multiple": 3,
    "many": 10,
    "numerous": 10,
    "a large number": 10,
    "a high number": 10,
    "tens": 10,
    "dozens": 12,
    "several dozen": 12,
    "a few dozen": 12,
    "scores": 20,
    "several hundred": 100,
    "a few hundred": 100,
    "several thousand": 1000,
    "hundreds": 100,
    "thousands": 1000,
    "tens of thousands": 10000,
    "hundreds of thousands": 100000,
}
# ISAF press-release annotation: "several", "a few", "some", "a group", "multiple" -> 3,
# "numerous", "a handful" -> 4, "a large number" -> 5, "dozens" -> 24; the rest as ACLED.
_ISAF: dict[str, int] = {
    **_ACLED,
    "a handful": 4,
    "numerous": 4,
    "a large number": 5,
    "a high number": 5,
    "dozens": 24,
    "several dozen": 24,
    "a few dozen": 24,
}
VAGUE_TABLES: dict[str, dict[str, int]] = {"acled": _ACLED, "isaf": _ISAF}
VagueTable = Literal["acled", "isaf"]
# A bare plural ("insurgents were detained", "his associates") counts 2 under ISAF; ACLED codes
# no number for it.
BARE_PLURAL: dict[str, int | None] = {"acled": None, "isaf": 2}
# ISAF codes the least number a wording allows: "more than 10" is at least 11. ACLED keeps the
# number as written (at least 10).
STRICT_MINIMUM_TABLES = frozenset({"isaf"})

# longest first, so "tens of thousands" wins over "tens" and "a few" over "few"
_VAGUE_WORDS = sorted(_ACLED, key=len, reverse=True)


def _first_letters(words: list[str]) -> str:
    """A leading character-class lookahead: lets the regex engine skip most positions fast."""
    letters = sorted({c for w in words for c in (w[0].lower(), w[0].upper())})
    return "(?=[" + "".join(letters) + "])"


_VAGUE_RE = Caseless(
    _first_letters(_VAGUE_WORDS)
    + r"\b(?:"
    + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in _VAGUE_WORDS)
    + r")\b"
)


def bare_plural_value(table: str = "acled") -> int | None:
    """The table's number for a bare plural ("insurgents were detained"), or None."""
    try:
        return BARE_PLURAL[table]
    except KeyError:
        raise ValueError(f"unknown vague-word table {table!r} (acled or isaf)") from None


def vague_value(word: str, table: str = "acled") -> int | None:
    """The table's number for a vague word ("dozens" -> 12 under ACLED), or None."""
    key = " ".join(word.lower().split())
    key = key.removesuffix(" of")
    try:
        return VAGUE_TABLES[table].get(key)
    except KeyError:
        raise ValueError(f"unknown vague-word table {table!r} (acled or isaf)") from None


# --- number words ------------------------------------------------------------------------------

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_WORD = "|".join([*_UNITS, *_SCALES, "dozen", "couple"])
_WORDS_RE = Caseless(
    _first_letters([*_UNITS, *_SCALES, "dozen", "couple", "a", "half"])
    + rf"\b(?:(?:a|an|half\s+a)\s+)?(?:{_WORD})"
    rf"(?:(?:(?:(?<=hundred)|(?<=thousand)|(?<=million))\s+and\s+|[\s-]+)(?:{_WORD}))*\b"
)
# A match starts at a digit: the search skips to digits first (see Prescan).
_DIGITS_RE = Prescan(
    r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:\.\d{3})+(?![.,]?\d)|\d+(?:\.\d+)?)"
    r"(?:\s*(?:million|thousand)\b)?(?!\s*(?:th|st|nd|rd)\b)(?![\w])",
    candidates=r"\d",
    flags=re.IGNORECASE,
)


_NUMBER_WORDS = "|".join(w for w in _UNITS if w != "zero")
_NUMBER_NEXT = re.compile(
    rf"\s+(?:\d|(?:a\s+)?(?:{_NUMBER_WORDS}|dozen|hundred|thousand)\b)", re.IGNORECASE
)
_WORD_SPLIT = re.compile(r"[\s-]+")
_GROUPED_COMMAS = re.compile(r"\d{1,3}(?:,\d{3})+")
_GROUPED_DOTS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_INTEGER = re.compile(r"\d+")
_DECIMAL = re.compile(r"\d+\.\d+")


def words_to_int(phrase: str) -> int | None:
    """ "fifty-five" -> 55, "a dozen" -> 12, "two hundred and one" -> 201; None if not a number."""
    tokens = _WORD_SPLIT.split(phrase.lower().strip())
    tokens = [t for t in tokens if t and t != "and"]
    if not tokens:
        return None
    half = False
    if tokens[:2] == ["half", "a"]:
        half, tokens = True, tokens[2:]
    elif tokens[0] in ("a", "an"):
        tokens = ["one", *tokens[1:]]
    total = current = 0
    seen = False
    for tok in tokens:
        if tok in _UNITS:
            current += _UNITS[tok]
        elif tok == "dozen":
            current = (current or 1) * 12
        elif tok == "couple":
            current = (current or 1) * 2
        elif tok == "hundred":
            current = (current or 1) * 100
        elif tok in ("thousand", "million"):
            total += (current or 1) * _SCALES[tok]
            current = 0
        else:
            return None
        seen = True
    if not seen:
        return None
    value = total + current
    return value // 2 if half else value


def digits_to_int(token: str) -> int | None:
    """ "1,200" -> 1200, "1.200" -> 1200, "1.5 million" -> 1500000, "55" -> 55."""
    tok = token.lower().strip()
    scale = 1
    for word, mult in (("million", 1_000_000), ("thousand", 1000)):
        if tok.endswith(word):
            scale, tok = mult, tok[: -len(word)].strip()
    if _GROUPED_COMMAS.fullmatch(tok):
        return int(tok.replace(",", "")) * scale
    if _GROUPED_DOTS.fullmatch(tok) and scale == 1:
        return int(tok.replace(".", ""))
    if _INTEGER.fullmatch(tok):
        return int(tok) * scale
    if _DECIMAL.fullmatch(tok) and scale > 1:
        return round(float(tok) * scale)
    return None


@dataclass(frozen=True)
class NumberMention:
    """A number found in a text: where it is, its value, and the vague word when it is one."""

    start: int
    end: int
    value: int
    vague: str | None = None

    @property
    def is_vague(self) -> bool:
        return self.vague is not None


def find_numbers(text: str, table: str = "acled") -> list[NumberMention]:
    """Every number in `text`, in digits, words or vague words, in order of position."""
    found: list[NumberMention] = []
    taken: list[tuple[int, int]] = []
    for m in _DIGITS_RE.finditer(text):
        value = digits_to_int(m.group(0))
        if value is not None:
            start, end = m.span()
            found.append(NumberMention(start, end, value))
            taken.append((start, end))
    for m in _VAGUE_RE.finditer_spans(text):
        start, end = m.span()
        if _NUMBER_NEXT.match(text, end):  # "some 14,500": a qualifier, not a vague count
            continue
        word = " ".join(text[start:end].lower().split())
        value = vague_value(word, table)
        if value is not None and all(end <= s or start >= e for s, e in taken):
            found.append(NumberMention(start, end, value, vague=word))
            taken.append((start, end))
    for m in _WORDS_RE.finditer_spans(text):
        start, end = m.span()
        value = words_to_int(text[start:end])
        if value is not None and all(end <= s or start >= e for s, e in taken):
            found.append(NumberMention(start, end, value))
            taken.append((start, end))
    found.sort(key=_position)
    return found


def _position(mention: NumberMention) -> int:
    return mention.start


# --- counts with qualifiers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    """What a count wording means: the interval and how it was qualified."""

    low: int | None
    high: int | None
    qualifier: Qualifier


_AT_LEAST = (
    r"at\s+least|(?<!no\s)(?<!not\s)more\s+than|over|no\s+fewer\s+than|no\s+less\s+than|"
    r"not\s+(?:fewer|less)\s+than|upwards\s+of|in\s+excess\s+of|a\s+minimum\s+of|exceeding|"
    r"above"
)
_AT_MOST = (
    r"up\s+to|as\s+many\s+as|nearly|almost|fewer\s+than|less\s+than|at\s+most|"
    r"no\s+more\s+than|not\s+more\s+than|just\s+under|close\s+to|under"
)
# The at-least wordings that exclude the number itself ("more than 10": 11 or more).
_STRICT_RE = re.compile(
    r"\b(?:(?<!no\s)(?<!not\s)more\s+than|over|in\s+excess\s+of|exceeding|above)$",
    re.IGNORECASE,
)
_APPROX = r"about|around|some|roughly|approximately|an\s+estimated|estimated|an\s+approximate"
_AT_LEAST_RE = re.compile(rf"\b(?:{_AT_LEAST})$", re.IGNORECASE)
_AT_LEAST_AFTER_RE = re.compile(r"^(?:at\s+least\b|or\s+more\b|and\s+more\b|\+)", re.IGNORECASE)
_AT_MOST_RE = re.compile(rf"\b(?:{_AT_MOST})$", re.IGNORECASE)
_APPROX_RE = re.compile(rf"\b(?:{_APPROX})$", re.IGNORECASE)
_OR_SO_RE = re.compile(r"or\s+so\b", re.IGNORECASE)
_RANGE_SEP_RE = re.compile(r"\s*(?:to|and|or|-|–|—)\s*", re.IGNORECASE)

QUALIFIER_WORDS = f"{_AT_LEAST}|{_AT_MOST}|{_APPROX}|between|from"


def parse_count(count_text: str, table: str = "acled") -> Count | None:
    """The interval a count wording gives: "at least 55" -> Count(55, None, "at_least").

    Returns None when the wording holds no number at all.
    """
    text = " ".join(count_text.replace("\u00a0", " ").split())
    numbers = find_numbers(text, table)
    if not numbers:
        return None
    exact = [n for n in numbers if not n.is_vague]
    if len(exact) >= 2 and _RANGE_SEP_RE.fullmatch(text[exact[0].end : exact[1].start]):
        lo, hi = sorted((exact[0].value, exact[1].value))
        return Count(lo, hi, "range")
    if not exact:
        return Count(numbers[0].value, None, "vague")
    num = exact[0]
    prefix = text[: num.start].strip()
    suffix = text[num.end :].strip()
    if _AT_LEAST_RE.search(prefix) or _AT_LEAST_AFTER_RE.search(suffix):
        strict = table in STRICT_MINIMUM_TABLES and _STRICT_RE.search(prefix) is not None
        return Count(num.value + 1 if strict else num.value, None, "at_least")
    if _AT_MOST_RE.search(prefix):
        return Count(None, num.value, "at_most")
    if _APPROX_RE.search(prefix) or _OR_SO_RE.match(suffix):
        return Count(num.value, num.value, "approximately")
    return Count(num.value, num.value, "exact")


def strict_minimum(count_text: str, table: str = "acled") -> int | None:
    """Under a table that codes the least number a wording allows (ISAF), the number after
    "more than" / "over" plus one ("more than a dozen" -> 13); otherwise None."""
    if table not in STRICT_MINIMUM_TABLES:
        return None
    count = parse_count(count_text, table)
    if count is None or count.qualifier != "at_least" or count.low is None:
        return None
    text = " ".join(count_text.split())
    exact = [n for n in find_numbers(text, table) if not n.is_vague]
    if not exact or not _STRICT_RE.search(text[: exact[0].start].strip()):
        return None
    return count.low
