"""What several commands share: option types, choices, and the one way to print a line."""

from __future__ import annotations

import shlex
from enum import StrEnum
from typing import Annotated

import typer

EXIT_FAILED_ITEMS = 3  # some inputs or articles failed; the others were written


def say(message: str) -> None:
    """One line on stderr: notes, progress, failures."""
    typer.echo(message, err=True)


class VagueTable(StrEnum):
    acled = "acled"
    isaf = "isaf"


class Split(StrEnum):
    dev = "dev"
    test = "test"
    all = "all"


ConfigOpt = Annotated[
    str | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="TOML config with model profiles (else $SITREP_CONFIG, ./sitrep.toml, "
        "~/.config/sitrep/config.toml).",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        metavar="NAME",
        help="A profile name from the config, openai/<model-id>, 'rules' (offline) or 'auto' "
        "(OpenAI when OPENAI_API_KEY is set, else rules).",
    ),
]
PromptOpt = Annotated[
    str | None, typer.Option("--prompt", metavar="FILE", help="Use another prompt file (TOML).")
]
VagueOpt = Annotated[
    VagueTable | None,
    typer.Option(
        "--vague-table", metavar="TABLE", help="Numbers for vague words: acled (default) or isaf."
    ),
]
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option(
        "--concurrency", "-j", min=1, max=512, metavar="N", help="Articles in flight at once."
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")]


def command_line(ctx: typer.Context) -> str:
    """The command as the user could type it again, from the parsed parameters."""
    words = ["sitrep", *ctx.command_path.split()[1:]]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if value is None or value is False or value == [] or value == param.default:
            continue
        if not isinstance(param, typer.core.TyperOption):
            words.append(str(value))
            continue
        flag = max(param.opts, key=len)
        for one in value if isinstance(value, list | tuple) else [value]:
            words += [flag] if one is True else [flag, str(getattr(one, "value", one))]
    return shlex.join(words)
