"""The suite's metrics over many scored articles: rates, item counts, error sizes.

Item precision / recall / F1 per kind are micro-averaged over the suite (`casualties.f1`) and
also averaged per article (`casualties.f1_article_mean`); field accuracies are the share of
matched pairs whose field agrees. A metric with nothing to measure it on is None.
"""

from __future__ import annotations

from agent.eval.compare import within_tolerance
from agent.eval.scoring import CaseScore, f1_of
from agent.items import KINDS

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


METRIC_NAMES = tuple(summarize([], 0))  # every metric a model is measured on, in report order
