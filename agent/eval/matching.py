"""Matching predicted items to gold items of one kind, one to one.

The optimal assignment (`scipy.optimize.linear_sum_assignment`) on a similarity of the fields
that identify an item, gated on compatibility (same outcome for casualty figures, same ACLED
event family for events). A pair under the kind's threshold is not a match. Gold items marked
`optional` are matched like the others, but a prediction matched to one is neither a hit nor a
false alarm, and an unmatched one is not a miss. Items are sorted by content first, so input
order and ids never change a matching.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from agent.eval.compare import (
    Item,
    interval_close,
    interval_exact,
    normalize_text,
    quotes_overlap,
    same_name,
    same_place,
    token_f1,
)
from agent.schema import FAMILY_OF

THRESHOLDS = {"events": 0.45, "casualties": 0.55, "causes": 0.45}
REQUIRED_BONUS = 1e-3


# --- similarity (None: incompatible, never matched) ---------------------------------------


def _casualty_similarity(gold: Item, pred: Item) -> float | None:
    if gold.get("outcome") != pred.get("outcome"):
        return None
    number = 1.0 if interval_exact(gold, pred) else 0.6 if interval_close(gold, pred) else 0.0
    group = max(
        token_f1(gold.get("group"), pred.get("group")),
        fuzz.token_set_ratio(normalize_text(gold.get("group")), normalize_text(pred.get("group")))
        / 100,
    )
    where = 1.0 if quotes_overlap(gold, pred) else 0.0
    source = 1.0 if same_name(gold.get("reported_by"), pred.get("reported_by")) else 0.0
    return 0.35 * number + 0.25 * group + 0.25 * where + 0.15 * source


def _event_similarity(gold: Item, pred: Item) -> float | None:
    family = FAMILY_OF.get(str(gold.get("event_type")))
    if family is None or family != FAMILY_OF.get(str(pred.get("event_type"))):
        return None
    where = 1.0 if quotes_overlap(gold, pred) else 0.0
    # a place or day both sides leave open says nothing about being the same event
    g_place, p_place, g_day, p_day = (gold.get("location"), pred.get("location"),
                                      gold.get("date"), pred.get("date"))  # fmt: skip
    place = 1.0 if g_place and p_place and same_place(g_place, p_place) else 0.0
    day = 1.0 if g_day and g_day == p_day else 0.0
    kind = 1.0 if gold.get("event_type") == pred.get("event_type") else 0.0
    return 0.4 * where + 0.3 * place + 0.15 * day + 0.15 * kind


def _cause_similarity(gold: Item, pred: Item) -> float:
    cause = token_f1(gold.get("cause"), pred.get("cause"))
    effect = token_f1(gold.get("effect"), pred.get("effect"))
    where = 1.0 if quotes_overlap(gold, pred) else 0.0
    return 0.35 * cause + 0.35 * effect + 0.3 * where


SIMILARITY: dict[str, Callable[[Item, Item], float | None]] = {
    "events": _event_similarity,
    "casualties": _casualty_similarity,
    "causes": _cause_similarity,
}


# --- matching -----------------------------------------------------------------------------


def _content_key(item: Item, siblings: dict[str, Item]) -> str:
    """An order- and id-free key: the item without ids, plus its parent figure's key."""
    body = {k: v for k, v in item.items() if k not in ("id", "part_of", "event_id")}
    parent = siblings.get(str(item.get("part_of"))) if item.get("part_of") else None
    tail = _content_key(parent, {}) if parent is not None else ""
    return json.dumps(body, sort_keys=True, default=str) + "|" + tail


def canonical_order(items: list[Item]) -> list[Item]:
    """Items sorted by content, so that input order and ids never change a matching."""
    by_id = {str(i.get("id")): i for i in items}
    return sorted(items, key=lambda i: _content_key(i, by_id))


@dataclass(frozen=True)
class Pair:
    gold: Item
    pred: Item
    similarity: float


@dataclass
class Matching:
    pairs: list[Pair] = field(default_factory=list)
    missed: list[Item] = field(default_factory=list)  # required gold items left unmatched
    spurious: list[Item] = field(default_factory=list)  # predictions left unmatched
    optional_matched: list[Pair] = field(default_factory=list)

    @property
    def tp(self) -> int:
        return len(self.pairs)

    @property
    def fp(self) -> int:
        return len(self.spurious)

    @property
    def fn(self) -> int:
        return len(self.missed)


def match_items(kind: str, gold: list[Item], pred: list[Item]) -> Matching:
    """The optimal one-to-one matching of predicted to gold items of one kind."""
    gold, pred = canonical_order(gold), canonical_order(pred)
    similarity, threshold = SIMILARITY[kind], THRESHOLDS[kind]
    sims = np.zeros((len(gold), len(pred)))
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            sim = similarity(g, p)
            if sim is not None and sim >= threshold - 1e-9:
                sims[gi, pi] = sim
    # on a tie, a required gold item wins the prediction over an optional one
    required = np.array([0.0 if g.get("optional") else REQUIRED_BONUS for g in gold])
    weights = np.where(sims > 0, sims + required[:, None], 0.0) if sims.size else sims
    matching = Matching()
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    if weights.size:
        rows, cols = linear_sum_assignment(weights, maximize=True)
        for gi, pi in zip(rows.tolist(), cols.tolist(), strict=True):
            if sims[gi, pi] <= 0:
                continue
            used_gold.add(gi)
            used_pred.add(pi)
            pair = Pair(gold[gi], pred[pi], round(float(sims[gi, pi]), 4))
            (matching.optional_matched if gold[gi].get("optional") else matching.pairs).append(pair)
    matching.missed = [
        g for gi, g in enumerate(gold) if gi not in used_gold and not g.get("optional")
    ]
    matching.spurious = [p for pi, p in enumerate(pred) if pi not in used_pred]
    return matching
