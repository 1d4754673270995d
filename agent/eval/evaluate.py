"""The eval suite -> a report: run (or read) each model's extractions, score them, gate them.

A model's run goes through the same code path as `sitrep extract` (`run_batch`: concurrency,
cache, failure handling); predictions made earlier are read from JSON Lines instead. Each case
ends scored (a `CaseScore`, perfect or with differences) or not scorable (the model failed, or
no usable prediction exists), and the two are never mixed.
"""

from __future__ import annotations

import hashlib
import json
import time
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent import __version__
from agent.articles import Article
from agent.batch.cache import ResponseCache
from agent.batch.progress import Tally
from agent.batch.run import Done, run_batch
from agent.errors import UsageError
from agent.eval.scoring import (
    KINDS,
    MAIN_METRICS,
    CaseScore,
    counts,
    describe_item,
    error_sizes,
    score_case,
    summarize,
)
from agent.eval.suite import KINDS as GOLD_KINDS
from agent.eval.suite import EvalCase, ground_gold, load_suite
from agent.extractors.base import Extractor
from agent.schema import SCHEMA_VERSION, ExtractionResult, PromptInfo

SUITE_CONFIG = "suite.toml"
DEFAULT_MAX_DROP = 0.02


@dataclass
class CaseRun:
    """One case under one model: a score, or why there is none."""

    case: EvalCase
    result: ExtractionResult | None = None
    score: CaseScore | None = None
    error_kind: str | None = None
    error: str | None = None
    items: dict[str, list[dict[str, Any]]] | None = None  # the predicted items that were scored

    @property
    def outcome(self) -> str:
        if self.score is None:
            return "not_scorable"
        return "correct" if self.score.perfect else "wrong"


@dataclass
class ModelRun:
    label: str
    prompt: PromptInfo | None
    runs: list[CaseRun]
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    wall_s: float = 0.0
    source: str = "model"  # or the predictions file it was read from


@dataclass(frozen=True)
class Suite:
    path: Path  # the folder of cases
    cases: list[EvalCase]
    split: str
    tags: tuple[str, ...]
    gates: dict[str, float] = field(default_factory=dict)  # from suite.toml

    @property
    def digest(self) -> str:
        return suite_digest(self.cases)


# --- the suite ----------------------------------------------------------------------------


def open_suite(where: Path, split: str = "all", tags: Iterable[str] = ()) -> Suite:
    """The cases under `where` (an `evals/` folder holding `cases/`, or the cases folder)."""
    cases_dir = where / "cases" if (where / "cases").is_dir() else where
    if not cases_dir.is_dir():
        raise UsageError(f"{where}: no such suite folder")
    if split not in ("dev", "test", "all"):
        raise UsageError(f"--split must be dev, test or all, not {split!r}")
    cases = load_suite(cases_dir, split, list(tags))
    if not cases:
        raise UsageError(f"{where}: no case matches split {split!r} and tags {list(tags)}")
    broken = [f"{c.id}: {c.problems[0]}" for c in cases if c.problems]
    if broken:
        raise UsageError(
            f"{len(broken)} gold case(s) do not validate (run `sitrep gold check`): {broken[0]}"
        )
    return Suite(cases_dir, cases, split, tuple(tags), load_gates(where, cases_dir))


def load_gates(*folders: Path) -> dict[str, float]:
    """The `[gates]` table of the first `suite.toml` found in `folders` or their parents."""
    candidates: list[Path] = []
    for folder in folders:
        candidates += [folder / SUITE_CONFIG, folder.parent / SUITE_CONFIG]
    for path in candidates:
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise UsageError(f"{path}: not valid TOML ({exc})") from None
            gates = data.get("gates", {})
            if not isinstance(gates, dict) or not all(
                isinstance(v, int | float) for v in gates.values()
            ):
                raise UsageError(f"{path}: [gates] must map metric names to numbers")
            return {str(k): float(v) for k, v in gates.items()}
    return {}


def suite_digest(cases: list[EvalCase]) -> str:
    """sha256 over every selected case's id, article, metadata and gold file."""
    digest = hashlib.sha256()
    for case in cases:
        digest.update(case.id.encode())
        for name in ("article.txt", "case.json", "gold.json"):
            path = case.path / name
            digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()


def case_article(case: EvalCase) -> Article:
    meta = case.meta
    return Article(
        id=case.id,
        text=case.text,
        title=meta.get("title"),
        source=meta.get("source"),
        published=meta.get("published"),
        url=meta.get("url"),
        origin=str(case.path / "article.txt"),
    )


def _predicted_items(result: ExtractionResult) -> dict[str, list[dict[str, Any]]]:
    data = result.model_dump()
    return {kind: list(data[kind]) for kind in KINDS}


def _scored(case: EvalCase, result: ExtractionResult) -> CaseRun:
    if result.article.sha256 != hashlib.sha256(case.text.encode("utf-8")).hexdigest():
        return CaseRun(
            case,
            result,
            error_kind="stale",
            error="the prediction was made on another version of the article text",
        )
    items = _predicted_items(result)
    return CaseRun(case, result, score_case(case.gold, items, case.text), items=items)


