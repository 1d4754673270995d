"""`sitrep gold check|agree|inputs`: the gold suite of hand-annotated cases."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from agent.cli.eval import write_report_files
from agent.cli.group import SitrepCommand
from agent.cli.options import Split, say
from agent.output import atomic_write_text

gold_app = typer.Typer(
    help="The gold suite of hand-annotated cases.", no_args_is_help=True, rich_markup_mode=None
)


@gold_app.command("check", cls=SitrepCommand)
def gold_check(
    suite: Annotated[
        Path, typer.Argument(metavar="CASES", help="Folder of cases (evals/cases/<id>/...).")
    ] = Path("evals/cases"),
) -> None:
    """Check every gold file: schema, quotes in the article, numbers in their quotes, ids, tags.

    Exit 0 when the suite is clean, 1 when any problem is found (each on one line).
    """
    from agent.eval.suite import check_gold

    checked = check_gold(suite)
    for line in checked.problems:
        typer.echo(line)
    if checked.problems:
        say(f"gold check: {len(checked.problems)} problem(s) in {checked.cases} case(s)")
        raise typer.Exit(1)
    say(f"gold check: {checked.cases} case(s), no problems")


@gold_app.command("agree", cls=SitrepCommand)
def gold_agree(
    second: Annotated[
        Path,
        typer.Argument(metavar="SECOND", help="Second annotations: <folder>/<case-id>/gold.json."),
    ] = Path("evals/agreement"),
    suite: Annotated[
        Path,
        typer.Option(
            "--suite", metavar="SUITE", help="The suite holding the first (gold) annotation."
        ),
    ] = Path("evals"),
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report-dir",
            metavar="DIR",
            help="Write report.json, summary.md and junit.xml here.",
        ),
    ] = None,
) -> None:
    """Inter-annotator agreement: score a second annotation against the gold, as a model."""
    from agent.eval.evaluate import agree
    from agent.eval.writers import terminal_table

    report = agree(suite, second, command=f"sitrep gold agree {second} --suite {suite}")
    typer.echo(terminal_table(report), nl=False)
    if report_dir is not None:
        write_report_files(report, report_dir, quiet=False)


@gold_app.command("inputs", cls=SitrepCommand)
def gold_inputs(
    suite: Annotated[
        Path,
        typer.Argument(metavar="SUITE", help="The suite: a folder holding cases/, or the cases."),
    ] = Path("evals"),
    split: Annotated[
        Split, typer.Option("--split", metavar="SPLIT", help="Which cases: dev, test or all.")
    ] = Split.all,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write here instead of stdout."),
    ] = None,
) -> None:
    """The suite's articles as JSON Lines inputs for `sitrep extract` (id, text, title, ...).

    Extract them with any model, commit the output, and `sitrep eval --predictions` scores it
    without calling a model.
    """
    from agent.eval.evaluate import suite_articles

    lines = []
    for article in suite_articles(suite, split.value):
        record = {
            "id": article.id,
            "text": article.text,
            "title": article.title,
            "published": article.published,
            "source": article.source,
            "url": article.url,
        }
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    if output is None:
        sys.stdout.write("".join(lines))
    else:
        atomic_write_text(output, "".join(lines))
        say(f"gold inputs: {len(lines)} case(s) written to {output}")
