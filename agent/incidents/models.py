"""The incident record: what `sitrep incidents` writes, and what the eval and the page read.

One `Incident` per real-world incident, built from event mentions of many articles. Nothing
is merged away: every member event, every casualty figure (as a `Claim` with the articles
that carried it) and every stated cause stays in the record, with its quote and offsets into
its own article. The counts are derived from the claims and say how (`Statement.status`).

Vocabulary:

- a *mention* is one event of one article's extraction result (`article_id#E1`);
- a *member* is a mention that belongs to an incident, `primary` (it reports the incident)
  or `background` (it repeats an incident reported earlier: "the ambush last week that
  killed 55"); background members never add to the counts;
- a *claim* is one reporter's figure; the articles that repeat it are its *carriers*;
- a *statement* is what one reporter said about the toll of one group of people in one
  article; the counts are computed over statements (`counts`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.schema import Actor, Certainty, Outcome, Qualifier, Quote, Scope

INCIDENT_SCHEMA = "1"

Role = Literal["primary", "background"]
DatePrecision = Literal["day", "week", "month", "unknown"]
StatementStatus = Literal["current", "revised", "overtaken"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Member(_Record):
    """One event mention that belongs to the incident."""

    article_id: str
    event_id: str
    sha256: str = ""  # of the article text, to check it when the quotes are shown
    role: Role
    background_why: str | None = None
    event_type: str
    summary: str
    date: str | None = None
    date_text: str | None = None
    location: str | None = None
    country: str | None = None
    outlet: str | None = None
    published: str | None = None
    title: str | None = None
    url: str | None = None
    model: str = ""
    evidence: list[Quote] = Field(default_factory=list)


class Carrier(_Record):
    """One article that carried a claim: its wording and quote."""

    article_id: str
    outlet: str | None = None
    published: str | None = None
    event_id: str | None = None
    figure_id: str
    count_text: str
    qualifier: Qualifier
    quote: Quote


class Claim(_Record):
    """One reporter's figure for the incident, with every article that carried it."""

    id: str
    outcome: Outcome
    group: str
    civilian: bool | None = None
    low: int | None
    high: int | None
    qualifier: Qualifier
    count_text: str
    reported_by: str  # as written by the first carrier; an outlet's own narration: the outlet
    attributed: bool  # False when no source was named (the outlet stands as reporter)
    scope: Scope = "incident"
    sub_figure: bool = False  # part of a larger figure ("including three officers")
    role: Role = "primary"
    first_published: str | None = None
    carriers: list[Carrier]


class Statement(_Record):
    """What one reporter said of one group of people in one article (see `counts`)."""

    reporter: str
    attributed: bool = True
    group: str = ""  # the group's label when an incident's figures count several groups
    article_id: str
    outlet: str | None = None
    published: str | None = None
    low: int
    high: int | None  # None when open-ended (at least, vague)
    claims: list[str]  # claim ids
    text: str  # the count words, e.g. "at least 18 + Four"
    revision_cue: bool = False  # the quote says the toll rose / was revised
    status: StatementStatus = "current"
    why: str | None = None  # why it is not current


class OutcomeCount(_Record):
    """The counts of one outcome (killed, injured, ...) from the incident's statements."""

    outcome: Outcome
    conservative: int | None  # ACLED: the lowest credible report
    low: int | None  # UCDP-style low / best / high
    best: int | None
    high: int | None
    basis: Role = "primary"  # "background" when only background mentions gave a figure
    history: list[Statement] = Field(default_factory=list)  # in publication order
    history_text: str = ""  # per reporter: "SOHR: 27 -> 55; Syrian army: 31"
    disagreement: list[str] = Field(default_factory=list)  # current figures that differ


class CauseCarrier(_Record):
    """One article that stated a cause: its item id and quote."""

    article_id: str
    outlet: str | None = None
    published: str | None = None
    event_id: str | None = None
    cause_id: str
    quote: Quote


class CauseClaim(_Record):
    """A stated cause of one of the incident's events, with the articles that state it."""

    cause: str
    effect: str
    claimed_by: str | None = None
    certainty: Certainty
    carriers: list[CauseCarrier]


class LinkRef(_Record):
    """A link that made two mentions one incident (the full record is in the links log)."""

    a: str
    b: str
    score: float


class Incident(_Record):
    """One incident, linked across articles."""

    incident_schema: str = INCIDENT_SCHEMA
    id: str
    event_type: str
    family: str
    date: str | None = None
    date_start: str | None = None
    date_end: str | None = None
    date_precision: DatePrecision = "unknown"
    place: str | None = None
    places: list[str] = Field(default_factory=list)
    country: str | None = None
    actors: list[Actor] = Field(default_factory=list)
    articles: list[str]
    first_reported: str | None = None
    last_reported: str | None = None
    members: list[Member]
    claims: list[Claim] = Field(default_factory=list)
    counts: dict[str, OutcomeCount] = Field(default_factory=dict)
    fatalities: int | None = None  # counts["killed"].conservative, for tables
    causes: list[CauseClaim] = Field(default_factory=list)
    links: list[LinkRef] = Field(default_factory=list)


class LinkRecord(_Record):
    """One pair of mentions considered, for the audit log (`incidents.links.jsonl`)."""

    a: str
    b: str
    score: float
    threshold: float
    features: dict[str, float | str | None]
    evidence: list[str]  # one line per feature, for people
    decision: Literal["linked", "same_incident", "refused", "below_threshold"]
    why: str
    incident: str | None = None  # the incident both ended in (linked / same_incident)
