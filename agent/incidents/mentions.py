"""Extraction results -> event mentions: the unit that is linked into incidents.

A mention is one event of one article's result, with what linking and counting need: its
date as an interval of days, its place parts, its actors, its casualty figures and stated
causes, and whether it is background.

Decisions:

- **Dates.** A resolved `date` is a one-day interval. An unresolved one is placed by its
  wording against the publication date: "last week" -> the 14 days before, "last month" ->
  the 62 days before, "N days ago", "earlier this week / month"; otherwise the 7 days up to
  publication (news reports recent events). With neither date nor publication date a
  mention has no interval and links only to other such mentions (see `blocking`).
- **Background.** A mention is background when its wording places it in the past ("last
  week", "last month", "weeks ago", "earlier this month/year") or its date is more than
  `background_days` (7) before publication, unless one of its figures says the toll was
  revised ("rose to 60"): a late revision is news, not background.
- **Figures without an event.** A figure with no `event_id` belongs to the article's only
  event when there is exactly one; otherwise it is left out (there is no way to know which
  incident it counts).
- **Several results for one article id** (e.g. two models, or the same file twice): the one
  with the smallest (sha256, model) is used and the others are named in the notes, so the
  outcome does not depend on input order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from agent.incidents.names import content_words, fold, place_parts
from agent.quantities import parse_count
from agent.schema import (
    FAMILY_OF,
    ActorRole,
    CasualtyFigure,
    Certainty,
    ExtractionResult,
    Outcome,
    Qualifier,
    Quote,
    Scope,
    StatedCause,
)

DEFAULT_BACKGROUND_DAYS = 7
_RECENT_DAYS = 7

_PAST_CUES = re.compile(
    r"\b(?:last\s+(?:week|month|year)|(?:weeks|months|years)\s+ago|earlier\s+this\s+"
    r"(?:month|year)|the\s+previous\s+(?:week|month))\b",
    re.IGNORECASE,
)
_DAYS_AGO = re.compile(r"\b(\w+)\s+days?\s+ago\b", re.IGNORECASE)
_WEEKS_AGO = re.compile(r"\b(\w+)\s+weeks?\s+ago\b", re.IGNORECASE)
_REVISION = re.compile(
    r"\b(?:rose|risen|rises|rising|raising|climbed|climbs|increased|jumped|revised|updated|now\s+stands"
    r"|has\s+reached|had\s+reached|raised)\b",
    re.IGNORECASE,
)
_SMALL = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "a": 1}


@dataclass(frozen=True, slots=True)
class Figure:
    """A casualty figure of a mention (the contract's fields, flattened)."""

    id: str
    outcome: Outcome
    group: str
    civilian: bool | None
    count_text: str
    low: int | None
    high: int | None
    qualifier: Qualifier
    part_of: str | None
    scope: Scope
    reported_by: str | None
    quote: Quote
    revision_cue: bool

    @property
    def value(self) -> int | None:
        """The number a count takes: the low bound, else the high one ("up to 10" -> 10)."""
        return self.low if self.low is not None else self.high


@dataclass(frozen=True, slots=True)
class Cause:
    id: str
    cause: str
    effect: str
    claimed_by: str | None
    certainty: Certainty
    quote: Quote


@dataclass(slots=True)
class Mention:
    """One event of one article, ready for linking."""

    key: str  # "<article id>#<event id>"
    article_id: str
    event_id: str
    sha256: str
    outlet: str | None
    title: str | None
    url: str | None
    published: str | None
    model: str
    event_type: str
    family: str
    summary: str
    date: str | None
    date_text: str | None
    location: str | None
    country: str | None
    actors: list[tuple[str, ActorRole]]
    evidence: list[Quote]
    figures: list[Figure]
    causes: list[Cause]
    lo: int | None = None  # interval of possible days (date ordinals), inclusive
    hi: int | None = None
    precision: str = "unknown"
    background: bool = False
    background_why: str | None = None
    # derived once, for similarity
    parts: tuple[str, ...] = ()
    context: frozenset[str] = field(default_factory=frozenset)
    words: frozenset[str] = field(default_factory=frozenset)

    @property
    def dated(self) -> bool:
        return self.date is not None


def mentions_of(
    result: ExtractionResult,
    *,
    background_days: int = DEFAULT_BACKGROUND_DAYS,
    vague_table: str | None = None,
) -> list[Mention]:
    """The mentions of one article's result."""
    art = result.article
    only = result.events[0].id if len(result.events) == 1 else None
    figures: dict[str, list[Figure]] = {e.id: [] for e in result.events}
    for c in result.casualties:
        owner = c.event_id or only
        if owner in figures:
            figures[owner].append(_figure(c, vague_table))
    causes: dict[str, list[Cause]] = {e.id: [] for e in result.events}
    for k in result.causes:
        owner = k.event_id or only
        if owner in causes:
            causes[owner].append(_cause(k))
    found = []
    for e in result.events:
        m = Mention(
            key=f"{art.id}#{e.id}",
            article_id=art.id,
            event_id=e.id,
            sha256=art.sha256,
            outlet=art.source,
            title=art.title,
            url=art.url,
            published=art.published,
            model=result.model,
            event_type=e.event_type,
            family=FAMILY_OF.get(e.event_type, "strategic_developments"),
            summary=e.summary,
            date=e.date,
            date_text=e.date_text,
            location=e.location,
            country=e.country,
            actors=[(a.name, a.role) for a in e.actors],
            evidence=list(e.evidence),
            figures=figures[e.id],
            causes=causes[e.id],
        )
        place(m, background_days)
        found.append(m)
    return found


def place(m: Mention, background_days: int = DEFAULT_BACKGROUND_DAYS) -> None:
    """Fill the derived fields: date interval, background flag, place parts, context words."""
    pub = _day(m.published)
    m.lo, m.hi, m.precision = interval(m.date, m.date_text, pub)
    m.background, m.background_why = _background(m, pub, background_days)
    m.parts = place_parts(m.location)
    quotes = " ".join(q.text for q in m.evidence)
    m.context = frozenset(fold(f"{m.summary} {quotes} {m.location or ''}").split())
    m.words = content_words(m.summary, quotes)


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def interval(
    iso: str | None, date_text: str | None, pub: date | None
) -> tuple[int | None, int | None, str]:
    """The days an event may have happened on (ordinals, inclusive) and the precision."""
    day = _day(iso)
    if day is not None:
        return day.toordinal(), day.toordinal(), "day"
    if pub is None:
        return None, None, "unknown"
    p = pub.toordinal()
    text = (date_text or "").lower()
    if m := _DAYS_AGO.search(text):
        n = _number(m[1])
        if n is not None:
            return p - n - 1, p - n + 1, "day"
    if m := _WEEKS_AGO.search(text):
        n = _number(m[1])
        if n is not None:
            return p - 7 * n - 4, p - 7 * n + 4, "week"
    if "last month" in text or "previous month" in text:
        return p - 62, p - 1, "month"
    if "earlier this month" in text:
        return p - 31, p, "month"
    if "last week" in text or "previous week" in text:
        return p - 14, p - 1, "week"
    if "earlier this week" in text or "this week" in text:
        return p - 6, p, "week"
    return p - _RECENT_DAYS, p, "week"


def _number(word: str) -> int | None:
    word = word.lower()
    return int(word) if word.isdigit() else _SMALL.get(word)


def _background(m: Mention, pub: date | None, days: int) -> tuple[bool, str | None]:
    if any(f.revision_cue for f in m.figures):
        return False, None
    if m.date_text and (cue := _PAST_CUES.search(m.date_text)):
        return True, f"told as past: {cue.group(0)!r}"
    day = _day(m.date)
    if day is not None and pub is not None and (pub - day) > timedelta(days=days):
        return True, f"happened {(pub - day).days} days before publication"
    return False, None


def _figure(c: CasualtyFigure, vague_table: str | None) -> Figure:
    low, high = c.low, c.high
    if vague_table and c.qualifier == "vague":
        count = parse_count(c.count_text, vague_table)
        if count is not None and count.qualifier == "vague":
            low, high = count.low, count.high
    return Figure(
        id=c.id,
        outcome=c.outcome,
        group=c.group,
        civilian=c.civilian,
        count_text=c.count_text,
        low=low,
        high=high,
        qualifier=c.qualifier,
        part_of=c.part_of,
        scope=c.scope,
        reported_by=c.reported_by,
        quote=c.evidence,
        revision_cue=bool(_REVISION.search(c.evidence.text)),
    )


def _cause(k: StatedCause) -> Cause:
    return Cause(k.id, k.cause, k.effect, k.claimed_by, k.certainty, k.evidence)


def pick_result(current: ExtractionResult | None, new: ExtractionResult) -> ExtractionResult:
    """Of two results for one article id, the one with the smaller (sha256, model)."""
    if current is None:
        return new
    a = (current.article.sha256, current.model)
    b = (new.article.sha256, new.model)
    return new if b < a else current
