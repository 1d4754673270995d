"""Claims: every source's figure kept once, with the articles that carried it.

**Reporters.** A figure's reporter is its `reported_by`; a figure the article states on its
own authority is the outlet's (`attributed: false`). Names that match (`names.names_match`:
"the Observatory" / "Syrian Observatory for Human Rights" / "SOHR") are one reporter, shown
by its longest name.

**Claims.** One reporter's figure of one outcome with one number is ONE claim, whichever
outlets repeated it: each article that did is a *carrier* with its own wording and quote
("at least 17" and "Seventeen" from the police are one claim with two carriers). A claim is
`background` when only background mentions carried it. The counts are derived from the
claims in `counts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.incidents.counts import OUTCOMES, Source, count_outcome
from agent.incidents.mentions import Figure, Mention
from agent.incidents.models import Carrier, Claim, OutcomeCount
from agent.incidents.names import fold, names_match


@dataclass
class _Raw:
    """A figure with where it came from, before claims are formed."""

    figure: Figure
    mention: Mention
    reporter: str  # canonical display name
    attributed: bool


@dataclass
class ClaimSet:
    claims: list[Claim] = field(default_factory=list)
    counts: dict[str, OutcomeCount] = field(default_factory=dict)


def build_claims(members: list[Mention]) -> ClaimSet:
    """The claims and counts of one incident's members."""
    raws = _reporters(members)
    order = sorted(raws, key=lambda r: (_pub(r.mention), r.mention.article_id, r.figure.id))
    claims: dict[tuple[object, ...], Claim] = {}
    claim_of: dict[tuple[str, str], str] = {}
    for r in order:
        f, m = r.figure, r.mention
        key = (fold(r.reporter), f.outcome, f.value, f.civilian, f.part_of is not None, f.scope)
        carrier = Carrier(
            article_id=m.article_id, outlet=m.outlet, published=m.published,
            event_id=m.event_id, figure_id=f.id, count_text=f.count_text,
            qualifier=f.qualifier,
            quote=f.quote,
        )  # fmt: skip
        claim = claims.get(key)
        if claim is None:
            claim = Claim(
                id=f"F{len(claims) + 1}", outcome=f.outcome,
                group=f.group, civilian=f.civilian, low=f.low, high=f.high,
                qualifier=f.qualifier,
                count_text=f.count_text, reported_by=r.reporter, attributed=r.attributed,
                scope=f.scope,
                sub_figure=f.part_of is not None,
                role="background" if m.background else "primary",
                first_published=m.published, carriers=[],
            )  # fmt: skip
            claims[key] = claim
        elif not m.background:
            claim.role = "primary"
        claim.carriers.append(carrier)
        claim_of[(m.key, f.id)] = claim.id
    sources = [
        Source(
            r.figure, r.mention, r.reporter, r.attributed, claim_of[(r.mention.key, r.figure.id)]
        )
        for r in raws
    ]
    counts: dict[str, OutcomeCount] = {}
    for outcome in OUTCOMES:
        count = count_outcome(outcome, sources)
        if count is not None:
            counts[outcome] = count
    return ClaimSet(list(claims.values()), counts)


def _pub(m: Mention) -> str:
    return m.published or ""


def _reporters(members: list[Mention]) -> list[_Raw]:
    """Every figure with its reporter's canonical name."""
    names: list[str] = []
    for m in members:
        for f in m.figures:
            names.append(f.reported_by or m.outlet or m.article_id)
    canonical: dict[str, str] = {}
    groups: list[list[str]] = []
    for name in sorted(set(names), key=lambda n: (-len(n), n)):
        for group in groups:
            if names_match(group[0], name):
                group.append(name)
                break
        else:
            groups.append([name])
    for group in groups:
        for name in group:
            canonical[name] = group[0]
    raws = []
    for m in members:
        for f in m.figures:
            name = f.reported_by or m.outlet or m.article_id
            raws.append(_Raw(f, m, canonical[name], f.reported_by is not None))
    return raws
