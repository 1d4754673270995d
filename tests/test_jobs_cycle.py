"""The whole provider batch cycle through the scripted server's files and batches endpoints:
prepare, submit, status, fetch, collect, scored against the realtime path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from agent.cli import app
from agent.extractors.llm.recording import body_digest
from tests.gold_answers import gold_responder
from tests.helpers import ROOT, lines_of
from tests.scripted_server import ScriptedServer

runner = CliRunner()
CASES = ROOT / "evals" / "cases"


def sitrep(*args: object, code: int = 0) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result.output


def metrics(report_dir: Path) -> dict[str, Any]:
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    found: dict[str, Any] = report["models"][0]["metrics"]
    return found


def canonical(lines: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(line, sort_keys=True) for line in lines)


def test_a_batch_of_the_40_gold_articles_scores_exactly_as_the_realtime_path(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = gold_responder(CASES)
    suite = tmp_path / "suite.jsonl"
    sitrep("gold", "inputs", ROOT / "evals", "--split", "all", "-o", suite)
    cfg = ("--config", fake_config)

    # realtime: the eval's own model run, and the same run as extractions
    result = runner.invoke(app, ["eval", str(ROOT / "evals"), "--split", "all", "-m", "fake",
                                 "--config", str(fake_config), "--no-cache", "--report-dir",
                                 str(tmp_path / "rt")])  # fmt: skip
    assert result.exit_code == 0, result.output
    realtime = tmp_path / "realtime.jsonl"
    server.requests.clear()
    sitrep("extract", suite, "-m", "fake", *cfg, "--no-cache", "-o", realtime, "-q", code=3)
    first_asks = {body_digest(r.body) for r in server.requests if len(r.messages) == 2}
    reasks_realtime = sum(1 for r in server.requests if len(r.messages) > 2)

    # the batch: prepare, submit, follow, fetch, collect
    requests, responses = tmp_path / "requests.jsonl", tmp_path / "responses.jsonl"
    out = tmp_path / "batch.jsonl"
    said = sitrep("batch", "prepare", suite, "-m", "fake", *cfg, "--no-cache", "-o", requests)
    assert "prepared 40 article(s): 40 request(s)" in said
    ids = [line["custom_id"] for line in lines_of(requests)]
    assert len(set(ids)) == 40 and all(len(i) == 64 for i in ids)
    job = sitrep("batch", "submit", requests, "-m", "fake", *cfg).split()[0]
    assert "in_progress" in sitrep("batch", "status", *cfg)
    sitrep("batch", "fetch", job, "-o", responses, *cfg)
    before = len(server.requests)
    said = sitrep("batch", "collect", responses, "--requests", requests, "--articles", suite,
                  "-o", out, "-m", "fake", *cfg, "--no-cache", code=3)  # fmt: skip
    assert "collected: 39 result(s)" in said and "1 failed" in said

    # the batch asked exactly what realtime asked, and re-asks went through the realtime path
    assert {body_digest(b) for b in server.batches.answered} == first_asks
    assert len(server.requests) - before == reasks_realtime > 0
    assert canonical(lines_of(out)) == canonical(lines_of(realtime))
    ledger = lines_of(tmp_path / "batch.jsonl.failures.jsonl")
    assert [(e["kind"], e["attempts"]) for e in ledger] == [("bad_request", 1)]
    assert "in the batch" in ledger[0]["message"] and "HTTP 400" in ledger[0]["message"]

    sitrep("eval", ROOT / "evals", "--split", "all", "--predictions", out, "--report-dir",
           tmp_path / "batch")  # fmt: skip
    got, expected = metrics(tmp_path / "batch"), metrics(tmp_path / "rt")
    assert got == expected
    assert got["articles.scorable_rate"] == 39 / 40
    assert got["casualties.reported_by"] < 1.0 and got["events.f1"] < 1.0


def test_collect_works_offline_on_a_responses_file_from_any_engine(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    """vllm run-batch writes the same lines: here they are written by hand from the scripted
    model, and collect runs in a real process with the server stopped."""
    server.responder = gold_responder(CASES)
    suite = tmp_path / "suite.jsonl"
    sitrep("gold", "inputs", ROOT / "evals", "--split", "test", "-o", suite)
    requests, responses = tmp_path / "requests.jsonl", tmp_path / "responses.jsonl"
    sitrep("batch", "prepare", suite, "-m", "fake", "--config", fake_config, "-o", requests)
    with responses.open("w", encoding="utf-8") as handle:
        for n, request in enumerate(lines_of(requests)):
            reply = server.next_reply(request["body"])
            body = reply.body(request["body"]) if callable(reply.body) else reply.body
            handle.write(json.dumps({"id": f"vllm-{n}", "custom_id": request["custom_id"],
                                     "response": {"status_code": reply.status, "body": body},
                                     "error": None}) + "\n")  # fmt: skip
    server.stop()
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "agent", "batch", "collect", str(responses), "--requests",
               str(requests), "--articles", str(suite), "-o", str(out), "-m", "fake",
               "--config", str(fake_config), "--reask-batch",
               str(tmp_path / "round2.jsonl")]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 3), done.stderr
    assert "re-asks:" in done.stderr and "wait for a second batch" in done.stderr
    waiting = lines_of(tmp_path / "round2.jsonl")
    assert waiting and all(":" in w["custom_id"] for w in waiting)
    assert len(lines_of(out)) + len(waiting) + done.stderr.count("sitrep: ") == 20
