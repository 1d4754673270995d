"""What real OpenAI-compatible servers do that sitrep must read right, replayed by the scripted
server: refusals wrapped in HTTP 500, cut tool calls reported as `tool_calls`, context windows,
short re-asks, prompts the server truncated, odd usage and bodies."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.errors import (
    ContextLengthError,
    ModelRequestError,
    ResponseError,
    TransportError,
    TruncatedError,
    UnsupportedModeError,
)
from tests.helpers import GOOD, article, lines_of, make, run, write_batch
from tests.scripted_server import Reply, ScriptedServer, answer, completion, error

runner = CliRunner()

# what llama-cpp-python's server answers to response_format json_schema (HTTP 500)
LLAMA_REFUSAL = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', "
    "'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
    "'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  File \"/srv/venv/lib/python3.11/"
    'site-packages/llama_cpp/server/app.py", line 376, in create_chat_completion\n    POST '
    "/v1/chat/completions"
)


def test_a_refused_mode_wrapped_in_a_500_stops_the_run_with_the_servers_reason(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = lambda request: error(500, LLAMA_REFUSAL)
    config = fake_config.read_text(encoding="utf-8").replace('"tools"', '"json_schema"')
    fake_config.write_text(config, encoding="utf-8")
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2", "a3"])
    args = ["extract", str(inputs), "-m", "fake", "--config", str(fake_config), "-j", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 4
    assert len(server.requests) == 1  # not retried, and no other article is sent
    (line,) = result.stderr.splitlines()
    assert line == (
        f"sitrep: profile 'fake' at {server.base_url} does not accept mode 'json_schema' "
        "(HTTP 500: response_format.type: Input should be 'text' or 'json_object'); set "
        "another mode in the profile (`sitrep models --check fake` says which work)"
    )


def test_a_malformed_request_wrapped_in_a_500_is_a_bad_request_not_retried(
    server: ScriptedServer, tmp_path: Path
) -> None:
    body = (
        "1 validation error:\n  {'type': 'missing', 'loc': ('body', 'messages'), "
        "'msg': 'Field required'}"
    )
    server.script(error(500, body))
    with pytest.raises(ModelRequestError) as caught:
        run(make(server, tmp_path, max_attempts=4), article())
    assert caught.value.kind == "bad_request"
    assert len(server.requests) == 1
    assert "messages: Field required" in str(caught.value)


def test_a_real_server_error_is_retried_and_its_message_shown(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(error(503, "model is loading"), error(503, "model is loading"))
    with pytest.raises(TransportError) as caught:
        run(make(server, tmp_path, max_attempts=2), article())
    assert len(server.requests) == 2
    assert str(caught.value).endswith(": model is loading")


def cut_tool_call(request: dict[str, Any]) -> dict[str, Any]:
    """A tool call cut at max_tokens that the server still calls `tool_calls` (llama.cpp)."""
    budget = int(request["max_tokens"])
    usage = {"prompt_tokens": 1200, "completion_tokens": budget, "total_tokens": 1200 + budget}
    return completion(request, arguments='{"events": [{"id": "E1", "summ', usage=usage)


def test_a_cut_tool_call_is_truncated_at_once_never_reasked(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(Reply(body=cut_tool_call))
    with pytest.raises(TruncatedError) as caught:
        run(make(server, tmp_path, max_output_tokens=300, max_reasks=2), article())
    assert len(server.requests) == 1
    assert server.requests[0].body["max_tokens"] == 300
    message = str(caught.value)
    assert "max_tokens=300, 300 tokens, finish_reason=tool_calls" in message
    assert "raise max_output_tokens" in message


def test_the_answer_budget_is_sized_to_the_article(server: ScriptedServer, tmp_path: Path) -> None:
    short = "Two soldiers were killed near Kupiansk on Monday, the army said."
    server.script(answer({"events": [], "casualties": [], "causes": []}))
    run(make(server, tmp_path), article(short))
    server.script(answer({"events": [], "casualties": [], "causes": []}))
    run(make(server, tmp_path), article())
    small, large = (int(r.body["max_tokens"]) for r in server.requests)
    assert small == 512  # the floor
    assert 600 < large < 4096  # 400 + 3 x the example's tokens


def test_a_reask_sends_the_problems_and_the_items_concerned_not_the_whole_answer(
    server: ScriptedServer, tmp_path: Path
) -> None:
    wrong = copy.deepcopy(GOOD)
    wrong["casualties"][1]["evidence"] = "nine militiamen from an Iranian unit were among the dead"
    server.script(answer(wrong), answer(GOOD))
    run(make(server, tmp_path), article())
    first, second = (len(json.dumps(r.body["messages"])) for r in server.requests)
    whole_answer = len(json.dumps(wrong))
    assert second - first < whole_answer  # the re-ask adds less than the answer it corrects
    reask = server.requests[1].messages[-2:]
    assert reask[0]["role"] == "assistant" and reask[1]["role"] == "user"
    assert "casualties[1]" in reask[0]["content"]
    assert "at least 27" not in reask[0]["content"]  # C1 was fine: not sent back


CONTEXT_400 = (
    "This model's maximum context length is 4096 tokens. However, you requested 9000 tokens "
    "(8000 in the messages, 1000 in the completion). Please reduce the length of the messages "
    "or completion."
)


def test_a_context_length_400_teaches_the_window_and_the_article_is_split_to_fit(
    server: ScriptedServer, tmp_path: Path
) -> None:
    long_text = "\n\n".join(
        f"Paragraph {n}: shelling hit the district of Saltivka again on day {n}, officials "
        "said, and residents sheltered in the metro while firefighters worked." * 3
        for n in range(40)
    )
    empty: dict[str, list[Any]] = {"events": [], "casualties": [], "causes": []}
    server.script(error(400, CONTEXT_400))
    server.responder = lambda request: answer(empty)
    result = run(make(server, tmp_path, mode="json_object_schema"), article(long_text))
    chunks = len(server.requests) - 1
    assert chunks >= 3
    assert result.warnings[0].startswith(f"the article was split into {chunks} overlapping chunks")
    assert "of 4096 tokens (as the server reported it)" in result.warnings[0]
    for sent in server.requests[1:]:
        assert len(json.dumps(sent.body["messages"])) < 4096 * 3.5


def test_a_context_length_400_without_a_window_says_what_to_do(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(error(400, "prompt is too long for the context"))
    with pytest.raises(ContextLengthError) as caught:
        run(make(server, tmp_path), article())
    assert "set context_window in the profile so sitrep splits long articles" in str(caught.value)


def test_a_known_context_window_splits_long_articles_before_any_request(
    server: ScriptedServer, tmp_path: Path
) -> None:
    text = "\n".join(
        f"Line {n}: two people were wounded in the town of Nikopol by artillery fire." * 4
        for n in range(60)
    )
    server.responder = lambda request: answer({"events": [], "casualties": [], "causes": []})
    run(make(server, tmp_path, mode="json_object_schema", context_window=4096), article(text))
    assert len(server.requests) >= 3
    for sent in server.requests:
        assert int(sent.body["max_tokens"]) <= 4096


def test_a_prompt_the_server_truncated_is_a_warning_and_with_strict_a_failure(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    tiny = {"prompt_tokens": 90, "completion_tokens": 200, "total_tokens": 290}
    server.responder = lambda request: answer(GOOD, usage=tiny)
    inputs = write_batch(tmp_path / "in.jsonl", ["a1"])
    out = tmp_path / "out.jsonl"
    args = ["extract", str(inputs), "-m", "fake", "--config", str(fake_config), "-o", str(out)]
    result = runner.invoke(app, [*args, "-v"])
    assert result.exit_code == 0, result.output
    (warning,) = lines_of(out)[0]["warnings"]
    assert warning.startswith("the server counted 90 prompt tokens for about ")
    assert "raise num_ctx" in warning
    result = runner.invoke(app, [*args, "--strict"])
    assert result.exit_code == 3
    ledger = lines_of(tmp_path / "out.jsonl.failures.jsonl")
    assert ledger[0]["kind"] == "context_length"


@pytest.mark.parametrize("usage", [-5, 10**12, "lots"])
def test_impossible_usage_is_counted_as_unknown(
    server: ScriptedServer, tmp_path: Path, usage: object
) -> None:
    odd = {"prompt_tokens": usage, "completion_tokens": 20, "total_tokens": 20}
    server.script(answer(GOOD, usage=odd))  # type: ignore[arg-type]
    result = run(make(server, tmp_path), article())
    assert result.usage.prompt_tokens == 0 and result.usage.completion_tokens == 0
    assert result.usage.requests == 1
    assert any("impossible usage" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("<html><body><h1>502 Bad Gateway</h1></body></html>", "answered with an HTML page"),
        ("", "answered with an empty body"),
    ],
)
def test_a_200_that_is_not_a_completion_says_what_it_was(
    server: ScriptedServer, tmp_path: Path, body: str, says: str
) -> None:
    server.script(Reply(body=body, headers={"content-type": "text/html"}))
    with pytest.raises(ResponseError) as caught:
        run(make(server, tmp_path, max_reasks=0), article())
    assert says in str(caught.value)


def test_a_server_that_drips_its_answer_is_cut_at_timeout_s(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.script(Reply(body=lambda request: completion(request, content="{}"), drip=0.05))
    started = time.monotonic()
    with pytest.raises(TransportError, match=r"no answer within timeout_s=1 .* after 1 attempts"):
        run(make(server, tmp_path, timeout_s=1, max_attempts=1), article())
    assert time.monotonic() - started < 3


def test_the_article_deadline_bounds_every_attempt_and_wait(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.responder = lambda request: Reply(status=503, body={"error": {"message": "busy"}},
                                             delay=0.4)  # fmt: skip
    started = time.monotonic()
    with pytest.raises(TransportError) as caught:
        run(make(server, tmp_path, deadline_s=1.5, max_attempts=20, timeout_s=5), article())
    assert caught.value.kind == "deadline"
    assert "no result within deadline_s=1.5" in str(caught.value)
    assert time.monotonic() - started < 2.5


def test_an_unsupported_mode_error_is_its_own_kind() -> None:
    assert UnsupportedModeError("x").kind == "unsupported_mode"
    assert UnsupportedModeError("x").stops_run
