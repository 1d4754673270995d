"""`sitrep eval` end to end: the scripted server answers with gold extractions; gates; reports."""

from __future__ import annotations

import copy
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.errors import UsageError
from agent.eval.gates import drop_failures, gate_failures, parse_threshold
from agent.eval.suite import as_draft, load_case
from tests.helpers import ROOT
from tests.scripted_server import Reply, ScriptedServer, answer

runner = CliRunner()
CASES = ROOT / "evals" / "cases"
PICKED = ("c01-syria-badia-ambush", "c02-syria-idlib-airstrikes", "c04-yemen-marib-front")


@pytest.fixture
def small_suite(tmp_path: Path) -> Path:
    """Three real cases in a suite folder of their own (no suite.toml gates)."""
    folder = tmp_path / "suite" / "cases"
    for name in PICKED:
        shutil.copytree(CASES / name, folder / name)
    return tmp_path / "suite"


def serve_gold(server: ScriptedServer, suite: Path, perturb: str | None = None) -> None:
    """Answer each request with the gold of the case whose article it carries."""
    drafts = {}
    for folder in sorted((suite / "cases").iterdir()):
        case = load_case(folder)
        draft = as_draft(json.loads((folder / "gold.json").read_text(encoding="utf-8")))
        if case.id == perturb:
            draft = copy.deepcopy(draft)
            # a wrong source: nothing in grounding can catch it, only the gold can
            first = next(c for c in draft["casualties"] if c["reported_by"])
            first["reported_by"] = "a local council member"
        drafts[case.text[:300]] = draft

    def respond(request: dict[str, Any]) -> Reply:
        text = json.dumps(request["messages"], ensure_ascii=False)
        for opening, draft in drafts.items():
            if json.dumps(opening, ensure_ascii=False)[1:-1] in text:
                body = answer(draft).body
                assert callable(body)
                return Reply(body=body(request))
        raise AssertionError("a request carried no known article")

    server.responder = respond


def run_eval(*args: str) -> Any:
    return runner.invoke(app, ["eval", *args])


def test_gold_answers_score_one_and_pass_gates(
    server: ScriptedServer, fake_config: Path, small_suite: Path, tmp_path: Path
) -> None:
    serve_gold(server, small_suite)
    out = tmp_path / "out"
    result = run_eval(str(small_suite), "--model", "fake", "--config", str(fake_config),
                      "--report-dir", str(out), "--fail-under", "casualties.f1=0.99")  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    metrics = report["models"][0]["metrics"]
    for name in ("events.f1", "casualties.f1", "causes.f1", "casualties.interval_exact",
                 "casualties.reported_by", "causes.claimed_by", "totals.killed_exact",
                 "grounding.rate", "articles.scorable_rate"):  # fmt: skip
        assert metrics[name] == 1.0, name
    assert report["models"][0]["counts"]["articles.not_scorable"] == 0
    assert report["models"][0]["usage"]["requests"] == len(PICKED)
    assert report["gates"]["passed"] is True
    assert "casualties.f1" in result.stdout and "fake/test-model" in result.stdout


def test_one_perturbed_answer_shows_the_drop_and_fails_the_gate(
    server: ScriptedServer, fake_config: Path, small_suite: Path, tmp_path: Path
) -> None:
    serve_gold(server, small_suite, perturb="c02-syria-idlib-airstrikes")
    out = tmp_path / "out"
    result = run_eval(str(small_suite), "--model", "fake", "--config", str(fake_config),
                      "--report-dir", str(out),
                      "--fail-under", "casualties.reported_by=0.99")  # fmt: skip
    assert result.exit_code == 1, result.output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    model = report["models"][0]
    matched = sum(
        c["kinds"]["casualties"]["tp"] for c in model["cases"] if c["outcome"] != "not_scorable"
    )
    assert model["metrics"]["casualties.f1"] == 1.0
    assert model["metrics"]["casualties.interval_exact"] == 1.0
    assert model["metrics"]["casualties.reported_by"] == round((matched - 1) / matched, 4)
    case = next(c for c in model["cases"] if c["id"] == "c02-syria-idlib-airstrikes")
    assert case["outcome"] == "wrong"
    (diff,) = case["kinds"]["casualties"]["differences"]
    assert diff.endswith('.reported_by: gold "Syrian Civil Defence", predicted '
                         '"a local council member"')  # fmt: skip
    with_diffs = [m for m in case["kinds"]["casualties"]["matches"] if m["differences"]]
    assert [m["differences"] for m in with_diffs] == [[diff]]
    assert diff.startswith(f"casualties[{with_diffs[0]['gold']}].")
    assert "gate failed: fake/test-model: casualties.reported_by" in result.stderr
    junit = ET.parse(out / "junit.xml").getroot()
    failures = junit.findall(".//testcase/failure")
    assert len(failures) == 1 and failures[0].text == diff
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "Gates: 1 failed" in summary and "c02-syria-idlib-airstrikes" in summary


