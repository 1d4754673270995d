"""Scoring one extraction against its gold: pure functions, no I/O, no model.

Per article and item kind, predicted items are matched one-to-one to gold items by an optimal
assignment (`scipy.optimize.linear_sum_assignment`) on a similarity of the fields that identify
an item, gated on compatibility (same outcome for casualty figures, same ACLED event family for
events). A pair under the kind's threshold is not a match. Matched pairs are then compared
field by field. Gold items marked `optional` are matched like the others, but a prediction
matched to one is neither a hit nor a false alarm, and an unmatched one is not a miss.

Items are plain dicts with the contract's shapes (`ExtractionResult.model_dump()` for
predictions; `EvalCase.gold` for gold, whose quotes carry aligned offsets).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from agent.schema import FAMILY_OF

Item = dict[str, Any]
KINDS = ("events", "casualties", "causes")
THRESHOLDS = {"events": 0.45, "casualties": 0.55, "causes": 0.45}
REQUIRED_BONUS = 1e-3
TEXT_MATCH = 0.5  # token F1 under which a cause or effect text is reported as differing
STOPWORDS = frozenset(
    (
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "by", "from", "with",
        "as", "its", "their", "his", "her", "this", "that", "these", "those", "was", "were",
        "is", "are", "be", "been", "near", "outside", "inside", "into",
    )
)  # fmt: skip
_WORD = re.compile(r"\w+")


# --- text and numbers ---------------------------------------------------------------------


def normalize_text(text: str | None) -> str:
    """Lower case, accents stripped, punctuation to spaces, spaces collapsed."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(plain.lower().replace("_", " ")))


def content_tokens(text: str | None) -> list[str]:
    return [t for t in normalize_text(text).split() if t not in STOPWORDS]


def token_f1(gold: str | None, pred: str | None) -> float:
    """Token-overlap F1 of two texts (stop words ignored); 1.0 when both are empty."""
    g, p = Counter(content_tokens(gold)), Counter(content_tokens(pred))
    if not g and not p:
        return 1.0
    common = sum((g & p).values())
    if common == 0:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def _acronym(tokens: list[str]) -> str:
    return "".join(t[0] for t in tokens if t not in STOPWORDS)


def same_name(gold: str | None, pred: str | None) -> bool:
    """Whether two names of a source, place or claimant denote the same one.

    Equal after normalisation (case, accents, leading articles); one the acronym of the
    other ("SOHR"); a near-identical spelling; or one a multi-word part of the other
    ("the Syrian Observatory" for "Syrian Observatory for Human Rights"). None only equals None.
    """
    if not gold or not pred:
        return not gold and not pred
    g, p = content_tokens(gold), content_tokens(pred)
    if g == p:
        return True
    gs, ps = normalize_text(gold).split(), normalize_text(pred).split()
    if (len(g) == 1 and g[0] == _acronym(ps)) or (len(p) == 1 and p[0] == _acronym(gs)):
        return True
    if fuzz.ratio(" ".join(g), " ".join(p)) >= 88:
        return True
    shorter, longer = (g, p) if len(g) <= len(p) else (p, g)
    return len(shorter) >= 2 and not Counter(shorter) - Counter(longer)


PLACE_WORDS = frozenset(
    (
        "town", "village", "city", "district", "province", "governorate", "township", "region",
        "state", "county", "camp", "area", "outskirts", "front", "road", "compound", "centre",
        "center", "neighbourhood", "neighborhood", "suburb", "east", "west", "north", "south",
        "eastern", "western", "northern", "southern", "central", "near", "between",
    )
)  # fmt: skip


def same_place(gold: str | None, pred: str | None) -> bool:
    """Whether two location texts name the same place, one possibly more precisely.

    Same name, or every distinctive word of the shorter in the longer ("Ywathit" and
    "Ywathit, Kani township"; "the town of Arīḥā" and "Arīḥā"). Generic words (town,
    district, outskirts, north ...) do not count as distinctive.
    """
    if same_name(gold, pred):
        return True
    if not gold or not pred:
        return False
    g = {t for t in content_tokens(gold) if len(t) > 1 and t not in PLACE_WORDS}
    p = {t for t in content_tokens(pred) if len(t) > 1 and t not in PLACE_WORDS}
    shorter, longer = (g, p) if len(g) <= len(p) else (p, g)
    return bool(shorter) and shorter <= longer


def within_tolerance(gold: int | None, pred: int | None) -> bool:
    """|diff| <= max(1, 10% of gold); None only matches None."""
    if gold is None or pred is None:
        return gold is None and pred is None
    return abs(gold - pred) <= max(1.0, 0.1 * abs(gold))


def interval_exact(gold: Item, pred: Item) -> bool:
    return bool(gold.get("low") == pred.get("low") and gold.get("high") == pred.get("high"))


