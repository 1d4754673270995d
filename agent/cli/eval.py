"""`sitrep eval`: score models (or earlier predictions) against the gold suite."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.batch.cache import ResponseCache, open_cache
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
from agent.extractors.base import Extractor
from agent.extractors.factory import make_extractor
from agent.output import atomic_write_text


def eval_command(
    ctx: typer.Context,
    suite: Annotated[
        Path,
        typer.Argument(help="The suite: a folder holding cases/ and suite.toml, or the cases."),
    ] = Path("evals"),
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="A model to run and score (repeat to compare): a profile, openai/<id>, "
            "'rules' or 'auto'.",
        ),
    ] = None,
    predictions: Annotated[
        list[Path] | None,
        typer.Option(
            "--predictions",
            help="Score extractions made earlier (JSON Lines from `sitrep extract`) instead of "
            "calling a model; repeatable.",
        ),
    ] = None,
    split: Annotated[Split, typer.Option("--split", help="Which cases: dev, test or all.")] = (
        Split.all
    ),
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="Only cases carrying this tag (repeat: all of them)."),
    ] = None,
    config: ConfigOpt = None,
    prompt: PromptOpt = None,
    vague_table: VagueOpt = None,
    concurrency: ConcurrencyOpt = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor write the response cache.")
    ] = False,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report-dir",
            help="Write report.json, summary.md and junit.xml into this folder.",
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Write a self-contained HTML report: charts per model and every article's "
            "matched, missed and spurious items.",
        ),
    ] = None,
    fail_under: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-under",
            help="A gate METRIC=VALUE, e.g. casualties.f1=0.8 (repeatable; adds to or "
            "overrides the suite.toml gates).",
        ),
    ] = None,
    no_suite_gates: Annotated[
        bool, typer.Option("--no-suite-gates", help="Ignore the [gates] of suite.toml.")
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="An earlier report.json: fail when a gated metric fell by more than --max-drop.",
        ),
    ] = None,
    max_drop: Annotated[
        float,
        typer.Option("--max-drop", min=0.0, help="Allowed drop against --baseline."),
    ] = 0.02,
    quiet: QuietOpt = False,
) -> None:
    """Score models (or earlier predictions) against the gold suite; gate on the metrics.

    Exit 0 when every gate passes, 1 when a gate fails, 2 on usage or config errors.
    """
    from agent.eval.evaluate import (
        build_report,
        check_gates,
        load_baseline,
        open_suite,
        parse_threshold,
        read_predictions,
        run_model,
    )
    from agent.eval.report import terminal_table

    command = command_line(ctx)
    settings = load_settings(config)
    chosen = open_suite(suite, split.value, tag or [])
    thresholds = {} if no_suite_gates else dict(chosen.gates)
    thresholds.update(parse_threshold(t) for t in fail_under or [])
    before = load_baseline(baseline) if baseline else None
    runs = []
    wanted = list(model or [])
    if not wanted and not predictions:
        wanted = ["auto"]
    for name in wanted:
        extractor = make_extractor(
            settings,
            name,
            prompt_path=prompt,
            vague_table=vague_table.value if vague_table else None,
            note=None if quiet else say,
        )
        cache = None if no_cache else open_cache(settings, extractor)

        async def one(extractor: Extractor, cache: ResponseCache | None) -> Any:
            try:
                return await run_model(
                    chosen, extractor, concurrency=concurrency or settings.concurrency, cache=cache
                )
            finally:
                await extractor.aclose()

        try:
            run = asyncio.run(one(extractor, cache))
        finally:
            if cache is not None:
                cache.close()
        runs.append(run)
    for path in predictions or []:
        run, problems = read_predictions(chosen, path)
        for problem in problems:
            say(f"sitrep: {problem}")
        runs.append(run)
    for run in runs:
        for case_run in run.runs:
            if case_run.score is None and not quiet:
                say(f"not scorable: {run.label}: {case_run.case.id}: {case_run.error}")
    report = build_report(chosen, runs, command=command)
    failures = check_gates(report, thresholds, before, max_drop)
    report["gates"] = {
        "thresholds": thresholds,
        "baseline": str(baseline) if baseline else None,
        "max_drop": max_drop if baseline else None,
        "failures": failures,
        "passed": not failures,
    }
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
    if failures:
        for line in failures:
            say(f"gate failed: {line}")
        raise typer.Exit(1)
    if thresholds and not quiet:
        say(f"gates: {len(thresholds)} passed" + (" (and the baseline)" if before else ""))


def write_report_files(report: dict[str, Any], folder: Path, *, quiet: bool) -> None:
    """report.json, summary.md and junit.xml in `folder`, each named on stderr."""
    from agent.eval.report import write_reports

    try:
        for path in write_reports(report, folder):
            if not quiet:
                say(f"wrote {path}")
    except OSError as exc:
        raise UsageError(f"cannot write reports to {folder}: {exc.strerror or exc}") from exc
