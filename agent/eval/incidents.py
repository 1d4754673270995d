"""Scoring incidents against the incident gold set (`agent.eval.incident_gold`).

On any incidents (made from the gold extractions, which is a perfect extractor, or from a
model's):

- **mentions**: each predicted member event is mapped one-to-one to a gold event of its
  article (optimal assignment on overlapping quotes 0.55, same place 0.25, same day 0.1,
  same type 0.1; a match needs 0.4, so a report typed differently is still that report;
  identity on the gold extractions); `mentions.recall` / `precision` say how many were found;
- **linking**: pairwise precision / recall / F1 over pairs of mentions in one incident, and
  B-cubed precision / recall / F1 per mention. A gold mention with no predicted twin counts
  as a predicted singleton, a predicted mention with no gold twin as a gold singleton
  (Cai & Strube's treatment of twinless mentions), so missing and spurious events cost;
- **counts**: for each gold incident and each expected outcome, the conservative count of
  the predicted incident holding most of its mentions: `counts.exact`, `counts.within_tol`
  (|diff| <= max(1, 10%)), and the same for `killed` alone;
- **background**: the share of matched mentions whose role (primary / background) the
  incidents got right.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field
from scipy.optimize import linear_sum_assignment

from agent import __version__
from agent.eval.compare import quotes_overlap, same_place, within_tolerance
from agent.eval.incident_gold import GoldIncident, IncidentSuite
from agent.incidents.models import Incident

# --- the report ----------------------------------------------------------------------------


class IncidentCase(BaseModel):
    """One gold incident as the predictions saw it."""

    id: str
    kind: str
    predicted: list[str]  # predicted incidents holding its mentions, the main one first
    missed: list[str]  # gold members with no predicted twin
    split_off: list[str]  # gold members found outside the main predicted incident
    extra: list[str]  # predicted members of the main incident that belong elsewhere
    counts: dict[str, tuple[int, int | None]]  # outcome -> (expected, predicted)
    outcome: Literal["correct", "wrong"]


class IncidentReport(BaseModel):
    """The incident eval: metrics, gates, and every gold incident's result."""

    label: str
    source: str  # "gold extractions", or the predictions file
    suite: dict[str, Any]
    settings: dict[str, Any]
    time: str
    command: str
    version: str = __version__
    metrics: dict[str, float | None]
    gates: dict[str, Any] = Field(default_factory=dict)
    cases: list[IncidentCase]


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _twins(suite: IncidentSuite, incidents: list[Incident]) -> dict[str, str]:
    """Predicted member key -> gold event key, matched per article."""
    by_article: dict[str, list[dict[str, Any]]] = {}
    for incident in incidents:
        for m in incident.members:
            item = m.model_dump()
            item["id"] = f"{m.article_id}#{m.event_id}"
            by_article.setdefault(m.article_id, []).append(item)
    twins: dict[str, str] = {}
    for aid, predicted in by_article.items():
        case = suite.cases.get(aid)
        if case is None:
            continue
        gold = [{**e, "id": f"{aid}#{e['id']}"} for e in case.gold["events"]]
        twins.update(match_mentions(gold, predicted))
    return twins


MENTION_MATCH = 0.4


def _mention_similarity(gold: dict[str, Any], pred: dict[str, Any]) -> float:
    """Is this predicted event a report of that gold event? Quotes, place and day.

    Unlike the per-article eval, the event type is not required to agree: which incident a
    report belongs to is scored here, and a report typed differently is still that report.
    """
    where = 1.0 if quotes_overlap(gold, pred) else 0.0
    g_place, p_place = gold.get("location"), pred.get("location")
    place = 1.0 if g_place and p_place and same_place(g_place, p_place) else 0.0
    day = 1.0 if gold.get("date") and gold.get("date") == pred.get("date") else 0.0
    kind = 1.0 if gold.get("event_type") == pred.get("event_type") else 0.0
    return 0.55 * where + 0.25 * place + 0.1 * day + 0.1 * kind


