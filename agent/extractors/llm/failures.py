"""An openai exception -> one `ModelError` naming the profile and endpoint, never the key.

Each error carries its `kind` (the failure ledger's word), the profile, the endpoint and the
HTTP status when the server answered; the message says what happened and what to do.
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
)


def where(profile: ModelProfile) -> str:
    return f"profile {profile.name!r} at {profile.endpoint}"


def error_text(exc: openai.APIStatusError) -> str:
    """The server's own message from an error body, shortened."""
    body = exc.body
    if isinstance(body, dict):
        message = body.get("message") or body.get("error", {})
        if isinstance(message, dict):
            message = message.get("message")
        if message:
            return str(message)[:300]
    return str(exc.message)[:300]


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

    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        key = f"${profile.key_env}" if profile.key_env else "the key (api_key_env)"
        return err(ModelAuthError, f"authentication failed (HTTP {status}) for {at}: check {key}")
    if isinstance(exc, openai.RateLimitError):
        return err(RateLimitError, f"rate limited (HTTP 429) by {at} {tries}")
    if isinstance(exc, openai.APITimeoutError):
        return err(
            TransportError, f"no answer within timeout_s={profile.timeout_s:g} from {at} {tries}"
        )
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__
        if cause is not None and type(cause).__name__ != "ConnectError":
            broke = redact(str(cause))[:120]
            return err(TransportError, f"the connection to {at} broke off ({broke}) {tries}")
        return err(TransportError, f"cannot connect to {at} {tries}")
    if isinstance(exc, openai.InternalServerError):
        return err(TransportError, f"server error (HTTP {status}) from {at} {tries}")
    if isinstance(exc, openai.APIStatusError):
        detail = redact(error_text(exc))
        if status == 400 and re.search(r"context|too long|maximum.*tokens", detail, re.I):
            return err(
                ContextLengthError,
                f"the article is too long for the model's context window ({at}): "
                "split the input or use a profile with a larger context",
            )
        if status == 404:
            return err(
                ModelRequestError,
                f"model {profile.model!r} not found at {profile.endpoint} "
                f"(profile {profile.name!r})",
            )
        return err(ModelRequestError, f"request rejected (HTTP {status}) by {at}: {detail}")
    return err(TransportError, f"{type(exc).__name__} from {at}: {redact(str(exc))[:200]}")
