"""The eval report as typed models: written, read back equal, and refused when it is not one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.errors import UsageError
from agent.eval.report import REPORT_VERSION, EvalReport, load_report, report_json
from tests.helpers import ROOT

runner = CliRunner()
CASES = ROOT / "evals" / "cases"
PICKED = ("c01-syria-badia-ambush", "c03-iraq-sinjar-handover", "c06-gaza-school-shelter-strike")


@pytest.fixture
def small_suite(tmp_path: Path) -> Path:
    folder = tmp_path / "suite" / "cases"
    for name in PICKED:
        shutil.copytree(CASES / name, folder / name)
    return tmp_path / "suite"


@pytest.fixture
def written(small_suite: Path, tmp_path: Path) -> Path:
    """report.json of the offline extractor and of a predictions file with a stale article."""
    preds = tmp_path / "preds.jsonl"
    record = {"article": {"id": PICKED[0], "sha256": "0" * 64}, "model": "old"}
    preds.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["eval", str(small_suite), "-m", "rules", "--predictions", str(preds),
         "--report-dir", str(tmp_path / "out"), "--fail-under", "casualties.f1=0.1"],
    )  # fmt: skip
    assert result.exit_code == 1, result.output  # the predictions are not scorable
    return tmp_path / "out" / "report.json"


def test_report_json_reads_back_as_an_equal_model(written: Path) -> None:
    text = written.read_text(encoding="utf-8")
    report = load_report(written)
    assert report_json(report) == text  # written from the model, byte for byte
    assert EvalReport.model_validate_json(text) == report
    assert report.report_version == REPORT_VERSION == json.loads(text)["report_version"]
    rules, old = report.models
    assert [c.outcome for c in old.cases].count("not_scorable") == len(PICKED)
    assert old.cases[0].error is not None and old.cases[0].error.kind == "stale"
    assert "kinds" not in json.loads(text)["models"][1]["cases"][0]  # not scored: no kinds
    assert rules.cases[0].kinds is not None and rules.cases[0].totals is not None
    assert set(rules.per_tag["no_casualties"].metrics) >= {"casualties.f1", "events.f1"}
    assert json.loads(text)["models"][0]["per_tag"]["no_casualties"]["cases"] == 1
    assert report.gates is not None and report.gates.thresholds == {"casualties.f1": 0.1}


def test_agreement_report_without_gates_writes_an_empty_gates_object(tmp_path: Path) -> None:
    result = runner.invoke(app, ["gold", "agree", str(ROOT / "evals" / "agreement"), "--suite",
                                 str(ROOT / "evals"), "--report-dir", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    path = tmp_path / "report.json"
    assert json.loads(path.read_text(encoding="utf-8"))["gates"] == {}
    report = load_report(path)
    assert report.gates is None
    assert report_json(report) == path.read_text(encoding="utf-8")


def test_a_report_written_before_the_version_field_is_read_as_version_1(written: Path) -> None:
    data = json.loads(written.read_text(encoding="utf-8"))
    del data["report_version"]
    written.write_text(json.dumps(data), encoding="utf-8")
    assert load_report(written).models[0].model == "rules"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d | {"report_version": 2}, "is an eval report of version 2; this sitrep reads"),
        (lambda d: d | {"report_version": "one"}, "is an eval report of version 'one'"),
        (lambda d: [d], "is not a sitrep eval report (no 'models')"),
        (lambda d: {"metrics": {}}, "is not a sitrep eval report (no 'models')"),
        (lambda d: d | {"models": [{"model": "m"}]}, "is not a sitrep eval report (models.0."),
    ],
)
def test_a_baseline_of_another_version_or_not_a_report_is_one_line_and_exit_2(
    written: Path, small_suite: Path, tmp_path: Path, edit: object, message: str
) -> None:
    data = json.loads(written.read_text(encoding="utf-8"))
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(edit(data)), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(UsageError, match="baseline"):
        load_report(baseline)
    result = runner.invoke(app, ["eval", str(small_suite), "-m", "rules",
                                 "--baseline", str(baseline)])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"sitrep: {baseline}: the baseline {message}")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_a_baseline_that_is_not_json_is_one_line_and_exit_2(
    small_suite: Path, tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text("<html>not a report</html>", encoding="utf-8")
    result = runner.invoke(app, ["eval", str(small_suite), "-m", "rules",
                                 "--baseline", str(baseline)])  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith(f"sitrep: {baseline}: the baseline is not a JSON report")
    assert result.stderr.count("\n") == 1
