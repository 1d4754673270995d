"""The shape of the code and of the help, held by tests: small modules and functions, no module
named like a standard-library one, and help text a user can read."""

from __future__ import annotations

import ast
import re
import sys

import pytest
import typer
from typer.testing import CliRunner

from agent.cli import app
from tests.helpers import ROOT

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
MODULES = sorted((ROOT / "agent").rglob("*.py"))


def test_no_module_is_over_500_lines_and_no_function_over_80() -> None:
    too_long = []
    for path in MODULES:
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(ROOT)
        if source.count("\n") > MAX_MODULE_LINES:
            too_long.append(f"{name}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}:{node.lineno} {node.name}: {size} lines")
    assert too_long == []


def test_no_module_is_named_like_a_standard_library_module() -> None:
    shadows = [p.relative_to(ROOT) for p in MODULES if p.stem in sys.stdlib_module_names]
    assert shadows == []


def _commands(group: typer.Typer) -> list[list[str]]:
    """Every command path of the CLI, e.g. ["gold", "check"]."""
    click_group = typer.main.get_command(group)
    paths: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children is None:
            paths.append(path)
            return
        paths.append(path)
        for name, child in children.items():
            walk(child, [*path, name])

    walk(click_group, [])
    return paths


@pytest.mark.parametrize("path", _commands(app), ids=lambda p: " ".join(p) or "sitrep")
def test_help_names_no_python_types_and_swallows_no_markup(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    python_types = re.findall(r"<(?:list\[|str>|int|float|bool>|path>|tuple)", result.output)
    assert python_types == []
    assert "Traceback" not in result.output


def test_help_keeps_brackets_and_shows_defaults() -> None:
    runner = CliRunner()
    assert "Ignore the [gates] of suite.toml." in runner.invoke(app, ["eval", "--help"]).output
    extract = " ".join(runner.invoke(app, ["extract", "--help"]).output.split())
    assert "--progress-every SECONDS" in extract
    assert "[default: 10.0; x>=0.1]" in extract
