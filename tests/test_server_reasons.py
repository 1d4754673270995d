"""A server's reason for an error, as the one line sitrep shows: shapes of real error bodies."""

from __future__ import annotations

from typing import Any

import httpx2
import openai
import pytest

from agent.extractors.llm.reasons import redact, server_reason, shorten

# llama-cpp-python 0.3.36 refusing response_format json_schema (HTTP 500), as measured
LLAMA_CPP_PYTHON_500 = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', "
    "'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
    "'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  File \"/opt/venv/lib/python3.11/"
    'site-packages/llama_cpp/server/app.py", line 376, in create_chat_completion\n'
    "    POST /v1/chat/completions"
)


def status_error(status: int, body: Any) -> openai.APIStatusError:
    """The exception openai raises for an HTTP error whose parsed body is `body`."""
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx2.Response(status, request=request, json=body)
    inner = body.get("error", body) if isinstance(body, dict) else body
    return openai.APIStatusError(f"Error code: {status}", response=response, body=inner)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            {"error": {"message": LLAMA_CPP_PYTHON_500, "type": "internal_server_error"}},
            "response_format.type: Input should be 'text' or 'json_object'",
        ),
        ({"detail": "Invalid API key"}, "Invalid API key"),
        (
            {"detail": [{"loc": ["body", "tools", 0, "type"], "msg": "field required"}]},
            "tools.0.type: field required",
        ),
        ({"error": "model 'nosuch' not found"}, "model 'nosuch' not found"),
        (
            {"error": {"message": "Tool choice 'Nope' not found in tools.", "code": None}},
            "Tool choice 'Nope' not found in tools.",
        ),
    ],
)
def test_server_reason_is_one_readable_line_for_each_body_shape(body: Any, reason: str) -> None:
    assert server_reason(status_error(500, body)) == reason


def test_traceback_file_lines_never_reach_the_reason() -> None:
    text = 'Something broke\n  File "/home/me/server/app.py", line 9, in run\n    boom()'
    assert shorten(text) == "Something broke"
    assert "/opt/venv" not in server_reason(
        status_error(500, {"error": {"message": LLAMA_CPP_PYTHON_500}})
    )


def test_keys_are_redacted_from_the_reason() -> None:
    body = {"error": {"message": "Incorrect API key provided: sk-proj-abcdefghijklmnop1234"}}
    assert "abcdefghijklmnop" not in server_reason(status_error(401, body))
    assert redact("key mysecretkey9 was refused", "mysecretkey9") == "key [redacted] was refused"
    assert redact("Authorization: Bearer abc.def.ghi") == "Authorization: Bearer [redacted]"


def test_a_long_reason_is_cut_to_one_short_line() -> None:
    line = shorten("word " * 200)
    assert len(line) <= 200 and line.endswith("…") and "\n" not in line
