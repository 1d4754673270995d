"""The LLM extractor: openai's async client driven through instructor, one profile each.

For one article it:
1. splits it into overlapping chunks when prompt + article + answer would not fit the
   profile's `context_window` (or the window a server reported in a context-length error);
2. renders the prompt (the article is a template variable, never template source) and asks
   for the draft with a token budget sized to the article;
3. retries transport faults (429, 5xx that are not refused requests, timeouts, dropped
   connections) with backoff, honouring Retry-After, shared across articles by a `RateGate`;
   a refused connection gets one quick retry; each attempt is cut at `timeout_s`;
4. re-asks an answer that does not validate or ground with its problems and the items they
   concern (never the whole answer), up to `max_reasks` times; an answer cut at its budget is
   `truncated` at once, never re-asked;
5. when the re-asks run out, keeps what is grounded in the last answer (`salvage`);
6. cleans what the model wrote (an echoed key redacted, lone surrogates replaced) and turns
   every failure into one `AgentError` naming the profile and endpoint, never the key;
7. gives the whole article `deadline_s` (all attempts, re-asks and waits).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2
import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    stop_any,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from agent.articles import Article
from agent.config import CHARS_PER_TOKEN, ModelProfile, Prices, ResolvedModel
from agent.errors import (
    AgentError,
    ContextLengthError,
    DeadlineError,
    EndpointUnreachableError,
    ModelError,
    RateLimitError,
    ResponseError,
    TransportError,
)
from agent.extractors.base import DraftOutcome, Meter
from agent.extractors.chunks import Chunk, merge_drafts
from agent.extractors.llm import speedups
from agent.extractors.llm.budget import Budgeting, Seen
from agent.extractors.llm.content import Redactor, clean_draft
from agent.extractors.llm.failures import api_error, unreachable_hint, where
from agent.extractors.llm.modes import INSTRUCTOR_MODES, request_options
from agent.extractors.llm.reask import Rejection, rejection_of
from agent.extractors.llm.salvage import parse_json, reply_text, salvage
from agent.extractors.llm.transport import (
    AttemptTimeout,
    RateGate,
    refused,
    retry_after,
    transient,
    unwrap,
)
from agent.extractors.prompts import Prompt, render_messages
from agent.grounding import ArticleIndex, Grounder
from agent.schema import ExtractionDraft, PromptInfo, Usage

NO_KEY = "sitrep-no-key"  # local servers accept any key; the openai client insists on one

# instructor wraps a plain model in a new ResponseSchema subclass on every call, so its cached
# tool schema never hits (~5 ms of JSON-schema generation per request); wrapped once here, the
# same class comes back each time and the schema is built once per process.
RESPONSE_MODEL = instructor.openai_schema(ExtractionDraft)


@dataclass
class Part:
    """One chunk of a long article: which one, and the events of the chunks before it (shown
    to the model under `carried` ids, which its references may name)."""

    label: str
    earlier: str = ""
    carried: dict[str, tuple[int, str]] = field(default_factory=dict)


@dataclass
class Answer:
    """One request's outcome: a grounded draft, or why the answer could not be used."""

    draft: ExtractionDraft | None = None
    rejection: Rejection | None = None
    completion: Any = None
    warnings: list[str] = field(default_factory=list)