# --- getting extractions ------------------------------------------------------------------


async def run_model(
    suite: Suite,
    extractor: Extractor,
    *,
    concurrency: int = 8,
    cache: ResponseCache | None = None,
) -> ModelRun:
    """Extract every case with `extractor` (as `sitrep extract` would) and score it."""
    tally = Tally(prices=extractor.prices)
    by_id = {c.id: c for c in suite.cases}
    runs: dict[str, CaseRun] = {}
    started = time.monotonic()
    articles = [case_article(c) for c in suite.cases]
    async for outcome in run_batch(articles, extractor, concurrency=concurrency, cache=cache,
                                   tally=tally):  # fmt: skip
        if isinstance(outcome, Done):
            case = by_id[outcome.result.article.id]
            runs[case.id] = _scored(case, outcome.result)
        elif outcome.article_id in by_id:
            case = by_id[outcome.article_id]
            runs[case.id] = CaseRun(case, error_kind=outcome.kind, error=outcome.message)
    return ModelRun(
        label=extractor.label,
        prompt=extractor.prompt_info,
        runs=[runs[c.id] for c in suite.cases],
        requests=tally.requests,
        prompt_tokens=tally.prompt_tokens,
        completion_tokens=tally.completion_tokens,
        cost=tally.cost,
        wall_s=time.monotonic() - started,
    )


def read_predictions(suite: Suite, path: Path) -> tuple[ModelRun, list[str]]:
    """Score extractions made earlier (JSON Lines of results); problems come back as lines."""
    problems: list[str] = []
    found: dict[str, ExtractionResult] = {}
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read predictions ({exc.strerror or exc})") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                result = ExtractionResult.model_validate_json(line)
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err["loc"]) or "line"
                problems.append(
                    f"{path}:{number}: not an extraction result ({where}: {err['msg']})"
                )
                continue
            found.setdefault(result.article.id, result)
    runs = []
    for case in suite.cases:
        prediction = found.get(case.id)
        if prediction is None:
            runs.append(CaseRun(case, error_kind="missing", error=f"no prediction in {path}"))
        else:
            runs.append(_scored(case, prediction))
    labels = sorted({r.model for r in found.values()})
    label = labels[0] if len(labels) == 1 else path.stem
    prompts = [r.prompt for r in found.values() if r.prompt is not None]
    selected = {c.id for c in suite.cases}
    usage = [r.usage for r in found.values() if r.article.id in selected]
    run = ModelRun(
        label=label,
        prompt=prompts[0] if prompts else None,
        runs=runs,
        requests=sum(u.requests for u in usage),
        prompt_tokens=sum(u.prompt_tokens for u in usage),
        completion_tokens=sum(u.completion_tokens for u in usage),
        source=str(path),
    )
    return run, problems


def read_second_annotation(suite: Suite, folder: Path) -> tuple[Suite, ModelRun]:
    """A second annotation (`<folder>/<case-id>/gold.json`) scored as predictions.

    Returns the suite narrowed to the doubly annotated cases, and the second reading scored
    against the gold with the harness's own matching: inter-annotator agreement.
    """
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder of second annotations")
    runs = []
    for case in suite.cases:
        path = folder / case.id / "gold.json"
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: not valid JSON ({exc})") from None
        second = EvalCase(case.id, path.parent, case.text, case.meta,
                          {k: list(data.get(k, [])) for k in GOLD_KINDS})  # fmt: skip
        ground_gold(second)
        if second.problems:
            raise UsageError(f"{path}: {second.problems[0]}")
        items = {
            kind: [{k: v for k, v in i.items() if k != "optional"} for i in second.gold[kind]]
            for kind in KINDS
        }
        runs.append(CaseRun(case, score=score_case(case.gold, items, case.text), items=items))
    if not runs:
        raise UsageError(f"{folder}: no second annotation of a selected case")
    narrowed = Suite(suite.path, [r.case for r in runs], suite.split, suite.tags, suite.gates)
    return narrowed, ModelRun("second annotation", None, runs, source=str(folder))


# --- the report ---------------------------------------------------------------------------


