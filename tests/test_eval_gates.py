"""Gates decided in one place (suite.toml, --fail-under, --baseline), and the suite's split."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.errors import UsageError
from agent.eval.gates import GateFlags, GatePlan, plan_gates
from agent.eval.report import EvalReport, ModelEntry, ModelUsage, SuiteInfo
from agent.eval.suite import open_suite
from tests.helpers import ROOT
from tests.scripted_server import ScriptedServer

runner = CliRunner()
CASES = ROOT / "evals" / "cases"
PICKED = {"c01-syria-badia-ambush": "dev", "c06-gaza-school-shelter-strike": "test"}
SUITE_GATES = '[suite]\nsplit = "test"\n\n[gates]\n"casualties.f1" = 0.5\n"events.f1" = 0.4\n'


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """One dev and one test case, and a suite.toml whose gates were measured on test."""
    for name in PICKED:
        shutil.copytree(CASES / name, tmp_path / "suite" / "cases" / name)
    (tmp_path / "suite" / "suite.toml").write_text(SUITE_GATES, encoding="utf-8")
    return tmp_path / "suite"


def entry(label: str, **metrics: float | None) -> ModelEntry:
    usage = ModelUsage(requests=0, prompt_tokens=0, completion_tokens=0, cost=0.0, wall_s=0.0)
    return ModelEntry(model=label, source="model", prompt=None, metrics=metrics, counts={},
                      errors={}, per_tag={}, usage=usage, cases=[])  # fmt: skip


def report_of(*models: ModelEntry) -> EvalReport:
    info = SuiteInfo(path="s", digest="0" * 64, split="test", tags=[], cases=1)
    return EvalReport(sitrep_version="0", schema_version="1", created="", command="",
                      suite=info, models=list(models))  # fmt: skip


def test_suite_gates_hold_on_their_split_and_fail_under_overrides_them(suite: Path) -> None:
    flags = GateFlags(fail_under=("casualties.f1=0.9", "causes.f1=0.2"))
    plan = plan_gates(open_suite(suite), flags)
    assert open_suite(suite).split == "test"  # no --split: the suite's
    assert plan.thresholds == {"casualties.f1": 0.9, "events.f1": 0.4, "causes.f1": 0.2}
    assert plan.notes == []
    elsewhere = plan_gates(open_suite(suite, "dev"), flags)
    assert elsewhere.thresholds == {"casualties.f1": 0.9, "causes.f1": 0.2}
    assert elsewhere.notes == [
        "the suite's gates are for split test and are not applied to split dev "
        "(--fail-under gates are)"
    ]
    ignored = plan_gates(open_suite(suite), GateFlags(suite_gates=False))
    assert ignored.thresholds == {} and ignored.notes == []


def test_thresholds_and_baseline_drops_are_decided_together_per_model() -> None:
    baseline = report_of(entry("a", **{"casualties.f1": 0.9, "events.f1": 0.5}))
    plan = GatePlan({"casualties.f1": 0.8}, baseline, Path("base.json"), max_drop=0.05)
    gates = plan.decide([entry("a", **{"casualties.f1": 0.82, "events.f1": 0.1})])
    assert gates.failures == ["a: casualties.f1 fell from 0.9000 to 0.8200 (by 0.0800; allowed "
                              "0.05)"]  # fmt: skip
    assert not gates.passed and gates.baseline == "base.json" and gates.max_drop == 0.05
    two = report_of(entry("a", **{"casualties.f1": 0.9}), entry("b", **{"casualties.f1": 0.9}))
    plan = GatePlan({"casualties.f1": 0.8}, two, Path("base.json"), max_drop=0.05)
    gates = plan.decide([entry("a", **{"casualties.f1": 0.7}), entry("c", **{"casualties.f1": 1})])
    assert gates.failures == [
        "a: casualties.f1 0.7000 < 0.8 (short by 0.1000)",
        "a: casualties.f1 fell from 0.9000 to 0.7000 (by 0.2000; allowed 0.05)",
        "c: not in the baseline report",
    ]
    without = GatePlan({}, baseline, Path("base.json"), max_drop=0.05)
    gates = without.decide([entry("a", **{"casualties.f1": 0.9, "events.f1": 0.1})])
    assert gates.failures == ["a: events.f1 fell from 0.5000 to 0.1000 (by 0.4000; allowed 0.05)"]
    assert GatePlan({}).decide([entry("a")]).passed


def test_a_gate_on_an_unknown_metric_fails_before_any_model_runs(
    suite: Path, server: ScriptedServer, fake_config: Path
) -> None:
    (suite / "suite.toml").write_text('[gates]\n"casualties.f2" = 0.5\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"unknown metric\(s\) in gates: casualties.f2"):
        plan_gates(open_suite(suite), GateFlags())
    result = runner.invoke(app, ["eval", str(suite), "-m", "fake", "--config", str(fake_config)])
    assert result.exit_code == 2
    assert "unknown metric(s) in gates: casualties.f2" in result.stderr
    assert server.requests == []


@pytest.mark.parametrize(
    "table", ['[suite]\nsplit = "train"\n', '[suite]\nsplits = "test"\n', 'suite = "test"\n']
)
def test_a_bad_suite_table_is_one_line_and_exit_2(suite: Path, table: str) -> None:
    (suite / "suite.toml").write_text(table, encoding="utf-8")
    result = runner.invoke(app, ["eval", str(suite), "-m", "rules"])
    assert result.exit_code == 2
    assert result.stderr == (
        f'sitrep: {suite / "suite.toml"}: [suite] holds only split = "dev", "test" or "all"\n'
    )


def test_on_another_split_the_suite_gates_are_left_out_and_said_to_be(
    suite: Path, tmp_path: Path
) -> None:
    (suite / "suite.toml").write_text(SUITE_GATES.replace("0.5", "0.999"), encoding="utf-8")
    own = runner.invoke(app, ["eval", str(suite), "-m", "rules"])
    assert own.exit_code == 1 and "gate failed: rules: casualties.f1" in own.stderr
    other = runner.invoke(app, ["eval", str(suite), "-m", "rules", "--split", "all",
                                "--report-dir", str(tmp_path / "r")])  # fmt: skip
    assert other.exit_code == 0, other.output
    assert "note: the suite's gates are for split test and are not applied to split all\n" in (
        other.stderr
    )
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["suite"]["split"] == "all" and report["suite"]["cases"] == 2
    assert report["gates"]["thresholds"] == {} and report["gates"]["passed"] is True
    flagged = runner.invoke(app, ["eval", str(suite), "-m", "rules", "--split", "dev",
                                  "--fail-under", "events.location=0.999"])  # fmt: skip
    assert flagged.exit_code == 1
    assert "not applied to split dev (--fail-under gates are)" in flagged.stderr
    assert "gate failed: rules: events.location" in flagged.stderr


def test_without_a_suite_split_the_default_is_all_and_the_gates_hold_there(suite: Path) -> None:
    (suite / "suite.toml").write_text('[gates]\n"casualties.f1" = 0.5\n', encoding="utf-8")
    chosen = open_suite(suite)
    assert chosen.split == "all" and len(chosen.cases) == 2
    assert plan_gates(chosen, GateFlags()).thresholds == {"casualties.f1": 0.5}
    assert plan_gates(open_suite(suite, "dev"), GateFlags()).thresholds == {"casualties.f1": 0.5}


def test_plain_eval_in_the_project_folder_passes_its_own_gates(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "evals", tmp_path / "evals")  # the cwd is tmp_path
    result = runner.invoke(app, ["eval", "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "model: rules (auto:" in result.stderr
    assert "gates: 10 passed" in result.stderr and "not applied" not in result.stderr
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    assert report["suite"]["split"] == "test" and report["suite"]["cases"] == 20
    assert len(report["gates"]["thresholds"]) == 10 and report["gates"]["passed"] is True


def test_plain_eval_in_a_fresh_folder_with_no_key_exits_0_in_a_real_process(
    tmp_path: Path,
) -> None:
    shutil.copytree(ROOT / "evals", tmp_path / "evals")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "SITREP_CONFIG")}
    env["HOME"] = str(tmp_path / "home")
    proc = subprocess.run(
        [sys.executable, "-m", "agent", "eval"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "split test: 20 case(s)" in proc.stdout
    assert "gates: 10 passed" in proc.stderr
