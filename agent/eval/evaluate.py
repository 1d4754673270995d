"""The eval's entry points: a suite, models and earlier predictions in, one `EvalReport` out.

`evaluate` opens the suite, plans the gates (before any model runs, so a bad flag costs
nothing), runs each extractor it is handed over the suite and closes it, scores the prediction
files, builds the report and decides its gates. `agree` scores a second annotation against the
gold; `suite_articles` gives the suite's articles as `sitrep extract` inputs. The extractors
are built by the caller: this package never chooses or constructs a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from agent import __version__
from agent.articles import Article
from agent.batch.cache import ResponseCache
from agent.eval.gates import GateFlags, plan_gates
from agent.eval.metrics import MAIN_METRICS, counts, error_sizes, summarize
from agent.eval.report import (
    CaseEntry,
    CaseError,
    CaseGrounding,
    CaseTotals,
    EvalReport,
    KindEntry,
    KindItems,
    MatchEntry,
    MetricValues,
    ModelEntry,
    ModelUsage,
    OptionalMatch,
    SuiteInfo,
    TagEntry,
)
from agent.eval.runs import CaseRun, ModelRun, read_predictions, read_second_annotation, run_model
from agent.eval.scoring import KindScore, describe_item
from agent.eval.suite import Suite, case_article, open_suite
from agent.extractors.base import Extractor
from agent.items import KINDS
from agent.schema import SCHEMA_VERSION


@dataclass(frozen=True)
class EvalRequest:
    """What to evaluate: which cases, which earlier predictions, which gates."""

    suite: Path
    split: str | None = None  # None: the split suite.toml names, else all
    tags: tuple[str, ...] = ()
    predictions: tuple[Path, ...] = ()
    gates: GateFlags = field(default_factory=GateFlags)
    concurrency: int = 8
    command: str = "sitrep eval"


@dataclass(frozen=True)
class Evaluation:
    report: EvalReport
    problems: list[str]  # records of prediction files that could not be read, one line each
    notes: list[str]  # what the user should know about the run (gates left out, ...)


async def evaluate(
    request: EvalRequest,
    extractors: Sequence[Extractor],
    *,
    cache: ResponseCache | None = None,
) -> Evaluation:
    """Score every extractor and prediction file on the suite and hold them to the gates.

    The extractors are run one after another and closed, also when something fails first.
    """
    try:
        suite = open_suite(request.suite, request.split, request.tags)
        plan = plan_gates(suite, request.gates)
        problems: list[str] = []
        read: list[ModelRun] = []
        for path in request.predictions:
            run, bad_lines = read_predictions(suite, path)
            read.append(run)
            problems += bad_lines
        runs = [
            await run_model(suite, extractor, concurrency=request.concurrency, cache=cache)
            for extractor in extractors
        ]
    finally:
        for extractor in extractors:
            await extractor.aclose()
    report = build_report(suite, [*runs, *read], command=request.command)
    report.gates = plan.decide(report.models)
    return Evaluation(report, problems, plan.notes)


def agree(suite: Path, second: Path, *, command: str) -> EvalReport:
    """Inter-annotator agreement: a second annotation scored against the gold, as a model."""
    narrowed, run = read_second_annotation(open_suite(suite, "all"), second)
    return build_report(narrowed, [run], command=command)


def suite_articles(suite: Path, split: str = "all") -> list[Article]:
    """The suite's articles, as `sitrep extract` would read them."""
    return [case_article(case) for case in open_suite(suite, split).cases]


# --- the report ---------------------------------------------------------------------------


def build_report(suite: Suite, runs: list[ModelRun], *, command: str) -> EvalReport:
    """The report of `runs` on `suite` (no gates yet)."""
    return EvalReport(
        sitrep_version=__version__,
        schema_version=SCHEMA_VERSION,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        command=command,
        suite=SuiteInfo(
            path=str(suite.path),
            digest=suite.digest,
            split=suite.split,
            tags=list(suite.tags),
            cases=len(suite.cases),
        ),
        models=[model_entry(r) for r in runs],
    )


def _rounded(metrics: MetricValues) -> MetricValues:
    return {k: (round(v, 4) if v is not None else None) for k, v in metrics.items()}


def _per_tag(runs: list[CaseRun]) -> dict[str, TagEntry]:
    per_tag = {}
    for tag in sorted({t for r in runs for t in r.case.tags}):
        tagged = [r for r in runs if tag in r.case.tags]
        summary = summarize([r.score for r in tagged if r.score is not None], len(tagged))
        wanted = (*MAIN_METRICS, "articles.scorable_rate")
        per_tag[tag] = TagEntry(
            cases=len(tagged), metrics=_rounded({k: summary[k] for k in wanted})
        )
    return per_tag


def model_entry(run: ModelRun) -> ModelEntry:
    """Everything measured for one model: metrics, per tag, counts, cost, every case."""
    scored = [r.score for r in run.runs if r.score is not None]
    outcomes = {
        f"articles.{o}": sum(r.outcome == o for r in run.runs)
        for o in ("correct", "wrong", "not_scorable")
    }
    return ModelEntry(
        model=run.label,
        source=run.source,
        prompt=run.prompt,
        metrics=_rounded(summarize(scored, len(run.runs))),
        counts=counts(scored) | outcomes,
        errors=_rounded(error_sizes(scored)),
        per_tag=_per_tag(run.runs),
        usage=ModelUsage(
            requests=run.requests,
            prompt_tokens=run.prompt_tokens,
            completion_tokens=run.completion_tokens,
            cost=round(run.cost, 6),
            wall_s=round(run.wall_s, 3),
        ),
        cases=[case_entry(r) for r in run.runs],
    )


def case_entry(run: CaseRun) -> CaseEntry:
    """One article under one model: every kind's matches and differences, or its error."""
    if run.score is None:
        return CaseEntry(
            id=run.case.id,
            outcome="not_scorable",
            tags=run.case.tags,
            error=CaseError(kind=run.error_kind, message=run.error),
        )
    score = run.score
    predicted = run.items or {}
    kinds = {}
    for kind in KINDS:
        items = KindItems(
            gold={str(i.get("id")): describe_item(kind, i) for i in run.case.gold[kind]},
            predicted={str(i.get("id")): describe_item(kind, i) for i in predicted.get(kind, [])},
        )
        kinds[kind] = _kind_entry(score.kinds[kind], score.diffs[kind], items)
    return CaseEntry(
        id=run.case.id,
        outcome="correct" if score.perfect else "wrong",
        tags=run.case.tags,
        kinds=kinds,
        totals=CaseTotals(killed_gold=score.gold_killed, killed_predicted=score.pred_killed),
        grounding=CaseGrounding(grounded=score.grounded, predicted=score.predicted),
    )


def _kind_entry(score: KindScore, differences: list[str], items: KindItems) -> KindEntry:
    m = score.matching
    return KindEntry(
        tp=m.tp,
        fp=m.fp,
        fn=m.fn,
        f1=round(score.f1, 4),
        matches=[
            MatchEntry(
                gold=p.gold.get("id"),
                predicted=p.pred.get("id"),
                similarity=p.similarity,
                differences=score.pair_diffs.get(n, []),
            )
            for n, p in enumerate(m.pairs)
        ],
        optional_matches=[
            OptionalMatch(
                gold=p.gold.get("id"), predicted=p.pred.get("id"), similarity=p.similarity
            )
            for p in m.optional_matched
        ],
        missed=[g.get("id") for g in m.missed],
        spurious=[p.get("id") for p in m.spurious],
        differences=differences,
        items=items,
    )
