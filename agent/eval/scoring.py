"""Scoring one extraction against its gold: pure functions, no I/O, no model.

Per article and item kind, predicted items are matched to gold items (`agent.eval.matching`),
then matched pairs are compared field by field (`agent.eval.compare`); what differs becomes a
line such as `casualties[C2].low: gold 3, predicted 6`, and the article's killed total, its
missed and spurious items and the grounding of every predicted quote are counted.

Items are plain dicts with the contract's shapes (`ExtractionResult.model_dump()` for
predictions; `EvalCase.gold` for gold, whose quotes carry aligned offsets).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agent.eval.compare import (
    Item,
    interval_close,
    interval_exact,
    is_grounded,
    same_name,
    same_place,
    token_f1,
)
from agent.eval.matching import Matching, Pair, match_items
from agent.items import KINDS

TEXT_MATCH = 0.5  # token F1 under which a cause or effect text is reported as differing
Links = dict[str, dict[str, str]]  # kind -> predicted id -> the gold id it was matched to


@dataclass
class KindScore:
    matching: Matching
    fields: dict[str, list[float]] = field(default_factory=dict)  # field -> one value per pair
    abs_errors: list[int] = field(default_factory=list)  # |gold low - predicted low|
    pair_diffs: dict[int, list[str]] = field(default_factory=dict)  # index in pairs -> lines

    @property
    def f1(self) -> float:
        return f1_of(self.matching.tp, self.matching.fp, self.matching.fn)


@dataclass
class CaseScore:
    kinds: dict[str, KindScore]
    diffs: dict[str, list[str]]  # kind -> "casualties[C2].low: gold 3, predicted 6", ...
    gold_killed: int
    pred_killed: int
    grounded: int
    predicted: int

    @property
    def perfect(self) -> bool:
        return not any(self.diffs.values())


def f1_of(tp: int, fp: int, fn: int) -> float:
    """F1 of counts; 1.0 when there was nothing to find and nothing was claimed."""
    if tp + fp + fn == 0:
        return 1.0
    return 2 * tp / (2 * tp + fp + fn)


# --- comparing a matched pair -------------------------------------------------------------


@dataclass(frozen=True)
class FieldCheck:
    """One compared field of a matched pair: the value it adds to a field metric (when it
    counts in one) and the difference it reports (when the two sides differ)."""

    name: str | None
    value: float
    difference: str | None


def _show(value: Any) -> str:
    return "none" if value is None else json.dumps(value, ensure_ascii=False)


def _differs(key: str, gold: Item, pred: Item) -> str:
    return f"{key}: gold {_show(gold.get(key))}, predicted {_show(pred.get(key))}"


def _exact(key: str, ok: bool, gold: Item, pred: Item) -> FieldCheck:
    return FieldCheck(key, 1.0 if ok else 0.0, None if ok else _differs(key, gold, pred))


def _linked(name: str, key: str, gold: Item, pred: Item, table: dict[str, str]) -> FieldCheck:
    """A reference (`part_of`, `event_id`) agrees when it names the match of the gold's."""
    want, got = gold.get(key), pred.get(key)
    ok = (want is None and got is None) or (got is not None and table.get(str(got)) == want)
    shown = (
        f"{got} (matched to gold {table[str(got)]})"
        if got is not None and str(got) in table
        else (got or "none")
    )
    difference = None if ok else f"{key}: gold {want or 'none'}, predicted {shown}"
    return FieldCheck(name, 1.0 if ok else 0.0, difference)


def _casualty_checks(gold: Item, pred: Item, links: Links) -> list[FieldCheck]:
    checks = [
        FieldCheck(None, 0.0, _differs(bound, gold, pred))
        for bound in ("low", "high")
        if gold.get(bound) != pred.get(bound)
    ]
    return [
        *checks,
        FieldCheck("interval_exact", float(interval_exact(gold, pred)), None),
        FieldCheck("interval_within_tol", float(interval_close(gold, pred)), None),
        _exact("qualifier", gold.get("qualifier") == pred.get("qualifier"), gold, pred),
        _exact("outcome", gold.get("outcome") == pred.get("outcome"), gold, pred),
        _exact(
            "reported_by", same_name(gold.get("reported_by"), pred.get("reported_by")), gold, pred
        ),
        _linked("part_of", "part_of", gold, pred, links["casualties"]),
        _exact("scope", gold.get("scope", "incident") == pred.get("scope", "incident"), gold, pred),
        _exact("civilian", gold.get("civilian") == pred.get("civilian"), gold, pred),
        _linked("event_link", "event_id", gold, pred, links["events"]),
    ]


