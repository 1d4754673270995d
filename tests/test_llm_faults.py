"""Bad answers from the model: each ends as a recovery or one precise error kind."""

from __future__ import annotations

import copy
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.errors import (
    ContextLengthError,
    RateLimitError,
    RefusalError,
    ResponseError,
    TransportError,
    TruncatedError,
)
from tests.helpers import EXAMPLE, GOOD, article, lines_of, make, run, write_batch, write_config
from tests.scripted_server import (
    Reply,
    ScriptedServer,
    answer,
    closed_port,
    completion,
    error,
    prose,
)

runner = CliRunner()


def test_malformed_json_is_reasked_then_fails_as_invalid_response(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(answer('{"events": [,]}'), answer('{"events": [,]}'))
    with pytest.raises(ResponseError) as caught:
        run(make(server, tmp_path, max_reasks=1), article())
    assert caught.value.kind == "invalid_response"
    assert len(server.requests) == 2


def test_fenced_json_in_json_mode_is_recovered(server: ScriptedServer, tmp_path: Path) -> None:
    server.script(answer(GOOD, fenced=True), answer(GOOD, fenced=True))
    result = run(make(server, tmp_path, mode="json", max_reasks=1), article())
    assert len(result.casualties) == 3
    assert result.usage.requests == 2
    assert any("mode md_json reads them at once" in w for w in result.warnings)


def test_refusal_in_prose_is_a_refusal(server: ScriptedServer, tmp_path: Path) -> None:
    server.script(prose("I'm sorry, I can't help with that."), prose("I'm sorry, I can't."))
    with pytest.raises(RefusalError):
        run(make(server, tmp_path, max_reasks=1), article())


def test_finish_reason_length_is_truncated(server: ScriptedServer, tmp_path: Path) -> None:
    server.script(answer(GOOD, finish_reason="length"))
    with pytest.raises(TruncatedError, match="max_output_tokens"):
        run(make(server, tmp_path), article())


def test_missing_usage_counts_requests_and_zero_tokens(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(answer(GOOD, with_usage=False))
    result = run(make(server, tmp_path), article())
    assert result.usage.requests == 1
    assert result.usage.prompt_tokens == 0


def test_empty_choices_fails_cleanly(server: ScriptedServer, tmp_path: Path) -> None:
    def empty(request: dict[str, object]) -> dict[str, object]:
        body = completion(request, content="{}")
        body["choices"] = []
        return body

    server.script(Reply(body=empty), Reply(body=empty))
    with pytest.raises(ResponseError):
        run(make(server, tmp_path, max_reasks=1), article())


def test_context_length_400_says_so(server: ScriptedServer, tmp_path: Path) -> None:
    server.script(error(400, "This model's maximum context length is 8192 tokens"))
    with pytest.raises(ContextLengthError, match="context window"):
        run(make(server, tmp_path), article())
    assert len(server.requests) == 1


def test_retry_after_over_limit_fails_without_waiting(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(error(429, "slow", {"retry-after": "3600"}))
    with pytest.raises(RateLimitError, match="asked to wait 3600 s"):
        run(make(server, tmp_path), article())


def test_retry_after_ms_is_honoured(server: ScriptedServer, tmp_path: Path) -> None:
    server.script(error(429, "slow", {"retry-after-ms": "300"}), answer(GOOD))
    run(make(server, tmp_path), article())
    assert server.requests[1].at - server.requests[0].at >= 0.28


def test_connection_closed_mid_response_then_success(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(Reply(close=True), answer(GOOD))
    result = run(make(server, tmp_path), article())
    assert len(result.casualties) == 3


def test_connection_closed_on_every_attempt_is_a_transport_error(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(Reply(close=True), Reply(close=True))
    with pytest.raises(
        TransportError, match=r"the connection to profile 'fake' at .* broke off"
    ) as caught:
        run(make(server, tmp_path, max_attempts=2), article())
    assert "peer closed connection" in str(caught.value)
    assert "after 2 attempts" in str(caught.value)


def test_read_timeout_is_a_transport_error(server: ScriptedServer, tmp_path: Path) -> None:
    server.script(Reply(delay=2.0), Reply(delay=2.0))
    with pytest.raises(TransportError, match=r"no answer within timeout_s=0\.5"):
        run(make(server, tmp_path, timeout_s=0.5, max_attempts=2), article())


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_error_then_success(server: ScriptedServer, tmp_path: Path, status: int) -> None:
    server.script(error(status, "upstream trouble"), answer(GOOD))
    result = run(make(server, tmp_path), article())
    assert len(result.casualties) == 3
    assert len(server.requests) == 2
    assert result.usage.requests == 2


def test_no_tool_call_is_reasked_then_recovered(server: ScriptedServer, tmp_path: Path) -> None:
    server.script(prose("The ambush killed at least 27 government troops."), answer(GOOD))
    result = run(make(server, tmp_path), article())
    assert "your answer did not call the extraction tool" in server.requests[1].text()
    assert len(result.casualties) == 3


def test_no_tool_call_never_fixed_fails_as_invalid_response(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(prose("27 troops were killed."), prose("27 troops were killed."))
    with pytest.raises(ResponseError) as caught:
        run(make(server, tmp_path, max_reasks=1), article())
    assert caught.value.kind == "invalid_response"
    assert "answered in text without calling the tool after 2 attempts" in str(caught.value)
    assert caught.value.attempts == 2


def schema_invalid() -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data["casualties"][0]["outcome"] = "exploded"
    data["casualties"][2]["low"] = "many"
    return data


def test_schema_invalid_fields_are_reasked(server: ScriptedServer, tmp_path: Path) -> None:
    server.script(answer(schema_invalid()), answer(GOOD))
    result = run(make(server, tmp_path), article())
    reask = server.requests[1].text()
    assert "- casualties[0] (C1).outcome: Input should be 'killed'" in reask
    assert "(got 'exploded')" in reask
    assert "- casualties[2] (C3).low: Input should be a valid integer" in reask
    assert "(got 'many')" in reask
    # the items concerned are shown again; the rest of the answer is not sent back
    assert '"outcome": "exploded"' in reask and '"group": "government troops"' in reask
    assert (
        "the dead included nine members" not in reask.split("<article>")[-1].split("</article>")[-1]
    )
    assert len(result.casualties) == 3
    assert result.warnings == []


def test_schema_invalid_items_never_fixed_are_dropped(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(answer(schema_invalid()), answer(schema_invalid()))
    result = run(make(server, tmp_path, max_reasks=1), article())
    assert [c.group for c in result.casualties] == ["members of an Iran-backed militia"]
    assert result.casualties[0].part_of is None  # it pointed at the dropped figure
    assert len(result.events) == 1 and len(result.causes) == 1
    assert result.warnings[0].startswith("dropped casualties[0] (C1): outcome: Input should be")
    assert result.warnings[1].startswith("dropped casualties[2] (C3): low: Input should be")
    assert result.warnings[2] == "C2: cleared part_of 'C1' (dropped)"


def test_connection_refused_stops_the_run_after_one_quick_retry_with_a_hint(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KEY", "sk-test")
    endpoint = f"http://127.0.0.1:{closed_port()}/v1"
    config = write_config(tmp_path / "sitrep.toml", server, base_url=endpoint, max_attempts=4)
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2"])
    out = tmp_path / "out.jsonl"
    args = ["extract", str(inputs), "-o", str(out), "-m", "fake", "--config", str(config)]
    started = time.monotonic()
    result = runner.invoke(app, [*args, "-j", "1"])
    assert time.monotonic() - started < 3  # not 4 attempts with backoff
    assert result.exit_code == 4, result.output
    failed = [line for line in result.stderr.splitlines() if line.startswith("sitrep:")]
    assert len(failed) == 1
    assert failed[0].startswith(f"sitrep: cannot connect to profile 'fake' at {endpoint}")
    assert "(refused, 2 attempts in" in failed[0]
    assert "is the server running? `sitrep models --check fake`" in failed[0]
    assert "`--model rules` works offline" in failed[0]
    assert "Traceback" not in result.output
    assert out.read_text(encoding="utf-8") == ""
    result = runner.invoke(app, [*args, "--resume"])  # nothing was lost: it can resume later
    assert result.exit_code == 4


def test_a_server_that_answered_then_refuses_fails_only_that_article(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.script(answer(GOOD))
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2"])
    out = tmp_path / "out.jsonl"
    args = ["extract", str(inputs), "-o", str(out), "-m", "fake", "--config", str(fake_config)]

    def stop_after_first(request: dict[str, object]) -> Reply:
        server.stop()  # the server goes away mid-run: the next connection is refused
        raise AssertionError("never answered")

    server.responder = stop_after_first
    result = runner.invoke(app, [*args, "-j", "1"])
    assert result.exit_code == 3, result.output
    assert [r["article"]["id"] for r in lines_of(out)] == ["a1"]
    ledger = lines_of(tmp_path / "out.jsonl.failures.jsonl")
    assert [(e["id"], e["kind"]) for e in ledger] == [("a2", "transport")]
    assert "is the server running?" in ledger[0]["message"]


@pytest.mark.parametrize("status", [401, 403])
def test_auth_error_stops_the_run_with_exit_4(
    server: ScriptedServer, fake_config: Path, tmp_path: Path, status: int
) -> None:
    server.responder = lambda request: error(status, "invalid api key")
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2", "a3"])
    args = ["extract", str(inputs), "-m", "fake", "--config", str(fake_config), "-j", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 4
    assert len(server.requests) == 1  # no other article is sent
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"sitrep: authentication failed (HTTP {status}) for profile 'fake' at "
        f"{server.base_url}: invalid api key; check $FAKE_KEY"
    ]


def test_auth_error_exit_4_in_a_real_process(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = lambda request: error(401, "invalid api key")
    command = [sys.executable, "-m", "agent", "extract", str(EXAMPLE), "-m", "fake"]
    done = subprocess.run(
        [*command, "--config", str(fake_config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 4
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"sitrep: authentication failed (HTTP 401) for profile 'fake' at {server.base_url}: "
        "invalid api key; check $FAKE_KEY"
    ]


def test_number_never_supported_by_its_quote_is_dropped(
    server: ScriptedServer, tmp_path: Path
) -> None:
    wrong = copy.deepcopy(GOOD)
    wrong["casualties"][0]["low"] = 72
    server.script(answer(wrong), answer(wrong))
    result = run(make(server, tmp_path, max_reasks=1), article())
    assert [c.group for c in result.casualties] == [
        "members of an Iran-backed militia",
        "fighters",
    ]
    assert result.warnings[0].startswith("dropped casualties[0] (C1): low=72 is not a number")
    assert result.warnings[1] == "C2: cleared part_of 'C1' (dropped)"
