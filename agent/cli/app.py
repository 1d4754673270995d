"""The `sitrep` command line: the Typer app and its commands (errors become exit codes in
`group.SitrepGroup`).

Exit codes: 0 all good; 1 a gate or check failed; 2 usage or config error; 3 some input or
article could not be extracted (the others were); 4 the run stopped on an authentication
error; 130 interrupted.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from agent import __version__
from agent.cli.cache import cache_app
from agent.cli.eval import eval_command
from agent.cli.export import export
from agent.cli.extract import extract
from agent.cli.gold import gold_app
from agent.cli.group import SitrepCommand, SitrepGroup
from agent.cli.incidents import incidents
from agent.cli.init import init
from agent.cli.jobs import jobs_app
from agent.cli.models import models
from agent.cli.view import view

app = typer.Typer(
    name="sitrep",
    cls=SitrepGroup,
    help=(
        "Extract conflict events, casualty figures and stated causes from news articles, "
        "every item grounded in a verbatim quote with offsets."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help is plain text: no [markup] swallowed, nothing cut off
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sitrep {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """sitrep: grounded extraction from conflict news."""
    # instructor logs every failed attempt to stderr; sitrep reports failures itself, once
    instructor_log = logging.getLogger("instructor")
    if not any(isinstance(h, logging.NullHandler) for h in instructor_log.handlers):
        instructor_log.addHandler(logging.NullHandler())
    instructor_log.propagate = False


app.command(cls=SitrepCommand)(extract)
app.command(cls=SitrepCommand)(view)
app.command(cls=SitrepCommand)(models)
app.command("eval", cls=SitrepCommand)(eval_command)
app.command("incidents", cls=SitrepCommand)(incidents)
app.command(cls=SitrepCommand)(export)
app.command(cls=SitrepCommand)(init)
app.add_typer(gold_app, name="gold")
app.add_typer(cache_app, name="cache")
app.add_typer(jobs_app, name="batch")
