"""What a real llama.cpp server (llama-cpp-python 0.3.36, SmolLM2-135M) does with the requests
sitrep sends: the facts sitrep is designed around. If a new server version changes one, its
test fails here and the handling in sitrep (and the README's "Local models") must be revisited.
"""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from tests.realserver import ARTICLE, RealServer

pytestmark = pytest.mark.realserver

FACTS = {
    "type": "object",
    "properties": {"place": {"type": "string"}, "killed": {"type": "integer"}},
    "required": ["place", "killed"],
}
ASK: Any = [
    {"role": "user", "content": f"Where was the strike and how many were killed?\n{ARTICLE}"}
]
TOOL = {"type": "function", "function": {"name": "Facts", "parameters": FACTS}}
FORCE_TOOL = {"type": "function", "function": {"name": "Facts"}}
SCHEMA_FORMAT = {"name": "Facts", "schema": FACTS}


def client(server: RealServer, key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=server.base_url, api_key=key or server.api_key or "none", max_retries=0
    )


def chat(server: RealServer, **kwargs: Any) -> Any:
    """One chat completion (the article question unless `messages` is given), untyped."""
    request: dict[str, Any] = {"messages": ASK, "temperature": 0.0, "max_tokens": 120, **kwargs}
    with client(server) as c:
        return c.chat.completions.create(model=server.model, **request)


def test_models_lists_the_alias_without_a_context_window(realserver: RealServer) -> None:
    with client(realserver) as c:
        models = c.models.list().data
    assert [m.id for m in models] == ["smollm2"]
    assert not {"context_length", "max_model_len", "n_ctx"} & set(models[0].model_dump())


def test_json_schema_response_format_is_refused_as_http_500(realserver: RealServer) -> None:
    with pytest.raises(openai.InternalServerError) as info:
        chat(realserver, response_format={"type": "json_schema", "json_schema": SCHEMA_FORMAT})
    error = info.value.body
    assert isinstance(error, dict)
    assert "Input should be 'text' or 'json_object'" in error["message"]
    assert error["type"] == "internal_server_error"


def test_json_object_with_schema_constrains_the_reply(realserver: RealServer) -> None:
    reply = chat(realserver, response_format={"type": "json_object", "schema": FACTS})
    data = json.loads(reply.choices[0].message.content)
    assert set(data) == {"place", "killed"} and isinstance(data["killed"], int)
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.prompt_tokens > 50 and reply.usage.completion_tokens > 0


def test_forced_tool_is_called_with_arguments_that_fit_the_schema(realserver: RealServer) -> None:
    reply = chat(realserver, tools=[TOOL], tool_choice=FORCE_TOOL)
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "Facts"
    assert set(json.loads(call.function.arguments)) == {"place", "killed"}
    assert reply.choices[0].finish_reason == "tool_calls"


def test_tool_choice_auto_and_required_get_plain_text(realserver: RealServer) -> None:
    for choice in ("auto", "required"):
        message = chat(realserver, tools=[TOOL], tool_choice=choice).choices[0].message
        assert not message.tool_calls and message.content


def test_truncated_tool_call_says_tool_calls_not_length(realserver: RealServer) -> None:
    reply = chat(realserver, tools=[TOOL], tool_choice=FORCE_TOOL, max_tokens=6)
    arguments = reply.choices[0].message.tool_calls[0].function.arguments
    assert reply.choices[0].finish_reason == "tool_calls"  # the cut is visible only in usage
    assert reply.usage.completion_tokens == 6
    with pytest.raises(json.JSONDecodeError):
        json.loads(arguments)


def test_truncated_text_and_json_object_say_length(realserver: RealServer) -> None:
    for extra in ({}, {"response_format": {"type": "json_object", "schema": FACTS}}):
        reply = chat(realserver, max_tokens=6, **extra)
        assert reply.choices[0].finish_reason == "length"
        assert reply.usage.completion_tokens == 6


def test_max_completion_tokens_is_ignored(realserver: RealServer) -> None:
    reply = chat(realserver, max_tokens=None, max_completion_tokens=4)
    assert reply.usage.completion_tokens > 4


def test_stream_ends_without_usage_even_when_asked(realserver: RealServer) -> None:
    request: dict[str, Any] = {"max_tokens": 8, "stream_options": {"include_usage": True}}
    with client(realserver) as c:  # open while the stream is read
        chunks = list(
            c.chat.completions.create(model=realserver.model, messages=ASK, stream=True, **request)
        )
    assert all(chunk.usage is None for chunk in chunks)
    assert chunks[-1].choices[0].finish_reason == "length"


def test_prompt_over_the_context_is_a_400_naming_the_window(realserver_small: RealServer) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        chat(realserver_small, messages=[{"role": "user", "content": "hi " * 2000}], max_tokens=1)
    error = info.value.body
    assert isinstance(error, dict) and error["code"] == "context_length_exceeded"
    assert "maximum context length is 512 tokens" in error["message"]


def test_budget_over_the_context_is_cut_silently_to_fit(realserver_small: RealServer) -> None:
    repeat = [{"role": "user", "content": "Repeat this text. " + ARTICLE * 5}]
    reply = chat(realserver_small, messages=repeat, max_tokens=400)
    if reply.choices[0].finish_reason == "stop":
        pytest.skip("the model stopped before the context was full")
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage.completion_tokens < 400
    assert reply.usage.total_tokens == 512


def test_wrong_key_is_a_401_with_a_detail_body(realserver_keyed: RealServer) -> None:
    with pytest.raises(openai.AuthenticationError) as info, client(realserver_keyed, "wrong") as c:
        c.models.list()
    assert info.value.body == {"detail": "Invalid API key"}
    with client(realserver_keyed) as c:  # its own key
        assert [m.id for m in c.models.list().data] == ["smollm2"]
