"""`sitrep models`: the model profiles and whether each is usable here."""

from __future__ import annotations

import os

import typer

from agent.cli.options import ConfigOpt
from agent.config import load_settings, profile_status


def models(config: ConfigOpt = None) -> None:
    """List the model profiles and whether each is usable here (never prints a key)."""
    settings = load_settings(config)
    typer.echo(f"config: {settings.config_path or '(none found; built-in defaults)'}")
    typer.echo(f"default_model: {settings.default_model}")
    typer.echo("rules        usable   offline rule-based extractor (no key, no network)")
    for name, profile in sorted(settings.models.items()):
        ok, why = profile_status(profile, os.environ)
        typer.echo(
            f"{name:<12} {'usable' if ok else 'missing':<8} {profile.model} via "
            f"{profile.endpoint} (mode {profile.mode}; {why})"
        )
    if "OPENAI_API_KEY" in os.environ:
        typer.echo("openai/<id>  usable   ad hoc OpenAI model (key in $OPENAI_API_KEY)")
    else:
        typer.echo("openai/<id>  missing  ad hoc OpenAI model ($OPENAI_API_KEY is not set)")