class LLMExtractor:
    """Extraction through one OpenAI-compatible endpoint."""

    def __init__(
        self,
        resolved: ResolvedModel,
        prompt: Prompt,
        *,
        vague_table: str = "acled",
        gate: RateGate | None = None,
        strict: bool = False,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        """`http_client` replaces the openai client's own (provider batch jobs record and replay
        requests through an in-process transport)."""
        if resolved.profile is None:
            raise ValueError("LLMExtractor needs a model profile")
        self.profile: ModelProfile = resolved.profile
        self.prompt = prompt
        self.vague_table = vague_table
        self.gate = gate or RateGate()
        self.meter = Meter()
        secret = resolved.api_key.get_secret_value() if resolved.api_key else None
        self._redact = Redactor(secret)
        self._budgeting = Budgeting(self.profile, prompt, strict=strict)
        self._answered = False  # the endpoint has answered once in this run
        timeout = openai.Timeout(self.profile.timeout_s, connect=min(10.0, self.profile.timeout_s))
        self._openai = openai.AsyncOpenAI(
            api_key=secret or NO_KEY,
            base_url=self.profile.endpoint,
            timeout=timeout,
            max_retries=0,  # retries are ours: shared backoff, bounded wait, clear errors
            http_client=http_client,
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
        """What decides this extractor's answer (the response cache's key; never the key).
        A strict run judges prompts the server truncated itself, so it has keys of its own."""
        strict = {"strict": True} if self._budgeting.strict else {}
        return {
            **strict,
            "model": self.profile.model,
            "endpoint": self.profile.endpoint,
            "mode": self.profile.mode,
            "prompt_sha256": self.prompt.sha256,
            "vague_table": self.vague_table,
            "temperature": self.profile.temperature,
            "max_output_tokens": self.profile.max_output_tokens,
            "context_window": self.profile.context_window,
            "max_reasks": self.profile.max_reasks,
        }

    async def aclose(self) -> None:
        await self._openai.close()

    async def extract(self, article: Article) -> DraftOutcome:
        """One article through the model; raises an `AgentError` subclass on failure, whatever
        the server sent."""
        usage = Usage()
        deadline = self.profile.article_deadline
        try:
            return await asyncio.wait_for(self._extract(article, usage), deadline)
        except TimeoutError as exc:
            error: AgentError = DeadlineError(
                f"no result within deadline_s={deadline:g} from {where(self.profile)} "
                f"({usage.requests} requests): raise deadline_s or timeout_s for a slow model",
                profile=self.profile.name,
                endpoint=self.profile.endpoint,
            )
            error.__cause__ = exc
        except AgentError as exc:
            error = exc
        except Exception as exc:  # a reply that broke a library: one failed article
            error = ResponseError(
                f"unreadable reply from {where(self.profile)}: {type(exc).__name__}: "
                f"{self._redact(str(exc))[:240]}"
            )
            error.__cause__ = exc
        error.attempts = usage.requests
        raise error

    async def _extract(self, article: Article, usage: Usage) -> DraftOutcome:
        chunks = self._budgeting.chunks(article)
        if len(chunks) == 1:
            try:
                return await self._extract_text(article, usage)
            except ContextLengthError as exc:
                chunks = self._budgeting.learn_window(exc, article)
                if len(chunks) == 1:
                    raise
        parts: list[tuple[Chunk, DraftOutcome]] = []
        carried: dict[str, tuple[int, str]] = {}
        earlier: list[str] = []
        for n, chunk in enumerate(chunks):
            piece = Article(
                id=article.id,
                text=article.text[chunk.start : chunk.end],
                title=article.title,
                source=article.source,
                published=article.published,
            )
            part = Part(f"{n + 1} of {len(chunks)}", _earlier_text(earlier), dict(carried))
            outcome = await self._extract_text(piece, usage, part)
            parts.append((chunk, outcome))
            for event in outcome.draft.events:
                shown = f"P{len(carried) + 1}"
                carried[shown] = (n, event.id)
                where_when = "; ".join(x for x in (event.location, event.date_text) if x)
                earlier.append(f"{shown} ({event.event_type}; {where_when}): {event.summary}")
        merged = merge_drafts(parts, ArticleIndex(article.text), usage, carried)
        merged.warnings.insert(0, self._budgeting.chunk_note(len(chunks)))
        return merged

    async def _extract_text(
        self, article: Article, usage: Usage, part: Part | None = None
    ) -> DraftOutcome:
        """One text (a whole article or a chunk): ask, re-ask, salvage."""
        if part is None:
            messages, variables = render_messages(self.prompt, article)
        else:
            messages, variables = render_messages(
                self.prompt, article, part=part.label, earlier=part.earlier
            )
        external = {"events": set(part.carried)} if part is not None else {}
        index = ArticleIndex(article.text)
        budget = self._budgeting.budget(article)
        asked = list(messages)
        values = dict(variables)
        answer = Answer()
        for round_ in range(self.profile.max_reasks + 1):
            answer = await self._ask(asked, values, index, budget, usage, external)
            if answer.draft is not None:
                return self._keep(answer.draft, usage, index, answer.warnings)
            if round_ < self.profile.max_reasks and answer.rejection is not None:
                limit = int(self._budgeting.reask_allowance() * CHARS_PER_TOKEN)
                more, more_values = answer.rejection.messages(limit)
                asked, values = [*messages, *more], {**variables, **more_values}
        outcome = salvage(
            answer.completion,
            usage.requests,
            index,
            usage,
            profile=self.profile,
            table=self.vague_table,
            redact=self._redact,
            external=external,
        )
        return self._keep(outcome.draft, usage, index, outcome.warnings)

    def _keep(
        self, draft: ExtractionDraft, usage: Usage, index: ArticleIndex, warnings: list[str]
    ) -> DraftOutcome:
        cleaned = clean_draft(draft, self._redact)
        notes = [self._redact(w) for w in [*warnings, *cleaned]]
        return DraftOutcome(draft, usage, index, warnings=notes, attempts=usage.requests)

    async def _ask(
        self,
        messages: list[dict[str, str]],
        variables: dict[str, Any],
        index: ArticleIndex,
        budget: int,
        usage: Usage,
        external: dict[str, set[str]],
    ) -> Answer:
        """One answer, with transport retries; a cut answer is `truncated` at once."""
        seen = Seen()
        started = time.monotonic()
        attempts = 0
        retrying = AsyncRetrying(
            retry=retry_if_exception(transient),
            stop=stop_any(
                stop_after_attempt(self.profile.max_attempts),
                stop_after_delay(self.profile.max_total_wait_s),
                _stop_when_refused_twice,
            ),
            wait=self._wait,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    await self.gate.wait()
                    grounder = Grounder(index, table=self.vague_table, external=external)
                    draft, completion = await self._request(
                        messages, variables, grounder, budget, usage, seen
                    )
        except InstructorRetryException as exc:
            if transient(exc) or isinstance(exc.__cause__, openai.APIError):
                raise self._api_error(unwrap(exc), attempts, started) from exc
            self._budgeting.check_cut(seen, budget)
            return self._rejected(exc)
        except IncompleteOutputException as exc:
            self._budgeting.check_cut(seen, budget)
            raise self._budgeting.truncated(seen, budget) from exc
        except (openai.APIError, AttemptTimeout) as exc:
            raise self._api_error(exc, attempts, started) from exc
        self._budgeting.check_cut(seen, budget, answered=True)
        warnings = self._budgeting.prompt_warnings(seen, messages, variables)
        return Answer(draft=draft, completion=completion, warnings=warnings)

    async def _request(
        self,
        messages: list[dict[str, str]],
        variables: dict[str, Any],
        grounder: Grounder,
        budget: int,
        usage: Usage,
        seen: Seen,
    ) -> tuple[ExtractionDraft, Any]:
        """One HTTP request through instructor (no re-asks of its own), cut at `timeout_s`."""
        seen.reset()
        call = self.client.chat.completions.create_with_completion(
            model=self.profile.model,
            messages=messages,  # type: ignore[arg-type]
            response_model=RESPONSE_MODEL,
            context={**variables, "grounder": grounder},
            max_retries=0,  # one answer per call: re-asks are ours (short, never truncated)
            strict=False,  # "55" for 55: small local models do this
            hooks=seen.hooks(usage, self.meter, self._on_answer),
            temperature=self.profile.temperature,
            max_tokens=budget,
            **request_options(self.profile.mode, ExtractionDraft),
        )
        try:
            draft, completion = await asyncio.wait_for(call, self.profile.timeout_s)
        except TimeoutError as exc:
            raise AttemptTimeout() from exc
        return draft, completion

    def _on_answer(self) -> None:
        self._answered = True

    def _rejected(self, exc: InstructorRetryException) -> Answer:
        completion = exc.last_completion
        failed = exc.failed_attempts[-1].exception if exc.failed_attempts else exc.__cause__
        raw = reply_text(completion)
        rejection = rejection_of(failed or exc, raw, parse_json(raw))
        return Answer(rejection=rejection, completion=completion)

    def _api_error(self, exc: BaseException, attempts: int, started: float) -> ModelError:
        elapsed = time.monotonic() - started
        if isinstance(exc, AttemptTimeout):
            return TransportError(
                f"no answer within timeout_s={self.profile.timeout_s:g} from "
                f"{where(self.profile)} after {attempts} attempts in {elapsed:.1f} s",
                profile=self.profile.name,
                endpoint=self.profile.endpoint,
            )
        if refused(exc) and not self._answered:
            return EndpointUnreachableError(
                f"cannot connect to {where(self.profile)} (refused, {attempts} attempts in "
                f"{elapsed:.1f} s): {unreachable_hint(self.profile)}",
                profile=self.profile.name,
                endpoint=self.profile.endpoint,
            )
        if isinstance(exc, openai.APIStatusError):
            self._answered = True
        return api_error(exc, self.profile, attempts=attempts, elapsed=elapsed, redact=self._redact)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if exc is not None and refused(exc):
            return 0.25  # nothing listens there: one quick retry, then say so
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


class _RefusedTwice(stop_base):
    """Stop after two refused connections: nothing listens there."""

    def __call__(self, retry_state: RetryCallState) -> bool:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome else None
        return exc is not None and refused(exc) and retry_state.attempt_number >= 2


_stop_when_refused_twice = _RefusedTwice()


def _earlier_text(lines: list[str]) -> str:
    if not lines:
        return ""
    return (
        "Events found in the earlier parts of this article (name one in event_id when an "
        "item of this part belongs to it; list an event again only with words of this part):\n"
        + "\n".join(lines)
        + "\n"
    )
