"""`sitrep eval`: score models (or earlier predictions) against the gold suite."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agent.batch.cache import open_cache
from agent.cli.options import (
    ConcurrencyOpt,
    ConfigOpt,
    PromptOpt,
    QuietOpt,
    Split,
    VagueOpt,
    command_line,
    say,
)
from agent.config import load_settings
from agent.errors import UsageError
from agent.extractors.factory import make_extractor
from agent.output import atomic_write_text

if TYPE_CHECKING:
    from agent.eval.evaluate import Evaluation
    from agent.eval.report import EvalReport

SuiteArg = Annotated[
    Path,
    typer.Argument(
        metavar="SUITE",
        help="The suite: a folder holding cases/ and suite.toml, or the cases.",
    ),
]
EvalModelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        metavar="NAME",
        help="A model to run and score (repeat to compare): a profile, openai/<id>, "
        "'rules' or 'auto'.",
    ),
]
PredictionsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--predictions",
        metavar="FILE",
        help="Score extractions made earlier (JSON Lines from `sitrep extract`) instead of "
        "calling a model; repeatable.",
    ),
]
EvalSplitOpt = Annotated[
    Split | None,
    typer.Option(
        "--split",
        metavar="SPLIT",
        help="Which cases: dev, test or all. Default: the split suite.toml names (the one "
        "its gates were measured on), else all.",
    ),
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tag", metavar="TAG", help="Only cases carrying this tag (repeat: all of them)."
    ),
]
EvalNoCacheOpt = Annotated[
    bool, typer.Option("--no-cache", help="Neither read nor write the response cache.")
]
ReportDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--report-dir",
        metavar="DIR",
        help="Write report.json, summary.md and junit.xml into this folder.",
    ),
]
HtmlOpt = Annotated[
    Path | None,
    typer.Option(
        "--html",
        metavar="FILE",
        help="Write a self-contained HTML report: charts per model and every article's "
        "matched, missed and spurious items.",
    ),
]
FailUnderOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--fail-under",
        metavar="METRIC=VALUE",
        help="A gate, e.g. casualties.f1=0.8 (repeatable; adds to or overrides the "
        "suite.toml gates, on any split).",
    ),
]
NoSuiteGatesOpt = Annotated[
    bool, typer.Option("--no-suite-gates", help="Ignore the [gates] of suite.toml.")
]
BaselineOpt = Annotated[
    Path | None,
    typer.Option(
        "--baseline",
        metavar="REPORT",
        help="An earlier report.json: fail when a gated metric fell by more than --max-drop.",
    ),
]
IncidentsOpt = Annotated[
    Path | None,
    typer.Option(
        "--incidents",
        metavar="FOLDER",
        help="Score incident linking and counts on this incident gold set (e.g. "
        "evals/incidents): its gold extractions, or --predictions (results or incidents).",
    ),
]
MaxDropOpt = Annotated[
    float,
    typer.Option("--max-drop", min=0.0, metavar="DROP", help="Allowed drop against --baseline."),
]


def eval_command(
    ctx: typer.Context,
    suite: SuiteArg = Path("evals"),
    model: EvalModelOpt = None,
    predictions: PredictionsOpt = None,
    split: EvalSplitOpt = None,
    tag: TagOpt = None,
    config: ConfigOpt = None,
    prompt: PromptOpt = None,
    vague_table: VagueOpt = None,
    concurrency: ConcurrencyOpt = None,
    no_cache: EvalNoCacheOpt = False,
    report_dir: ReportDirOpt = None,
    html: HtmlOpt = None,
    fail_under: FailUnderOpt = None,
    no_suite_gates: NoSuiteGatesOpt = False,
    baseline: BaselineOpt = None,
    max_drop: MaxDropOpt = 0.02,
    quiet: QuietOpt = False,
    incidents: IncidentsOpt = None,
) -> None:
    """Score models (or earlier predictions) against the gold suite; gate on the metrics.

    Exit 0 when every gate passes, 1 when a gate fails, 2 on usage or config errors.
    """
    if incidents is not None:
        from agent.cli.incidents import eval_incidents

        return eval_incidents(
            incidents, predictions or [], fail_under or [], no_suite_gates=no_suite_gates,
            report_dir=report_dir, command=command_line(ctx), quiet=quiet, models=model, html=html,
        )  # fmt: skip
    from agent.eval.evaluate import EvalRequest, evaluate
    from agent.eval.gates import GateFlags

    wanted = list(model or []) or ([] if predictions else ["auto"])
    settings = load_settings(config)
    extractors = [
        make_extractor(
            settings,
            name,
            prompt_path=prompt,
            vague_table=vague_table.value if vague_table else None,
            note=None if quiet else say,
        )
        for name in wanted
    ]
    request = EvalRequest(
        suite=suite,
        split=split.value if split else None,
        tags=tuple(tag or ()),
        predictions=tuple(predictions or ()),
        gates=GateFlags(tuple(fail_under or ()), not no_suite_gates, baseline, max_drop),
        concurrency=concurrency or settings.concurrency,
        command=command_line(ctx),
    )
    cache = None
    if not no_cache:  # one cache for every model whose answers are worth keeping
        cache = next(filter(None, (open_cache(settings, e) for e in extractors)), None)
    try:
        evaluation = asyncio.run(evaluate(request, extractors, cache=cache))
    finally:
        if cache is not None:
            cache.close()
    _render_evaluation(evaluation, report_dir=report_dir, html=html, quiet=quiet)


def _render_evaluation(
    evaluation: Evaluation, *, report_dir: Path | None, html: Path | None, quiet: bool
) -> None:
    """The table on stdout, the reports asked for, notes and gates on stderr; exit 1 on a
    failed gate."""
    from agent.eval.writers import terminal_table

    report = evaluation.report
    for problem in evaluation.problems:
        say(f"sitrep: {problem}")
    for line in [] if quiet else evaluation.notes:
        say(f"note: {line}")
    for entry in [] if quiet else report.models:
        for case in entry.cases:
            if case.error is not None:
                say(f"not scorable: {entry.model}: {case.id}: {case.error.message}")
    typer.echo(terminal_table(report), nl=False)
    if report_dir is not None:
        write_report_files(report, report_dir, quiet=quiet)
    if html is not None:
        from agent.pages.eval_report import eval_page

        try:
            atomic_write_text(html, eval_page(report))
        except OSError as exc:
            raise UsageError(f"cannot write {html}: {exc.strerror or exc}") from exc
        if not quiet:
            say(f"wrote {html}")
    gates = report.gates
    if gates is not None and gates.failures:
        for line in gates.failures:
            say(f"gate failed: {line}")
        raise typer.Exit(1)
    if gates is not None and gates.thresholds and not quiet:
        with_baseline = " (and the baseline)" if gates.baseline else ""
        say(f"gates: {len(gates.thresholds)} passed{with_baseline}")


def write_report_files(report: EvalReport, folder: Path, *, quiet: bool) -> None:
    """report.json, summary.md and junit.xml in `folder`, each named on stderr."""
    from agent.eval.writers import write_reports

    try:
        for path in write_reports(report, folder):
            if not quiet:
                say(f"wrote {path}")
    except OSError as exc:
        raise UsageError(f"cannot write reports to {folder}: {exc.strerror or exc}") from exc
