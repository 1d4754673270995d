"""The only module that talks to a model: openai's async client driven through instructor.

One `LLMExtractor` per resolved profile. For one article it:
1. renders the prompt (article as a template variable, never as template source);
2. calls instructor with `ExtractionDraft` and a strict `Grounder` in the validation context,
   so an ungrounded quote or unsupported number is re-asked with a precise error
   (`max_reasks`);
3. retries transport faults (429, 5xx, timeouts, connection errors) with tenacity:
   exponential backoff with jitter, honouring Retry-After, bounded in attempts and time, and
   shared across concurrent articles through a `RateGate`;
4. when the re-asks run out, re-reads the last answer leniently: items that still fail are
   dropped with a warning, never returned ungrounded;
5. turns every failure into one `AgentError` that names the profile and endpoint, never the key.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
import textwrap
import time
from typing import Any

import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from instructor.core.hooks import Hooks
from instructor.v2.core import patch as instructor_patch
from instructor.v2.core import templating as instructor_templating
from instructor.v2.validation import async_validators as instructor_async_validators
from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment
from pydantic import ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from agent.articles import Article
from agent.config import ModelProfile, ResolvedModel
from agent.errors import (
    AgentError,
    ContextLengthError,
    ModelAuthError,
    ModelError,
    ModelRequestError,
    RateLimitError,
    RefusalError,
    ResponseError,
    TransportError,
    TruncatedError,
)
from agent.extractors.prompts import Prompt, render_messages
from agent.grounding import ArticleIndex, Grounder
from agent.schema import DraftOutcome, ExtractionDraft, PromptInfo, Usage

_MODES = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
NO_KEY = "sitrep-no-key"  # local servers accept any key; the openai client insists on one


# instructor wraps a plain model in a new ResponseSchema subclass on every call, so its cached
# tool schema never hits (~5 ms of JSON-schema generation per request); wrapped once here, the
# same class comes back each time and the schema is built once per process.
RESPONSE_MODEL = instructor.openai_schema(ExtractionDraft)


# Two more per-request costs of instructor 1.17 that depend on nothing in the request, done once
# here (together ~5 ms of an ~11 ms request, run on the event loop that every article shares):
# - it walks the response model's classes, fields and attributes for async validators about
#   six times per request; RESPONSE_MODEL is walked once, now (a failure would raise here);
# - it renders each message as a Jinja2 template in a new environment, compiling the template
#   every time; the same rendering (same sandbox, same dedent) with each template compiled once.
_reject_async_validators = instructor_async_validators.reject_async_validators
_reject_async_validators(RESPONSE_MODEL)
_JINJA = SandboxedEnvironment()


def _checked_once(response_model: Any) -> None:
    if response_model is not RESPONSE_MODEL:
        _reject_async_validators(response_model)


@functools.lru_cache(maxsize=64)
def _template(source: str) -> Template:
    return _JINJA.from_string(source)


def _apply_template(text: str, context: dict[str, Any]) -> str:
    return textwrap.dedent(_template(text).render(**context))


for _module, _name, _faster in (
    (instructor_async_validators, "reject_async_validators", _checked_once),
    (instructor_patch, "reject_async_validators", _checked_once),
    (instructor_templating, "apply_template", _apply_template),
):
    getattr(_module, _name)  # an instructor without it fails here, loudly
    setattr(_module, _name, _faster)


class RateGate:
    """Shared backoff: when any request is told to wait (429), every worker waits."""

    def __init__(self) -> None:
        self._open_at = 0.0

    def hold(self, seconds: float) -> None:
        self._open_at = max(self._open_at, time.monotonic() + seconds)

    async def wait(self) -> None:
        delay = self._open_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (retry-after-ms or Retry-After), if any."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue  # an HTTP date: fall back to our own backoff
    return None


def _unwrap(exc: BaseException) -> BaseException:
    """instructor wraps API errors; the openai exception is the cause."""
    if isinstance(exc, InstructorRetryException) and isinstance(exc.__cause__, openai.APIError):
        return exc.__cause__
    return exc


def _transient(exc: BaseException) -> bool:
    exc = _unwrap(exc)
    return isinstance(
        exc,
        openai.RateLimitError
        | openai.InternalServerError
        | openai.APITimeoutError
        | openai.APIConnectionError,
    ) or (isinstance(exc, openai.APIStatusError) and exc.status_code in (408, 409, 425))


class LLMExtractor:
    """Extraction through one OpenAI-compatible endpoint."""

    def __init__(
        self,
        resolved: ResolvedModel,
        prompt: Prompt,
        *,
        vague_table: str = "acled",
        gate: RateGate | None = None,
    ) -> None:
        if resolved.profile is None:
            raise ValueError("LLMExtractor needs a model profile")
        self.profile: ModelProfile = resolved.profile
        self.prompt = prompt
        self.vague_table = vague_table
        self.gate = gate or RateGate()
        self._secret = resolved.api_key.get_secret_value() if resolved.api_key else None
        timeout = openai.Timeout(self.profile.timeout_s, connect=min(10.0, self.profile.timeout_s))
        self._openai = openai.AsyncOpenAI(
            api_key=self._secret or NO_KEY,
            base_url=self.profile.endpoint,
            timeout=timeout,
            max_retries=0,  # retries are ours: shared backoff, bounded wait, clear errors
        )
        self.client = instructor.from_openai(self._openai, mode=_MODES[self.profile.mode])
        # instructor logs every failed attempt to stderr; sitrep reports failures itself
        quiet = logging.getLogger("instructor")
        if not any(isinstance(h, logging.NullHandler) for h in quiet.handlers):
            quiet.addHandler(logging.NullHandler())
        quiet.propagate = False

    @property
    def label(self) -> str:
        return self.profile.label

    @property
    def prompt_info(self) -> PromptInfo:
        return self.prompt.info

    @property
    def cache_identity(self) -> dict[str, Any]:
        """What decides this extractor's answer (the response cache's key; never the key)."""
        return {
            "model": self.profile.model,
            "endpoint": self.profile.endpoint,
            "mode": self.profile.mode,
            "prompt_sha256": self.prompt.sha256,
            "vague_table": self.vague_table,
            "temperature": self.profile.temperature,
            "max_output_tokens": self.profile.max_output_tokens,
            "max_reasks": self.profile.max_reasks,
        }

    def _where(self) -> str:
        return f"profile {self.profile.name!r} at {self.profile.endpoint}"

    def _redact(self, text: str) -> str:
        if self._secret and len(self._secret) >= 4:
            text = text.replace(self._secret, "[redacted]")
        return re.sub(r"\b(sk-[A-Za-z0-9_-]{6})[A-Za-z0-9_-]+", r"\1…", text)

    async def aclose(self) -> None:
        await self._openai.close()

    async def extract(self, article: Article) -> DraftOutcome:
        """One article through the model; raises an `AgentError` subclass on failure."""
        usage = Usage()
        try:
            return await self._extract(article, usage)
        except AgentError as exc:
            exc.attempts = usage.requests
            raise

    async def _extract(self, article: Article, usage: Usage) -> DraftOutcome:
        attempts = 0

        def count_request(*_: Any, **__: Any) -> None:
            usage.requests += 1

        def add_usage(response: Any) -> None:
            got = getattr(response, "usage", None)
            if got is not None:
                usage.prompt_tokens += int(getattr(got, "prompt_tokens", 0) or 0)
                usage.completion_tokens += int(getattr(got, "completion_tokens", 0) or 0)

        hooks = Hooks()
        hooks.on("completion:kwargs", count_request)
        hooks.on("completion:response", add_usage)
        messages, variables = render_messages(self.prompt, article)
        index = ArticleIndex(article.text)
        started = time.monotonic()

        retrying = AsyncRetrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(self.profile.max_attempts)
            | stop_after_delay(self.profile.max_total_wait_s),
            wait=self._wait,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    await self.gate.wait()
                    grounder = Grounder(index, table=self.vague_table)
                    draft, _ = await self.client.chat.completions.create_with_completion(
                        model=self.profile.model,
                        messages=messages,  # type: ignore[arg-type]
                        response_model=RESPONSE_MODEL,
                        context={**variables, "grounder": grounder},
                        max_retries=self.profile.max_reasks,
                        strict=False,  # "55" for 55: small local models do this
                        hooks=hooks,
                        temperature=self.profile.temperature,
                        **self._token_limit(),
                    )
        except InstructorRetryException as exc:
            if _transient(exc) or isinstance(exc.__cause__, openai.APIError):
                raise self._api_error(_unwrap(exc), attempts, time.monotonic() - started) from None
            return self._salvage(exc, index, usage)
        except IncompleteOutputException:
            raise TruncatedError(
                "the model stopped at its output-token limit (finish_reason=length); raise "
                f"max_output_tokens for {self._where()} or use a shorter article"
            ) from None
        except openai.APIError as exc:
            raise self._api_error(exc, attempts, time.monotonic() - started) from None
        except AgentError:
            raise
        except Exception as exc:  # instructor/pydantic on a reply it cannot read at all
            raise ResponseError(
                f"unreadable reply from {self._where()}: {self._redact(type(exc).__name__)}: "
                f"{self._redact(str(exc))[:300]}"
            ) from None
        return DraftOutcome(draft=draft, usage=usage, attempts=attempts, index=index)

    def _token_limit(self) -> dict[str, Any]:
        if self.profile.max_output_tokens is None:
            return {}
        return {"max_tokens": self.profile.max_output_tokens}

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after(_unwrap(exc)) if exc else None
        if asked is not None:
            if asked > self.profile.max_retry_wait_s:
                raise RateLimitError(
                    f"{self._where()} asked to wait {asked:g} s, longer than max_retry_wait_s="
                    f"{self.profile.max_retry_wait_s:g}; try later or raise the limit"
                )
            self.gate.hold(asked)
            return asked
        backoff = wait_exponential_jitter(
            multiplier=0.5, max=self.profile.max_retry_wait_s, jitter=0.5
        )
        delay: float = backoff(state)
        if isinstance(_unwrap(exc) if exc else None, openai.RateLimitError):
            self.gate.hold(delay)
        return delay

    def _api_error(self, exc: BaseException, attempts: int, elapsed: float) -> ModelError:
        where = self._where()
        tries = f"after {attempts} attempt{'s' if attempts != 1 else ''} in {elapsed:.1f} s"
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            key = f"${self.profile.api_key_env}" if self.profile.api_key_env else "the key"
            return ModelAuthError(
                f"authentication failed (HTTP {exc.status_code}) for {where}: check {key}"
            )
        if isinstance(exc, openai.RateLimitError):
            return RateLimitError(f"rate limited (HTTP 429) by {where} {tries}")
        if isinstance(exc, openai.APITimeoutError):
            return TransportError(
                f"no answer within timeout_s={self.profile.timeout_s:g} from {where} {tries}"
            )
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__
            if cause is not None and type(cause).__name__ != "ConnectError":
                return TransportError(
                    f"the connection to {where} broke off ({self._redact(str(cause))[:120]}) "
                    f"{tries}"
                )
            return TransportError(f"cannot connect to {where} {tries}")
        if isinstance(exc, openai.InternalServerError):
            return TransportError(f"server error (HTTP {exc.status_code}) from {where} {tries}")
        if isinstance(exc, openai.APIStatusError):
            detail = self._redact(_error_text(exc))
            if exc.status_code == 400 and re.search(
                r"context|too long|maximum.*tokens", detail, re.I
            ):
                return ContextLengthError(
                    f"the article is too long for the model's context window ({where}): "
                    "split the input or use a profile with a larger context"
                )
            if exc.status_code == 404:
                return ModelRequestError(
                    f"model {self.profile.model!r} not found at {self.profile.endpoint} "
                    f"(profile {self.profile.name!r})"
                )
            return ModelRequestError(
                f"request rejected (HTTP {exc.status_code}) by {where}: {detail}"
            )
        return TransportError(f"{type(exc).__name__} from {where}: {self._redact(str(exc))[:200]}")

    def _salvage(
        self, exc: InstructorRetryException, index: ArticleIndex, usage: Usage
    ) -> DraftOutcome:
        """The re-asks ran out: keep what is grounded in the last answer, drop the rest."""
        attempts = int(getattr(exc, "n_attempts", 0) or 0)
        completion = getattr(exc, "last_completion", None)
        raw = _reply_text(completion)
        if raw is None:
            raise ResponseError(
                f"no usable answer from {self._where()} after {attempts} attempts: the reply "
                "was empty"
            ) from None
        data = _parse_json(raw)
        if data is None:
            if re.search(r"\b(?:I can(?:no|')t|I'm sorry|I am unable|cannot assist)\b", raw):
                raise RefusalError(
                    f"the model refused ({self._where()}): {self._redact(raw)[:160]!r}"
                ) from None
            what = (
                "the model answered in text without calling the tool"
                if self.profile.mode == "tools" and not _has_tool_call(completion)
                else "the model's answer is not JSON"
            )
            raise ResponseError(
                f"{what} after {attempts} attempts ({self._where()}): {self._redact(raw)[:160]!r}"
            ) from None
        dropped = _drop_invalid_items(data)
        grounder = Grounder(index, table=self.vague_table, lenient=True, warnings=dropped)
        try:
            draft = ExtractionDraft.model_validate(data, context={"grounder": grounder})
        except ValidationError as verr:
            first = verr.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ResponseError(
                f"the model's answer does not fit the schema after {attempts} attempts "
                f"({self._where()}): {where}: {first['msg']}"
            ) from None
        warnings = list(grounder.warnings)
        if self.profile.mode == "json" and "```" in raw:
            warnings.append(
                f"the model wraps its JSON in ``` fences, which mode json re-asks for "
                f"({attempts} requests here): mode md_json reads them at once"
            )
        return DraftOutcome(
            draft=draft, usage=usage, warnings=warnings, attempts=attempts, index=index
        )


def _error_text(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message") or body.get("error", {})
        if isinstance(message, dict):
            message = message.get("message")
        if message:
            return str(message)[:300]
    return str(exc.message)[:300]


_ITEM_LISTS = ("events", "casualties", "causes")


def _drop_invalid_items(data: Any) -> list[str]:
    """Remove the items of a parsed answer that do not fit the schema; one warning each.

    References to a removed item are cleared. When a problem is not inside an item (a list is
    missing, the answer is not an object), nothing is removed and the caller reports it.
    """
    try:
        ExtractionDraft.model_validate(data)  # the schema alone: no grounding context
        return []
    except ValidationError as verr:
        bad: dict[tuple[str, int], list[str]] = {}
        for err in verr.errors():
            loc = err["loc"]
            if len(loc) < 2 or loc[0] not in _ITEM_LISTS or not isinstance(loc[1], int):
                return []
            where = ".".join(str(p) for p in loc[2:]) or "item"
            bad.setdefault((str(loc[0]), loc[1]), []).append(f"{where}: {err['msg']}")
    warnings: list[str] = []
    removed: dict[str, set[str]] = {kind: set() for kind in _ITEM_LISTS}
    for kind in _ITEM_LISTS:
        items = data[kind]
        kept = []
        for i, item in enumerate(items):
            item_id = item.get("id") if isinstance(item, dict) else None
            if (kind, i) in bad:
                warnings.append(f"dropped {kind}[{i}] ({item_id}): " + "; ".join(bad[(kind, i)]))
                removed[kind].add(str(item_id))
            else:
                kept.append(item)
        data[kind] = kept
        removed[kind] -= {str(item.get("id")) for item in kept if isinstance(item, dict)}
    for kind, key, target in (
        ("casualties", "event_id", "events"),
        ("causes", "event_id", "events"),
        ("casualties", "part_of", "casualties"),
    ):
        for item in data[kind]:
            ref = item.get(key) if isinstance(item, dict) else None
            if ref is not None and str(ref) in removed[target]:
                warnings.append(f"{item.get('id')}: cleared {key} {item[key]!r} (dropped)")
                item[key] = None
    return warnings


def _has_tool_call(completion: Any) -> bool:
    choices = getattr(completion, "choices", None)
    return bool(choices and getattr(choices[0].message, "tool_calls", None))


def _reply_text(completion: Any) -> str | None:
    """The raw answer of a chat completion: tool-call arguments, else the message text."""
    choices = getattr(completion, "choices", None)
    if not choices:
        return None
    message = choices[0].message
    calls = getattr(message, "tool_calls", None) or []
    for call in calls:
        arguments = getattr(getattr(call, "function", None), "arguments", None)
        if arguments:
            return str(arguments)
    content = getattr(message, "content", None)
    return str(content) if content else None


def _parse_json(raw: str) -> Any:
    fenced = re.search(r"```(?:json)?\s*(.*?)```", raw, re.DOTALL)
    for candidate in (raw, fenced.group(1) if fenced else None):
        if candidate is None:
            continue
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    return None
