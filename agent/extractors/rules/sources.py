"""Who gave a figure or claims a cause.

A sentence names its source ("according to the Israeli military", "the Gaza health ministry,
in a separate tally, put the toll at", "SCM sources said"); a pronoun or a bare role ("he
said", "the ministry said", "it added") is the source named before it. A sentence without a
source takes the one named earlier in its paragraph, or a later one in the paragraph when
that later sentence gives no figure of its own (it then attributes what came before: "Three
were killed. The ministry confirmed the toll."). Names are written as the article first
gives them in full ("Observatory" -> "Syrian Observatory for Human Rights", "SCM" -> "Syria
Casualty Monitor").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from agent.extractors.rules.text import Sentence
from agent.patterns import Caseless, Prescan

# A capitalised name, or a role noun with up to three words before it and a complement after
# ("the Kherson regional military administration", "health workers in Sake", "leaders of the
# sites", "the health ministry of the Houthi-run government in Sanaa").
_NAME = r"(?:the\s+)?[A-Z][\w.'’-]*(?:\s+(?:[A-Z(][\w.'’()-]*|for|of|on|and|the|de|al-\w+))*"
_ROLE_WORD = (
    r"(?i:ministry|army|police|military|monitor|officials?|spokes(?:man|person|woman)|governor|"
    r"witnesses|residents|villagers|sources?|command|agency|group|hospital|doctors|medics|"
    r"statement|observatory|mayor|authorities|committee|network|office|council|forces|"
    r"prosecutors?|militants|administration|government|brigade|commander|officer|elders|"
    r"workers|leaders|organi[sz]ation|activists|rebels|movement|media\s+centre|centre|"
    r"directorate|department|service|unit|teams?|relatives|survivors|chief|minister|"
    r"coalition|collectives?|agencies|rescuers|journalists|monitors)"
)
_COMPLEMENT = (
    r"(?:\s+of\s+the\s+[\w'’-]+(?:[ \t][\w'’-]+){0,2}?(?=[\s,.;]|$)|\s+of\s+[A-Z][\w'’-]*"
    r"(?:\s+[A-Z][\w'’-]*)*)?(?:\s+in\s+[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)?"
)
_ROLE = rf"(?:the\s+|a\s+|an\s+)?(?:[\w'’-]+\s+){{0,3}}?{_ROLE_WORD}\b{_COMPLEMENT}"
_ENTITY = rf"(?:{_ROLE}|{_NAME})"
_SAY = (
    r"said|says|reported|reports|noted|told|stated|confirmed|announced|added|claimed|"
    r"estimated|put\s+the|put\s+its|recorded|documented|denied|denies|suggested|blamed|"
    r"attributed|gave|accused|insisted|warned|wrote|tweeted|posted"
)
_BEFORE_SAY = r"(?:\s+(?:has|had|have|also|earlier|later|initially|then|\w+ly))*"
_PRONOUN = r"(?:he|she|it|they|He|She|It|They)"
ATTRIBUTION_RES: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"\b(?i:according\s+to|citing)\s+(?:(?i:updated|the\s+latest|new|preliminary|official)"
        rf"\s+)?(?:(?i:information|figures|data|a\s+statement|reports?|a\s+tally|tallies)\s+"
        rf"(?:from|by|of)\s+)?({_ENTITY})"
    ),
    re.compile(rf"({_ENTITY}|\b{_PRONOUN})(?:\s*,[^,]{{1,80}},)?{_BEFORE_SAY}\s+(?:{_SAY})\b"),
    re.compile(rf"\b(?:said|told|reported|saying)\s+({_ENTITY})\b"),
)
_APPOSITION_NAME = re.compile(r",\s+((?:[A-Z][\w'’.-]*\s+){1,3}[A-Z][\w'’.-]*)")
_BAD_NAME = re.compile(
    r"^(?:the\s+)?(?:But|And|On|In|At|A|An|The|This|That|Monday|Tuesday|Wednesday|Thursday|"
    r"Friday|Saturday|Sunday|Investigation|Report|Reports|Statement)$",
    re.IGNORECASE,
)
_LEAD = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_TAIL = re.compile(r"\s+(?:and|of|for|the|on|in)$")
_SOURCES_TAIL = re.compile(r"(?<=[A-Z])\s+sources$")  # "SCM sources" -> "SCM"
_CUE = Caseless(rf"\b(?:according|citing|{_SAY})\b")
PRONOUNS = frozenset({"he", "she", "it", "they"})
# Bare roles that stand for the organisation named before ("the group said").
_GENERIC = frozenset({"group", "organisation", "organization", "movement", "statement"})


# Asked again for the same sentences within an article; a small cache keeps memory flat.
@lru_cache(maxsize=256)
def attribution(text: str) -> str | None:
    """The first source named as giving information in `text` ("according to X", "X said");
    "he" / "she" / "it" / "they" for a pronoun, resolved by `sentence_sources`."""
    if not _CUE.search_spans(text):
        return None
    for pattern in ATTRIBUTION_RES:
        for m in pattern.finditer(text):
            name = _clean(m.group(1))
            apposed = _APPOSITION_NAME.match(text, m.end(1))
            if apposed and name.split()[-1].lower() in _TITLES:
                name = apposed.group(1)  # "the Governor of the Region, Vyacheslav Gladkov"
            if name.lower() in PRONOUNS:
                return name.lower()
            if name and not _BAD_NAME.match(name) and len(name) > 2:
                return name
    return None


_TITLES = frozenset({"governor", "region", "province", "minister", "mayor", "spokesman"})


def _clean(found: str) -> str:
    name = _LEAD.sub("", found.strip(" ,."))
    name = _TAIL.sub("", name)
    return _SOURCES_TAIL.sub("", name)


def sentence_sources(sents: Sequence[Sentence], with_figures: set[int]) -> list[str | None]:
    """The source for the figures and causes of each sentence (see the module's rules);
    `with_figures` holds the indices of the sentences that give figures or causes of their
    own."""
    own: list[str | None] = []
    named: list[str] = []  # the sources named so far, in order
    for sentence in sents:
        found = attribution(sentence.text)
        if found is not None:
            found = _resolve(found, named)
        if found is not None and found not in PRONOUNS:
            named.append(found)
        own.append(found if found not in PRONOUNS else None)
    out: list[str | None] = []
    for i, sentence in enumerate(sents):
        source = own[i]
        for j in range(i - 1, -1, -1):  # earlier in the paragraph
            if source is not None or sents[j].paragraph != sentence.paragraph:
                break
            source = own[j]
        for j in range(i + 1, len(sents)):  # later, from a sentence without figures
            if source is not None or sents[j].paragraph != sentence.paragraph:
                break
            if j not in with_figures:
                source = own[j]
        out.append(source)
    return out


def _resolve(found: str, named: Sequence[str]) -> str | None:
    """A pronoun or a bare role as the source named before it: "he" -> "Ivan Fedorov", "the
    brigade" -> "Ukrainian brigade", "the group" -> "Al-Shabaab"."""
    if found in PRONOUNS:
        return named[-1] if named else None
    if " " in found:
        return found
    head = found.lower()
    for earlier in reversed(named):
        if earlier.split()[-1].lower() == head and earlier != found:
            return earlier
    if head in _GENERIC and named:
        return named[-1]
    return found


# --- full names ------------------------------------------------------------------------------


def in_full(sources: list[str | None], text: str) -> list[str | None]:
    """Each source as the article names it in full; the article's names are read only when a
    source needs them."""
    names: dict[str, str] = {}
    candidates: list[str] | None = None
    spelled: dict[str, str] | None = None
    out: list[str | None] = []
    for source in sources:
        if source and source not in names:
            if spelled is None and source.isupper():
                spelled = acronyms(text)
            if candidates is None:
                candidates = capitalised_names(text)
            names[source] = full_name(source, candidates, spelled)
        out.append(names[source] if source else None)
    return out


_NAME_WORDS = r"[A-Z][\w'’-]*(?:[ \t]+(?:(?:for|of|and|the|on|in)[ \t]+)*[A-Z][\w'’-]*)+"
_FULL_NAME = Prescan(r"\b(?!The\b)" + _NAME_WORDS, candidates=_NAME_WORDS)
_ACRONYM = re.compile(
    r"\b([A-Z][\w'’-]*(?:[ \t]+(?:(?:for|of|and|the|on|in)[ \t]+)*[A-Z][\w'’-]*)+)"
    r"[ \t]*\(([A-Z]{2,6})\)"
)


_FUNCTION_WORDS = frozenset({"for", "of", "and", "the", "on", "in", "de"})


def capitalised_names(text: str) -> list[str]:
    """The capitalised names in `text`, each once, in order of first use: read once per
    article for `full_name` (a repeat never wins there, as it is not longer)."""
    return list(dict.fromkeys(m.group(0) for m in _FULL_NAME.finditer(text)))


def acronyms(text: str) -> dict[str, str]:
    """The acronyms an article spells out: "Syria Casualty Monitor (SCM)" -> {"SCM": ...}."""
    return {m.group(2): m.group(1) for m in _ACRONYM.finditer(text)}


def full_name(name: str, names: Sequence[str], spelled: dict[str, str] | None = None) -> str:
    """The article's fullest capitalised name (from `capitalised_names`) holding the same head
    word ("Observatory" -> "Syrian Observatory for Human Rights"), an acronym spelled out
    ("SCM" -> "Syria Casualty Monitor"), or `name` itself."""
    if spelled and name in spelled:
        return spelled[name]
    if any(w.islower() and w not in _FUNCTION_WORDS for w in name.split()[:-1]) or (
        " " in name and name.split()[-1].islower()
    ):
        return name  # a described role ("health workers in Sake") is as the article says
    head = name.split()[-1].lower()
    best = name
    for candidate in names:
        if len(candidate) > len(best) and head in (
            w.lower().removesuffix("'s") for w in candidate.split()
        ):
            best = candidate
    return best