def test_predictions_file_is_scored_without_a_model(small_suite: Path, tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.jsonl"
    exported = runner.invoke(app, ["gold", "inputs", str(small_suite), "-o", str(inputs)])
    assert exported.exit_code == 0, exported.output
    preds = tmp_path / "preds.jsonl"
    extracted = runner.invoke(app, ["extract", str(inputs), "-m", "rules", "-q", "-o", str(preds)])
    assert extracted.exit_code == 0, extracted.output
    with preds.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    direct = run_eval(str(small_suite), "--model", "rules", "--report-dir", str(tmp_path / "a"))
    scored = run_eval(str(small_suite), "--predictions", str(preds),
                      "--report-dir", str(tmp_path / "b"))  # fmt: skip
    assert direct.exit_code == scored.exit_code == 0, scored.output
    assert f"{preds}:4: not an extraction result" in scored.stderr
    a = json.loads((tmp_path / "a" / "report.json").read_text(encoding="utf-8"))
    b = json.loads((tmp_path / "b" / "report.json").read_text(encoding="utf-8"))
    assert b["models"][0]["metrics"] == a["models"][0]["metrics"]
    assert b["models"][0]["source"] == str(preds)


def test_missing_and_stale_predictions_are_not_scorable(small_suite: Path, tmp_path: Path) -> None:
    preds = tmp_path / "preds.jsonl"
    case = load_case(small_suite / "cases" / PICKED[0])
    record = {"article": {"id": case.id, "sha256": "0" * 64}, "model": "old"}
    preds.write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = run_eval(str(small_suite), "--predictions", str(preds), "--report-dir",
                      str(tmp_path / "r"), "--fail-under", "articles.scorable_rate=1")  # fmt: skip
    assert result.exit_code == 1
    assert f"not scorable: old: {case.id}: the prediction was made on another version" in (
        result.stderr
    )
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    counts = report["models"][0]["counts"]
    assert counts["articles.not_scorable"] == 3 and counts["articles.wrong"] == 0


def test_two_models_side_by_side_and_baseline_drop(
    server: ScriptedServer, fake_config: Path, small_suite: Path, tmp_path: Path
) -> None:
    serve_gold(server, small_suite)
    first = run_eval(str(small_suite), "-m", "fake", "-m", "rules", "--config",
                     str(fake_config), "--report-dir", str(tmp_path / "one"))  # fmt: skip
    assert first.exit_code == 0, first.output
    header = first.stdout.splitlines()[0].split()
    assert header == ["metric", "fake/test-model", "rules"]
    baseline = tmp_path / "one" / "report.json"
    again = run_eval(str(small_suite), "-m", "rules", "--baseline", str(baseline))
    assert again.exit_code == 0, again.output  # rules against its own earlier figures
    worse = run_eval(str(small_suite), "-m", "rules", "--baseline", str(baseline),
                     "--fail-under", "casualties.f1=0")  # fmt: skip
    assert worse.exit_code == 0
    served = json.loads(baseline.read_text(encoding="utf-8"))
    served["models"] = [m for m in served["models"] if m["model"] == "rules"]
    # (the offline extractor gets every figure of these three cases, so a source is dropped)
    served["models"][0]["metrics"]["casualties.reported_by"] = 1.0
    higher = tmp_path / "higher.json"
    higher.write_text(json.dumps(served), encoding="utf-8")
    dropped = run_eval(str(small_suite), "-m", "rules", "--baseline", str(higher),
                       "--fail-under", "casualties.reported_by=0")  # fmt: skip
    assert dropped.exit_code == 1
    assert "rules: casualties.reported_by fell from 1.0000 to" in dropped.stderr


def test_suite_toml_gates_apply_and_flags_override(small_suite: Path) -> None:
    gate = '[gates]\n"casualties.reported_by" = 0.999\n'
    (small_suite / "suite.toml").write_text(gate, "utf-8")
    failing = run_eval(str(small_suite), "-m", "rules")
    assert failing.exit_code == 1
    assert "gate failed: rules: casualties.reported_by" in failing.stderr
    override = run_eval(str(small_suite), "-m", "rules", "--fail-under", "casualties.reported_by=0")
    assert override.exit_code == 0
    assert run_eval(str(small_suite), "-m", "rules", "--no-suite-gates").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-under", "casualties.f1"], "expected METRIC=NUMBER"),
        (["--fail-under", "casualties.fl=0.5"], "unknown metric(s) in gates: casualties.fl"),
        (["--split", "train"], "train"),
        (["--tag", "no_such_tag"], "no case matches"),
        (["--baseline", "missing.json"], "cannot read the baseline"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    small_suite: Path, args: list[str], message: str
) -> None:
    result = run_eval(str(small_suite), "-m", "rules", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_suite_folder_that_does_not_exist(tmp_path: Path) -> None:
    result = run_eval(str(tmp_path / "nowhere"), "-m", "rules")
    assert result.exit_code == 2
    assert "no such suite folder" in result.stderr


def test_gate_helpers() -> None:
    assert parse_threshold("casualties.f1=0.8") == ("casualties.f1", 0.8)
    with pytest.raises(UsageError):
        parse_threshold("=0.8")
    metrics = {"a.f1": 0.5, "b.f1": None}
    assert gate_failures("m", metrics, {"a.f1": 0.5}) == []
    assert gate_failures("m", metrics, {"a.f1": 0.6}) == ["m: a.f1 0.5000 < 0.6 (short by 0.1000)"]
    assert gate_failures("m", metrics, {"b.f1": 0.1}) == ["m: b.f1 not measured (gate 0.1)"]
    baseline = {"a.f1": 0.53}
    assert gate_failures("m", metrics, {"a.f1": 0.0}) == []
    assert drop_failures("m", metrics, baseline, ["a.f1"], max_drop=0.05) == []
    assert drop_failures("m", metrics, baseline, ["a.f1"], max_drop=0.02) == [
        "m: a.f1 fell from 0.5300 to 0.5000 (by 0.0300; allowed 0.02)"
    ]


def test_the_project_suite_on_the_test_split_passes_its_own_gates(tmp_path: Path) -> None:
    result = run_eval(str(ROOT / "evals"), "-m", "rules", "--split", "test",
                      "--report-dir", str(tmp_path))  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["suite"]["cases"] == 20 and report["suite"]["split"] == "test"
    assert report["gates"]["thresholds"], "evals/suite.toml sets the CI gates"
    assert report["command"].startswith("sitrep eval")


def test_gold_agree_scores_the_second_annotation(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["gold", "agree", str(ROOT / "evals" / "agreement"), "--suite", str(ROOT / "evals"),
         "--report-dir", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    (model,) = report["models"]
    assert model["model"] == "second annotation" and report["suite"]["cases"] == 10
    assert 0.5 < model["metrics"]["casualties.f1"] <= 1.0
    assert model["counts"]["articles.not_scorable"] == 0


def test_html_report_has_charts_articles_and_escapes(small_suite: Path, tmp_path: Path) -> None:
    html = tmp_path / "eval.html"
    result = run_eval(str(small_suite), "-m", "rules", "--html", str(html))
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    assert page.count('<details class="case"') == len(PICKED)
    assert page.count("<svg") >= 7
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "<script>" not in page  # the report needs no script at all
    assert page.count('<tr class="matched">') >= 10 and '<tr class="spurious">' in page


def test_a_model_that_fails_every_article_is_not_scorable_not_wrong(
    server: ScriptedServer, fake_config: Path, small_suite: Path, tmp_path: Path
) -> None:
    server.responder = lambda request: Reply(status=503, body={"error": {"message": "down"}})
    gate = ["--fail-under", "casualties.f1=0.5"]
    result = run_eval(str(small_suite), "-m", "fake", "--config", str(fake_config),
                      "--report-dir", str(tmp_path), *gate)  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.stderr.count("not scorable: fake/test-model:") == len(PICKED)
    assert "casualties.f1 not measured" in result.stderr
    model = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["models"][0]
    assert model["counts"]["articles.not_scorable"] == len(PICKED)
    assert model["counts"]["articles.wrong"] == 0
    assert model["metrics"]["articles.scorable_rate"] == 0.0
    assert model["cases"][0]["error"]["kind"] == "transport"
