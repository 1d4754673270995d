"""The `sitrep` command line: the Typer app, its commands, and the one place errors become
exit codes.

Exit codes: 0 all good; 1 a gate or check failed; 2 usage or config error; 3 some input or
article could not be extracted (the others were); 4 the run stopped on an authentication
error; 130 interrupted.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

import typer
from typer._click.core import Context  # typer bundles its own click

from agent import __version__
from agent.cli.cache import cache_app
from agent.cli.eval import eval_command
from agent.cli.extract import extract
from agent.cli.gold import gold_app
from agent.cli.models import models
from agent.cli.options import say
from agent.cli.view import view
from agent.errors import AgentError

EXIT_INTERRUPTED = 130


class SitrepGroup(typer.core.TyperGroup):
    """Runs a command; an `AgentError` becomes one line on stderr and its exit code, Ctrl-C
    becomes exit 130. No command catches these itself."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except AgentError as exc:
            say(f"sitrep: {exc}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            say("sitrep: interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None


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


app.command()(extract)
app.command()(view)
app.command()(models)
app.command("eval")(eval_command)
app.add_typer(gold_app, name="gold")
app.add_typer(cache_app, name="cache")
