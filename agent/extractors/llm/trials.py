"""One tiny structured request in a given mode, as extraction would send it, and what came of it.

The request goes through instructor with the mode's own options (`modes.request_options`), so
a mode that works here is asked for the same way an article is. The question is a 2-sentence
text and a 2-field schema (`ProbeFacts`); one attempt, no re-ask. The raw reply is read through
instructor's `completion:response` hook, so finish_reason and usage are known whether or not
the answer parsed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from instructor.core.hooks import Hooks
from pydantic import BaseModel, Field, ValidationError

from agent.extractors.llm.modes import INSTRUCTOR_MODES, request_options
from agent.extractors.llm.reasons import redact, server_reason, shorten

# modes that ask the server to constrain decoding to the schema (json and md_json only put
# the schema in the prompt)
CONSTRAINING = frozenset({"json_schema", "json_object_schema", "tools"})
CUT_MAX_TOKENS = 4
PROBE_TEXT = (
    "Shelling killed four people in the town of Kupiansk on Monday, regional officials said. "
    "Nine others were wounded."
)
MESSAGES: Any = [
    {"role": "system", "content": "Extract the facts asked for from the user's text."},
    {"role": "user", "content": PROBE_TEXT},
]


class ProbeFacts(BaseModel):
    """The place and the death toll of the event in the text."""

    place: str = Field(description="the town the text names")
    killed: int = Field(description="how many people were killed")


class ModeCheck(BaseModel):
    """How one mode fared."""

    mode: str
    accepted: bool = False  # the server answered the request (HTTP 200)
    works: bool = False  # ... and the answer parsed and fit the schema
    constrained: bool = False  # ... in a mode that constrains decoding to the schema
    http_status: int | None = None  # of a refusal
    reason: str | None = None  # the server's reason for a refusal, or what the answer lacked
    finish_reason: str | None = None
    usage: bool | None = None  # the reply carried token counts (None: no reply)
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        if self.works:
            if self.constrained:
                return "works, constrained to the schema"
            return "works, not constrained (the schema is only in the prompt)"
        if self.http_status is not None:
            return f"refused (HTTP {self.http_status}): {self.reason}"
        if not self.accepted:
            return f"failed: {self.reason}"
        return f"accepted, but {self.reason}"


class TruncationCheck(BaseModel):
    """Whether an answer cut at max_tokens is reported as such (finish_reason 'length')."""

    mode: str
    max_tokens: int
    finish_reason: str | None = None
    completion_tokens: int | None = None
    honest: bool | None = None  # None: the answer was not cut, or there was no reply


@dataclass(frozen=True)
class Target:
    """Where the probe asks, and what every request carries as extraction would."""

    client: openai.AsyncOpenAI
    model: str
    temperature: float = 0.0
    secret: str | None = None  # the key, to redact from what the server says
    timeout_s: float = 60.0  # one request


async def _ask(target: Target, mode: str, max_tokens: int, replies: list[Any]) -> Exception | None:
    """Send the probe question in `mode`; the raw replies land in `replies`."""
    hooks = Hooks()
    hooks.on("completion:response", replies.append)
    patched = instructor.from_openai(target.client, mode=INSTRUCTOR_MODES[mode])
    try:
        await patched.chat.completions.create(
            model=target.model,
            messages=MESSAGES,
            response_model=ProbeFacts,
            max_retries=0,  # one attempt: a probe reports, it does not re-ask
            strict=False,
            hooks=hooks,
            temperature=target.temperature,
            max_tokens=max_tokens,
            timeout=target.timeout_s,
            **request_options(mode, ProbeFacts),
        )
    except Exception as exc:  # every failure is a finding, reported below
        return exc
    return None


def _finish(reply: Any) -> tuple[str | None, int | None, bool | None]:
    """finish_reason, completion_tokens, and whether usage was reported, of a raw reply."""
    if reply is None:
        return None, None, None
    choices = getattr(reply, "choices", None) or []
    finish = getattr(choices[0], "finish_reason", None) if choices else None
    usage = getattr(reply, "usage", None)
    completion = getattr(usage, "completion_tokens", None) if usage is not None else None
    prompt = getattr(usage, "prompt_tokens", None) if usage is not None else None
    return finish, completion, bool(usage is not None and (prompt or completion))


def _answer_text(reply: Any) -> str:
    """What the model wrote: the tool call's arguments, else the message content."""
    try:
        message = reply.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return ""
    calls = getattr(message, "tool_calls", None) or []
    if calls:
        return str(calls[0].function.arguments or "")
    return str(getattr(message, "content", None) or "")


def _answer_problem(mode: str, exc: Exception, reply: Any, secret: str | None) -> str:
    """What was wrong with an answer the server gave, in a few words and a snippet."""
    cause = exc.__cause__ if isinstance(exc, InstructorRetryException) else exc
    text = _answer_text(reply)
    more = "…" if len(text) > 60 else ""
    snippet = f"'{shorten(text[:60], secret)}{more}'" if text.strip() else "an empty answer"
    if mode == "tools" and reply is not None and not reply.choices[0].message.tool_calls:
        return f"the answer has no tool call (tool_choice ignored): {snippet}"
    if isinstance(cause, ValidationError) and cause.errors():
        first = cause.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "answer"
        return f"the answer does not fit the schema ({where}: {first.get('msg')}): {snippet}"
    if isinstance(cause, json.JSONDecodeError):
        return f"the answer is not JSON: {snippet}"
    return f"the answer could not be read ({type(cause).__name__}): {snippet}"


async def try_mode(target: Target, mode: str, max_tokens: int) -> ModeCheck:
    """One probe request in `mode` and what came of it."""
    started = time.monotonic()
    secret = target.secret
    replies: list[Any] = []
    exc = await _ask(target, mode, max_tokens, replies)
    reply = replies[-1] if replies else None
    finish, completion, usage = _finish(reply)
    check = ModeCheck(mode=mode, finish_reason=finish, usage=usage)
    api = exc.__cause__ if isinstance(exc, InstructorRetryException) else exc
    if isinstance(api, openai.APIStatusError):
        check.http_status, check.reason = api.status_code, server_reason(api, secret)
    elif isinstance(api, openai.APITimeoutError):
        check.reason = f"no answer within {target.timeout_s:g} s (a model still loading?)"
    elif isinstance(api, openai.APIConnectionError):
        check.reason = f"the connection failed ({redact(str(api.__cause__ or api), secret)[:120]})"
    else:
        check.accepted = reply is not None or exc is None
        cut = finish == "length" or (completion is not None and completion >= max_tokens)
        if exc is None:
            check.works = True
            check.constrained = mode in CONSTRAINING
        elif cut or isinstance(exc, IncompleteOutputException):
            check.reason = f"the answer was cut at max_tokens={max_tokens} (finish_reason={finish})"
        else:
            check.reason = _answer_problem(mode, exc, reply, secret)
    check.seconds = round(time.monotonic() - started, 2)
    return check


async def try_truncation(target: Target, mode: str) -> TruncationCheck:
    """Ask in `mode` with a budget too small for any answer: does the reply say 'length'?"""
    replies: list[Any] = []
    await _ask(target, mode, CUT_MAX_TOKENS, replies)
    finish, completion, _ = _finish(replies[-1] if replies else None)
    honest: bool | None = None
    if finish == "length":
        honest = True
    elif completion is not None and completion >= CUT_MAX_TOKENS:
        honest = False
    return TruncationCheck(
        mode=mode,
        max_tokens=CUT_MAX_TOKENS,
        finish_reason=finish,
        completion_tokens=completion,
        honest=honest,
    )
