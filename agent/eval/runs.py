"""Getting each model's extractions of the suite and scoring them, case by case.

A model's run goes through the same code path as `sitrep extract` (`run_batch`: concurrency,
cache, failure handling); predictions made earlier are read from JSON Lines instead; a second
annotation is scored as if it were a model. Each case ends scored (a `CaseScore`, perfect or
with differences) or not scorable (the model failed, or no usable prediction exists), and the
two are never mixed.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.batch.cache import ResponseCache
from agent.batch.progress import Tally
from agent.batch.run import Done, run_batch
from agent.errors import UsageError
from agent.eval.scoring import CaseScore, score_case
from agent.eval.suite import EvalCase, Suite, case_article, ground_gold
from agent.extractors.base import Extractor
from agent.items import KINDS
from agent.schema import ExtractionResult, PromptInfo


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


# --- models -------------------------------------------------------------------------------


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


# --- predictions made earlier -------------------------------------------------------------


def _read_results(path: Path) -> tuple[dict[str, ExtractionResult], list[str]]:
    """The results in a JSON Lines file by article id (the first of each), and its bad lines."""
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
    return found, problems


def read_predictions(suite: Suite, path: Path) -> tuple[ModelRun, list[str]]:
    """Score extractions made earlier (JSON Lines of results); problems come back as lines."""
    found, problems = _read_results(path)
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


# --- a second annotation ------------------------------------------------------------------


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
                          {k: list(data.get(k, [])) for k in KINDS})  # fmt: skip
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
    narrowed = Suite(suite.path, [r.case for r in runs], suite.split, suite.tags, suite.settings)
    return narrowed, ModelRun("second annotation", None, runs, source=str(folder))
