"""Gates: the floors a run must reach, decided in one place.

Three sources combine: the `[gates]` of `suite.toml` (applied on the split they were measured
on, the one `[suite] split` names; on another split they are left out and a note says so),
`--fail-under METRIC=VALUE` (adds to or overrides them, on any split), and `--baseline
REPORT.json` with `--max-drop` (a gated metric, or with no gates a main metric, may not fall by
more than that). `plan_gates` checks everything before a model runs (unknown metrics, an
unreadable baseline); `GatePlan.decide` holds each model's metrics to the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from agent.errors import UsageError
from agent.eval.metrics import MAIN_METRICS, METRIC_NAMES
from agent.eval.report import EvalReport, Gates, ModelEntry, load_report
from agent.eval.suite import Suite

DEFAULT_MAX_DROP = 0.02
EPSILON = 1e-9


@dataclass(frozen=True)
class GateFlags:
    """What the command line asked for."""

    fail_under: tuple[str, ...] = ()  # METRIC=VALUE
    suite_gates: bool = True  # False: ignore the [gates] of suite.toml
    baseline: Path | None = None
    max_drop: float = DEFAULT_MAX_DROP


@dataclass(frozen=True)
class GatePlan:
    """The gates a run is held to, known before any model runs."""

    thresholds: dict[str, float]
    baseline: EvalReport | None = None
    baseline_path: Path | None = None
    max_drop: float = DEFAULT_MAX_DROP
    notes: list[str] = field(default_factory=list)  # e.g. suite gates left out on this split

    def decide(self, models: list[ModelEntry]) -> Gates:
        """Every model held to every gate; one line per failure."""
        failures: list[str] = []
        for model in models:
            failures += gate_failures(model.model, model.metrics, self.thresholds)
            if self.baseline is not None:
                failures += self._drops(model)
        return Gates(
            thresholds=self.thresholds,
            baseline=str(self.baseline_path) if self.baseline_path else None,
            max_drop=self.max_drop if self.baseline_path else None,
            failures=failures,
            passed=not failures,
        )

    def _drops(self, model: ModelEntry) -> list[str]:
        assert self.baseline is not None
        before = baseline_metrics(self.baseline, model.model)
        if before is None:
            return [f"{model.model}: not in the baseline report"]
        names = sorted(set(self.thresholds) or set(MAIN_METRICS))
        return drop_failures(model.model, model.metrics, before, names, self.max_drop)


def plan_gates(suite: Suite, flags: GateFlags) -> GatePlan:
    """The suite's gates (when they hold on this split), the flags' and the baseline's."""
    thresholds: dict[str, float] = {}
    notes = []
    settings = suite.settings
    if flags.suite_gates and settings.gates:
        if settings.split in (None, suite.split):
            thresholds.update(settings.gates)
        else:
            notes.append(
                f"the suite's gates are for split {settings.split} and are not applied to "
                f"split {suite.split}" + (" (--fail-under gates are)" if flags.fail_under else "")
            )
    thresholds.update(parse_threshold(text) for text in flags.fail_under)
    unknown = sorted(set(thresholds) - set(METRIC_NAMES))
    if unknown:
        raise UsageError(f"unknown metric(s) in gates: {', '.join(unknown)}")
    baseline = load_report(flags.baseline) if flags.baseline else None
    return GatePlan(thresholds, baseline, flags.baseline, flags.max_drop, notes)


def parse_threshold(text: str) -> tuple[str, float]:
    """`casualties.f1=0.8` -> ("casualties.f1", 0.8)."""
    name, sep, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not sep or not name.strip() or number != number:
        raise UsageError(f"--fail-under {text!r}: expected METRIC=NUMBER, e.g. casualties.f1=0.8")
    return name.strip(), number


def gate_failures(
    label: str, metrics: Mapping[str, float | None], thresholds: Mapping[str, float]
) -> list[str]:
    """One line per metric of one model under its floor (or not measured at all)."""
    failures = []
    for name, floor in sorted(thresholds.items()):
        value = metrics.get(name)
        if value is None:
            failures.append(f"{label}: {name} not measured (gate {floor:g})")
        elif value < floor - EPSILON:
            failures.append(
                f"{label}: {name} {value:.4f} < {floor:g} (short by {floor - value:.4f})"
            )
    return failures


def drop_failures(
    label: str,
    metrics: Mapping[str, float | None],
    before: Mapping[str, float | None],
    names: list[str],
    max_drop: float,
) -> list[str]:
    """One line per metric that fell by more than `max_drop` since the baseline."""
    failures = []
    for name in names:
        old, new = before.get(name), metrics.get(name)
        if old is not None and new is not None and old - new > max_drop + EPSILON:
            failures.append(
                f"{label}: {name} fell from {old:.4f} to {new:.4f} (by {old - new:.4f}; "
                f"allowed {max_drop:g})"
            )
    return failures


def baseline_metrics(baseline: EvalReport, label: str) -> Mapping[str, float | None] | None:
    """The baseline's metrics of the model with this label (or of its only model)."""
    for model in baseline.models:
        if model.model == label:
            return model.metrics
    if len(baseline.models) == 1:
        return baseline.models[0].metrics
    return None
