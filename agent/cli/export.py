"""`sitrep export`: results made earlier, written as SQLite, CSV, JSON or tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.batch.export import export_results
from agent.batch.formats import CsvKind, OutputFormat, Rendering, format_of
from agent.cli.options import EXIT_FAILED_ITEMS, say
from agent.errors import UsageError
from agent.output import OutputTarget, check_apart


def export(
    results: Annotated[
        list[Path],
        typer.Argument(
            metavar="RESULTS...",
            help="Results of `sitrep extract`: .jsonl (one per line) or a pretty .json.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Where to write (- or none: stdout)."),
    ] = None,
    fmt: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="sqlite (the default for -o *.sqlite, *.db), csv (the default for -o *.csv), "
            "json (an array), jsonl, table.",
        ),
    ] = None,
    kind: Annotated[
        CsvKind,
        typer.Option("--kind", metavar="KIND", help="With csv: casualties, events or causes."),
    ] = CsvKind.casualties,
) -> None:
    """Write results made earlier in another format (an SQLite database upserts by article
    id and sha256, as `extract -o results.sqlite` does).

    Exit 3 when a line of RESULTS is not a result (each named); the others are written.
    """
    target = OutputTarget.of(output)
    check_apart(target, [str(p) for p in results])
    chosen = fmt or format_of(target.path) or _unnamed(target.path)
    report = export_results(results, target, Rendering(chosen, kind=kind))
    for problem in report.problems:
        say(f"sitrep: {problem}")
    counts = ", ".join(f"{n} {table}" for table, n in report.counts.items())
    say(f"export: {report.written} result(s) to {target}" + (f" ({counts})" if counts else ""))
    if report.problems:
        raise typer.Exit(EXIT_FAILED_ITEMS)


def _unnamed(path: Path | None) -> OutputFormat:
    if path is None:
        return OutputFormat.jsonl
    raise UsageError(f"cannot tell the format from the name {path.name}: give --format")