def interval_close(gold: Item, pred: Item) -> bool:
    return within_tolerance(gold.get("low"), pred.get("low")) and within_tolerance(
        gold.get("high"), pred.get("high")
    )


def spans(item: Item) -> list[tuple[int, int]]:
    quotes = item.get("evidence")
    quote_list = quotes if isinstance(quotes, list) else [quotes]
    return [(int(q["start"]), int(q["end"])) for q in quote_list if isinstance(q, dict)]


def quotes_overlap(gold: Item, pred: Item) -> bool:
    return any(gs < pe and ps < ge for gs, ge in spans(gold) for ps, pe in spans(pred))


def is_grounded(item: Item, text: str) -> bool:
    """Every quote of the item is exactly `text[start:end]`."""
    quotes = item.get("evidence")
    quote_list = quotes if isinstance(quotes, list) else [quotes]
    if not quote_list:
        return False
    for quote in quote_list:
        if not isinstance(quote, dict):
            return False
        start, end, qtext = quote.get("start"), quote.get("end"), quote.get("text")
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(qtext, str)):
            return False
        if not (0 <= start < end <= len(text)) or text[start:end] != qtext:
            return False
    return True


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


# --- one article --------------------------------------------------------------------------


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


def _show(value: Any) -> str:
    return "none" if value is None else json.dumps(value, ensure_ascii=False)


def _matched_ids(matching: Matching) -> dict[str, str]:
    """Predicted id -> gold id, over every matched pair (optional ones included)."""
    return {
        str(p.pred.get("id")): str(p.gold.get("id"))
        for p in [*matching.pairs, *matching.optional_matched]
    }


def _compare(
    kind: str, pair: Pair, score: KindScore, diffs: list[str], links: dict[str, dict[str, str]]
) -> None:
    gold, pred = pair.gold, pair.pred
    where = f"{kind}[{gold.get('id')}]"
    checks: dict[str, tuple[float, str | None]] = {}

    def exact(name: str, ok: bool, key: str | None = None) -> None:
        key = key or name
        checks[name] = (
            1.0 if ok else 0.0,
            None if ok else f"{key}: gold {_show(gold.get(key))}, predicted {_show(pred.get(key))}",
        )

    def linked(name: str, key: str, table: dict[str, str]) -> None:
        want, got = gold.get(key), pred.get(key)
        ok = (want is None and got is None) or (got is not None and table.get(str(got)) == want)
        shown = (
            f"{got} (matched to gold {table[str(got)]})"
            if got is not None and str(got) in table
            else (got or "none")
        )
        checks[name] = (
            1.0 if ok else 0.0,
            None if ok else f"{key}: gold {want or 'none'}, predicted {shown}",
        )

    if kind == "casualties":
        for bound in ("low", "high"):
            if gold.get(bound) != pred.get(bound):
                diffs.append(f"{where}.{bound}: gold {_show(gold.get(bound))}, predicted "
                             f"{_show(pred.get(bound))}")  # fmt: skip
        score.fields.setdefault("interval_exact", []).append(float(interval_exact(gold, pred)))
        score.fields.setdefault("interval_within_tol", []).append(float(interval_close(gold, pred)))
        if gold.get("low") is not None and pred.get("low") is not None:
            score.abs_errors.append(abs(int(gold["low"]) - int(pred["low"])))
        exact("qualifier", gold.get("qualifier") == pred.get("qualifier"))
        exact("outcome", gold.get("outcome") == pred.get("outcome"))
        exact("reported_by", same_name(gold.get("reported_by"), pred.get("reported_by")))
        linked("part_of", "part_of", links["casualties"])
        exact("scope", gold.get("scope", "incident") == pred.get("scope", "incident"))
        exact("civilian", gold.get("civilian") == pred.get("civilian"))
        linked("event_link", "event_id", links["events"])
    elif kind == "causes":
        for text_field in ("cause", "effect"):
            value = token_f1(gold.get(text_field), pred.get(text_field))
            score.fields.setdefault(f"{text_field}_f1", []).append(value)
            if value < TEXT_MATCH:
                diffs.append(f"{where}.{text_field}: gold {_show(gold.get(text_field))}, "
                             f"predicted {_show(pred.get(text_field))}")  # fmt: skip
        exact("claimed_by", same_name(gold.get("claimed_by"), pred.get("claimed_by")))
        exact("certainty", gold.get("certainty") == pred.get("certainty"))
    else:
        exact("event_type", gold.get("event_type") == pred.get("event_type"))
        exact("date", gold.get("date") == pred.get("date"))
        exact("location", same_place(gold.get("location"), pred.get("location")))
    for name, (value, diff) in checks.items():
        score.fields.setdefault(name, []).append(value)
        if diff is not None:
            diffs.append(f"{where}.{diff}")


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


