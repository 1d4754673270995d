"""Which failures of a request are worth another attempt, and how long to wait before it.

Transport faults (429, 5xx, timeouts, refused or dropped connections) are retried with
exponential backoff and jitter, honouring Retry-After; a `RateGate` makes every concurrent
request wait when one is told to (a 429 is about the account, not the article).
"""

from __future__ import annotations

import asyncio
import time

import openai
from instructor.core import InstructorRetryException

from agent.extractors.llm.failures import is_request_refusal


class AttemptTimeout(Exception):
    """One attempt ran past `timeout_s` (a server that drips its answer is cut here too)."""


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


def unwrap(exc: BaseException) -> BaseException:
    """instructor wraps API errors; the openai exception is the cause."""
    if isinstance(exc, InstructorRetryException) and isinstance(exc.__cause__, openai.APIError):
        return exc.__cause__
    return exc


def transient(exc: BaseException) -> bool:
    """Whether another attempt may succeed where this one failed: rate limits, server errors
    that are not refused requests, timeouts, connection errors."""
    exc = unwrap(exc)
    if isinstance(exc, AttemptTimeout):
        return True
    if is_request_refusal(exc):
        return False
    return isinstance(
        exc,
        openai.RateLimitError
        | openai.InternalServerError
        | openai.APITimeoutError
        | openai.APIConnectionError,
    ) or (isinstance(exc, openai.APIStatusError) and exc.status_code in (408, 409, 425))


def refused(exc: BaseException) -> bool:
    """The connection was refused (nothing listens there): one quick retry is enough."""
    exc = unwrap(exc)
    return (
        isinstance(exc, openai.APIConnectionError)
        and not isinstance(exc, openai.APITimeoutError)
        and type(exc.__cause__).__name__ == "ConnectError"
    )
