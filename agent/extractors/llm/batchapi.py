"""A provider's files and batches endpoints (the OpenAI Batch API), through the openai client.

Upload a requests file and start a batch on it, read a batch's state, cancel it, download
its output and error files. Every failure becomes the same `ModelError` a realtime request
would (naming the profile and the endpoint, never the key); what comes back is a typed
`BatchJob`, not the client's own objects.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import openai

from agent.config import ModelProfile, ResolvedModel
from agent.extractors.llm.content import Redactor
from agent.extractors.llm.extractor import NO_KEY
from agent.extractors.llm.failures import api_error

FINISHED = ("completed", "expired", "cancelled", "failed")
T = TypeVar("T")


@dataclass(frozen=True)
class BatchJob:
    """What a provider says about one batch."""

    id: str
    status: str
    input_file_id: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    created_at: int = 0
    total: int = 0
    completed: int = 0
    failed: int = 0
    errors: tuple[str, ...] = ()

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def counts(self) -> str:
        return f"{self.completed} of {self.total} answered, {self.failed} failed"


def _job(batch: Any) -> BatchJob:
    counts = batch.request_counts
    errors = batch.errors.data if batch.errors is not None and batch.errors.data else []
    return BatchJob(
        id=batch.id,
        status=batch.status,
        input_file_id=batch.input_file_id,
        output_file_id=batch.output_file_id,
        error_file_id=batch.error_file_id,
        created_at=batch.created_at,
        total=counts.total if counts else 0,
        completed=counts.completed if counts else 0,
        failed=counts.failed if counts else 0,
        errors=tuple(
            f"{e.code or 'error'}"
            + (f" (line {e.line})" if e.line is not None else "")
            + f": {e.message or ''}"
            for e in errors
        ),
    )


class BatchService:
    """The files and batches endpoints of one profile's provider."""

    def __init__(self, resolved: ResolvedModel, *, timeout_s: float = 300.0) -> None:
        if resolved.profile is None:
            raise ValueError("provider batches need a model profile")
        self.profile: ModelProfile = resolved.profile
        secret = resolved.api_key.get_secret_value() if resolved.api_key else None
        self._redact = Redactor(secret)
        self._client = openai.OpenAI(
            api_key=secret or NO_KEY,
            base_url=self.profile.endpoint,
            timeout=openai.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            max_retries=3,  # the client's own backoff is enough for a handful of calls
        )

    def submit(self, path: Path, metadata: dict[str, str]) -> BatchJob:
        """Upload `path` (purpose `batch`) and start a batch of chat completions on it."""

        def call() -> Any:
            with path.open("rb") as handle:
                uploaded = self._client.files.create(file=(path.name, handle), purpose="batch")
            return self._client.batches.create(
                input_file_id=uploaded.id,
                endpoint="/v1/chat/completions",  # recording.BATCH_URL
                completion_window="24h",
                metadata=metadata,
            )

        return _job(self._call(call))

    def retrieve(self, batch_id: str) -> BatchJob:
        return _job(self._call(lambda: self._client.batches.retrieve(batch_id)))

    def cancel(self, batch_id: str) -> BatchJob:
        return _job(self._call(lambda: self._client.batches.cancel(batch_id)))

    def download(self, file_id: str, destination: Path) -> int:
        """Write the file's content to `destination`; returns its size in bytes."""

        def call() -> int:
            with self._client.files.with_streaming_response.content(file_id) as response:
                size = 0
                with destination.open("wb") as out:
                    for chunk in response.iter_bytes():
                        out.write(chunk)
                        size += len(chunk)
                return size

        return self._call(call)

    def close(self) -> None:
        self._client.close()

    def _call(self, call: Callable[[], T]) -> T:
        started = time.monotonic()
        try:
            return call()
        except openai.APIError as exc:
            elapsed = time.monotonic() - started
            raise api_error(
                exc, self.profile, attempts=1, elapsed=elapsed, redact=self._redact
            ) from exc
