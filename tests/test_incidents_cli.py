"""`sitrep incidents`, `sitrep view` on incidents and `sitrep eval --incidents`, end to end."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from agent.cli import app
from tests.helpers import ROOT
from tests.incidents_kit import ambush_results, event, read_jsonl, result, write_results

runner = CliRunner()
GOLD = ROOT / "evals" / "incidents"


def _results(tmp_path: Path) -> Path:
    return write_results(tmp_path / "results.jsonl", ambush_results())


def test_incidents_writes_jsonl_and_the_links_log_beside_it(tmp_path: Path) -> None:
    out = tmp_path / "out" / "incidents.jsonl"
    done = runner.invoke(app, ["incidents", str(_results(tmp_path)), "-o", str(out)])
    assert done.exit_code == 0, done.output
    records = read_jsonl(out)
    assert len(records) == 2 and all(r["incident_schema"] == "1" for r in records)
    assert (tmp_path / "out" / "incidents.links.jsonl").is_file()
    assert "incidents: 2 from 5 event(s) in 5 article(s), 1 reported by several" in done.stderr


def test_csv_output_has_one_row_per_incident_and_a_claims_file(tmp_path: Path) -> None:
    out = tmp_path / "incidents.csv"
    done = runner.invoke(app, ["incidents", str(_results(tmp_path)), "-o", str(out), "-q"])
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert sorted(r["fatalities"] for r in rows) == ["31", "4"]
    ambush = next(r for r in rows if r["fatalities"] == "31")
    assert ambush["history"] == "Syrian Observatory for Human Rights: 27+ -> 55+; The army: 31"
    claims_text = (tmp_path / "incidents.claims.csv").read_text(encoding="utf-8")
    claims = list(csv.DictReader(claims_text.splitlines()))
    assert len(claims) == 5 and {c["incident_id"] for c in claims} == {r["id"] for r in rows}


def test_sqlite_output_has_incidents_members_claims_and_carriers(tmp_path: Path) -> None:
    out = tmp_path / "incidents.sqlite"
    done = runner.invoke(app, ["incidents", str(_results(tmp_path)), "-o", str(out), "-q"])
    assert done.exit_code == 0, done.output
    db = sqlite3.connect(out)
    try:
        counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("incidents", "members", "claims", "carriers")}  # fmt: skip
        record = db.execute("SELECT record FROM incidents WHERE fatalities = 31").fetchone()[0]
    finally:
        db.close()
    assert counts == {"incidents": 2, "members": 5, "claims": 5, "carriers": 5}
    assert json.loads(record)["counts"]["killed"]["high"] == 55


def test_an_unknown_output_format_is_a_usage_error(tmp_path: Path) -> None:
    done = runner.invoke(app, ["incidents", str(_results(tmp_path)), "-o", "x.parquet"])
    assert done.exit_code == 2
    assert (
        done.stderr.strip() == "sitrep: x.parquet: the output must end in .jsonl, .csv or .sqlite"
    )


def test_unreadable_records_exit_3_and_the_rest_is_written(tmp_path: Path) -> None:
    source = _results(tmp_path)
    with source.open("a", encoding="utf-8") as handle:
        handle.write("not json\n")
    out = tmp_path / "incidents.jsonl"
    done = runner.invoke(app, ["incidents", str(source), "-o", str(out), "-q"])
    assert done.exit_code == 3
    assert "results.jsonl:6: malformed JSON" in done.stderr
    assert len(read_jsonl(out)) == 2


def test_explain_says_why_two_events_were_not_linked(tmp_path: Path) -> None:
    out = tmp_path / "incidents.jsonl"
    done = runner.invoke(
        app, ["incidents", str(_results(tmp_path)), "-o", str(out), "-q", "--explain", "a1", "a5"]
    )
    assert done.exit_code == 0, done.output
    assert "a1#E1  <->  a5#E1" in done.stdout
    assert "place -0.35: different places (near Kabajib / near al-Sukhnah)" in done.stdout
    assert "not linked" in done.stdout


def test_explain_a_linked_pair_names_its_incident(tmp_path: Path) -> None:
    out = tmp_path / "incidents.jsonl"
    args = ["incidents", str(_results(tmp_path)), "-o", str(out), "-q", "--explain", "a1#E1",
            "a3#E1"]  # fmt: skip
    done = runner.invoke(app, args)
    incident = next(r["id"] for r in read_jsonl(out) if len(r["members"]) == 4)
    assert "decision: linked" in done.stdout
    assert f"both are in incident {incident}" in done.stdout


def test_incidents_runs_as_a_real_command(tmp_path: Path) -> None:
    out = tmp_path / "incidents.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "agent", "incidents", str(_results(tmp_path)), "-o", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.read_text(encoding="utf-8").count("\n") == 3


def test_view_shows_incidents_with_claims_linked_to_their_quotes(tmp_path: Path) -> None:
    results = ambush_results()
    text = "Gunmen <script>alert(1)</script> attacked Kabajib on Sunday."
    results.append(result("xss", text, published="2024-03-10", events=[
        event(text, "Gunmen <script>alert(1)</script> attacked Kabajib", location="Kabajib",
              country="Syria", date="2024-03-10")]))  # fmt: skip
    source = write_results(tmp_path / "results.jsonl", results)
    out = tmp_path / "incidents.jsonl"
    assert runner.invoke(app, ["incidents", str(source), "-o", str(out), "-q"]).exit_code == 0
    articles = tmp_path / "articles.jsonl"
    texts = {"xss": text}
    from tests.incidents_kit import AMBUSH_1, AMBUSH_2, AMBUSH_3, AMBUSH_BG, CHECKPOINT

    texts.update(a1=AMBUSH_1, a2=AMBUSH_2, a3=AMBUSH_3, a4=AMBUSH_BG, a5=CHECKPOINT)
    articles.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in texts.items()))
    page = tmp_path / "view.html"
    done = runner.invoke(app, ["view", str(out), "--articles", str(articles), "-o", str(page)])
    assert done.exit_code == 0, done.output
    html = page.read_text(encoding="utf-8")
    for record in read_jsonl(out):
        assert f'id="{record["id"]}"' in html
    assert 'href="#q-a3-' in html and 'id="q-a3-' in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html


def test_view_names_an_article_whose_text_changed(tmp_path: Path) -> None:
    out = tmp_path / "incidents.jsonl"
    runner.invoke(app, ["incidents", str(_results(tmp_path)), "-o", str(out), "-q"])
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps({"id": "a1", "text": "Another text."}) + "\n")
    done = runner.invoke(app, ["view", str(out), "--articles", str(articles), "-o",
                               str(tmp_path / "v.html")])  # fmt: skip
    assert done.exit_code == 3
    assert "article 'a1': text differs from the one extracted" in done.stderr


def test_eval_incidents_on_the_gold_extractions_passes_its_gates(tmp_path: Path) -> None:
    done = runner.invoke(app, ["eval", "--incidents", str(GOLD), "--report-dir",
                               str(tmp_path / "rep")])  # fmt: skip
    assert done.exit_code == 0, done.output
    report = json.loads((tmp_path / "rep" / "report.json").read_text())[0]
    assert report["metrics"]["linking.pairwise_f1"] >= 0.95
    assert report["metrics"]["counts.killed_exact"] >= 0.9
    assert report["gates"]["passed"] is True
    assert (tmp_path / "rep" / "summary.md").is_file() and (
        tmp_path / "rep" / "junit.xml"
    ).is_file()


def test_eval_incidents_fails_a_gate_with_exit_1(tmp_path: Path) -> None:
    done = runner.invoke(app, ["eval", "--incidents", str(GOLD), "--fail-under",
                               "incidents.correct_rate=1.01"])  # fmt: skip
    assert done.exit_code == 1
    assert "gate failed: gold: incidents.correct_rate: 1.000 < gate 1.010" in done.stderr


def test_eval_incidents_scores_incidents_output_as_predictions(tmp_path: Path) -> None:
    from agent.eval.incident_gold import gold_results, load_incident_suite

    source = write_results(tmp_path / "gold.jsonl", gold_results(load_incident_suite(GOLD)))
    out = tmp_path / "incidents.jsonl"
    assert runner.invoke(app, ["incidents", str(source), "-o", str(out), "-q"]).exit_code == 0
    done = runner.invoke(app, ["eval", "--incidents", str(GOLD), "--predictions", str(out),
                               "--no-suite-gates"])  # fmt: skip
    assert done.exit_code == 0, done.output
    line = next(x for x in done.stdout.splitlines() if x.startswith("linking.pairwise_f1"))
    assert line.split()[-1] == "1.000"
