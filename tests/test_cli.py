"""The CLI through CliRunner, and once as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from agent.cli import app
from tests.helpers import EXAMPLE, GOOD
from tests.scripted_server import ScriptedServer, answer

runner = CliRunner()


def test_extract_example_with_no_key_uses_rules_and_says_so() -> None:
    result = runner.invoke(app, ["extract", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"] == "rules"
    assert "model: rules (auto" in result.stderr
    text = EXAMPLE.read_text(encoding="utf-8")
    for fig in data["casualties"]:
        q = fig["evidence"]
        assert text[q["start"] : q["end"]] == q["text"]


def test_extract_with_profile_pointing_at_server(server: ScriptedServer, fake_config: Path) -> None:
    server.script(answer(GOOD))
    result = runner.invoke(
        app, ["extract", str(EXAMPLE), "--model", "fake", "--config", str(fake_config)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["model"] == "fake/test-model"
    assert [c["low"] for c in data["casualties"]] == [27, 9, 12]


def test_missing_input_is_one_line_and_exit_3(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(tmp_path / "nope.txt"), "-m", "rules"])
    assert result.exit_code == 3
    assert result.stderr.strip() == f"sitrep: {tmp_path / 'nope.txt'}: no such file or directory"


def test_unknown_model_is_a_config_error() -> None:
    result = runner.invoke(app, ["extract", str(EXAMPLE), "--model", "nosuch"])
    assert result.exit_code == 2
    assert "unknown model 'nosuch'" in result.stderr
    assert "Traceback" not in result.output


def test_csv_has_one_row_per_figure() -> None:
    result = runner.invoke(app, ["extract", str(EXAMPLE), "-m", "rules", "--format", "csv"])
    assert result.exit_code == 0
    rows = result.stdout.strip().splitlines()
    data = json.loads(runner.invoke(app, ["extract", str(EXAMPLE), "-m", "rules"]).stdout)
    assert rows[0].startswith("article_id,id,event_id,outcome,group")
    assert len(rows) == 1 + len(data["casualties"])


def test_models_lists_profiles_without_secrets(fake_config: Path, monkeypatch: object) -> None:
    result = runner.invoke(app, ["models", "--config", str(fake_config)])
    assert result.exit_code == 0
    assert "fake" in result.stdout and "usable" in result.stdout
    assert "canary" not in result.stdout


def test_subprocess_extract_prints_grounded_json() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "agent", "extract", str(EXAMPLE), "--model", "rules"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["article"]["title"].startswith("Monitor: Islamic State ambush")
    assert "Traceback" not in proc.stderr
