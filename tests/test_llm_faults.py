"""Bad answers from the model: each ends as a recovery or one precise error kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import (
    ContextLengthError,
    RateLimitError,
    RefusalError,
    ResponseError,
    TransportError,
    TruncatedError,
)
from tests.fakeserver import FakeServer, Reply, answer, completion, error, prose
from tests.test_llm import GOOD, article, make, run


def test_malformed_json_is_reasked_then_fails_as_invalid_response(
    server: FakeServer, tmp_path: Path
) -> None:
    server.script(answer('{"events": [,]}'), answer('{"events": [,]}'))
    with pytest.raises(ResponseError) as caught:
        run(make(server, tmp_path, max_reasks=1), article())
    assert caught.value.kind == "invalid_response"
    assert len(server.requests) == 2


def test_fenced_json_in_json_mode_is_recovered(server: FakeServer, tmp_path: Path) -> None:
    server.script(answer(GOOD, fenced=True), answer(GOOD, fenced=True))
    result = run(make(server, tmp_path, mode="json", max_reasks=1), article())
    assert len(result.casualties) == 3


def test_refusal_in_prose_is_a_refusal(server: FakeServer, tmp_path: Path) -> None:
    server.script(prose("I'm sorry, I can't help with that."), prose("I'm sorry, I can't."))
    with pytest.raises(RefusalError):
        run(make(server, tmp_path, max_reasks=1), article())


def test_finish_reason_length_is_truncated(server: FakeServer, tmp_path: Path) -> None:
    server.script(answer(GOOD, finish_reason="length"))
    with pytest.raises(TruncatedError, match="max_output_tokens"):
        run(make(server, tmp_path), article())


def test_missing_usage_counts_requests_and_zero_tokens(server: FakeServer, tmp_path: Path) -> None:
    server.script(answer(GOOD, with_usage=False))
    result = run(make(server, tmp_path), article())
    assert result.usage.requests == 1
    assert result.usage.prompt_tokens == 0


def test_empty_choices_fails_cleanly(server: FakeServer, tmp_path: Path) -> None:
    def empty(request: dict[str, object]) -> dict[str, object]:
        body = completion(request, content="{}")
        body["choices"] = []
        return body

    server.script(Reply(body=empty), Reply(body=empty))
    with pytest.raises(ResponseError):
        run(make(server, tmp_path, max_reasks=1), article())


def test_context_length_400_says_so(server: FakeServer, tmp_path: Path) -> None:
    server.script(error(400, "This model's maximum context length is 8192 tokens"))
    with pytest.raises(ContextLengthError, match="context window"):
        run(make(server, tmp_path), article())
    assert len(server.requests) == 1


def test_retry_after_over_limit_fails_without_waiting(server: FakeServer, tmp_path: Path) -> None:
    server.script(error(429, "slow", {"retry-after": "3600"}))
    with pytest.raises(RateLimitError, match="asked to wait 3600 s"):
        run(make(server, tmp_path), article())


def test_retry_after_ms_is_honoured(server: FakeServer, tmp_path: Path) -> None:
    server.script(error(429, "slow", {"retry-after-ms": "300"}), answer(GOOD))
    run(make(server, tmp_path), article())
    assert server.requests[1].at - server.requests[0].at >= 0.28


def test_connection_closed_mid_response_then_success(server: FakeServer, tmp_path: Path) -> None:
    server.script(Reply(close=True), answer(GOOD))
    result = run(make(server, tmp_path), article())
    assert len(result.casualties) == 3


def test_read_timeout_is_a_transport_error(server: FakeServer, tmp_path: Path) -> None:
    server.script(Reply(delay=2.0), Reply(delay=2.0))
    with pytest.raises(TransportError, match=r"no answer within timeout_s=0\.5"):
        run(make(server, tmp_path, timeout_s=0.5, max_attempts=2), article())
