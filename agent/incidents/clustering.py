"""One component -> incidents: best links first, never joining what conflicts.

Inside a component every passing pair is a candidate link. They are taken from the best
score down (ties by key, so the result never depends on input order); a link joins the two
incidents its mentions are in unless a *veto* holds between any member of one and any member
of the other:

- both hold a mention of the same article (an article's events are distinct incidents), or
- a pair across them conflicts (`PairScore.conflict`: a hard gate, such as dates further
  apart than the window or different countries, or two places with nothing in common).

So a chain A-B-C whose ends disagree stops where the weaker link is, instead of gluing two
incidents through a vague middle report. Every decision (linked, already one incident,
refused and why) goes to the links log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.incidents.blocking import Component
from agent.incidents.mentions import Mention
from agent.incidents.similarity import LinkSettings, PairScore, compare


@dataclass
class Decision:
    pair: PairScore
    decision: str  # linked | same_incident | refused
    why: str


@dataclass
class Clustering:
    clusters: list[list[Mention]]
    decisions: list[Decision] = field(default_factory=list)
    links: dict[int, list[PairScore]] = field(default_factory=dict)  # cluster index -> links


def cluster(component: Component, settings: LinkSettings) -> Clustering:
    """Split a component into incidents."""
    by_key = {m.key: m for m in component.members}
    label = {key: key for key in by_key}
    groups: dict[str, list[str]] = {key: [key] for key in by_key}
    kept: dict[str, list[PairScore]] = {key: [] for key in by_key}
    cache: dict[tuple[str, str], PairScore] = {}
    decisions: list[Decision] = []
    for pair in sorted(component.pairs, key=_order):
        la, lb = label[pair.a], label[pair.b]
        if la == lb:
            decisions.append(Decision(pair, "same_incident", "already one incident"))
            continue
        veto = _veto(groups[la], groups[lb], by_key, settings, cache)
        if veto is not None:
            decisions.append(Decision(pair, "refused", veto))
            continue
        keep, gone = (la, lb) if la < lb else (lb, la)
        for key in groups[gone]:
            label[key] = keep
        groups[keep].extend(groups.pop(gone))
        kept[keep].extend(kept.pop(gone))
        kept[keep].append(pair)
        decisions.append(Decision(pair, "linked", f"score {pair.score:.2f} >= threshold"))
    clusters: list[list[Mention]] = []
    links: dict[int, list[PairScore]] = {}
    for root in sorted(groups, key=lambda r: min(groups[r])):
        links[len(clusters)] = sorted(kept[root], key=_order)
        clusters.append(sorted((by_key[k] for k in groups[root]), key=lambda m: m.key))
    return Clustering(clusters, decisions, links)


def _order(pair: PairScore) -> tuple[float, str, str]:
    return -pair.score, pair.a, pair.b


def _veto(
    left: list[str],
    right: list[str],
    by_key: dict[str, Mention],
    settings: LinkSettings,
    cache: dict[tuple[str, str], PairScore],
) -> str | None:
    """Why the two incidents cannot be one, or None."""
    articles = {by_key[k].article_id for k in left}
    for key in right:
        if by_key[key].article_id in articles:
            return f"both incidents hold a mention of article {by_key[key].article_id!r}"
    for x in sorted(left):
        for y in sorted(right):
            pair_key = (x, y) if x < y else (y, x)
            if pair_key not in cache:
                cache[pair_key] = compare(by_key[x], by_key[y], settings)
            found = cache[pair_key]
            if found.conflict:
                reason = found.gate or "places with nothing in common"
                return f"{pair_key[0]} and {pair_key[1]} conflict: {reason}"
    return None
