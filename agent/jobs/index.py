"""The requests of a batch and its answers, indexed on disk by `custom_id` for a collect.

Requests and responses files can hold hundreds of thousands of lines, more than memory
should: they are read once, line by line, into a temporary SQLite file (a request is kept as
the digest of its body; a response as its status and body), and looked up from there while
the articles stream past. When a request was answered more than once (the same responses
file given twice, or a request sent in two batches) a 200 answer wins over an error, and a
later line over an earlier one.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agent.extractors.llm.recording import body_digest
from agent.extractors.llm.replay import StoredResponse
from agent.jobs.files import read_requests, read_responses


@dataclass
class IndexCounts:
    requests: int = 0
    responses: int = 0
    answered: int = 0  # responses with status 200
    files: list[str] = field(default_factory=list)


class BatchIndex:
    """An `AnswerBook` over requests and responses files (see the module docstring)."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix=".sitrep-collect-", dir=folder)
        path = Path(self._folder.name) / "index.sqlite"
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE requests (id TEXT PRIMARY KEY, digest TEXT NOT NULL)")
        self._db.execute(
            "CREATE TABLE responses (id TEXT PRIMARY KEY, status INTEGER, body TEXT, "
            "code TEXT, message TEXT)"
        )
        self.counts = IndexCounts()

    def add_requests(self, paths: Iterable[Path]) -> None:
        for path in paths:
            self._db.execute("BEGIN")
            for custom_id, body in read_requests(path):
                self._db.execute(
                    "INSERT OR REPLACE INTO requests VALUES (?, ?)", (custom_id, body_digest(body))
                )
                self.counts.requests += 1
            self._db.execute("COMMIT")
            self.counts.files.append(str(path))

    def add_responses(self, paths: Iterable[Path]) -> None:
        for path in paths:
            self._db.execute("BEGIN")
            for r in read_responses(path):
                ok = r.status == 200
                keep = "" if ok else " WHERE responses.status IS NOT 200"
                self._db.execute(
                    "INSERT INTO responses VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
                    "status = excluded.status, body = excluded.body, code = excluded.code, "
                    f"message = excluded.message{keep}",
                    (r.custom_id, r.status, json.dumps(r.body), r.error_code, r.error_message),
                )
                self.counts.responses += 1
                self.counts.answered += ok
            self._db.execute("COMMIT")
            self.counts.files.append(str(path))

    def prepared(self, custom_id: str) -> str | None:
        row = self._db.execute("SELECT digest FROM requests WHERE id = ?", (custom_id,)).fetchone()
        return str(row[0]) if row else None

    def answer(self, custom_id: str) -> StoredResponse | None:
        row = self._db.execute(
            "SELECT status, body, code, message FROM responses WHERE id = ?", (custom_id,)
        ).fetchone()
        if row is None:
            return None
        status, body, code, message = row
        return StoredResponse(status, json.loads(body) if body else None, code, message)

    def unanswered(self) -> int:
        """Prepared requests with no response line at all."""
        (count,) = self._db.execute(
            "SELECT count(*) FROM requests WHERE id NOT IN (SELECT id FROM responses)"
        ).fetchone()
        return int(count)

    def close(self) -> None:
        self._db.close()
        self._folder.cleanup()
