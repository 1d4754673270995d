"""`sitrep incidents`: link the events of many articles' results into incidents.

The command parses its options, calls `agent.incidents.pipeline.link_incidents`, and says
what it did in one summary line on stderr. Exit codes: 0 done; 2 usage error; 3 some result
records could not be read (each named on stderr; the others were linked).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from agent.cli.options import say
from agent.errors import UsageError
from agent.incidents.explain import explain, watched_articles
from agent.incidents.pipeline import IncidentRun, link_incidents
from agent.incidents.similarity import LinkSettings
from agent.incidents.writers import FORMATS, links_path

EXIT_SOME_UNREADABLE = 3


class Table(StrEnum):
    acled = "acled"
    isaf = "isaf"


ResultsArg = Annotated[
    list[Path],
    typer.Argument(
        metavar="RESULTS...",
        help="Extraction results: JSON Lines from `sitrep extract -o` (one result per "
        "line), or .json files; any extractor's.",
        show_default=False,
    ),
]

OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="incidents.jsonl (full records), .csv (one row per incident, claims in "
        "<name>.claims.csv) or .sqlite (tables). Default: JSON Lines on stdout.",
    ),
]

LinksOpt = Annotated[
    Path | None,
    typer.Option(
        "--links",
        metavar="FILE",
        help="The merge audit log (every pair considered above --floor). Default: "
        "<output>.links.jsonl beside -o; none on stdout runs.",
    ),
]

WindowOpt = Annotated[
    int,
    typer.Option(
        "--window", min=0, max=30, metavar="DAYS", help="Days two resolved dates may differ."
    ),
]

ThresholdOpt = Annotated[
    float, typer.Option("--threshold", min=0.0, metavar="SCORE", help="Score a link needs.")
]

FloorOpt = Annotated[
    float,
    typer.Option(
        "--floor", metavar="SCORE", help="Pairs scoring at least this go to the links log."
    ),
]

BackgroundDaysOpt = Annotated[
    int,
    typer.Option(
        "--background-days",
        min=1,
        metavar="DAYS",
        help="An event dated more than this many days before its article is background.",
    ),
]

VagueTableOpt = Annotated[
    Table | None,
    typer.Option(
        "--vague-table", metavar="TABLE", help="Re-read vague words ('dozens') with this table."
    ),
]

ExplainPairOpt = Annotated[
    tuple[str, str] | None,
    typer.Option(
        "--explain",
        metavar="A B",
        help="Print why two events (<article id>#<event id>, or two article ids: every "
        "pair of their events) were or were not linked.",
    ),
]

QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")]


def incidents(
    results: ResultsArg,
    output: OutputOpt = None,
    links: LinksOpt = None,
    window: WindowOpt = 1,
    threshold: ThresholdOpt = 0.5,
    floor: FloorOpt = 0.25,
    background_days: BackgroundDaysOpt = 7,
    vague_table: VagueTableOpt = None,
    explain_pair: ExplainPairOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Link events reported by many articles into incidents: every source's claim kept,
    conservative and low/best/high counts, toll revisions, and an audit log of every link."""
    if output is not None and output.suffix.lower() not in FORMATS:
        raise UsageError(f"{output}: the output must end in .jsonl, .csv or .sqlite")
    missing = [str(p) for p in results if not p.is_file()]
    if missing:
        raise UsageError(f"no such results file: {missing[0]}")
    settings = LinkSettings(
        window_days=window, threshold=threshold, floor=floor, background_days=background_days
    )
    log = links if links is not None else (links_path(output) if output is not None else None)
    watch = watched_articles(*explain_pair) if explain_pair else None
    try:
        run = link_incidents(
            results,
            output,
            settings,
            links=log,
            vague_table=vague_table.value if vague_table else None,
            watch=watch,
        )
    except OSError as exc:
        raise UsageError(f"cannot write {output or log}: {exc.strerror or exc}") from exc
    _report(run, log, quiet=quiet)
    if explain_pair:
        for line in explain(run, *explain_pair, settings):
            typer.echo(line, err=output is None)
    if run.problems:
        raise typer.Exit(EXIT_SOME_UNREADABLE)


