"""Casualty-figure finders: is this number a count of people, and what happened to them?

`count_span` decides whether a number in a sentence can be a casualty count at all (not a
year, an age, a distance, force strength or a negation) and widens it to its qualifier
("at least 55", "between 20 and 30", "55 at least"). Then the finders below are tried in
order, each a small function that returns a `Reading` (the outcome and the evidence bounds)
or None:

1. `toll_wording`   "the death toll rose to 27"
2. `inverted`       "Also killed in the strike were more than a dozen insurgents"
3. `active_verb`    "killing at least 27"
4. `sub_figure`     "including 3 members", "among them four children", "nine of them"
5. `long_subject`   "Seven civilians, including two children, were killed"
6. `passive_form`   "55 troops were killed", "14 dead", "two women and three minors were killed"
7. `continuation`   "three civilians and two soldiers": the outcome of the figure before
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
    APPOSED_ONE,
    AT_LEAST_TAIL,
    BACKGROUND,
    BE_AUX,
    CONTINUE,
    COORDINATED,
    DEATH_VERB,
    HAVE_AUX,
    INTRANSITIVE,
    INVERTED,
    LONG_SUBJECT,
    NEGATED,
    NOT_A_COUNT_AFTER,
    NOT_A_COUNT_BEFORE,
    OBJECT_NEXT,
    QUAL_BEFORE,
    RANGE_SEP,
    RELATIVE,
    RESULTED_IN,
    SUB_AFTER,
    SUB_BEFORE,
    TOLL_RES,
    WINDOW_END,
    YEAR,
    group_after,
    outcome_at,
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
    later: Sequence[NumberMention]  # the numbers after it in the sentence
    earlier: Sequence[Figure]  # figures read earlier in this sentence
    last: Figure | None  # the last figure of an earlier sentence

    @property
    def nxt(self) -> NumberMention | None:
        return self.later[0] if self.later else None

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
    inner_end: int = -1  # where the subject's apposition ends ("Seven civilians, including
    # two children, were killed"): the counts before it are part of this figure


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
    if (
        NOT_A_COUNT_BEFORE.search_spans(before[-40:])
        and not TOLL_RES[0][0].search_spans(before[-120:])
        and not RESULTED_IN.search_spans(before[-40:])
    ):
        return True
    if NEGATED.search(before[-20:] + token):  # "no one", "none were"
        return True
    if APPOSED_ONE.search(before[-3:] + token + text[mention.end : mention.end + 4]):
        return True  # "Hemat, one of the Haqqani leaders": the person named before
    if BACKGROUND.search_spans(text, max(0, mention.start - 140), mention.start):
        return True  # "responsible for the deaths of 12"
    return (  # "many of them were civilians" counts no one; "killing several of them" does
        mention.is_vague
        and SUB_AFTER.match(text[mention.end :]) is not None
        and not ANY_ACTIVE.search_spans(text, max(0, mention.start - 60), mention.start)
    )


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


def inverted(spot: Spot) -> Reading | None:
    """2. The verb before the count: "Also killed in the strike were more than a dozen"."""
    m = INVERTED.search_spans(spot.text, spot.near, spot.start)
    if m is None:
        return None
    outcome = outcome_of(spot.text[m.start() : m.end()])
    return None if outcome is None else Reading(outcome, m.start(), spot.end)


def active_verb(spot: Spot) -> Reading | None:
    """3. An active verb right before the count: "killing at least 27"."""
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
    """4. A sub-figure of the figure just before: "including 3 members", "nine of them"; its
    own verb wins ("two of them died overnight" is killed, not part of the wounded)."""
    text, rest = spot.text, spot.rest
    m = SUB_BEFORE.search_spans(text, spot.near, spot.start)
    sub_after = SUB_AFTER.match(rest)
    if not m and not sub_after:
        return None
    named_word = (_group(text, m, 1) or _group(text, m, 2)) if m else None
    if sub_after and sub_after.group(1):
        named_word = sub_after.group(1)
    named = outcome_of(named_word) if named_word else None
    candidates = [*spot.earlier] or ([spot.last] if spot.last else [])
    base = next((f for f in reversed(candidates) if named in (None, f.outcome)), None)
    if base is not None and base.parent is not None:
        base = base.parent
    outcome = named or (base.outcome if base else None)
    own: re.Match[str] | None = None
    if sub_after:
        own = ANY_OUTCOME.search_spans(_sub_window(rest, sub_after.end()))
        if own is not None:
            window = _sub_window(rest, sub_after.end())
            outcome = outcome_at(window, own.start()) or outcome
    if outcome is None:
        return None
    parent = base if base is not None and base.outcome == outcome else None
    if not sub_after:
        return Reading(outcome, spot.start, spot.end, parent)
    window = _sub_window(rest, sub_after.end())
    ev_end = spot.end + sub_after.end() + (own.end() if own else len(window.split(",")[0]))
    return Reading(outcome, spot.start, ev_end, parent, group_after(rest[sub_after.end() :]))


def _sub_window(rest: str, start: int) -> str:
    """The words after "of them" that may name what happened to them, to the clause's end."""
    return WINDOW_END.split(rest[start : start + 40])[0].split(",")[0]


