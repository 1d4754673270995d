"""`sitrep batch collect` and the jobs at the provider: errors, expired and cancelled batches,
partial results, re-asks in a second batch, the cache, the state file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from tests.helpers import GOOD, lines_of, write_batch
from tests.scripted_server import Reply, ScriptedServer, answer, error
from tests.test_jobs_prepare import write_responses

runner = CliRunner()
UNGROUNDED = {**GOOD, "casualties": [{**GOOD["casualties"][0], "evidence": "not in the text"}]}


def sitrep(*args: object, code: int = 0) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result.output


def prepared(tmp_path: Path, config: Path, ids: list[str]) -> tuple[Path, Path]:
    inputs = write_batch(tmp_path / "in.jsonl", ids)
    requests = tmp_path / "requests.jsonl"
    sitrep("batch", "prepare", inputs, "-m", "fake", "--config", config, "-o", requests)
    return inputs, requests


def collect(tmp_path: Path, config: Path, *args: object, code: int = 0) -> str:
    out = tmp_path / "out.jsonl"
    common = ("--articles", tmp_path / "in.jsonl", "-o", out, "-m", "fake", "--config", config)
    return sitrep("batch", "collect", *args, *common, code=code)


def ledger(tmp_path: Path) -> list[tuple[str | None, str]]:
    return sorted((e["id"], e["kind"]) for e in lines_of(tmp_path / "out.jsonl.failures.jsonl"))


def test_an_expired_batch_gives_what_it_answered_and_ledgers_the_rest(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = lambda request: answer(GOOD)
    server.batches.plan.expire_after = 2
    _, requests = prepared(tmp_path, fake_config, ["a1", "a2", "a3", "a4"])
    sitrep("batch", "submit", requests, "-m", "fake", "--config", fake_config)
    sitrep("batch", "status", "--config", fake_config)
    said = sitrep("batch", "fetch", requests, "-o", tmp_path / "r.jsonl", "--config", fake_config)
    assert "expired: 2 of 4 answered, 2 failed" in said
    said = collect(tmp_path, fake_config, tmp_path / "r.jsonl", "--requests", requests, code=3)
    assert "collected: 2 result(s)" in said
    assert ledger(tmp_path) == [("a3", "batch_expired"), ("a4", "batch_expired")]
    assert "the batch did not run request" in said and "(batch_expired)" in said


def test_error_lines_fail_their_articles_with_the_realtime_kinds(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    def respond(request: dict[str, object]) -> Reply:
        sent = json.dumps(request)
        if "Ref a2." in sent:
            return error(500, "the model is overloaded")
        if "Ref a3." in sent:
            return error(400, "This model's maximum context length is 4096 tokens")
        return answer(GOOD)

    server.responder = respond
    _, requests = prepared(tmp_path, fake_config, ["a1", "a2", "a3"])
    server.batches.plan.polls = 0
    sitrep("batch", "submit", requests, "-m", "fake", "--config", fake_config)
    sitrep("batch", "fetch", "-o", tmp_path / "r.jsonl", "--config", fake_config)
    said = collect(tmp_path, fake_config, tmp_path / "r.jsonl", "--requests", requests, code=3)
    assert ledger(tmp_path) == [("a2", "transport"), ("a3", "context_length")]
    assert "server error (HTTP 500)" in said and "the model is overloaded" in said


def test_partial_results_leave_the_rest_for_later_and_a_second_collect_finishes(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = lambda request: answer(GOOD)
    _, requests = prepared(tmp_path, fake_config, ["a1", "a2", "a3"])
    partial, whole = tmp_path / "partial.jsonl", tmp_path / "whole.jsonl"
    write_responses(partial, requests, server, skip=1)
    said = collect(tmp_path, fake_config, partial, "--requests", requests, code=3)
    assert "1 unanswered" in said and ledger(tmp_path) == [("a3", "no_response")]
    write_responses(whole, requests, server)
    said = collect(tmp_path, fake_config, whole, "--requests", requests)
    assert "collected: 1 result(s)" in said and "2 already there" in said
    assert sorted(r["article"]["id"] for r in lines_of(tmp_path / "out.jsonl")) == [
        "a1",
        "a2",
        "a3",
    ]
    assert not (tmp_path / "out.jsonl.failures.jsonl").exists()


def test_reasks_go_into_a_second_batch_and_two_rounds_give_the_realtime_result(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    def respond(request: dict[str, object]) -> Reply:
        messages = request["messages"]
        assert isinstance(messages, list)
        return answer(GOOD if len(messages) > 2 else UNGROUNDED)

    server.responder = respond
    inputs, requests = prepared(tmp_path, fake_config, ["a1", "a2"])
    sitrep("extract", inputs, "-m", "fake", "--config", fake_config, "--no-cache",
           "-o", tmp_path / "rt.jsonl")  # fmt: skip
    first, second, round2 = (tmp_path / n for n in ("r1.jsonl", "r2.jsonl", "round2.jsonl"))
    write_responses(first, requests, server)
    said = collect(tmp_path, fake_config, first, "--requests", requests, "--reask-batch", round2)
    assert "2 article(s) wait for a second batch" in said and "collected: 0 result(s)" in said
    asked = lines_of(round2)
    assert len(asked) == 2 and all(len(a["body"]["messages"]) == 4 for a in asked)
    write_responses(second, round2, server)
    sent = len(server.requests)
    said = collect(tmp_path, fake_config, first, second, "--requests", requests,
                   "--requests", round2, "--no-cache")  # fmt: skip
    assert "collected: 2 result(s)" in said and len(server.requests) == sent
    results = lines_of(tmp_path / "out.jsonl")
    assert sorted(json.dumps(r, sort_keys=True) for r in results) == sorted(
        json.dumps(r, sort_keys=True) for r in lines_of(tmp_path / "rt.jsonl")
    )
    assert all(r["usage"]["requests"] == 2 for r in results)


def test_collected_results_fill_the_cache_and_realtime_then_asks_nothing(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = lambda request: answer(GOOD)
    inputs, requests = prepared(tmp_path, fake_config, ["a1", "a2"])
    write_responses(tmp_path / "r.jsonl", requests, server)
    collect(tmp_path, fake_config, tmp_path / "r.jsonl", "--requests", requests)
    sent = len(server.requests)
    sitrep("extract", inputs, "-m", "fake", "--config", fake_config, "-o", tmp_path / "again.jsonl")
    assert len(server.requests) == sent
    assert all(r["usage"]["cached"] for r in lines_of(tmp_path / "again.jsonl"))
    again = sitrep("batch", "prepare", inputs, "-m", "fake", "--config", fake_config,
                   "-o", tmp_path / "none.jsonl")  # fmt: skip
    assert "prepared 0 article(s)" in again and "2 cached" in again


def test_a_request_that_changed_since_prepare_is_a_mismatch_and_unprepared_are_counted(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = lambda request: answer(GOOD)
    inputs, requests = prepared(tmp_path, fake_config, ["a1"])
    write_responses(tmp_path / "r.jsonl", requests, server)
    record = json.loads(inputs.read_text(encoding="utf-8"))
    # the prompt names the source; the cache key does not (the text and its date decide)
    retitled = {**record, "source": "An outlet the prepared request did not name"}
    unprepared = {**record, "id": "a9", "text": record["text"] + " More."}
    inputs.write_text(f"{json.dumps(retitled)}\n{json.dumps(unprepared)}\n", encoding="utf-8")
    said = collect(tmp_path, fake_config, tmp_path / "r.jsonl", "--requests", requests, code=3)
    assert ledger(tmp_path) == [("a1", "batch_mismatch")]
    assert "prepare and submit it again" in said
    assert "not in the batch: 1 article(s) were never prepared" in said


def test_jobs_are_found_by_requests_file_cancelled_and_failures_said(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = lambda request: answer(GOOD)
    _, requests = prepared(tmp_path, fake_config, ["a1", "a2", "a3"])
    job = sitrep("batch", "submit", requests, "-m", "fake", "--config", fake_config).split()[0]
    not_yet = runner.invoke(app, ["batch", "fetch", "-o", str(tmp_path / "r.jsonl"),
                                  "--config", str(fake_config)])  # fmt: skip
    assert not_yet.exit_code == 1 and f"{job} is in_progress" in not_yet.output
    server.batches.plan.partial = 1
    assert "cancelled  1 of 3 answered" in sitrep("batch", "cancel", job, "--config", fake_config)
    sitrep("batch", "fetch", requests, "-o", tmp_path / "r.jsonl", "--config", fake_config)
    assert len(lines_of(tmp_path / "r.jsonl")) == 3
    server.batches.plan.fail = "line 1: unknown model"
    server.batches.plan.polls = 0
    other = sitrep("batch", "submit", requests, "-m", "fake", "--config", fake_config).split()[0]
    failed = runner.invoke(app, ["batch", "fetch", other, "-o", str(tmp_path / "x.jsonl"),
                                 "--config", str(fake_config)])  # fmt: skip
    assert failed.exit_code == 1 and "unknown model" in failed.output
    unknown = runner.invoke(app, ["batch", "status", "batch_none", "--config", str(fake_config)])
    assert unknown.exit_code == 1 and "no batch job 'batch_none'" in unknown.output
    state = json.loads((tmp_path / "xdg-state" / "sitrep" / "batches.json").read_text())
    assert [j["status"] for j in state["jobs"]] == ["cancelled", "failed"]


def test_submit_refuses_requests_prepared_for_another_model(
    server: ScriptedServer, fake_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, requests = prepared(tmp_path, fake_config, ["a1"])
    other = tmp_path / "other.toml"
    other.write_text(fake_config.read_text().replace("test-model", "other-model"))
    said = runner.invoke(app, ["batch", "submit", str(requests), "-m", "fake", "--config",
                               str(other)])  # fmt: skip
    assert said.exit_code == 2 and "is for model 'test-model'" in said.output
    assert server.batches.calls == []
