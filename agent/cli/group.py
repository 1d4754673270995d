"""The command classes of the `sitrep` CLI.

- `SitrepGroup` runs a command and is the one place where errors become exit codes: an
  `AgentError` becomes one line on stderr and its `exit_code`, Ctrl-C becomes exit 130. No
  command catches these itself.
- `SitrepCommand` keeps help readable: arguments are shown by their metavar (INPUT...), not
  by a Python type (`<list[str]>`).
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer._click.core import Context  # typer bundles its own click
from typer.core import TyperArgument

from agent.cli.options import say
from agent.errors import AgentError
from agent.output import stdout_error

EXIT_INTERRUPTED = 130


class SitrepGroup(typer.core.TyperGroup):
    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except AgentError as exc:
            say(f"sitrep: {exc}")
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            say("sitrep: interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except OSError as exc:
            if not _stdout_failed():
                raise
            error = stdout_error(exc)
            say(f"sitrep: {error}")
            raise typer.Exit(error.exit_code) from None


def _stdout_failed() -> bool:
    """Whether standard output cannot take what is written to it (a full disk, a closed
    pipe): then an `OSError` was about stdout, and deserves one line, not a traceback."""
    try:
        sys.stdout.flush()
    except OSError:
        return True
    return False


class _Argument(TyperArgument):
    """An argument whose help shows its metavar and help text, not its Python type."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return None


class SitrepCommand(typer.core.TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is TyperArgument:
                param.__class__ = _Argument
