"""An openai exception -> one `ModelError` naming the profile and endpoint, never the key.

Each error carries its `kind` (the failure ledger's word), the profile, the endpoint and the
HTTP status when the server answered, and its message carries the server's own reason (its
first line, tracebacks stripped, keys redacted). Classification looks at what the server said,
not only at the status: llama.cpp's Python server wraps every invalid request in an HTTP 500,
so a refused `response_format` is `unsupported_mode` and a malformed request `bad_request`,
never retried as if the server were down.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import openai

from agent.config import ModelProfile
from agent.errors import (
    ContextLengthError,
    ModelAuthError,
    ModelError,
    ModelRequestError,
    RateLimitError,
    TransportError,
    UnsupportedModeError,
)
from agent.extractors.llm.reasons import server_reason, shorten

_VALIDATION = re.compile(
    r"\d+ validation errors?|'loc': \(|field required|extra (?:inputs|fields) (?:are )?not "
    r"permitted|unrecognized (?:request )?argument|unknown (?:parameter|field)",
    re.IGNORECASE,
)
_MODE_PARAMETER = re.compile(
    r"response_format|json_schema|tool_choice|\btools?\b|function[ _]call|structured output",
    re.IGNORECASE,
)
_REFUSED = re.compile(
    r"not supported|unsupported|invalid|should be|must be|not found|unknown|not allowed|"
    r"validation error|does not support|is not available",
    re.IGNORECASE,
)
_CONTEXT = re.compile(
    r"context[ _]length|context window|maximum context|too long|too many tokens|"
    r"maximum.*tokens|prompt is too long|exceeds? the (?:model'?s? )?(?:context|limit)",
    re.IGNORECASE,
)
_WINDOW = re.compile(r"(?:maximum context length|context window|n_ctx)\D{0,20}(\d{3,7})", re.I)
_NEEDED = re.compile(r"(?:requested|needs?|prompt (?:has|of|is))\D{0,12}(\d{3,9}) tokens", re.I)


def where(profile: ModelProfile) -> str:
    return f"profile {profile.name!r} at {profile.endpoint}"


def is_request_refusal(exc: BaseException) -> bool:
    """A server error that is really a refused request (a validation error wrapped in a 5xx):
    another attempt would be refused the same way."""
    if not isinstance(exc, openai.APIStatusError) or exc.status_code < 500:
        return False
    return bool(_VALIDATION.search(server_reason(exc)) or _VALIDATION.search(str(exc.body)))


def api_error(
    exc: BaseException,
    profile: ModelProfile,
    *,
    attempts: int,
    elapsed: float,
    redact: Callable[[str], str],
) -> ModelError:
    """The one error an API failure of one article becomes."""
    at = where(profile)
    tries = f"after {attempts} attempt{'s' if attempts != 1 else ''} in {elapsed:.1f} s"
    status = exc.status_code if isinstance(exc, openai.APIStatusError) else None

    def err(cls: type[ModelError], message: str) -> ModelError:
        return cls(message, profile=profile.name, endpoint=profile.endpoint, status=status)

    if isinstance(exc, openai.APITimeoutError):
        return err(
            TransportError, f"no answer within timeout_s={profile.timeout_s:g} from {at} {tries}"
        )
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__
        if cause is not None and type(cause).__name__ != "ConnectError":
            broke = redact(shorten(str(cause))[:120])
            return err(TransportError, f"the connection to {at} broke off ({broke}) {tries}")
        return err(TransportError, f"cannot connect to {at} {tries}: {unreachable_hint(profile)}")
    if not isinstance(exc, openai.APIStatusError):
        return err(TransportError, f"{type(exc).__name__} from {at}: {redact(str(exc))[:200]}")
    said = redact(server_reason(exc))
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        key = f"${profile.key_env}" if profile.key_env else "the key (api_key_env)"
        return err(
            ModelAuthError, f"authentication failed (HTTP {status}) for {at}: {said}; check {key}"
        )
    if isinstance(exc, openai.RateLimitError):
        return err(RateLimitError, f"rate limited (HTTP 429) by {at} {tries}: {said}")
    return _refused(exc, profile, said, tries, err)


def _refused(
    exc: openai.APIStatusError,
    profile: ModelProfile,
    said: str,
    tries: str,
    err: Callable[[type[ModelError], str], ModelError],
) -> ModelError:
    at = where(profile)
    status = exc.status_code
    refusal = status < 500 or is_request_refusal(exc)
    if refusal and _CONTEXT.search(said):
        error = err(ContextLengthError, context_message(profile, said))
        window = _WINDOW.search(said)
        if isinstance(error, ContextLengthError) and window:
            error.window = int(window.group(1))
        return error
    if refusal and _MODE_PARAMETER.search(said) and _REFUSED.search(said):
        return err(
            UnsupportedModeError,
            f"{at} does not accept mode {profile.mode!r} (HTTP {status}: {said}); set another "
            f"mode in the profile (`sitrep models --check {profile.name}` says which work)",
        )
    if status == 404:
        return err(
            ModelRequestError,
            f"model {profile.model!r} not found at {profile.endpoint} (profile "
            f"{profile.name!r}): {said}",
        )
    if refusal:
        return err(ModelRequestError, f"request rejected (HTTP {status}) by {at}: {said}")
    return err(TransportError, f"server error (HTTP {status}) from {at} {tries}: {said}")


def context_message(profile: ModelProfile, said: str) -> str:
    """What to do when the prompt does not fit, with the numbers the server gave."""
    window = _WINDOW.search(said)
    needed = _NEEDED.search(said)
    numbers = ""
    if window and needed:
        numbers = f" ({needed.group(1)} tokens asked for, the window is {window.group(1)})"
    elif window:
        numbers = f" (the window is {window.group(1)} tokens)"
    return (
        f"the article does not fit the model's context window{numbers} at {where(profile)}: "
        "set context_window in the profile so sitrep splits long articles, or raise the "
        "server's context (llama.cpp --ctx-size / --n_ctx, Ollama num_ctx)"
    )


def unreachable_hint(profile: ModelProfile) -> str:
    return (
        f"is the server running? `sitrep models --check {profile.name}` tells; "
        "`--model rules` works offline"
    )
