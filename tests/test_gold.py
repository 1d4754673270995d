"""The gold checker: the real suite is clean, and every kind of defect gives a precise line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.eval.suite import REQUIRED_TAGS, check_suite, load_suite
from tests.helpers import ROOT

SUITE = ROOT / "evals" / "cases"
runner = CliRunner()


def test_real_suite_is_clean_and_covers_every_tag_in_both_splits() -> None:
    assert check_suite(SUITE) == []
    cases = load_suite(SUITE)
    assert len(cases) >= 40
    for split in ("dev", "test"):
        tags = {t for c in cases if c.split == split for t in c.tags}
        assert tags == set(REQUIRED_TAGS), split
    long_ones = [c for c in cases if len(c.text.split()) > 2000]
    assert len(long_ones) >= 3


def test_gold_check_command_passes_on_the_suite() -> None:
    result = runner.invoke(app, ["gold", "check", str(SUITE)])
    assert result.exit_code == 0, result.output
    assert "40 case(s), no problems" in result.stderr or "no problems" in result.stderr


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A copy of three real cases, each carrying every tag so coverage holds."""
    folder = tmp_path / "cases"
    for case in sorted(SUITE.iterdir())[:3]:
        shutil.copytree(case, folder / case.name)
        meta = json.loads((folder / case.name / "case.json").read_text(encoding="utf-8"))
        meta["tags"] = list(REQUIRED_TAGS)
        (folder / case.name / "case.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


def edit_gold(folder: Path, change: object) -> str:
    case = sorted(folder.iterdir())[0]
    path = case / "gold.json"
    gold = json.loads(path.read_text(encoding="utf-8"))
    change(gold)  # type: ignore[operator]
    path.write_text(json.dumps(gold), encoding="utf-8")
    return case.name


def test_synthetic_suite_starts_clean(suite: Path) -> None:
    assert check_suite(suite) == []


def test_quote_not_in_article(suite: Path) -> None:
    def change(g: dict) -> None:  # type: ignore[type-arg]
        g["casualties"][0]["evidence"]["text"] = "a sentence that is nowhere"

    name = edit_gold(suite, change)
    expected = "gold.json casualties[C1]: the quote 'a sentence that is nowhere' does not occur"
    assert any(p.startswith(f"{name}: {expected}") for p in check_suite(suite))


def test_number_not_supported(suite: Path) -> None:
    def change(g: dict) -> None:  # type: ignore[type-arg]
        fig = g["casualties"][0]
        if fig["low"] is not None:
            fig["low"] += 1000
            if fig["high"] is not None:
                fig["high"] += 1000
        else:
            fig["high"] += 1000

    edit_gold(suite, change)
    assert any("is not a number written in its quote" in p for p in check_suite(suite))


def test_dangling_reference_and_duplicate_id(suite: Path) -> None:
    def change(g: dict) -> None:  # type: ignore[type-arg]
        g["casualties"][0]["part_of"] = "C99"
        g["causes"].append(dict(g["causes"][0])) if g["causes"] else None
        g["casualties"][0]["event_id"] = "E99"

    edit_gold(suite, change)
    problems = check_suite(suite)
    assert any("casualties[C1]: part_of 'C99' names no casualty figure" in p for p in problems)
    assert any("casualties[C1]: event_id 'E99' names no event" in p for p in problems)
    assert any("duplicate id 'K1'" in p for p in problems)


def test_schema_violation(suite: Path) -> None:
    def change(g: dict) -> None:  # type: ignore[type-arg]
        g["casualties"][0]["outcome"] = "hurt"

    edit_gold(suite, change)
    assert any("casualties[C1]: outcome:" in p for p in check_suite(suite))


def test_under_covered_tag(suite: Path) -> None:
    for case in suite.iterdir():
        meta = json.loads((case / "case.json").read_text(encoding="utf-8"))
        meta["tags"] = [t for t in meta["tags"] if t != "ranges"]
        (case / "case.json").write_text(json.dumps(meta), encoding="utf-8")
    assert "suite: tag 'ranges' is on 0 case(s); at least 3 are required" in check_suite(suite)


def test_command_fails_with_exit_1(suite: Path) -> None:
    edit_gold(suite, lambda g: g["casualties"][0].update(qualifier="sometimes"))
    result = runner.invoke(app, ["gold", "check", str(suite)])
    assert result.exit_code == 1
    assert "qualifier" in result.stdout


def test_evals_readme_lists_every_case_with_its_split() -> None:
    readme = (ROOT / "evals" / "README.md").read_text(encoding="utf-8")
    for case in load_suite(SUITE):
        assert f"| `{case.id}` | {case.split} |" in readme
