"""`sitrep view`: one self-contained HTML page to review results by eye."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.cli.options import EXIT_FAILED_ITEMS, say
from agent.errors import UsageError
from agent.output import atomic_write_text


def view(
    results: Annotated[
        Path,
        typer.Argument(
            metavar="RESULTS",
            help="Extraction results: a .json file from `sitrep extract`, or .jsonl (one "
            "result per line).",
            show_default=False,
        ),
    ],
    more_articles: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="ARTICLES",
            help="More article inputs, as for --articles (so `--articles dir/*.txt` works).",
            show_default=False,
        ),
    ] = None,
    articles: Annotated[
        list[str] | None,
        typer.Option(
            "--articles",
            "-a",
            metavar="INPUT",
            help="The articles the results were extracted from, matched by id and checked by "
            "sha256: the inputs of `sitrep extract` (files, .jsonl, folders) or eval case "
            "folders (evals/cases/<id>/article.txt answers to <id>).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", metavar="FILE", help="The HTML page to write."),
    ] = Path("sitrep-view.html"),
    title: Annotated[
        str | None, typer.Option("--title", metavar="TEXT", help="The page's title.")
    ] = None,
) -> None:
    """Write one self-contained HTML page to review results: highlighted quotes and tables.

    Exit 3 when an article is missing or changed since the extraction; the others are shown.
    """
    from agent.pages.review import review_results
    from agent.pages.review_page import render_review

    inputs = [*(articles or []), *(more_articles or [])]
    from agent.incidents.writers import looks_like_incidents

    if looks_like_incidents(results):  # `sitrep incidents` output: the incidents page
        from agent.cli.incidents import view_incidents

        return view_incidents(results, inputs, output, title)
    if not inputs:
        raise UsageError("give the articles the results were extracted from: --articles INPUT...")
    run = review_results(results, inputs)
    for problem in run.problems:
        say(f"sitrep: {problem}")
    if not run.reviews:
        raise UsageError(f"{results}: no extraction results to show")
    for r in run.reviews:
        for note in r.notes:
            say(f"note: {r.result.article.id}: {note}")
    page = render_review(run.reviews, title=title or f"sitrep review: {results.name}")
    try:
        atomic_write_text(output, page)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
    say(f"view: {output} ({run.shown} of {len(run.reviews)} article(s) with their text)")
    if run.incomplete:
        raise typer.Exit(EXIT_FAILED_ITEMS)