def _report(run: IncidentRun, log: Path | None, *, quiet: bool) -> None:
    """Problems and notes on stderr, then (unless quiet) one summary line."""
    for problem in run.problems:
        say(f"sitrep: {problem}")
    for article_id in run.replaced:
        say(f"note: article {article_id!r} has several results; one is used")
    if quiet:
        return
    pairs = run.sweep.mentions * (run.sweep.mentions - 1) // 2
    say(
        f"incidents: {run.incidents} from {run.sweep.mentions} event(s) in {run.articles} "
        f"article(s), {run.multi_article} reported by several; {run.sweep.compared} "
        f"pair(s) compared of {pairs} possible"
        + (f"; links log {log} ({run.links_logged} pair(s))" if log else "")
    )


def eval_incidents(
    folder: Path,
    predictions: list[Path],
    fail_under: list[str],
    *,
    no_suite_gates: bool,
    report_dir: Path | None,
    command: str,
    quiet: bool,
    models: list[str] | None = None,
    html: Path | None = None,
) -> None:
    """`sitrep eval --incidents FOLDER`: score linking and counts, write reports, gate.

    Exit 0 when every gate passes, 1 when one fails, 2 on usage errors.
    """
    if models:
        raise UsageError(
            "--incidents scores extractions made earlier: `sitrep extract "
            f"{folder}/articles.jsonl -m MODEL -o out.jsonl`, then --predictions out.jsonl"
        )  # fmt: skip
    if html is not None:
        raise UsageError("--html is not available with --incidents: `sitrep view` the incidents")
    from agent.eval.gates import parse_threshold
    from agent.eval.incident_report import (
        run_incident_eval,
        terminal_table,
        write_incident_reports,
    )

    thresholds = dict(parse_threshold(t) for t in fail_under)
    reports = run_incident_eval(
        folder,
        predictions,
        thresholds=thresholds,
        use_suite_gates=not no_suite_gates,
        command=command,
    )
    typer.echo(terminal_table(reports), nl=False)
    if report_dir is not None:
        try:
            written = write_incident_reports(reports, report_dir)
        except OSError as exc:
            raise UsageError(
                f"cannot write reports to {report_dir}: {exc.strerror or exc}"
            ) from exc
        if not quiet:
            for path in written:
                say(f"wrote {path}")
    failed = [(r.label, line) for r in reports for line in r.gates.get("failures", [])]
    for label, line in failed:
        say(f"gate failed: {label}: {line}")
    if failed:
        raise typer.Exit(1)
    gates = max((len(r.gates.get("thresholds", {})) for r in reports), default=0)
    if gates and not quiet:
        say(f"gates: {gates} passed")


def view_incidents(results: Path, inputs: list[str], output: Path, title: str | None) -> None:
    """`sitrep view incidents.jsonl [--articles ...]`: the incidents page.

    The articles are optional: without them the quotes are shown as text. An article whose
    text changed since extraction (sha256) is named and its quotes are not linked. Exit 3
    when an article of an incident is missing or changed.
    """
    from agent.articles import Article, read_inputs
    from agent.incidents.writers import read_incidents
    from agent.output import atomic_write_text
    from agent.pages.incidents_page import render_incidents
    from agent.pages.review import article_keys, article_paths

    try:
        found = read_incidents(results)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{results}: cannot read incidents ({exc})") from exc
    wanted = {m.article_id: m.sha256 for i in found for m in i.members}
    texts: dict[str, str] = {}
    problems: list[str] = []
    for item in read_inputs(article_paths(inputs)) if inputs else []:
        if not isinstance(item, Article):
            problems.append(str(item))
            continue
        for key in article_keys(item):
            if key in wanted and key not in texts:
                if wanted[key] and wanted[key] != item.sha256:
                    problems.append(f"article {key!r}: text differs from the one extracted")
                else:
                    texts[key] = item.text
    if inputs:
        problems += [f"article {a!r}: not in --articles" for a in sorted(set(wanted) - set(texts))
                     if not any(a in p for p in problems)]  # fmt: skip
    for problem in problems:
        say(f"sitrep: {problem}")
    html = render_incidents(
        found, texts, problems=problems, title=title or f"sitrep incidents: {results.name}"
    )
    try:
        atomic_write_text(output, html)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
    say(f"view: {output} ({len(found)} incident(s), {len(texts)} article text(s))")
    if problems:
        raise typer.Exit(EXIT_SOME_UNREADABLE)
