"""Stated causes for the rule-based extractor: explicit causal signals, hedges, denials."""

from __future__ import annotations

import re
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
    (r"caused\s+by|triggered\s+by|driven\s+(?:\w+ly\s+)?by|attributed\s+to", "backward"),
    (
        r"due\s+to|because\s+of|because|as\s+a\s+result\s+of|owing\s+to|thanks\s+to|"
        r"(?:was|were|is|are)\s+the\s+result\s+of",
        "backward",
    ),
    (
        r"led\s+to|leading\s+to|lead\s+to|resulted\s+in|resulting\s+in|result\s+in|"
        r"contributed\s+to|contribute\s+to|caused|cause|causing|triggered|prompted|forced|"
        r"helped",
        "forward",
    ),
    (r"as\s+a\s+result", "forward_prefix"),
    (r"blam\w+\s+(.{3,80}?)\s+on", "blame"),
)
_SIGNAL_RES = [(Caseless(rf"\b(?:{p})\b"), d) for p, d in CAUSAL_SIGNALS]
_ANY_SIGNAL = Caseless(r"\b(?:" + "|".join(p for p, _ in CAUSAL_SIGNALS) + r")\b")
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


_HEDGE_WORDS = re.compile(r"\s*\b(?:apparently|reportedly|allegedly|likely|possibly|probably)\b")


def _phrase(text: str) -> str:
    text = re.sub(r"^(?:that|which|and|but|the\s+fact\s+that)\s+", "", text.strip(" ,.;:"))
    text = _HEDGE_WORDS.sub("", text)
    text = re.sub(r"\s+(?:was|were|is|are|had|has|have)$", "", text.strip(" ,.;:"))
    return " ".join(text.split()[:16])


def find_causes(sents: list[Sentence], sources: list[str | None]) -> list[dict[str, Any]]:
    """The stated causes of an article; `sources` holds each sentence's source."""
    causes: list[dict[str, Any]] = []
    quotes: set[str] = set()
    for sentence, source in zip(sents, sources, strict=True):
        text = sentence.text
        if not _ANY_SIGNAL.search_spans(text):
            continue
        for pattern, direction in _SIGNAL_RES:
            m = pattern.search(text)
            if m is None:
                continue
            left, right = text[: m.start()], text[m.end() :]
            if direction == "forward_prefix":
                left, right = right, ""
                rest = right or left
                cause, effect = "the preceding events", _phrase(rest)
                ev_start, ev_end = m.start(), len(text.rstrip(" .\n"))
            elif direction == "blame":
                effect = _phrase(m.group(1))
                right_clause = _CLAUSE_END.search(right)
                cause = _phrase(right[: right_clause.start() if right_clause else len(right)])
                ev_start = m.start()
                ev_end = m.end() + (right_clause.start() if right_clause else len(right))
            else:
                starts = [c.end() for c in _CLAUSE_START.finditer(left)]
                clause_start = starts[-1] if starts else 0
                end_m = _CLAUSE_END.search(right)
                clause_end = m.end() + (end_m.start() if end_m else len(right))
                before = _phrase(left[clause_start:])
                after = _phrase(text[m.end() : clause_end])
                if not before or not after:
                    continue
                cause, effect = (before, after) if direction == "forward" else (after, before)
                ev_start, ev_end = clause_start, clause_end
            quote = text[ev_start:ev_end].strip(" ,.;:")
            if not cause or not effect or len(quote) < 12 or quote in quotes:
                continue
            if NOT_A_CAUSE.search(quote):
                continue
            quotes.add(quote)
            window = text[: m.end()]
            certainty = (
                "denied"
                if DENIAL.search_spans(window)
                else "hedged"
                if HEDGE.search_spans(window)
                else "asserted"
            )
            causes.append(
                {
                    "id": f"K{len(causes) + 1}",
                    "cause": cause,
                    "effect": effect,
                    "claimed_by": source,
                    "certainty": certainty,
                    "evidence": quote,
                }
            )
            break
    return causes


def has_signal(text: str) -> bool:
    """Whether a sentence holds a causal signal ("led to", "due to", "blamed ... on")."""
    return _ANY_SIGNAL.search_spans(text) is not None