def _cause_checks(gold: Item, pred: Item, links: Links) -> list[FieldCheck]:
    checks = []
    for text_field in ("cause", "effect"):
        value = token_f1(gold.get(text_field), pred.get(text_field))
        difference = _differs(text_field, gold, pred) if value < TEXT_MATCH else None
        checks.append(FieldCheck(f"{text_field}_f1", value, difference))
    return [
        *checks,
        _exact("claimed_by", same_name(gold.get("claimed_by"), pred.get("claimed_by")), gold, pred),
        _exact("certainty", gold.get("certainty") == pred.get("certainty"), gold, pred),
    ]


def _event_checks(gold: Item, pred: Item, links: Links) -> list[FieldCheck]:
    return [
        _exact("event_type", gold.get("event_type") == pred.get("event_type"), gold, pred),
        _exact("date", gold.get("date") == pred.get("date"), gold, pred),
        _exact("location", same_place(gold.get("location"), pred.get("location")), gold, pred),
    ]


CHECKS: dict[str, Callable[[Item, Item, Links], list[FieldCheck]]] = {
    "events": _event_checks,
    "casualties": _casualty_checks,
    "causes": _cause_checks,
}


def _compare(kind: str, pair: Pair, score: KindScore, links: Links) -> list[str]:
    """Compare a matched pair field by field: its values go to `score`, its differences out."""
    gold, pred = pair.gold, pair.pred
    where = f"{kind}[{gold.get('id')}]"
    lines = []
    for check in CHECKS[kind](gold, pred, links):
        if check.name is not None:
            score.fields.setdefault(check.name, []).append(check.value)
        if check.difference is not None:
            lines.append(f"{where}.{check.difference}")
    if kind == "casualties" and gold.get("low") is not None and pred.get("low") is not None:
        score.abs_errors.append(abs(int(gold["low"]) - int(pred["low"])))
    return lines


# --- one article --------------------------------------------------------------------------


def _matched_ids(matching: Matching) -> dict[str, str]:
    """Predicted id -> gold id, over every matched pair (optional ones included)."""
    return {
        str(p.pred.get("id")): str(p.gold.get("id"))
        for p in [*matching.pairs, *matching.optional_matched]
    }


def killed_total(items: list[Item], skip: set[int] | None = None) -> int:
    """Killed in the article: incident figures that are not part of another (lower bounds)."""
    skip = skip or set()
    return sum(
        int(c.get("low") or 0)
        for c in items
        if c.get("outcome") == "killed"
        and not c.get("part_of")
        and c.get("scope", "incident") == "incident"
        and not c.get("optional")
        and id(c) not in skip
    )


def _score_kind(kind: str, matching: Matching, links: Links) -> tuple[KindScore, list[str]]:
    score = KindScore(matching)
    lines: list[str] = []
    for n, pair in enumerate(matching.pairs):
        score.pair_diffs[n] = _compare(kind, pair, score, links)
        lines += score.pair_diffs[n]
    for item in matching.missed:
        lines.append(f"{kind}[{item.get('id')}]: missed ({describe_item(kind, item)})")
    for item in matching.spurious:
        lines.append(f"{kind}[predicted {item.get('id')}]: spurious ({describe_item(kind, item)})")
    return score, lines


def score_case(gold: dict[str, list[Item]], pred: dict[str, list[Item]], text: str) -> CaseScore:
    """Score one article's predicted items against its gold items."""
    matchings = {kind: match_items(kind, gold.get(kind, []), pred.get(kind, [])) for kind in KINDS}
    links = {kind: _matched_ids(matchings[kind]) for kind in KINDS}
    kinds: dict[str, KindScore] = {}
    diffs: dict[str, list[str]] = {}
    for kind in KINDS:
        kinds[kind], diffs[kind] = _score_kind(kind, matchings[kind], links)
    on_optional = {id(p.pred) for p in matchings["casualties"].optional_matched}
    items = [i for kind in KINDS for i in pred.get(kind, [])]
    return CaseScore(
        kinds=kinds,
        diffs=diffs,
        gold_killed=killed_total(gold.get("casualties", [])),
        pred_killed=killed_total(pred.get("casualties", []), skip=on_optional),
        grounded=sum(is_grounded(i, text) for i in items),
        predicted=len(items),
    )


def describe_item(kind: str, item: Item) -> str:
    """One line naming an item, for reports."""
    if kind == "casualties":
        return f"{item.get('outcome')} {item.get('count_text')!r} {item.get('group')!r}"
    if kind == "causes":
        return f"{item.get('cause')!r} -> {item.get('effect')!r}"
    return f"{item.get('event_type')} {item.get('location')!r}"
