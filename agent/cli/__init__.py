"""The `sitrep` command line: the only place that prints or exits (one module per command)."""

from agent.cli.app import app

__all__ = ["app"]
