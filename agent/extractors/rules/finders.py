"""Casualty-figure finders: is this number a count of people, and what happened to them?

`count_span` decides whether a number in a sentence can be a casualty count at all (not a
year, an age, a distance, force strength or a negation) and widens it to its qualifier
("at least 55", "between 20 and 30", "55 at least"). Then the finders below are tried in
order, each a small function that returns a `Reading` (the outcome and the evidence bounds)
or None:

1. `toll_wording`   "the death toll rose to 27"
2. `active_verb`    "killing at least 27"
3. `sub_figure`     "including 3 members", "among them four children", "nine of them"
4. `passive_form`   "55 troops were killed", "14 dead"
5. `continuation`   "three civilians and two soldiers": the outcome of the figure before
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.extractors.rules.vocabulary import (
    ACTIVE_RES,
    ANY_ACTIVE,
    ANY_OUTCOME,
    ANY_TOLL,
    AT_LEAST_TAIL,
    CONTINUE,
    NEGATED,
    NOT_A_COUNT_AFTER,
    NOT_A_COUNT_BEFORE,
    QUAL_BEFORE,
    RANGE_SEP,
    SUB_AFTER,
    SUB_BEFORE,
    TOLL_RES,
    WINDOW_END,
    YEAR,
    group_after,
    outcome_of,
)
from agent.quantities import NumberMention

if TYPE_CHECKING:
    from agent.extractors.rules.figures import Figure


@dataclass(frozen=True)
class Spot:
    """A count in its sentence, and the figures read before it."""

    text: str
    start: int  # the count with its qualifier: text[start:end] is the count_text
    end: int
    nxt: NumberMention | None  # the next number in the sentence
    earlier: Sequence[Figure]  # figures read earlier in this sentence
    last: Figure | None  # the last figure of an earlier sentence

    @property
    def near(self) -> int:
        """How far back the anchored patterns look."""
        return max(0, self.start - 120)

    @property
    def rest(self) -> str:
        return self.text[self.end :]


@dataclass(frozen=True)
class Reading:
    """What a finder read: the outcome, the evidence bounds, and what it learnt on the way."""

    outcome: str
    ev_start: int
    ev_end: int
    parent: Figure | None = None  # the larger figure this one is part of
    group: str | None = None  # the group, when the finder read it ("nine of them militants")


def count_span(text: str, mention: NumberMention, nxt: NumberMention | None) -> tuple[int, int]:
    """Where the count of `mention` starts and ends: with its qualifier before it, the second
    number of a range, and "at least" / "or more" after it."""
    start, end = mention.start, mention.end
    qual = QUAL_BEFORE.search_spans(text, max(0, mention.start - 40), mention.start)
    if qual:
        start = qual.start()
    if (
        nxt is not None
        and RANGE_SEP.fullmatch(text[end : nxt.start])
        and not nxt.is_vague
        and not mention.is_vague
    ):
        end = nxt.end
    tail = AT_LEAST_TAIL.match(text[end:])
    if tail:
        end += tail.end()
    return start, end


def not_a_count(text: str, mention: NumberMention) -> bool:
    """A year, a unit ("5 km", "12 airstrikes"), force strength, an age, a date, a negation
    ("no one"), or a vague word that counts no one ("many of them")."""
    before = text[: mention.start]
    token = text[mention.start : mention.end]
    if YEAR.match(token) or NOT_A_COUNT_AFTER.match_spans(text, mention.end):
        return True
    if NOT_A_COUNT_BEFORE.search_spans(before[-40:]) and not TOLL_RES[0][0].search_spans(
        before[-120:]
    ):
        return True
    if NEGATED.search(before[-20:] + token):  # "no one", "none were"
        return True
    return mention.is_vague and SUB_AFTER.match(text[mention.end :]) is not None


# --- the finders ----------------------------------------------------------------------------


def toll_wording(spot: Spot) -> Reading | None:
    """1. A toll wording before the count: "the death toll rose to 27"."""
    text, near, start = spot.text, spot.near, spot.start
    if not ANY_TOLL.search_spans(text, near, start):
        return None
    for pattern, outcome in TOLL_RES:
        m = pattern.search_spans(text, near, start)  # endpos: as if the text ended there
        if m:
            return Reading(outcome, m.start(), spot.end)
    return None


def active_verb(spot: Spot) -> Reading | None:
    """2. An active verb right before the count: "killing at least 27"."""
    text, start = spot.text, spot.start
    near = max(spot.near, start - 60)
    if not ANY_ACTIVE.search_spans(text, near, start):
        return None
    for pattern, outcome in ACTIVE_RES:
        m = pattern.search_spans(text, near, start)
        if m:
            return Reading(outcome, m.start(), spot.end)
    return None


def _group(text: str, match: re.Match[str], n: int) -> str | None:
    """Group `n` of a match from `search_spans`, in the text's own case."""
    start, end = match.span(n)
    return None if start < 0 else text[start:end]


