"""Shared text helpers for the rule-based extractor: sentences, paragraphs, attribution."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from agent.patterns import Caseless, Prescan

_SENTENCE = re.compile(r"(?:[^.!?\n]+|\.(?=\d))+(?:[.!?]+[\"'”’)]?|$)")
_PARAGRAPH = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    paragraph: int


def sentences(text: str) -> list[Sentence]:
    """The sentences of `text` with their offsets and the index of their paragraph."""
    out: list[Sentence] = []
    for p_index, para in enumerate(_PARAGRAPH.finditer(text)):
        for m in _SENTENCE.finditer(para.group(0)):
            if m.group(0).strip():
                out.append(Sentence(m.group(0), para.start() + m.start(), p_index))
    return out


# Who gave a figure or claims a cause. Capitalised names, or "the <role noun>".
_NAME = r"(?:the\s+)?[A-Z][\w.'’-]*(?:\s+(?:[A-Z(][\w.'’()-]*|for|of|on|and|the|de|al-\w+))*"
_ROLE = (
    r"(?:the\s+|a\s+|an\s+)?(?:[\w-]+\s+){0,3}?(?:ministry|army|police|military|monitor|"
    r"official|officials|spokesman|spokesperson|spokeswoman|governor|witnesses|residents|"
    r"sources|source|command|agency|group|hospital|doctors|medics|statement|observatory|"
    r"mayor|authorities|committee|network|office|council|forces|prosecutor|militants)"
)
_SAY = (
    r"said|says|reported|reports|noted|told|stated|confirmed|announced|added|claimed|"
    r"estimated|put\s+the|recorded|documented|denied|denies|suggested|blamed|attributed"
)
ATTRIBUTION_RES: tuple[re.Pattern[str], ...] = (
    re.compile(rf"\b(?:according\s+to|citing)\s+({_NAME}|{_ROLE})"),
    re.compile(rf"({_NAME})(?:\s*,[^,]{{1,60}},)?\s+(?:{_SAY})\b"),
    re.compile(rf"\b(?:said|told|reported)\s+({_NAME})\b"),
    re.compile(rf"\b({_ROLE})\s+(?:{_SAY})\b", re.IGNORECASE),
)
_BAD_NAME = re.compile(
    r"^(?:the\s+)?(?:He|She|It|They|We|I|But|And|On|In|At|A|An|The|This|That|Monday|Tuesday|"
    r"Wednesday|Thursday|Friday|Saturday|Sunday|Residents?)$"
)


_CUE = Caseless(rf"\b(?:according|citing|{_SAY})\b")


# Asked again for the same sentences within an article; a small cache keeps memory flat.
@lru_cache(maxsize=256)
def attribution(text: str) -> str | None:
    """The first source named as giving information in `text` ("according to X", "X said")."""
    if not _CUE.search_spans(text):
        return None
    for pattern in ATTRIBUTION_RES:
        for m in pattern.finditer(text):
            name = m.group(1).strip(" ,.")
            name = re.sub(r"^(?:the|a|an)\s+", "", name, flags=re.IGNORECASE)
            name = re.sub(r"\s+(?:and|of|for|the|on)$", "", name)
            if name and not _BAD_NAME.match(name) and len(name) > 2:
                return name
    return None


_NAME_WORDS = r"[A-Z][\w'’-]*(?:[ \t]+(?:(?:for|of|and|the|on|in)[ \t]+)*[A-Z][\w'’-]*)+"
_FULL_NAME = Prescan(r"\b(?!The\b)" + _NAME_WORDS, candidates=_NAME_WORDS)


def capitalised_names(text: str) -> list[str]:
    """The capitalised names in `text`, each once, in order of first use: read once per
    article for `full_name` (a repeat never wins there, as it is not longer)."""
    return list(dict.fromkeys(m.group(0) for m in _FULL_NAME.finditer(text)))


def full_name(name: str, names: Sequence[str]) -> str:
    """The article's fullest capitalised name (from `capitalised_names`) holding the same head
    word ("Observatory" -> "Syrian Observatory for Human Rights"), or `name` itself."""
    head = name.split()[-1].lower()
    best = name
    for candidate in names:
        if len(candidate) > len(best) and head in (
            w.lower().removesuffix("'s") for w in candidate.split()
        ):
            best = candidate
    return best
