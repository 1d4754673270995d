"""The scorer as a scoring library: self-scores, hand-computed perturbations, properties."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.eval.compare import same_name, same_place, token_f1, within_tolerance
from agent.eval.matching import match_items
from agent.eval.metrics import summarize
from agent.eval.scoring import score_case
from agent.eval.suite import EvalCase, case_article, load_case, load_suite
from agent.extractors.results import build_result
from agent.extractors.rules.extractor import RulesExtractor
from agent.items import KINDS
from tests.helpers import ROOT

CASES = ROOT / "evals" / "cases"
C01 = CASES / "c01-syria-badia-ambush"
Items = dict[str, list[dict[str, Any]]]


def as_prediction(gold: Items) -> Items:
    """Gold items as a model would return them (no `optional` flags)."""
    return {
        kind: [{k: v for k, v in item.items() if k != "optional"} for item in gold[kind]]
        for kind in KINDS
    }


def metrics_of(case: EvalCase, pred: Items) -> dict[str, float | None]:
    return summarize([score_case(case.gold, pred, case.text)])


def changed(before: dict[str, float | None], after: dict[str, float | None]) -> dict[str, Any]:
    return {
        k: after[k]
        for k in before
        if not (before[k] == after[k] or (before[k] is not None and after[k] is not None
                                          and math.isclose(before[k], after[k])))  # type: ignore[arg-type]
    }  # fmt: skip


def figure(pred: Items, fid: str) -> dict[str, Any]:
    return next(c for c in pred["casualties"] if c["id"] == fid)


@pytest.fixture(scope="module")
def c01() -> EvalCase:
    return load_case(C01)


# --- gold against itself -------------------------------------------------------------------


def test_every_gold_case_scored_against_itself_is_perfect() -> None:
    cases = load_suite(CASES)
    assert len(cases) >= 40
    scores = [score_case(c.gold, as_prediction(c.gold), c.text) for c in cases]
    for case, score in zip(cases, scores, strict=True):
        assert score.perfect, (case.id, score.diffs)
    metrics = summarize(scores)
    measured = {k: v for k, v in metrics.items() if v is not None}
    assert measured == dict.fromkeys(measured, 1.0)
    assert {"casualties.f1", "events.f1", "causes.f1", "grounding.rate"} <= set(measured)


# --- hand-computed perturbations of c01 (10 figures, 1 cause, 2 events) --------------------


def test_changing_one_count_changes_only_the_interval_and_the_total(c01: EvalCase) -> None:
    base = metrics_of(c01, as_prediction(c01.gold))
    pred = as_prediction(c01.gold)
    militants = figure(pred, "C7")  # killed, exactly 4 militants
    militants["low"] = militants["high"] = 6
    score = score_case(c01.gold, pred, c01.text)
    assert changed(base, summarize([score])) == {
        "casualties.interval_exact": 0.9,
        "casualties.interval_within_tol": 0.9,  # |6 - 4| > max(1, 0.4)
        "totals.killed_exact": 0.0,  # 49 for 47: still within 10%
    }
    assert "casualties[C7].low: gold 4, predicted 6" in score.diffs["casualties"]
    assert "casualties[C7].high: gold 4, predicted 6" in score.diffs["casualties"]


def test_dropping_one_figure_lowers_recall_only(c01: EvalCase) -> None:
    base = metrics_of(c01, as_prediction(c01.gold))
    pred = as_prediction(c01.gold)
    pred["casualties"] = [c for c in pred["casualties"] if c["id"] != "C5"]  # injured: no total
    assert changed(base, metrics_of(c01, pred)) == pytest.approx(
        {
            "casualties.recall": 9 / 10,
            "casualties.f1": 18 / 19,
            "casualties.f1_article_mean": 18 / 19,
        }
    )


def test_a_spurious_figure_lowers_precision_only(c01: EvalCase) -> None:
    base = metrics_of(c01, as_prediction(c01.gold))
    pred = as_prediction(c01.gold)
    start = c01.text.index("Islamic State")
    quote = {"text": c01.text[start : start + 13], "start": start, "end": start + 13}
    extra = {**figure(pred, "C5"), "id": "C99", "group": "journalists", "low": 7, "high": 7}
    extra |= {"count_text": "seven", "reported_by": "a local radio station", "evidence": quote}
    pred["casualties"].append(extra)
    assert changed(base, metrics_of(c01, pred)) == pytest.approx(
        {
            "casualties.precision": 10 / 11,
            "casualties.f1": 20 / 21,
            "casualties.f1_article_mean": 20 / 21,
        }
    )


def test_swapping_a_claimant_changes_claimed_by_only(c01: EvalCase) -> None:
    base = metrics_of(c01, as_prediction(c01.gold))
    pred = as_prediction(c01.gold)
    pred["causes"][0]["claimed_by"] = "the Syrian army's general command"
    score = score_case(c01.gold, pred, c01.text)
    assert changed(base, summarize([score])) == {"causes.claimed_by": 0.0}
    assert score.diffs["causes"] == [
        'causes[K1].claimed_by: gold "Syrian Observatory for Human Rights", predicted '
        '"the Syrian army\'s general command"'
    ]


def test_splitting_one_figure_in_two_costs_precision_and_the_interval(c01: EvalCase) -> None:
    base = metrics_of(c01, as_prediction(c01.gold))
    pred = as_prediction(c01.gold)
    soldiers = figure(pred, "C4")  # killed, exactly 11 soldiers (army's figure)
    second = {**copy.deepcopy(soldiers), "id": "C11", "low": 5, "high": 5, "count_text": "five"}
    soldiers |= {"low": 6, "high": 6, "count_text": "six"}
    pred["casualties"].append(second)
    assert changed(base, metrics_of(c01, pred)) == pytest.approx(
        {
            "casualties.precision": 10 / 11,
            "casualties.f1": 20 / 21,
            "casualties.f1_article_mean": 20 / 21,
            "casualties.interval_exact": 9 / 10,
            "casualties.interval_within_tol": 9 / 10,
        }
    )  # the killed total is unchanged: 6 + 5 = 11


def test_a_child_pointing_at_the_wrong_parent_costs_part_of(c01: EvalCase) -> None:
    pred = as_prediction(c01.gold)
    figure(pred, "C2")["part_of"] = "C4"  # officers among the army's dead, not the monitor's
    score = score_case(c01.gold, pred, c01.text)
    assert summarize([score])["casualties.part_of"] == pytest.approx(9 / 10)
    assert (
        "casualties[C2].part_of: gold C1, predicted C4 (matched to gold C4)"
        in score.diffs["casualties"]
    )


def test_optional_gold_items_are_neither_rewarded_nor_punished() -> None:
    case = next(c for c in load_suite(CASES) if any(i.get("optional") for i in c.gold["causes"]))
    full = as_prediction(case.gold)
    without = copy.deepcopy(full)
    optional_ids = {i["id"] for i in case.gold["causes"] if i.get("optional")}
    without["causes"] = [k for k in full["causes"] if k["id"] not in optional_ids]
    for pred in (full, without):
        assert metrics_of(case, pred)["causes.f1"] == 1.0


def test_an_ungrounded_prediction_lowers_the_grounding_rate(c01: EvalCase) -> None:
    pred = as_prediction(c01.gold)
    quote = figure(pred, "C3")["evidence"]
    quote["start"] += 1
    total = sum(len(pred[k]) for k in KINDS)
    assert metrics_of(c01, pred)["grounding.rate"] == pytest.approx((total - 1) / total)


def test_a_prediction_of_another_outcome_is_never_matched(c01: EvalCase) -> None:
    gold = [c for c in c01.gold["casualties"] if c["id"] == "C7"]
    pred = [{**gold[0], "outcome": "injured"}]
    matching = match_items("casualties", gold, pred)
    assert (matching.tp, matching.fp, matching.fn) == (0, 1, 1)


# --- text helpers ---------------------------------------------------------------------------


def test_names_match_through_articles_acronyms_and_accents() -> None:
    assert same_name(
        "Syrian Observatory for Human Rights", "the Syrian Observatory for Human Rights"
    )
    assert same_name("Syrian Observatory for Human Rights", "SOHR")
    assert same_name("Syrian Observatory for Human Rights", "Syrian Observatory")
    assert same_name("Médecins Sans Frontières", "Medecins Sans Frontieres")
    assert not same_name("Ministry of Defence", "Ministry of Health")
    assert not same_name("Syrian army", None)
    assert same_name(None, None)


def test_places_match_when_one_is_more_precise() -> None:
    assert same_place("Ywathit, Kani township", "Ywathit")
    assert same_place("the town of Arīḥā", "Ariha")
    assert not same_place("outskirts of Kupiansk", "Kharkiv")
    assert not same_place("Seinpan", None)


def test_token_f1_and_tolerance() -> None:
    assert token_f1("the lack of air support", "lack of Russian air support") == pytest.approx(
        2 * 3 / (3 + 4)
    )
    assert token_f1("", "") == 1.0
    assert within_tolerance(100, 110) and not within_tolerance(100, 111)
    assert within_tolerance(3, 4) and not within_tolerance(3, 5)
    assert within_tolerance(None, None) and not within_tolerance(None, 0)


# --- properties -----------------------------------------------------------------------------

PROPERTY_CASES = ["c01-syria-badia-ambush", "c12-myanmar-sagaing-airstrike",
                  "c21-sudan-el-fasher-abu-shouk-attack"]  # fmt: skip


def _rules_prediction(case: EvalCase) -> Items:
    article = case_article(case)
    extractor = RulesExtractor()
    outcome = extractor.extract_sync(article)
    result = build_result(article, outcome, model=extractor.label, prompt=None)
    data = result.model_dump()
    return {kind: data[kind] for kind in KINDS}


@pytest.fixture(scope="module")
def predicted() -> dict[str, tuple[EvalCase, Items]]:
    out = {}
    for name in PROPERTY_CASES:
        case = load_case(CASES / name)
        out[name] = (case, _rules_prediction(case))
    return out


def _renamed(items: Items, prefix: str) -> Items:
    """Every id renamed (references too), as another extractor might number them."""
    names = {i["id"]: f"{prefix}{n}" for kind in KINDS for n, i in enumerate(items[kind])}
    out: Items = {}
    for kind in KINDS:
        out[kind] = []
        for item in items[kind]:
            new = {**item, "id": names[item["id"]]}
            for ref in ("part_of", "event_id"):
                if new.get(ref) is not None:
                    new[ref] = names.get(new[ref], new[ref])
            out[kind].append(new)
    return out


@settings(max_examples=25, deadline=None)
@given(data=st.data(), name=st.sampled_from(PROPERTY_CASES), prefix=st.sampled_from(["x", "Q"]))
def test_reordering_and_renaming_never_change_a_score(
    predicted: dict[str, tuple[EvalCase, Items]], data: st.DataObject, name: str, prefix: str
) -> None:
    case, pred = predicted[name]
    before = summarize([score_case(case.gold, pred, case.text)])
    shuffled = {kind: data.draw(st.permutations(pred[kind])) for kind in KINDS}
    gold = {kind: data.draw(st.permutations(case.gold[kind])) for kind in KINDS}
    after = summarize([score_case(_renamed(gold, "g"), _renamed(shuffled, prefix), case.text)])
    assert after == before


@settings(max_examples=40, deadline=None)
@given(data=st.data(), name=st.sampled_from(PROPERTY_CASES))
def test_scores_stay_between_zero_and_one(
    predicted: dict[str, tuple[EvalCase, Items]], data: st.DataObject, name: str
) -> None:
    case, pred = predicted[name]
    mutated: Items = {}
    for kind in KINDS:
        kept = data.draw(st.lists(st.sampled_from(pred[kind]), max_size=6)) if pred[kind] else []
        mutated[kind] = [copy.deepcopy(i) for i in kept]
    for item in mutated["casualties"]:
        item["low"] = data.draw(st.none() | st.integers(0, 10_000))
    score = score_case(case.gold, mutated, case.text)
    for key, value in summarize([score]).items():
        assert value is None or 0.0 <= value <= 1.0, key


def test_rules_predictions_are_scored_without_error(
    predicted: dict[str, tuple[EvalCase, Items]],
) -> None:
    for case, pred in predicted.values():
        metrics = summarize([score_case(case.gold, pred, case.text)])
        assert metrics["grounding.rate"] == 1.0
        assert 0.0 < (metrics["casualties.f1"] or 0.0) <= 1.0


def test_nothing_scored_measures_nothing() -> None:
    metrics = summarize([], total_cases=3)
    assert metrics["articles.scorable_rate"] == 0.0
    assert {k for k, v in metrics.items() if v is not None} == {"articles.scorable_rate"}