def passive_form(spot: Spot) -> Reading | None:
    """6. A passive or noun form after the count: "55 troops were killed", "14 dead"; also
    after coordinated counts ("two women and three minors were killed"). A count followed by
    an active verb with an object did the killing ("Two bombers killed 12") and is no figure."""
    text, rest, end = spot.text, spot.rest, spot.end
    if SUB_AFTER.match(rest):  # "nine of them militants were killed": read by sub_figure
        return None
    pos, later = end, spot.later
    while True:
        window = _window(text, pos, later[0] if later else None)
        m = ANY_OUTCOME.search_spans(window)
        if m is not None:
            break
        if not later or not COORDINATED.match_spans(text[pos : later[0].start]):
            return None
        pos, later = later[0].end, later[1:]  # "two women and three minors": look past "three"
    if _agent(text, pos, window, m):
        return None
    if _to_death(window, m) and not DEATH_VERB.search_spans(text, spot.near, spot.start):
        return None  # "Two men shot Mr. Garcia to death": they did it
    outcome = outcome_at(window, m.start())
    if outcome is None:
        return None
    return Reading(outcome, spot.start, pos + m.end())


def _to_death(window: str, verb: re.Match[str]) -> bool:
    return (
        window[verb.start() : verb.end()].lower() == "death"
        and window[max(0, verb.start() - 3) : verb.start()].lower() == "to "
    )


def _window(text: str, pos: int, nxt: NumberMention | None) -> str:
    """The words after a count that may name its outcome: up to the next number, 90
    characters, or the end of the clause."""
    window_end = (nxt.start - pos) if nxt is not None and nxt.start > pos else 90
    return WINDOW_END.split(text[pos : pos + min(window_end, 90)])[0]


def _agent(text: str, pos: int, window: str, verb: re.Match[str]) -> bool:
    """Whether the verb after a count is active, so the count did it: "Two female suicide
    bombers have killed at least 12", "Four gunmen killed six people"."""
    before = window[: verb.start()]
    if BE_AUX.search_spans(before) or INTRANSITIVE.match(window, verb.start()):
        return False  # "were killed"; "children who died"
    if HAVE_AUX.search_spans(before) or RELATIVE.search_spans(before):
        return True  # "have killed", "a group who organized and executed attacks"
    return OBJECT_NEXT.match_spans(text, pos + verb.end()) is not None


def long_subject(spot: Spot) -> Reading | None:
    """5. A long subject: "Seven civilians, including two children, were killed"; the counts
    in its apposition are part of this one."""
    m = LONG_SUBJECT.match_spans(spot.rest)
    if m is None or OBJECT_NEXT.match_spans(spot.text, spot.end + m.end()):
        return None  # "Some gunmen, suspected cultists, killed 11 persons": they did it
    outcome = outcome_at(spot.rest, m.start(2))
    if outcome is None:
        return None
    return Reading(outcome, spot.start, spot.end + m.end(), inner_end=spot.end + m.end(1))


def continuation(spot: Spot) -> Reading | None:
    """7. "three civilians and two soldiers": the same outcome as the figure just before."""
    if not spot.earlier:
        return None
    if not CONTINUE.search_spans(spot.text, max(0, spot.start - 30), spot.start):
        return None
    before = spot.earlier[-1]
    return Reading(before.outcome, spot.start, spot.end, before.parent)


FINDERS: tuple[Callable[[Spot], Reading | None], ...] = (
    toll_wording,
    inverted,
    active_verb,
    sub_figure,
    long_subject,
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