def sub_figure(spot: Spot) -> Reading | None:
    """3. A sub-figure of the figure just before: "including 3 members", "nine of them"."""
    text, rest = spot.text, spot.rest
    m = SUB_BEFORE.search_spans(text, spot.near, spot.start)
    sub_after = SUB_AFTER.match(rest)
    if not m and not sub_after:
        return None
    named_word = (_group(text, m, 1) or _group(text, m, 2)) if m else None
    named = outcome_of(named_word) if named_word else None
    candidates = [*spot.earlier] or ([spot.last] if spot.last else [])
    base = next((f for f in reversed(candidates) if named in (None, f.outcome)), None)
    if base is not None and base.parent is not None:
        base = base.parent
    outcome = named or (base.outcome if base else None)
    if outcome is None:
        return None
    parent = base if base is not None and base.outcome == outcome else None
    if not sub_after:
        return Reading(outcome, spot.start, spot.end, parent)
    window = rest[sub_after.end() : sub_after.end() + 40]
    ev_end = spot.end + sub_after.end() + len(window.split(",")[0])
    return Reading(outcome, spot.start, ev_end, parent, group_after(rest[sub_after.end() :]))


def passive_form(spot: Spot) -> Reading | None:
    """4. A passive or noun form after the count: "55 troops were killed", "14 dead"."""
    rest, end = spot.rest, spot.end
    group: str | None = None
    sub_after = SUB_AFTER.match(rest)
    if sub_after:  # "nine of them militants were killed"
        window = rest[sub_after.end() : sub_after.end() + 40]
        group = group_after(rest[sub_after.end() :])
    else:
        nxt = spot.nxt
        window_end = (nxt.start - end) if nxt is not None and nxt.start > end else 90
        window = WINDOW_END.split(rest[: min(window_end, 90)])[0]
    m = ANY_OUTCOME.search_spans(window)
    if not m:
        return None
    outcome = outcome_of(window[m.start() : m.end()])
    if outcome is None:
        return None
    return Reading(outcome, spot.start, end + m.end(), None, group)


def continuation(spot: Spot) -> Reading | None:
    """5. "three civilians and two soldiers": the same outcome as the figure just before."""
    if not spot.earlier:
        return None
    if not CONTINUE.search_spans(spot.text, max(0, spot.start - 30), spot.start):
        return None
    before = spot.earlier[-1]
    return Reading(before.outcome, spot.start, spot.end, before.parent)


FINDERS: tuple[Callable[[Spot], Reading | None], ...] = (
    toll_wording,
    active_verb,
    sub_figure,
    passive_form,
    continuation,
)


def read_outcome(spot: Spot) -> Reading | None:
    """The first finder's reading of the count at `spot`, or None when none applies."""
    for finder in FINDERS:
        reading = finder(spot)
        if reading is not None:
            return reading
    return None
