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

import re
import time
from typing import Any

import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from instructor.core.hooks import Hooks
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from agent.articles import Article
from agent.config import ModelProfile, Prices, ResolvedModel, output_budget
from agent.errors import (
    AgentError,
    ModelError,
    RateLimitError,
    ResponseError,
    TruncatedError,
)
from agent.extractors.base import DraftOutcome
from agent.extractors.llm import speedups
from agent.extractors.llm.failures import api_error, where
from agent.extractors.llm.modes import INSTRUCTOR_MODES, request_options
from agent.extractors.llm.salvage import salvage
from agent.extractors.llm.transport import RateGate, retry_after, transient, unwrap
from agent.extractors.prompts import Prompt, render_messages
from agent.grounding import ArticleIndex, Grounder
from agent.schema import ExtractionDraft, PromptInfo, Usage

NO_KEY = "sitrep-no-key"  # local servers accept any key; the openai client insists on one


# instructor wraps a plain model in a new ResponseSchema subclass on every call, so its cached
# tool schema never hits (~5 ms of JSON-schema generation per request); wrapped once here, the
# same class comes back each time and the schema is built once per process.
RESPONSE_MODEL = instructor.openai_schema(ExtractionDraft)


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
        self.client = instructor.from_openai(self._openai, mode=INSTRUCTOR_MODES[self.profile.mode])
        speedups.apply(RESPONSE_MODEL)

    @property
    def label(self) -> str:
        return self.profile.label

    @property
    def prompt_info(self) -> PromptInfo:
        return self.prompt.info

    @property
    def prices(self) -> Prices:
        return self.profile.prices

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
            retry=retry_if_exception(transient),
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
                        **self._token_limit(article),
                        **request_options(self.profile.mode, ExtractionDraft),
                    )
        except InstructorRetryException as exc:
            if transient(exc) or isinstance(exc.__cause__, openai.APIError):
                raise self._api_error(unwrap(exc), attempts, started) from exc
            return salvage(
                exc, index, usage, profile=self.profile, table=self.vague_table, redact=self._redact
            )
        except IncompleteOutputException as exc:
            raise TruncatedError(
                "the model stopped at its output-token limit (finish_reason=length); raise "
                f"max_output_tokens for {where(self.profile)} or use a shorter article"
            ) from exc
        except openai.APIError as exc:
            raise self._api_error(exc, attempts, started) from exc
        except AgentError:
            raise
        except Exception as exc:  # instructor/pydantic on a reply it cannot read at all
            raise ResponseError(
                f"unreadable reply from {where(self.profile)}: "
                f"{self._redact(type(exc).__name__)}: {self._redact(str(exc))[:300]}"
            ) from exc
        return DraftOutcome(draft=draft, usage=usage, attempts=attempts, index=index)

    def _token_limit(self, article: Article) -> dict[str, Any]:
        return {"max_tokens": output_budget(self.profile, article.text)}

    def _api_error(self, exc: BaseException, attempts: int, started: float) -> ModelError:
        elapsed = time.monotonic() - started
        return api_error(exc, self.profile, attempts=attempts, elapsed=elapsed, redact=self._redact)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after(unwrap(exc)) if exc else None
        if asked is not None:
            if asked > self.profile.max_retry_wait_s:
                limit = self.profile.max_retry_wait_s
                raise RateLimitError(
                    f"{where(self.profile)} asked to wait {asked:g} s, longer than "
                    f"max_retry_wait_s={limit:g}; try later or raise the limit"
                )
            self.gate.hold(asked)
            return asked
        backoff = wait_exponential_jitter(
            multiplier=0.5, max=self.profile.max_retry_wait_s, jitter=0.5
        )
        delay: float = backoff(state)
        if isinstance(unwrap(exc) if exc else None, openai.RateLimitError):
            self.gate.hold(delay)
        return delay
