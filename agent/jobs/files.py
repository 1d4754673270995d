"""Batch files in the OpenAI Batch format: requests written in parts, responses read.

A requests file has one JSON line per request, `{"custom_id", "method", "url", "body"}`;
a provider takes at most so many requests and so many bytes per file (OpenAI: 50,000 and
200 MB), so `RequestFiles` starts a new part before either would be passed: `requests.jsonl`,
then `requests-2.jsonl`, `requests-3.jsonl`, ... An article's requests (one per chunk) stay
in one part. Each part is written to a temporary name and renamed when complete, so a stopped
run leaves no torn file under the final name.

A responses file (a provider's output and error files, or `vllm run-batch` output) has one
JSON line per answered request: `{"custom_id", "response": {"status_code", "body"},
"error"}`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from agent.errors import BatchJobError

MAX_REQUESTS_PER_FILE = 50_000
MAX_BYTES_PER_FILE = 200 * 1000 * 1000


@dataclass(frozen=True)
class Response:
    """One line of a responses file."""

    custom_id: str
    status: int | None  # None: the batch did not run the request (see error_code)
    body: Any = None
    error_code: str | None = None
    error_message: str | None = None


def part_path(first: Path, number: int) -> Path:
    return first if number == 1 else first.with_name(f"{first.stem}-{number}{first.suffix}")


class RequestFiles:
    """Writes request lines into parts of at most `max_requests` lines and `max_bytes`."""

    def __init__(
        self,
        first: Path,
        *,
        max_requests: int = MAX_REQUESTS_PER_FILE,
        max_bytes: int = MAX_BYTES_PER_FILE,
    ) -> None:
        self.first = first
        self.max_requests = max_requests
        self.max_bytes = max_bytes
        self.parts: list[Path] = []
        self.requests = 0
        self._handle: TextIO | None = None
        self._temporary: Path | None = None
        self._lines = self._bytes = 0

    def fits(self, lines: list[str]) -> bool:
        """Whether these lines could go into an empty part at all."""
        return len(lines) <= self.max_requests and _size(lines) <= self.max_bytes

    def add(self, lines: list[str]) -> None:
        """One article's request lines (JSON, no newline), in one part."""
        size = _size(lines)
        full = self._lines + len(lines) > self.max_requests or self._bytes + size > self.max_bytes
        handle = self._start_part() if self._handle is None or full else self._handle
        for line in lines:
            handle.write(line + "\n")
        self._lines += len(lines)
        self._bytes += size
        self.requests += len(lines)

    def close(self, *, complete: bool = True) -> None:
        """Finish the last part (renamed into place), or drop it when the run stopped."""
        self._finish_part(keep=complete)

    def _start_part(self) -> TextIO:
        self._finish_part(keep=True)
        final = part_path(self.first, len(self.parts) + 1)
        final.parent.mkdir(parents=True, exist_ok=True)
        self._temporary = final.with_name(f".{final.name}.tmp")
        self._handle = self._temporary.open("w", encoding="utf-8")
        self.parts.append(final)
        self._lines = self._bytes = 0
        return self._handle

    def _finish_part(self, *, keep: bool) -> None:
        if self._handle is None or self._temporary is None:
            return
        self._handle.close()
        if keep:
            os.replace(self._temporary, self.parts[-1])
        else:
            self._temporary.unlink(missing_ok=True)
            self.parts.pop()
        self._handle = self._temporary = None


def _size(lines: list[str]) -> int:
    return sum(len(line.encode("utf-8")) + 1 for line in lines)


def request_line(custom_id: str, url: str, body: dict[str, Any]) -> str:
    return json.dumps(
        {"custom_id": custom_id, "method": "POST", "url": url, "body": body},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def read_requests(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(custom_id, body) of every line of a requests file."""
    for number, record in _records(path):
        custom_id, body = record.get("custom_id"), record.get("body")
        if not isinstance(custom_id, str) or not isinstance(body, dict):
            raise BatchJobError(
                f"line {number} is not a batch request (custom_id, method, url, body)",
                source=str(path),
            )
        yield custom_id, body


def read_responses(path: Path) -> Iterator[Response]:
    """Every line of a responses file (a provider's output or error file)."""
    for number, record in _records(path):
        custom_id = record.get("custom_id")
        if not isinstance(custom_id, str):
            raise BatchJobError(f"line {number} has no custom_id", source=str(path))
        response = record.get("response")
        error = record.get("error")
        if isinstance(response, dict) and isinstance(response.get("status_code"), int):
            yield Response(custom_id, response["status_code"], response.get("body"))
        elif isinstance(error, dict):
            code = error.get("code")
            message = error.get("message")
            yield Response(
                custom_id,
                None,
                error_code=str(code) if code else None,
                error_message=str(message) if message else None,
            )
        else:
            raise BatchJobError(
                f"line {number} is not a batch response (response.status_code or error)",
                source=str(path),
            )


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BatchJobError(f"cannot read: {exc.strerror or exc}", source=str(path)) from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                if number > 1 and not raw.endswith(b"\n"):
                    return  # a torn last line: a download that stopped
                raise BatchJobError(f"line {number} is not JSON", source=str(path)) from None
            if not isinstance(record, dict):
                raise BatchJobError(f"line {number} is not a JSON object", source=str(path))
            yield number, record
