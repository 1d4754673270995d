"""`sitrep cache stats|clear`: the response cache of LLM extractions."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from agent.batch.cache import clear_cache, default_cache_path, open_for_maintenance
from agent.cli.group import SitrepCommand
from agent.cli.options import ConfigOpt
from agent.config import load_settings

cache_app = typer.Typer(
    help="The response cache of LLM extractions.", no_args_is_help=True, rich_markup_mode=None
)


def _cache_path(config: str | None) -> Path:
    settings = load_settings(config)
    return default_cache_path(settings.cache_path, os.environ)


@cache_app.command("stats", cls=SitrepCommand)
def cache_stats(config: ConfigOpt = None) -> None:
    """Entries, size on disk and path of the response cache."""
    cache = open_for_maintenance(_cache_path(config))
    try:
        stats = cache.stats()
    finally:
        cache.close()
    typer.echo(f"path: {stats.path}")
    typer.echo(f"entries: {stats.entries}")
    typer.echo(f"size: {stats.size_bytes / 1e6:.2f} MB ({stats.size_bytes} bytes)")


@cache_app.command("clear", cls=SitrepCommand)
def cache_clear(config: ConfigOpt = None) -> None:
    """Delete every cached extraction."""
    cleared = clear_cache(_cache_path(config))
    if cleared.damaged:
        typer.echo(f"removed the damaged cache {cleared.path} ({cleared.damaged})")
    else:
        typer.echo(f"cleared {cleared.entries} cached extraction(s) from {cleared.path}")
