"""A cluster of mentions -> one `Incident` record: id, type, date, place, actors, causes.

Decisions:

- **id**: `inc-` + 12 hex digits of the sha256 of the incident's *anchor*, its earliest
  primary report (smallest publication date, then article id, then event id). The same
  inputs give the same ids in any order, and an incident keeps its id when later reports
  join it (only an earlier report of it, found later, changes it).
- **type**: the sub-event type most primary members give; a tie goes to the type that comes
  first in ACLED's hierarchy (battles before explosions before violence against civilians),
  which is how ACLED avoids double counting.
- **date**: the day most primary members give (a tie: the earliest); `date_start` /
  `date_end` span the resolved days (else the possible days of undated reports) and
  `date_precision` says day, week or month.
- **place**: the place most members name (by its most precise part), written as its most
  precise wording; every wording is kept in `places`. **country**: the most frequent one.
- **actors**: every member's actors, names that match kept once (first wording, first role).
- **causes**: every member's stated causes; the same cause, effect, claimant and certainty
  from several articles is one cause with several carriers.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from typing import get_args

from agent.incidents.claims import build_claims
from agent.incidents.mentions import Mention
from agent.incidents.models import (
    CauseCarrier,
    CauseClaim,
    DatePrecision,
    Incident,
    LinkRef,
    Member,
)
from agent.incidents.names import country_key, fold, name_key, names_match
from agent.incidents.similarity import PairScore
from agent.schema import FAMILY_OF, Actor, EventType

TYPE_ORDER: dict[str, int] = {t: i for i, t in enumerate(get_args(EventType))}


def incident_id(members: list[Mention]) -> str:
    """The stable id: a digest of the anchor mention (earliest primary report)."""
    return "inc-" + hashlib.sha256(anchor(members).key.encode("utf-8")).hexdigest()[:12]


def anchor(members: list[Mention]) -> Mention:
    pool = [m for m in members if not m.background] or members
    return min(pool, key=lambda m: (m.published or "~", m.article_id, m.event_id))


def build_incident(members: list[Mention], links: list[PairScore]) -> Incident:
    """The incident record of one cluster (members sorted by key)."""
    primary = [m for m in members if not m.background] or members
    event_type = _event_type(primary)
    day, start, end, precision = _dates(primary)
    place, places = _place(members, primary)
    claims = build_claims(members)
    published = sorted(m.published for m in members if m.published)
    killed = claims.counts.get("killed")
    return Incident(
        id=incident_id(members),
        event_type=event_type,
        family=FAMILY_OF.get(event_type, "strategic_developments"),
        date=day,
        date_start=start,
        date_end=end,
        date_precision=precision,
        place=place,
        places=places,
        country=_country(primary),
        actors=_actors(members),
        articles=sorted({m.article_id for m in members}),
        first_reported=published[0] if published else None,
        last_reported=published[-1] if published else None,
        members=[_member(m) for m in _by_publication(members)],
        claims=claims.claims,
        counts=claims.counts,
        fatalities=killed.conservative if killed is not None else None,
        causes=_causes(members),
        links=[LinkRef(a=p.a, b=p.b, score=p.score) for p in links],
    )


def _by_publication(members: list[Mention]) -> list[Mention]:
    return sorted(members, key=lambda m: (m.published or "~", m.article_id, m.event_id))


def _member(m: Mention) -> Member:
    return Member(
        article_id=m.article_id, event_id=m.event_id, sha256=m.sha256,
        role="background" if m.background else "primary", background_why=m.background_why,
        event_type=m.event_type, summary=m.summary, date=m.date, date_text=m.date_text,
        location=m.location, country=m.country, outlet=m.outlet, published=m.published,
        title=m.title, url=m.url, model=m.model, evidence=m.evidence,
    )  # fmt: skip


def _event_type(primary: list[Mention]) -> str:
    votes = Counter(m.event_type for m in primary)
    return min(votes, key=lambda t: (-votes[t], TYPE_ORDER.get(t, 99)))


def _dates(primary: list[Mention]) -> tuple[str | None, str | None, str | None, DatePrecision]:
    days = [m.date for m in primary if m.date]
    if days:
        votes = Counter(days)
        top = min(votes, key=lambda d: (-votes[d], d))
        return top, min(days), max(days), "day"
    los = [m.lo for m in primary if m.lo is not None]
    his = [m.hi for m in primary if m.hi is not None]
    if not los or not his:
        return None, None, None, "unknown"
    lo, hi = max(los), min(his)
    if lo > hi:  # the reports' intervals do not meet: show their union
        lo, hi = min(los), max(his)
    width = hi - lo
    precision: DatePrecision = "day" if width == 0 else "week" if width <= 14 else "month"
    start, end = date.fromordinal(lo).isoformat(), date.fromordinal(hi).isoformat()
    return None, start, end, precision


def _place(members: list[Mention], primary: list[Mention]) -> tuple[str | None, list[str]]:
    places = sorted({m.location for m in members if m.location})
    named = [m for m in primary if m.parts] or [m for m in members if m.parts]
    if not named:
        return None, places
    votes = Counter(part for m in named for part in m.parts)
    top = min(votes, key=lambda p: (-votes[p], p))
    holders = [m for m in named if top in m.parts]
    best = max(holders, key=lambda m: (len(m.parts), len(m.location or ""), m.key))
    return best.location, places


def _country(primary: list[Mention]) -> str | None:
    written: dict[str, str] = {}
    votes: Counter[str] = Counter()
    for m in sorted(primary, key=lambda m: m.key):
        key = country_key(m.country)
        if key:
            votes[key] += 1
            written.setdefault(key, m.country or key)
    if not votes:
        return None
    top = min(votes, key=lambda k: (-votes[k], k))
    return written[top]


def _actors(members: list[Mention]) -> list[Actor]:
    found: list[Actor] = []
    for m in _by_publication(members):
        for name, role in m.actors:
            if not any(names_match(a.name, name) for a in found):
                found.append(Actor(name=name, role=role))
    return found


def _causes(members: list[Mention]) -> list[CauseClaim]:
    found: dict[tuple[str, str, str, str], CauseClaim] = {}
    for m in _by_publication(members):
        for k in m.causes:
            key = (fold(k.cause), fold(k.effect), name_key(k.claimed_by), k.certainty)
            carrier = CauseCarrier(
                article_id=m.article_id, outlet=m.outlet, published=m.published,
                event_id=m.event_id, cause_id=k.id, quote=k.quote,
            )  # fmt: skip
            if key not in found:
                found[key] = CauseClaim(
                    cause=k.cause, effect=k.effect, claimed_by=k.claimed_by,
                    certainty=k.certainty, carriers=[],
                )  # fmt: skip
            found[key].carriers.append(carrier)
    return list(found.values())
