"""Batch runs to a file: the failure ledger, --retry-failures and --resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from agent.batch.ledger import prepare_resume
from agent.cli import app
from tests.helpers import EXAMPLE, good_unless, lines_of, write_batch
from tests.scripted_server import ScriptedServer

runner = CliRunner()


def test_failed_articles_go_to_the_ledger_and_the_batch_goes_on(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = good_unless("a2")
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2", "a3"], bad_line=True)
    out = tmp_path / "out.jsonl"
    args = ["extract", str(inputs), "-o", str(out), "-m", "fake", "--config", str(fake_config)]
    result = runner.invoke(app, args)
    assert result.exit_code == 3, result.output
    assert sorted(r["article"]["id"] for r in lines_of(out)) == ["a1", "a3"]
    ledger = lines_of(tmp_path / "out.jsonl.failures.jsonl")
    assert sorted((e["kind"], e["id"]) for e in ledger) == [
        ("bad_request", "a2"),
        ("input", None),
    ]
    by_kind = {e["kind"]: e for e in ledger}
    assert set(by_kind["bad_request"]) == {"id", "source", "kind", "message", "attempts", "time"}
    assert by_kind["bad_request"]["source"] == f"{inputs}:3"
    assert by_kind["bad_request"]["attempts"] == 1
    assert "HTTP 400" in by_kind["bad_request"]["message"]
    assert by_kind["input"]["source"] == f"{inputs}:2"

    # the model is fixed: only the failed article is sent again; the broken line still fails
    server.responder = good_unless()
    sent_before = len(server.requests)
    result = runner.invoke(app, [*args, "--retry-failures"])
    assert result.exit_code == 3, result.output
    assert len(server.requests) - sent_before == 1
    assert sorted(r["article"]["id"] for r in lines_of(out)) == ["a1", "a2", "a3"]
    assert [e["kind"] for e in lines_of(tmp_path / "out.jsonl.failures.jsonl")] == ["input"]


def test_retry_failures_with_everything_fixed_removes_the_ledger(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = good_unless("a1")
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2"])
    out = tmp_path / "out.jsonl"
    args = ["extract", str(inputs), "-o", str(out), "-m", "fake", "--config", str(fake_config)]
    assert runner.invoke(app, args).exit_code == 3
    server.responder = good_unless()
    result = runner.invoke(app, [*args, "--retry-failures"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "out.jsonl.failures.jsonl").exists()
    assert Counter(r["article"]["id"] for r in lines_of(out)) == {"a1": 1, "a2": 1}


def test_fresh_run_rewrites_output_and_ledger(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.failures.jsonl").write_text('{"id": "old", "source": "x"}\n')
    inputs = write_batch(tmp_path / "in.jsonl", ["a1"])
    result = runner.invoke(app, ["extract", str(inputs), "-o", str(out), "-m", "rules"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "out.jsonl.failures.jsonl").exists()
    assert len(lines_of(out)) == 1


def test_resume_truncates_a_torn_line_and_skips_written_articles(tmp_path: Path) -> None:
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2", "a3"])
    out = tmp_path / "out.jsonl"
    args = ["extract", str(inputs), "-o", str(out), "-m", "rules"]
    assert runner.invoke(app, args).exit_code == 0
    first, second = out.read_text(encoding="utf-8").splitlines()[:2]
    out.write_text(first + "\n" + second[: len(second) // 2], encoding="utf-8")
    result = runner.invoke(app, [*args, "--resume"])
    assert result.exit_code == 0, result.output
    assert "1 article(s) already in" in result.stderr
    records = lines_of(out)
    assert sorted(r["article"]["id"] for r in records) == ["a1", "a2", "a3"]


def test_resume_reruns_an_article_whose_text_changed(tmp_path: Path) -> None:
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2"])
    out = tmp_path / "out.jsonl"
    args = ["extract", str(inputs), "-o", str(out), "-m", "rules"]
    assert runner.invoke(app, args).exit_code == 0
    text = inputs.read_text(encoding="utf-8").replace("Ref a2.", "Ref a2, corrected.")
    inputs.write_text(text, encoding="utf-8")
    assert runner.invoke(app, [*args, "--resume"]).exit_code == 0
    shas = {(r["article"]["id"], r["article"]["sha256"]) for r in lines_of(out)}
    assert len(shas) == 3
    assert prepare_resume(out) == shas


def test_resume_needs_an_output_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(EXAMPLE), "-m", "rules", "--resume"])
    assert result.exit_code == 2
    assert "need -o FILE" in result.stderr


def test_killed_run_resumes_with_every_article_exactly_once(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = good_unless()
    server.latency = 0.1
    ids = [f"a{i:02d}" for i in range(40)]
    inputs = write_batch(tmp_path / "big.jsonl", ids)
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "agent", "extract", str(inputs), "-o", str(out)]
    command += ["--model", "fake", "--config", str(fake_config), "-j", "4"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 8:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.stderr is not None
    proc.stderr.close()
    written = out.read_bytes().count(b"\n")
    assert 8 <= written < len(ids)

    sent_before = len(server.requests)
    resumed = subprocess.run(
        [*command, "--resume"], capture_output=True, text=True, timeout=60, check=False
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{written} article(s) already in" in resumed.stderr
    assert len(server.requests) - sent_before == len(ids) - written
    raw = out.read_text(encoding="utf-8")
    assert raw.endswith("\n")
    records = [json.loads(line) for line in raw.splitlines()]  # every line valid JSON
    assert Counter(r["article"]["id"] for r in records) == dict.fromkeys(ids, 1)