def match_mentions(gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> dict[str, str]:
    """One article's predicted events matched one-to-one to its gold events (id -> id)."""
    if not gold or not pred:
        return {}
    sims = np.array([[_mention_similarity(g, p) for p in pred] for g in gold])
    rows, cols = linear_sum_assignment(sims, maximize=True)
    return {
        str(pred[c]["id"]): str(gold[r]["id"])
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
        if sims[r, c] >= MENTION_MATCH
    }


@dataclass
class _Clusters:
    gold_of: dict[str, str]  # gold mention -> gold incident id
    pred_of: dict[str, str]  # predicted mention -> predicted incident id
    twins: dict[str, str]  # predicted mention -> gold mention

    def gold_sets(self) -> dict[str, set[str]]:
        return _invert(self.gold_of)

    def pred_sets(self) -> dict[str, set[str]]:
        return _invert(self.pred_of)


def _invert(mapping: dict[str, str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for member, owner in mapping.items():
        found.setdefault(owner, set()).add(member)
    return found


def _linking(c: _Clusters) -> dict[str, float | None]:
    """Pairwise and B-cubed scores; mentions are compared in gold terms through their twins."""
    gold_pairs = {
        frozenset(p) for members in c.gold_sets().values() for p in combinations(members, 2)
    }
    pred_pairs = [p for members in c.pred_sets().values() for p in combinations(sorted(members), 2)]
    correct = 0
    found_pairs: set[frozenset[str]] = set()
    for x, y in pred_pairs:
        gx, gy = c.twins.get(x), c.twins.get(y)
        if gx and gy and c.gold_of.get(gx) == c.gold_of.get(gy):
            correct += 1
            found_pairs.add(frozenset((gx, gy)))
    p, r = _ratio(correct, len(pred_pairs)), _ratio(len(found_pairs), len(gold_pairs))
    if p is None and not gold_pairs:
        p = 1.0
    b_p, b_r = _bcubed(c)
    return {
        "linking.pairwise_precision": p,
        "linking.pairwise_recall": r,
        "linking.pairwise_f1": _f1(p, r),
        "linking.bcubed_precision": b_p,
        "linking.bcubed_recall": b_r,
        "linking.bcubed_f1": _f1(b_p, b_r),
    }


def _bcubed(c: _Clusters) -> tuple[float | None, float | None]:
    gold_sets, pred_sets = c.gold_sets(), c.pred_sets()
    twin_of_gold = {g: p for p, g in c.twins.items()}
    # the predicted cluster of each gold mention, in gold terms (a missed one: itself alone)
    recall = []
    for g, owner in c.gold_of.items():
        twin = twin_of_gold.get(g)
        mates = {g} if twin is None else {c.twins.get(x, x) for x in pred_sets[c.pred_of[twin]]}
        recall.append(len(mates & gold_sets[owner]) / len(gold_sets[owner]))
    precision = []
    for p, owner in c.pred_of.items():
        gold = c.twins.get(p)
        members = {c.twins.get(x, x) for x in pred_sets[owner]}
        truth = {p} if gold is None else gold_sets[c.gold_of[gold]]
        precision.append(len(members & truth) / len(members))
    return (
        sum(precision) / len(precision) if precision else None,
        sum(recall) / len(recall) if recall else None,
    )


def score_incidents(
    suite: IncidentSuite,
    incidents: list[Incident],
    *,
    label: str,
    source: str,
    command: str = "",
) -> IncidentReport:
    """Score predicted incidents against the gold incidents."""
    gold_of = {m.event: i.id for i in suite.incidents for m in i.members}
    role_of = {m.event: m.role for i in suite.incidents for m in i.members}
    pred_of = {f"{m.article_id}#{m.event_id}": i.id for i in incidents for m in i.members}
    twins = _twins(suite, incidents)
    clusters = _Clusters(gold_of, pred_of, twins)
    by_id = {i.id: i for i in incidents}
    metrics = _linking(clusters)
    metrics["mentions.recall"] = _ratio(len(set(twins.values())), len(gold_of))
    metrics["mentions.precision"] = _ratio(len(twins), len(pred_of))
    roles = [
        (m.role == role_of[twins[key]])
        for i in incidents for m in i.members
        if (key := f"{m.article_id}#{m.event_id}") in twins
    ]  # fmt: skip
    metrics["background.accuracy"] = _ratio(sum(roles), len(roles))
    cases = [_case_result(g, clusters, by_id) for g in suite.incidents]
    metrics.update(_count_metrics(cases))
    metrics["incidents.gold"] = float(len(suite.incidents))
    metrics["incidents.predicted"] = float(len(incidents))
    metrics["incidents.correct_rate"] = _ratio(
        sum(c.outcome == "correct" for c in cases), len(cases)
    )
    return IncidentReport(
        label=label,
        source=source,
        suite={
            "path": str(suite.folder),
            "digest": suite.digest,
            "articles": len(suite.cases),
            "incidents": len(suite.incidents),
            "clusters": sum(i.kind == "cluster" for i in suite.incidents),
        },
        settings=vars(suite.settings),
        time=datetime.now(UTC).isoformat(timespec="seconds"),
        command=command,
        metrics={k: (round(v, 4) if v is not None else None) for k, v in metrics.items()},
        cases=cases,
    )


def _case_result(gold: GoldIncident, c: _Clusters, by_id: dict[str, Incident]) -> IncidentCase:
    twin_of_gold = {g: p for p, g in c.twins.items()}
    members = [m.event for m in gold.members]
    found = {g: twin_of_gold[g] for g in members if g in twin_of_gold}
    owners = Counter(c.pred_of[p] for p in found.values())
    ranked = sorted(owners, key=lambda o: (-owners[o], o))
    main = ranked[0] if ranked else None
    counts: dict[str, tuple[int, int | None]] = {}
    for outcome, expected in sorted(gold.expected.items()):
        count = by_id[main].counts.get(outcome) if main else None
        counts[outcome] = (expected, count.conservative if count else None)
    extra = []
    if main is not None:
        mine = set(found.values())
        extra = sorted(p for p, o in c.pred_of.items() if o == main and p not in mine)
    missed = sorted(g for g in members if g not in found)
    split_off = sorted(g for g, p in found.items() if c.pred_of[p] != main)
    ok = not missed and not split_off and not extra
    ok = ok and all(e == p for e, p in counts.values())
    return IncidentCase(
        id=gold.id, kind=gold.kind, predicted=ranked, missed=missed, split_off=split_off,
        extra=extra, counts=counts, outcome="correct" if ok else "wrong",
    )  # fmt: skip


def _count_metrics(cases: list[IncidentCase]) -> dict[str, float | None]:
    pairs = [(o, e, p) for c in cases for o, (e, p) in c.counts.items()]
    killed = [(e, p) for o, e, p in pairs if o == "killed"]
    return {
        "counts.n": float(len(pairs)),
        "counts.exact": _ratio(sum(e == p for _, e, p in pairs), len(pairs)),
        "counts.within_tol": _ratio(sum(within_tolerance(e, p) for _, e, p in pairs), len(pairs)),
        "counts.killed_exact": _ratio(sum(e == p for e, p in killed), len(killed)),
        "counts.killed_within_tol": _ratio(
            sum(within_tolerance(e, p) for e, p in killed), len(killed)
        ),
    }


def check_gates(report: IncidentReport, thresholds: dict[str, float]) -> list[str]:
    """One line per gate not reached (a metric that was not measured fails its gate)."""
    failures = []
    for metric, floor in sorted(thresholds.items()):
        value = report.metrics.get(metric, None)
        if value is None:
            failures.append(f"{metric}: not measured (gate {floor:.3f})")
        elif value < floor - 1e-9:
            failures.append(
                f"{metric}: {value:.3f} < gate {floor:.3f} (short by {floor - value:.3f})"
            )
    return failures
