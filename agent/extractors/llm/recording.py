"""The requests the realtime path would send for an article, for a provider batch file.

Nothing here shapes a request: the real `LLMExtractor` runs, through the real openai client
and instructor, against an in-process transport that records each request body and answers
it with an empty extraction in the shape the mode expects (so the extraction ends after one
request per chunk, with nothing to re-ask). A batch request is therefore exactly what a
realtime run sends for that profile, prompt and mode: messages, schema or tools, token
budget, temperature, `extra_body`.

Each request of a batch file is named by its `custom_id`: an article's first request by the
article's response-cache key, any other request (the next chunk of a long article, a re-ask,
the requests of a second article with the same key: the same text and date under another id
or title) by `<key>:<16 hex digits of the sha256 of its body>`. The same rule names the
requests a replay meets, so a body always finds its answer.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import httpx2

from agent.articles import Article
from agent.config import ResolvedModel
from agent.extractors.llm.extractor import LLMExtractor
from agent.extractors.prompts import Prompt

BATCH_URL = "/v1/chat/completions"  # the endpoint every line of a batch file names
EMPTY_DRAFT = json.dumps({"events": [], "casualties": [], "causes": []})

_RECORDED: contextvars.ContextVar[list[dict[str, Any]]] = contextvars.ContextVar(
    "sitrep_recorded_requests"
)


def body_digest(body: Mapping[str, Any]) -> str:
    """The sha256 of a request body in canonical JSON (sorted keys, no spaces)."""
    blob = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def request_id(key: str, digest: str, *, first: bool) -> str:
    """The `custom_id` of one request of the article whose cache key is `key`."""
    return key if first else f"{key}:{digest[:16]}"


def stub_completion(body: Mapping[str, Any]) -> dict[str, Any]:
    """An empty extraction answering `body`: a tool call when it offers tools, else text."""
    message: dict[str, Any] = {"role": "assistant", "content": EMPTY_DRAFT}
    finish = "stop"
    tools = body.get("tools")
    if tools:
        name = tools[0].get("function", {}).get("name", "ExtractionDraft")
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_0", "type": "function",
                 "function": {"name": name, "arguments": EMPTY_DRAFT}}
            ],
        }  # fmt: skip
        finish = "tool_calls"
    return {
        "id": "chatcmpl-recorded",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", ""),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
    }


class RequestRecorder:
    """The realtime extractor of one profile, recording instead of sending."""

    def __init__(
        self, resolved: ResolvedModel, prompt: Prompt, *, vague_table: str, strict: bool = False
    ) -> None:
        client = httpx2.AsyncClient(transport=httpx2.MockTransport(self._answer))
        self._extractor = LLMExtractor(
            resolved, prompt, vague_table=vague_table, strict=strict, http_client=client
        )

    @property
    def cache_identity(self) -> dict[str, Any]:
        return self._extractor.cache_identity

    @property
    def model(self) -> str:
        return self._extractor.profile.model

    async def requests(self, article: Article) -> list[dict[str, Any]]:
        """The request bodies a realtime extraction of `article` starts with, in order (one,
        or one per chunk); raises the `AgentError` a realtime run would raise before sending
        (an article that cannot fit the context window)."""
        bodies: list[dict[str, Any]] = []
        token = _RECORDED.set(bodies)
        try:
            await self._extractor.extract(article)
        finally:
            _RECORDED.reset(token)
        return bodies

    def _answer(self, request: httpx2.Request) -> httpx2.Response:
        body: dict[str, Any] = json.loads(request.content)
        _RECORDED.get().append(body)
        return httpx2.Response(200, json=stub_completion(body))

    async def aclose(self) -> None:
        await self._extractor.aclose()
