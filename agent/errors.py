"""The one error family of sitrep.

Every error a user can cause or meet carries a `kind` (a stable word used in failure ledgers
and reports) and an `exit_code`. The CLI turns them into one line on stderr; nothing else
prints a traceback for them.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` safe inside a one-line message: newlines and other control characters (and
    the Unicode line separators) are written as escapes (`\\n`, `\\x1b`)."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


class AgentError(Exception):
    """Base class: a problem sitrep can explain in one line.

    Raise it `from` the exception that caused it, so the cause stays available to code (it is
    never printed as a traceback).
    """

    kind = "error"
    exit_code = 1
    stops_run = False  # every other article would fail the same way: no new article starts
    attempts: int | None = None  # model requests made before giving up, when known

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message


class UsageError(AgentError):
    """Bad flags or arguments."""

    kind = "usage"
    exit_code = 2


class ConfigError(AgentError):
    """The config file or a model profile is wrong."""

    kind = "config"
    exit_code = 2


class InputError(AgentError):
    """An input file or record cannot be read as an article."""

    kind = "input"
    exit_code = 1


class ModelError(AgentError):
    """The model endpoint failed for one article.

    `profile` and `endpoint` name where the request went, `status` the HTTP status when the
    server answered (None for timeouts and connection errors).
    """

    kind = "model"

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        profile: str | None = None,
        endpoint: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, source=source)
        self.profile = profile
        self.endpoint = endpoint
        self.status = status


class ModelAuthError(ModelError):
    """401/403: every article would fail, so the run stops."""

    kind = "auth"
    exit_code = 4
    stops_run = True


class ModelRequestError(ModelError):
    """A 400-class rejection of the request (not worth retrying)."""

    kind = "bad_request"


class ContextLengthError(ModelRequestError):
    """The article does not fit the model's context window. `window` is the window in tokens
    when the server said it."""

    kind = "context_length"
    window: int | None = None


class UnsupportedModeError(ModelRequestError):
    """The server refuses the request shape of the profile's mode (response_format, tools):
    every article would fail the same way, so the run stops."""

    kind = "unsupported_mode"
    exit_code = 4
    stops_run = True


class RateLimitError(ModelError):
    """429s that outlasted the retry policy, or a Retry-After over the configured limit."""

    kind = "rate_limit"


class TransportError(ModelError):
    """Timeouts, refused or dropped connections and 5xx that outlasted the retries."""

    kind = "transport"


class EndpointUnreachableError(TransportError):
    """Connections are refused and the endpoint has not answered once in this run: nothing
    would get through, so the run stops."""

    kind = "unreachable"
    exit_code = 4
    stops_run = True


class DeadlineError(TransportError):
    """One article took longer than its deadline (every attempt, re-ask and wait together)."""

    kind = "deadline"


class ResponseError(ModelError):
    """The model's answers could not be parsed or validated after the re-asks."""

    kind = "invalid_response"


class TruncatedError(ResponseError):
    """The model stopped at its token limit (finish_reason=length)."""

    kind = "truncated"


class RefusalError(ResponseError):
    """The model refused or answered in prose."""

    kind = "refusal"


class CheckFailedError(AgentError):
    """`sitrep models --check`: a checked profile is not usable as configured."""

    kind = "check"
    exit_code = 1


class GoldError(AgentError):
    """A gold file of the eval suite is wrong."""

    kind = "gold"


class BatchJobError(AgentError):
    """A provider batch job cannot be submitted, found, fetched or read: not finished yet,
    failed at the provider, an unknown job, a file that is not a batch file."""

    kind = "batch_job"
    exit_code = 1


class BatchAnswerError(ModelError):
    """A provider batch gave no usable answer to one of an article's requests. `kind` says
    why: `batch_expired`, `batch_error` (the batch did not run it), `no_response` (no line for
    it yet), `batch_mismatch` (sitrep would now send another request); `reask_batch` (the
    article waits for a second round) and `not_in_batch` (never prepared) are not failures."""

    def __init__(self, message: str, *, kind: str, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.kind = kind
