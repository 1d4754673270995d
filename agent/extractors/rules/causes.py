"""Stated causes for the rule-based extractor: causal signals, hedges, denials, claimants.

Each kind of signal is read by a small function that returns the cause, the effect and the
quote (or None):

- a connective between two clauses: "X led to Y", "Y due to X", "Y was caused by X";
- blame and accusation: "X blamed Y for Z", "X blamed Z on Y", "X accused Y of Z";
- a denial of doing it: "Y denied carrying out the attack";
- an event that brought deaths or damage: "Z after / following / amid X", "killed in X",
  when X is a violent event and Z a consequence (not mere sequence: "after the talks,
  fighting resumed" is no cause).

A sentence may state several causes; `claimed_by` is the sentence's source (the subject of
"said", "blamed", "accused", "denied"), or null when the article itself asserts the link.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent.extractors.rules.text import Sentence
from agent.patterns import Caseless

# (signal, direction): "forward" = cause before the signal, effect after ("X led to Y");
# "backward" = effect before, cause after ("Y due to X"). Passive "caused by" is backward.
CAUSAL_SIGNALS: tuple[tuple[str, str], ...] = (
    (
        r"(?:had\s+been|have\s+been|has\s+been|were|was|been)\s+(?:caused|triggered|driven)"
        r"(?:\s+\w+ly)?\s+by",
        "backward",
    ),
    (
        r"caused\s+by|triggered\s+by|sparked\s+by|driven\s+(?:\w+ly\s+)?by|attributed\s+to",
        "backward",
    ),
    (
        r"due\s+to|because\s+of|because|as\s+a\s+result\s+of|owing\s+to|thanks\s+to|"
        r"(?:was|were|is|are)\s+the\s+result\s+of|in\s+the\s+wake\s+of",
        "backward",
    ),
    (
        r"led\s+to|leading\s+to|lead\s+to|resulted\s+in|resulting\s+in|result\s+in|"
        r"contributed\s+to|contribute\s+to|caused|cause|causing|triggered|prompted|forced|"
        r"helped|sparked|sparking",
        "forward",
    ),
    (r"as\s+a\s+result", "forward_prefix"),
)
_SIGNAL_RES = [(Caseless(rf"\b(?:{p})\b"), d) for p, d in CAUSAL_SIGNALS]
_BLAME_ON = Caseless(r"\bblam\w+\s+(.{3,80}?)\s+on\s+")
_BLAME_FOR = Caseless(
    r"\b(?:blam\w+\s+((?:(?!\s+on\s).){3,80}?)\s+for|accus\w+\s+((?:(?!\s+on\s).){3,80}?)\s+of)\s+"
)
_DENY_DOING = Caseless(
    r"\bden(?:y|ied|ies|ying)\s+(?:carrying\s+out|responsibility\s+for|involvement\s+in|"
    r"being\s+behind|any\s+role\s+in|causing|launching|staging)\s+"
)
# A violent event and what it brought: "seven killed after a bomb exploded".
_EVENT_SIGNAL = Caseless(
    r"\b(?:(after|following|amid)|(destroyed|damaged|burned|burnt|flattened|razed|displaced|"
    r"closed|cut|suspended|disrupted|halted)\s+(?:in|by))\s+"
)
_CASUALTY = Caseless(
    r"\b(?:killed|died|dead|deaths?|wounded|injured|casualties|toll|missing|abducted|kidnapped|"
    r"captured|detained)\b"
)
_VIOLENT = Caseless(
    r"\b(?:attacks?|strikes?|airstrikes?|air\s+raids?|blasts?|explosions?|bombs?|bombings?|"
    r"shelling|clashes|fighting|raids?|ambush\w*|crossfire|gunfire|fire|exploded|struck|"
    r"stormed|attacked|opened\s+fire|shot|shelled|bombed|detonated|collapsed|floods?|"
    r"earthquake|landslide|stampede|riots?)\b"
)
_CONSEQUENCE = Caseless(
    r"\b(?:killed|died|dead|wounded|injured|destroyed|damaged|fled|displaced|closed|suspended|"
    r"evacuated|cut|burned|burnt|collapsed|halted|shut|lost|missing|forced)\b"
)
# The signals a claimant states a link with (not the events that bring deaths).
_STATED = Caseless(
    r"\b(?:"
    + "|".join(p for p, _ in CAUSAL_SIGNALS)
    + r"|blam\w+|accus\w+|den(?:y|ied|ies|ying))\b"
)
HEDGE = Caseless(
    r"\b(?:suggest\w*|apparently|appear\w*\s+to|reportedly|may\s+have|might\s+have|may|"
    r"allegedly|likely|could\s+have|could|possibly|probably|seem\w*\s+to)\b"
)
DENIAL = Caseless(r"\b(?:den(?:y|ied|ies|ying)|reject\w*|dismiss\w*|refut\w*)\b")
# Boilerplate that uses causal words without stating a cause of events.
NOT_A_CAUSE = re.compile(
    r"\bnot\s+authori[sz]ed\b|\banonymity\b|\bunless\b|\bin\s+order\s+to\b", re.IGNORECASE
)
_CLAUSE_START = re.compile(
    r"(?:^|[,;:—]\s*|\b(?:that|which|and|but|said|says|suggested|claimed|denied)\s+)(?=[^,;:—]*$)"
)
_CLAUSE_END = re.compile(r"[,;:—]|\s(?:and|but|while)\s|$")
_SUBJECT_END = re.compile(r"(?:,[^,]{1,80},)?\s*(?:has\s+|have\s+|had\s+|also\s+)*$")
_HEDGE_WORDS = re.compile(r"\s*\b(?:apparently|reportedly|allegedly|likely|possibly|probably)\b")


@dataclass(frozen=True)
class Link:
    """A cause and its effect as a sentence states them, and the quote that states it."""

    cause: str
    effect: str
    start: int  # the quote: text[start:end]
    end: int
    signal_end: int  # hedges and denials are read up to here


def _phrase(text: str) -> str:
    text = re.sub(r"^(?:that|which|and|but|the\s+fact\s+that)\s+", "", text.strip(" ,.;:"))
    text = _HEDGE_WORDS.sub("", text)
    text = re.sub(r"\s+(?:was|were|is|are|had|has|have)$", "", text.strip(" ,.;:"))
    return " ".join(text.split()[:16])


def _clause_after(text: str, pos: int) -> int:
    """Where the clause that starts at `pos` ends."""
    end = _CLAUSE_END.search(text, pos)
    return end.start() if end else len(text)


def _clause_before(text: str, pos: int) -> int:
    """Where the clause that ends at `pos` starts."""
    starts = [c.end() for c in _CLAUSE_START.finditer(text[:pos])]
    return starts[-1] if starts else 0


# --- the readers -----------------------------------------------------------------------------


def connectives(text: str) -> list[Link]:
    """ "X led to Y", "Y due to X", "Y was caused by X", "As a result, Y"."""
    out: list[Link] = []
    for pattern, direction in _SIGNAL_RES:
        m = pattern.search_spans(text)
        if m is None:
            continue
        if direction == "forward_prefix":
            end = len(text.rstrip(" .\n"))
            out.append(
                Link("the preceding events", _phrase(text[m.end() :]), m.start(), end, m.end())
            )
            continue
        start, end = _clause_before(text, m.start()), _clause_after(text, m.end())
        before, after = _phrase(text[start : m.start()]), _phrase(text[m.end() : end])
        if before and after:
            cause, effect = (before, after) if direction == "forward" else (after, before)
            out.append(Link(cause, effect, start, end, m.end()))
    return out


def blame(text: str) -> list[Link]:
    """ "X blamed Z on Y", "X blamed Y for Z", "X accused Y of Z"."""
    out: list[Link] = []
    for m in _BLAME_FOR.finditer(text):  # first: "blamed the rebels for the attack on a convoy"
        end = _clause_after(text, m.end())
        blamed = m.group(1) or m.group(2)
        out.append(Link(_phrase(blamed), _phrase(text[m.end() : end]), m.start(), end, m.end()))
    for m in _BLAME_ON.finditer(text):
        end = _clause_after(text, m.end())
        out.append(Link(_phrase(text[m.end() : end]), _phrase(m.group(1)), m.start(), end, m.end()))
    return out


def denied_doing(text: str) -> list[Link]:
    """ "The group denied carrying out the attack": the group is the denied cause."""
    out: list[Link] = []
    for m in _DENY_DOING.finditer(text):
        start = _clause_before(text, m.start())
        subject = _SUBJECT_END.sub("", text[start : m.start()])
        end = _clause_after(text, m.end())
        if subject.strip():
            out.append(Link(_phrase(subject), _phrase(text[m.end() : end]), start, end, m.end()))
    return out


def violent_events(text: str) -> list[Link]:
    """ "Hundreds fled after the shelling", "houses destroyed in the strike": a violent event
    is the cause of the damage, flight or closure told before it (deaths in an event are
    told by the figure's link to its event)."""
    out: list[Link] = []
    for m in _EVENT_SIGNAL.finditer_spans(text):
        end = _clause_after(text, m.end())
        cause = text[m.end() : end]
        start = _clause_before(text, m.start())
        effect = text[start : m.end(2) if m.lastindex == 2 else m.start()]  # "destroyed in X"
        if not _VIOLENT.search_spans(cause) or not _CONSEQUENCE.search_spans(effect):
            continue
        if _CASUALTY.search_spans(effect):
            continue
        out.append(Link(_phrase(cause), _phrase(effect), start, end, m.end()))
    return out


READERS: tuple[Callable[[str], list[Link]], ...] = (
    connectives,
    blame,
    denied_doing,
    violent_events,
)


def find_causes(
    sents: list[Sentence], sources: list[str | None], stated: list[bool]
) -> list[dict[str, Any]]:
    """The stated causes of an article; `sources` holds each sentence's source, `stated`
    whether it holds a signal a claimant states a link with (`has_signal`)."""
    causes: list[dict[str, Any]] = []
    quotes: set[str] = set()
    for sentence, source, says in zip(sents, sources, stated, strict=True):
        text = sentence.text
        readers = [*(READERS[:3] if says else ()), READERS[3]]
        taken: list[tuple[int, int]] = []
        for link in (link for read in readers for link in read(text)):
            quote = text[link.start : link.end].strip(" ,.;:")
            if not link.cause or not link.effect or len(quote) < 12 or quote in quotes:
                continue
            if NOT_A_CAUSE.search(quote) or any(s < link.end and link.start < e for s, e in taken):
                continue  # one reading of a stretch of text
            quotes.add(quote)
            taken.append((link.start, link.end))
            causes.append(_cause(len(causes) + 1, link, quote, text, source))
    return causes


def _cause(n: int, link: Link, quote: str, text: str, source: str | None) -> dict[str, Any]:
    window = text[: link.signal_end]
    certainty = (
        "denied"
        if DENIAL.search_spans(window)
        else "hedged"
        if HEDGE.search_spans(window)
        else "asserted"
    )
    return {
        "id": f"K{n}",
        "cause": link.cause,
        "effect": link.effect,
        "claimed_by": source,
        "certainty": certainty,
        "evidence": quote,
    }


def has_signal(text: str) -> bool:
    """Whether a sentence states a link itself ("led to", "due to", "blamed ... on")."""
    return _STATED.search_spans(text) is not None