def _case_entry(run: CaseRun) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": run.case.id, "outcome": run.outcome, "tags": run.case.tags}
    if run.score is None:
        entry["error"] = {"kind": run.error_kind, "message": run.error}
        return entry
    score = run.score
    predicted = run.items or {}
    kinds: dict[str, Any] = {}
    for kind in KINDS:
        ks = score.kinds[kind]
        m = ks.matching
        kinds[kind] = {
            "tp": m.tp,
            "fp": m.fp,
            "fn": m.fn,
            "f1": round(ks.f1, 4),
            "matches": [
                {
                    "gold": p.gold.get("id"),
                    "predicted": p.pred.get("id"),
                    "similarity": p.similarity,
                    "differences": ks.pair_diffs.get(n, []),
                }
                for n, p in enumerate(m.pairs)
            ],
            "optional_matches": [
                {
                    "gold": p.gold.get("id"),
                    "predicted": p.pred.get("id"),
                    "similarity": p.similarity,
                }
                for p in m.optional_matched
            ],
            "missed": [g.get("id") for g in m.missed],
            "spurious": [p.get("id") for p in m.spurious],
            "differences": score.diffs[kind],
            "items": {
                "gold": {str(i.get("id")): describe_item(kind, i) for i in run.case.gold[kind]},
                "predicted": {
                    str(i.get("id")): describe_item(kind, i) for i in predicted.get(kind, [])
                },
            },
        }
    entry["kinds"] = kinds
    entry["totals"] = {"killed_gold": score.gold_killed, "killed_predicted": score.pred_killed}
    entry["grounding"] = {"grounded": score.grounded, "predicted": score.predicted}
    return entry


def _rounded(metrics: dict[str, float | None]) -> dict[str, float | None]:
    return {k: (round(v, 4) if v is not None else None) for k, v in metrics.items()}


def model_entry(run: ModelRun) -> dict[str, Any]:
    """Everything measured for one model: metrics, per tag, counts, cost, every case."""
    scored = [r.score for r in run.runs if r.score is not None]
    outcomes = {o: sum(r.outcome == o for r in run.runs) for o in ("correct", "wrong",
                                                                    "not_scorable")}  # fmt: skip
    tags = sorted({t for r in run.runs for t in r.case.tags})
    per_tag = {}
    for tag in tags:
        tagged = [r for r in run.runs if tag in r.case.tags]
        tag_scores = [r.score for r in tagged if r.score is not None]
        summary = summarize(tag_scores, len(tagged))
        per_tag[tag] = {"cases": len(tagged)} | _rounded(
            {k: summary[k] for k in (*MAIN_METRICS, "articles.scorable_rate")}
        )
    return {
        "model": run.label,
        "source": run.source,
        "prompt": run.prompt.model_dump() if run.prompt else None,
        "metrics": _rounded(summarize(scored, len(run.runs))),
        "counts": counts(scored) | {f"articles.{k}": v for k, v in outcomes.items()},
        "errors": _rounded(error_sizes(scored)),
        "per_tag": per_tag,
        "usage": {
            "requests": run.requests,
            "prompt_tokens": run.prompt_tokens,
            "completion_tokens": run.completion_tokens,
            "cost": round(run.cost, 6),
            "wall_s": round(run.wall_s, 3),
        },
        "cases": [_case_entry(r) for r in run.runs],
    }


def build_report(
    suite: Suite, runs: list[ModelRun], *, command: str, gates: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "sitrep_version": __version__,
        "schema_version": SCHEMA_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "suite": {
            "path": str(suite.path),
            "digest": suite.digest,
            "split": suite.split,
            "tags": list(suite.tags),
            "cases": len(suite.cases),
        },
        "models": [model_entry(r) for r in runs],
        "gates": gates or {},
    }


# --- gates --------------------------------------------------------------------------------


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


def check_gates(
    report: dict[str, Any],
    thresholds: dict[str, float],
    baseline: dict[str, Any] | None = None,
    max_drop: float = DEFAULT_MAX_DROP,
) -> list[str]:
    """One line per failed gate and model; empty when every gate passes."""
    failures: list[str] = []
    known = set(report["models"][0]["metrics"]) if report["models"] else set()
    unknown = sorted(set(thresholds) - known)
    if unknown:
        raise UsageError(f"unknown metric(s) in gates: {', '.join(unknown)}")
    for model in report["models"]:
        metrics = model["metrics"]
        for name, floor in sorted(thresholds.items()):
            value = metrics.get(name)
            if value is None:
                failures.append(f"{model['model']}: {name} not measured (gate {floor:g})")
            elif value < floor - 1e-9:
                failures.append(
                    f"{model['model']}: {name} {value:.4f} < {floor:g} (short by "
                    f"{floor - value:.4f})"
                )
        if baseline is None:
            continue
        before = _baseline_metrics(baseline, model["model"])
        if before is None:
            failures.append(f"{model['model']}: not in the baseline report")
            continue
        for name in sorted(set(thresholds) or set(MAIN_METRICS)):
            old, new = before.get(name), metrics.get(name)
            if isinstance(old, int | float) and new is not None and old - new > max_drop + 1e-9:
                failures.append(
                    f"{model['model']}: {name} fell from {old:.4f} to {new:.4f} (by "
                    f"{old - new:.4f}; allowed {max_drop:g})"
                )
    return failures


def _baseline_metrics(baseline: dict[str, Any], label: str) -> dict[str, Any] | None:
    models = baseline.get("models", [])
    for model in models:
        if model.get("model") == label:
            return dict(model.get("metrics", {}))
    if len(models) == 1:
        return dict(models[0].get("metrics", {}))
    return None


def load_baseline(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the baseline ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: the baseline is not a JSON report ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise UsageError(f"{path}: the baseline is not a sitrep eval report (no 'models')")
    return data