def score_case(gold: dict[str, list[Item]], pred: dict[str, list[Item]], text: str) -> CaseScore:
    """Score one article's predicted items against its gold items."""
    matchings = {kind: match_items(kind, gold.get(kind, []), pred.get(kind, [])) for kind in KINDS}
    links = {kind: _matched_ids(matchings[kind]) for kind in KINDS}
    kinds: dict[str, KindScore] = {}
    diffs: dict[str, list[str]] = {}
    for kind in KINDS:
        matching = matchings[kind]
        score = KindScore(matching)
        lines: list[str] = []
        for n, pair in enumerate(matching.pairs):
            before = len(lines)
            _compare(kind, pair, score, lines, links)
            score.pair_diffs[n] = lines[before:]
        for item in matching.missed:
            lines.append(f"{kind}[{item.get('id')}]: missed ({describe_item(kind, item)})")
        for item in matching.spurious:
            lines.append(
                f"{kind}[predicted {item.get('id')}]: spurious ({describe_item(kind, item)})"
            )
        kinds[kind] = score
        diffs[kind] = lines
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


# --- over many articles -------------------------------------------------------------------


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarize(scores: list[CaseScore], total_cases: int | None = None) -> dict[str, float | None]:
    """The suite's metrics over scored articles (None: nothing to measure it on)."""
    metrics: dict[str, float | None] = {}
    for kind in KINDS:
        tp = sum(s.kinds[kind].matching.tp for s in scores)
        fp = sum(s.kinds[kind].matching.fp for s in scores)
        fn = sum(s.kinds[kind].matching.fn for s in scores)
        metrics[f"{kind}.precision"] = tp / (tp + fp) if tp + fp else (1.0 if not fn else 0.0)
        metrics[f"{kind}.recall"] = tp / (tp + fn) if tp + fn else (1.0 if not fp else 0.0)
        metrics[f"{kind}.f1"] = f1_of(tp, fp, fn) if scores else None
        metrics[f"{kind}.f1_article_mean"] = _mean([s.kinds[kind].f1 for s in scores])
        for name in FIELD_ORDER[kind]:
            values = [v for s in scores for v in s.kinds[kind].fields.get(name, [])]
            metrics[f"{kind}.{name}"] = _mean(values)
    metrics["totals.killed_exact"] = _mean([float(s.gold_killed == s.pred_killed) for s in scores])
    metrics["totals.killed_within_tol"] = _mean(
        [float(within_tolerance(s.gold_killed, s.pred_killed)) for s in scores]
    )
    predicted = sum(s.predicted for s in scores)
    metrics["grounding.rate"] = sum(s.grounded for s in scores) / predicted if predicted else 1.0
    if not scores:  # nothing was scored: no rate means anything
        metrics = dict.fromkeys(metrics)
    total = total_cases if total_cases is not None else len(scores)
    metrics["articles.scorable_rate"] = len(scores) / total if total else None
    return metrics


FIELD_ORDER = {
    "events": ("event_type", "date", "location"),
    "casualties": (
        "interval_exact",
        "interval_within_tol",
        "qualifier",
        "outcome",
        "reported_by",
        "part_of",
        "scope",
        "civilian",
        "event_link",
    ),
    "causes": ("cause_f1", "effect_f1", "claimed_by", "certainty"),
}
MAIN_METRICS = (
    "events.f1",
    "casualties.f1",
    "causes.f1",
    "casualties.interval_exact",
    "casualties.interval_within_tol",
    "casualties.reported_by",
    "causes.certainty",
    "causes.claimed_by",
    "totals.killed_exact",
    "grounding.rate",
)


def counts(scores: list[CaseScore]) -> dict[str, int]:
    """Item counts behind the rates: tp / fp / fn per kind, optional matches, predictions."""
    out: dict[str, int] = {}
    for kind in KINDS:
        out[f"{kind}.tp"] = sum(s.kinds[kind].matching.tp for s in scores)
        out[f"{kind}.fp"] = sum(s.kinds[kind].matching.fp for s in scores)
        out[f"{kind}.fn"] = sum(s.kinds[kind].matching.fn for s in scores)
        out[f"{kind}.optional_matched"] = sum(
            len(s.kinds[kind].matching.optional_matched) for s in scores
        )
    out["items.predicted"] = sum(s.predicted for s in scores)
    out["items.grounded"] = sum(s.grounded for s in scores)
    return out


def error_sizes(scores: list[CaseScore]) -> dict[str, float | None]:
    """How far off the matched figures' lower bounds are (mean and largest)."""
    errors = [e for s in scores for e in s.kinds["casualties"].abs_errors]
    return {
        "casualties.low_abs_error_mean": _mean([float(e) for e in errors]),
        "casualties.low_abs_error_max": float(max(errors)) if errors else None,
    }
