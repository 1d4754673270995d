"""A provider batch's answers, read exactly as realtime answers: the real extractor, replayed.

`ReplayExtractor` runs the real `LLMExtractor` (openai client, instructor, validation,
grounding, re-asks, salvage, chunks) against an in-process transport. Each request it sends
is named as in the batch file (`recording.request_id`) and answered from the `AnswerBook`
(the batch's requests and responses):

- a prepared request with a 200 answer gets that answer: from there on everything is the
  realtime path, so a batch result equals a realtime result for the same answer;
- a request no batch holds is a re-ask: it goes to the profile's endpoint (realtime), or,
  with `capture`, is handed over for a second batch and the article waits (`reask_batch`);
- a prepared request without an answer (`no_response`), answered with an error (its realtime
  kind: `transport`, `bad_request`, ...; `batch_expired` / `batch_error` when the batch never
  ran it), or an article whose first request is not the one prepared (`batch_mismatch`: its
  title or id, or sitrep, changed since) fails that article with one `BatchAnswerError`.

The transport learns which article a request belongs to from a context variable set for the
task that extracts it, so one extractor serves many articles at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NoReturn, Protocol

import httpx2
import openai

from agent.articles import Article
from agent.config import Prices, ResolvedModel
from agent.errors import AgentError, BatchAnswerError, ModelError
from agent.extractors.base import DraftOutcome, Meter
from agent.extractors.llm.content import Redactor
from agent.extractors.llm.extractor import LLMExtractor
from agent.extractors.llm.failures import api_error
from agent.extractors.llm.recording import body_digest, request_id
from agent.extractors.prompts import Prompt
from agent.schema import PromptInfo


@dataclass(frozen=True)
class StoredResponse:
    """One line of a responses file: an HTTP answer, or why the batch gave none."""

    status: int | None  # None: the batch never ran the request
    body: Any = None
    error_code: str | None = None
    error_message: str | None = None


class AnswerBook(Protocol):
    """The requests prepared for a batch and the answers it gave, by `custom_id`."""

    def prepared(self, custom_id: str) -> str | None:
        """The digest of the body prepared under `custom_id`, if any."""
        ...

    def answer(self, custom_id: str) -> StoredResponse | None: ...


@dataclass
class _Turn:
    """One article being replayed."""

    key: str
    sent: int = 0
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    error: AgentError | None = None


_TURN: contextvars.ContextVar[_Turn] = contextvars.ContextVar("sitrep_replay_turn")
_STATUS_ERRORS: dict[int, type[openai.APIStatusError]] = {
    400: openai.BadRequestError,
    401: openai.AuthenticationError,
    403: openai.PermissionDeniedError,
    404: openai.NotFoundError,
    409: openai.ConflictError,
    422: openai.UnprocessableEntityError,
    429: openai.RateLimitError,
}


class ReplayExtractor:
    """The extractor of one profile, answered from a batch (see the module docstring)."""

    def __init__(
        self,
        resolved: ResolvedModel,
        prompt: Prompt,
        book: AnswerBook,
        key_of: Callable[[Article], str],
        *,
        vague_table: str,
        strict: bool = False,
        capture: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        if resolved.profile is None:
            raise ValueError("ReplayExtractor needs a model profile")
        self.profile = resolved.profile
        secret = resolved.api_key.get_secret_value() if resolved.api_key else None
        self._redact = Redactor(secret)
        self._book = book
        self._key_of = key_of
        self._transport = _ReplayTransport(self, capture)
        self._inner = LLMExtractor(
            resolved,
            prompt,
            vague_table=vague_table,
            strict=strict,
            http_client=httpx2.AsyncClient(transport=self._transport),
        )

    @property
    def label(self) -> str:
        return self._inner.label

    @property
    def prompt_info(self) -> PromptInfo:
        return self._inner.prompt_info

    @property
    def cache_identity(self) -> dict[str, Any]:
        return self._inner.cache_identity

    @property
    def prices(self) -> Prices:
        return self._inner.prices

    @property
    def meter(self) -> Meter:
        return self._inner.meter

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def extract(self, article: Article) -> DraftOutcome:
        key = self._key_of(article)
        if self._book.prepared(key) is None:
            raise BatchAnswerError(
                f"no request {key} in the requests files: the article was not prepared",
                kind="not_in_batch",
            )
        turn = _Turn(key)
        context = contextvars.copy_context()
        context.run(_TURN.set, turn)
        task = asyncio.create_task(self._inner.extract(article), context=context)
        stop = asyncio.create_task(turn.stopped.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                return task.result()
        finally:
            for pending in (task, stop):
                if not pending.done():
                    pending.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await pending
        error = turn.error or BatchAnswerError("the replay stopped", kind="batch_error")
        error.attempts = turn.sent
        raise error

    # --- what the transport decides ---------------------------------------------------------

    def route(self, turn: _Turn, body: dict[str, Any]) -> StoredResponse | AgentError | None:
        """A stored 200 to replay, an error that ends the article, or None: a new request."""
        digest = body_digest(body)
        first = turn.sent == 0
        turn.sent += 1
        custom_id = request_id(turn.key, digest, first=first)
        prepared = self._book.prepared(custom_id)
        if first and prepared != digest:  # an article repeated under another id or title
            again = request_id(turn.key, digest, first=False)
            if self._book.prepared(again) == digest:
                custom_id, prepared = again, digest
        if prepared is None and not first:
            return None
        if prepared != digest:
            return self.failure(
                f"the request sitrep sends now for {custom_id} is not the one in the requests "
                "file (the article's title or id, or sitrep, changed since `sitrep batch "
                "prepare`): prepare and submit it again",
                "batch_mismatch",
            )
        stored = self._book.answer(custom_id)
        if stored is None:
            return self.failure(
                f"no response to request {custom_id} in the responses files (the batch "
                "expired, was cancelled or has not finished): fetch it, or prepare it again",
                "no_response",
            )
        if stored.status == 200 and isinstance(stored.body, dict):
            return stored
        return self._stored_error(stored, custom_id)

    def failure(self, message: str, kind: str) -> BatchAnswerError:
        return BatchAnswerError(
            message, kind=kind, profile=self.profile.name, endpoint=self.profile.endpoint
        )

    def _stored_error(self, stored: StoredResponse, custom_id: str) -> AgentError:
        if stored.status is None or stored.status == 200:
            code = stored.error_code or "error"
            said = self._redact(stored.error_message or "no answer body")[:240]
            kind = "batch_expired" if code == "batch_expired" else "batch_error"
            return self.failure(f"the batch did not run request {custom_id} ({code}): {said}", kind)
        request = httpx2.Request("POST", f"{self.profile.endpoint}/chat/completions")
        response = httpx2.Response(stored.status, json=stored.body, request=request)
        cls = _STATUS_ERRORS.get(stored.status, openai.APIStatusError)
        if stored.status >= 500:
            cls = openai.InternalServerError
        said = _message_of(stored.body)
        exc = cls(said, response=response, body=stored.body)
        error: ModelError = api_error(
            exc, self.profile, attempts=1, elapsed=0.0, redact=self._redact
        )
        error.message = f"in the batch ({custom_id}): {error.message}"
        error.args = (error.message,)
        error.stops_run = False  # answered already: the other articles have their own answers
        return error


def _message_of(body: Any) -> str:
    if isinstance(body, Mapping):
        inner = body.get("error")
        if isinstance(inner, Mapping) and inner.get("message"):
            return str(inner["message"])
    return json.dumps(body)[:240]


class _ReplayTransport(httpx2.AsyncBaseTransport):
    """Answers the replayed extractor's requests (see `ReplayExtractor.route`)."""

    def __init__(
        self, owner: ReplayExtractor, capture: Callable[[str, dict[str, Any]], None] | None
    ) -> None:
        self._owner = owner
        self._capture = capture
        self._network = httpx2.AsyncHTTPTransport() if capture is None else None

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        turn = _TURN.get()
        body: dict[str, Any] = json.loads(await request.aread())
        routed = self._owner.route(turn, body)
        if isinstance(routed, StoredResponse):
            return httpx2.Response(200, json=routed.body)
        if isinstance(routed, AgentError):
            await _stop(turn, routed)
        if self._capture is not None:
            custom_id = request_id(turn.key, body_digest(body), first=False)
            self._capture(custom_id, body)
            written = f"re-ask {custom_id} written for the next batch"
            await _stop(turn, self._owner.failure(written, "reask_batch"))
        if self._network is None:  # capturing: every new request was handed over above
            raise RuntimeError("no network transport for a replay that captures re-asks")
        return await self._network.handle_async_request(request)

    async def aclose(self) -> None:
        if self._network is not None:
            await self._network.aclose()


async def _stop(turn: _Turn, error: AgentError) -> NoReturn:
    """End this article: its extraction waits here until `ReplayExtractor.extract` cancels it."""
    turn.error = error
    turn.stopped.set()
    await asyncio.Event().wait()
    raise AssertionError("unreachable: the extraction is cancelled")  # pragma: no cover
