"""Budgets, the end-of-run summary, --keep-order and Ctrl-C on batch runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.batch.progress import Budget, Tally
from agent.cli import app
from agent.config import Prices
from agent.schema import Usage
from tests.helpers import GOOD, good_unless, lines_of, write_batch, write_config
from tests.scripted_server import Reply, ScriptedServer, answer

runner = CliRunner()
USAGE = {"prompt_tokens": 1000, "completion_tokens": 20, "total_tokens": 1020}


def batch_args(inputs: Path, out: Path, config: Path, *extra: str) -> list[str]:
    return ["extract", str(inputs), "-o", str(out), "-m", "fake", "--config", str(config), *extra]


@pytest.mark.parametrize(
    ("flag", "value", "finished"),
    [("--max-requests", "2", 2), ("--max-tokens", "2040", 2), ("--max-cost", "0.25", 3)],
)
def test_budget_stops_new_articles_and_resume_finishes(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: str, value: str,
    finished: int,
) -> None:  # fmt: skip
    monkeypatch.setenv("FAKE_KEY", "sk-test")
    # every request: 1000 prompt tokens (0.1 at 100 per million) + 20 completion tokens (free)
    config = write_config(tmp_path / "sitrep.toml", server, price_input_per_mtok=100.0)
    server.responder = good_unless(usage=USAGE)
    ids = [f"a{i}" for i in range(6)]
    inputs = write_batch(tmp_path / "in.jsonl", ids)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, batch_args(inputs, out, config, "-j", "1", flag, value))
    assert result.exit_code == 0, result.output
    assert len(server.requests) == finished
    assert len(lines_of(out)) == finished
    undone = len(ids) - finished
    assert f"budget: {flag} reached; {undone} article(s) left undone" in result.stderr

    result = runner.invoke(app, batch_args(inputs, out, config, "--resume"))
    assert result.exit_code == 0, result.output
    assert Counter(r["article"]["id"] for r in lines_of(out)) == dict.fromkeys(ids, 1)


def test_summary_counts_ok_failed_cached_requests_tokens_and_cost(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KEY", "sk-test")
    config = write_config(
        tmp_path / "sitrep.toml", server, price_input_per_mtok=10.0, price_output_per_mtok=50.0
    )
    server.responder = good_unless("a3", usage=USAGE)
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2", "a3"])
    out = tmp_path / "out.jsonl"
    first = runner.invoke(app, batch_args(inputs, out, config))
    assert first.exit_code == 3
    # two answers of 1000 prompt + 20 completion tokens; a3 is rejected after one request
    assert (
        "summary: 2 ok, 1 failed, 0 cached; 3 requests, 2000 prompt + 40 completion tokens, "
        "estimated cost 0.0220; " in first.stderr
    )
    again = runner.invoke(app, batch_args(inputs, out, config))
    assert again.exit_code == 3
    assert (
        "summary: 2 ok, 1 failed, 2 cached; 1 requests, 0 prompt + 0 completion tokens, "
        "estimated cost 0.0000; " in again.stderr
    )
    assert again.stderr.splitlines()[-1].endswith("articles/s")


def test_quiet_prints_no_summary(tmp_path: Path) -> None:
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2"])
    args = ["extract", str(inputs), "-o", str(tmp_path / "o.jsonl"), "-m", "rules", "-q"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert result.stderr == ""


def test_tally_and_budget() -> None:
    tally = Tally(prices=Prices(input_per_mtok=2.0, output_per_mtok=8.0))
    tally.add_result(Usage(requests=2, prompt_tokens=1_000_000, completion_tokens=500_000))
    tally.add_failure(attempts=3)
    assert (tally.ok, tally.failed, tally.requests) == (1, 1, 5)
    assert tally.cost == pytest.approx(6.0)
    assert Budget(max_cost=6.0).reached(tally) == "--max-cost"
    assert Budget(max_cost=6.1, max_requests=6, max_tokens=1_500_001).reached(tally) is None


def test_keep_order_writes_in_input_order(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    def respond(request: dict[str, Any]) -> Reply:
        reply = answer(GOOD)
        if "Ref a0." in json.dumps(request):
            reply.delay = 0.4  # the first article finishes last
        return reply

    server.responder = respond
    ids = [f"a{i}" for i in range(5)]
    inputs = write_batch(tmp_path / "in.jsonl", ids)
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, batch_args(inputs, out, fake_config, "-j", "5")).exit_code == 0
    assert lines_of(out)[-1]["article"]["id"] == "a0"
    args = batch_args(inputs, out, fake_config, "-j", "5", "--keep-order", "--no-cache")
    assert runner.invoke(app, args).exit_code == 0
    assert [r["article"]["id"] for r in lines_of(out)] == ids


def test_ctrl_c_stops_cleanly_with_summary_and_exit_130(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = good_unless()
    server.latency = 0.1
    ids = [f"a{i:02d}" for i in range(40)]
    inputs = write_batch(tmp_path / "big.jsonl", ids)
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-m", "agent", *batch_args(inputs, out, fake_config, "-j", "4")]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 4:
            break
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "sitrep: interrupted" in err
    assert "summary:" in err and "Traceback" not in err
    raw = out.read_text(encoding="utf-8")
    assert raw.endswith("\n")
    written = [json.loads(line) for line in raw.splitlines()]
    assert 4 <= len(written) < len(ids)

    resumed = subprocess.run(
        [*command, "--resume"], capture_output=True, text=True, timeout=60, check=False
    )
    assert resumed.returncode == 0, resumed.stderr
    assert Counter(r["article"]["id"] for r in lines_of(out)) == dict.fromkeys(ids, 1)


def test_progress_lines_when_stderr_is_not_a_terminal(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = good_unless()
    server.latency = 0.1
    inputs = write_batch(tmp_path / "in.jsonl", [f"a{i}" for i in range(4)])
    args = batch_args(inputs, tmp_path / "out.jsonl", fake_config, "-j", "1")
    result = runner.invoke(app, [*args, "--progress-every", "0.15"])
    assert result.exit_code == 0, result.output
    progress = [line for line in result.stderr.splitlines() if line.startswith("progress: ")]
    assert progress, result.stderr
    assert "in flight" in progress[0] and "articles/s" in progress[0]
    # work in flight shows before its article finishes: requests sent, how long it has taken
    busy = [line for line in progress if "1 in flight (longest " in line]
    assert busy, progress
    assert "requests (" in busy[0] and "tokens received)" in busy[0]


def test_the_progress_line_shows_work_in_flight_before_it_finishes() -> None:
    import time

    from agent.batch.progress import progress_line

    tally = Tally()
    tally.started = 3
    tally.ok = 2
    tally.meter.requests, tally.meter.answers, tally.meter.completion_tokens = 4, 3, 812
    tally.in_flight[2] = time.monotonic() - 65
    line = progress_line(tally)
    assert "2 done (2 ok, 0 failed, 0 cached), 1 in flight (longest 1m05s)" in line
    assert "4 requests (3 answered, 812 tokens received)" in line
