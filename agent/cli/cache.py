"""`sitrep cache stats|clear`: the response cache of LLM extractions."""

from __future__ import annotations

import os

import typer

from agent.batch.cache import ResponseCache, default_cache_path
from agent.cli.group import SitrepCommand
from agent.cli.options import ConfigOpt
from agent.config import load_settings

cache_app = typer.Typer(
    help="The response cache of LLM extractions.", no_args_is_help=True, rich_markup_mode=None
)


def _cache_for(config: str | None) -> ResponseCache:
    settings = load_settings(config)
    return ResponseCache(default_cache_path(settings.cache_path, os.environ))


@cache_app.command("stats", cls=SitrepCommand)
def cache_stats(config: ConfigOpt = None) -> None:
    """Entries, size on disk and path of the response cache."""
    cache = _cache_for(config)
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
    cache = _cache_for(config)
    try:
        removed = cache.clear()
    finally:
        cache.close()
    typer.echo(f"cleared {removed} cached extraction(s) from {cache.path}")
