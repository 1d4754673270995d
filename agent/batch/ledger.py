"""The files a batch run leaves next to its output: the failure ledger, and resume state.

With `-o out.jsonl`, every article that produced no result is appended to
`out.jsonl.failures.jsonl` as one JSON line `{id, source, kind, message, attempts, time}`,
flushed at once so a killed run keeps it. `--retry-failures` reads it back to pick the
articles to run again, and `compact_ledger` rewrites it with what still fails.

`--resume` reads the output itself: the `(article.id, article.sha256)` pairs already written
are skipped, and a torn last line (a run killed mid-write) is cut away first.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from agent.errors import UsageError
from agent.output import atomic_write_text

LEDGER_SUFFIX = ".failures.jsonl"

ArticleKey = tuple[str, str]  # (article.id, article.sha256)


def ledger_path(output: Path) -> Path:
    return output.with_name(output.name + LEDGER_SUFFIX)


@dataclass(frozen=True)
class LedgerEntry:
    id: str | None
    source: str
    kind: str
    message: str
    attempts: int
    time: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "source": self.source,
                "kind": self.kind,
                "message": self.message,
                "attempts": self.attempts,
                "time": self.time,
            },
            ensure_ascii=False,
        )


def make_entry(
    source: str, article_id: str | None, kind: str, message: str, attempts: int
) -> LedgerEntry:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return LedgerEntry(article_id, source, kind, message, attempts, now)


def read_ledger(path: Path) -> list[LedgerEntry]:
    """The entries of a ledger; a torn or foreign line is skipped."""
    entries: list[LedgerEntry] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return entries
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the failure ledger: {exc}", source=str(path)) from None
    for raw in lines:
        try:
            data: Any = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("source"), str):
            continue
        rid = data.get("id")
        entries.append(
            LedgerEntry(
                id=str(rid) if rid is not None else None,
                source=data["source"],
                kind=str(data.get("kind", "error")),
                message=str(data.get("message", "")),
                attempts=int(data.get("attempts") or 0),
                time=str(data.get("time", "")),
            )
        )
    return entries


class LedgerWriter:
    """Appends entries line by line, flushed; `fresh=True` starts an empty ledger."""

    def __init__(self, path: Path, *, fresh: bool) -> None:
        self.path = path
        self.count = 0
        self._handle: TextIO | None = None
        if fresh:
            path.unlink(missing_ok=True)

    def record(self, entry: LedgerEntry) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a", encoding="utf-8")
        self._handle.write(entry.to_json() + "\n")
        self._handle.flush()
        self.count += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


@dataclass
class Selection:
    """Which inputs a run skips (already written) or is limited to (the ledger's)."""

    done: set[ArticleKey] = field(default_factory=set)
    only_ids: set[str] | None = None
    only_sources: set[str] | None = None

    def wants(self, article_id: str | None, source: str, sha256: str | None = None) -> bool:
        if sha256 is not None and article_id is not None and (article_id, sha256) in self.done:
            return False
        if self.only_ids is None and self.only_sources is None:
            return True
        return (article_id is not None and article_id in (self.only_ids or set())) or (
            source in (self.only_sources or set())
        )


def retry_selection(entries: list[LedgerEntry]) -> tuple[set[str], set[str]]:
    ids = {e.id for e in entries if e.id is not None}
    sources = {e.source for e in entries}
    return ids, sources


def compact_ledger(path: Path, done_ids: set[str], done_sources: set[str]) -> int:
    """Rewrite the ledger: the last entry per article, none for articles since written.

    Returns how many entries remain (the file is removed when none do).
    """
    latest: dict[tuple[str | None, str], LedgerEntry] = {}
    for entry in read_ledger(path):
        if entry.id is not None and entry.id in done_ids:
            continue
        if entry.source in done_sources:
            continue
        latest.pop((entry.id, entry.source), None)
        latest[(entry.id, entry.source)] = entry
    if not latest:
        path.unlink(missing_ok=True)
        return 0
    atomic_write_text(path, "".join(e.to_json() + "\n" for e in latest.values()))
    return len(latest)


def prepare_resume(output: Path) -> set[ArticleKey]:
    """The articles already in `output`; a torn last line is truncated away first."""
    done: set[ArticleKey] = set()
    try:
        handle = output.open("rb+")
    except FileNotFoundError:
        return done
    except OSError as exc:
        raise UsageError(f"cannot resume: {exc.strerror or exc}", source=str(output)) from None
    with handle:
        data = handle.read()
        keep = data.rfind(b"\n") + 1  # everything after the last newline is torn
        if keep < len(data):
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())
    for number, raw in enumerate(data[:keep].splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record: Any = json.loads(raw)
            article = record["article"]
            done.add((str(article["id"]), str(article["sha256"])))
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
            raise UsageError(
                f"cannot resume: line {number} is not a sitrep result", source=str(output)
            ) from None
    return done
