"""A persistent cache of finished extractions, so a re-run costs no requests.

One SQLite file (WAL journal, busy timeout: two sitrep processes can share it) at
`cache_path` from the config, else `$XDG_CACHE_HOME/sitrep/cache.sqlite` (default
`~/.cache/sitrep/cache.sqlite`). The key is a sha256 over everything that decides the answer:
model id, endpoint, mode, prompt digest, schema version, article text digest, publication
date, vague-word table, temperature, output-token limit and re-asks. Never the API key.
Only LLM profiles are cached; the offline rules are cheaper than a lookup.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.articles import Article
from agent.config import Settings
from agent.errors import AgentError, ConfigError
from agent.extractors.base import Extractor
from agent.schema import SCHEMA_VERSION, ExtractionResult, Usage

CACHE_FILE = "cache.sqlite"


def default_cache_path(configured: str | None, env: Mapping[str, str]) -> Path:
    if configured:
        return Path(configured).expanduser()
    base = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "sitrep" / CACHE_FILE


def cache_key(identity: Mapping[str, Any], article: Article) -> str:
    """The sha256 of the extractor's identity, the schema version and the article."""
    material = {
        **identity,
        "schema_version": SCHEMA_VERSION,
        "article_sha256": article.sha256,
        "published": article.published,
    }
    blob = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    path: Path
    entries: int
    size_bytes: int


class CacheError(AgentError):
    """The cache file cannot be read (damaged, or not a cache)."""

    kind = "cache"
    exit_code = 1


# How long a lookup or a store may wait for another process's write lock, and how long the
# cache is then left alone: a busy cache costs an article at most this, never the run.
BUSY_TIMEOUT_S = 0.5
BACKOFF_S = 5.0
SQLITE_HEADER = b"SQLite format 3\x00"


class ResponseCache:
    """Finished `ExtractionResult`s by key, in one SQLite file.

    A lookup or store that cannot get the file within `busy_timeout_s` (another process holds
    a write transaction) or fails (a damaged file) is skipped: a miss, or a result not cached.
    The cache is then left alone for `BACKOFF_S` seconds, and the first such skip of a run
    leaves one line in `notices` for the user.
    """

    def __init__(self, path: Path, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.path = path
        self.notices: list[str] = []
        self.skipped = 0  # lookups and stores skipped because the cache was busy or broken
        self._resting_until = 0.0
        self._noticed = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # used from one worker thread at a time (`_worker`), never from the event loop
            self._db = sqlite3.connect(
                path, timeout=5.0, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA busy_timeout = 5000")  # a first open may wait a little
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS results ("
                "key TEXT PRIMARY KEY, result TEXT NOT NULL, created TEXT NOT NULL)"
            )
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the cache: {exc}", source=str(path)) from exc
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sitrep-cache")

    def get(self, key: str) -> str | None:
        row = self._db.execute("SELECT result FROM results WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def put(self, key: str, result_json: str) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._db.execute(
            "INSERT OR REPLACE INTO results (key, result, created) VALUES (?, ?, ?)",
            (key, result_json, now),
        )

    def _usable(self) -> bool:
        if time.monotonic() < self._resting_until:
            self.skipped += 1
            return False
        return True

    def _skip(self, exc: sqlite3.Error) -> None:
        """A lookup or store that failed: leave the cache alone for a while, say so once."""
        self.skipped += 1
        self._resting_until = time.monotonic() + BACKOFF_S
        if self._noticed:
            return
        self._noticed = True
        busy = isinstance(exc, sqlite3.OperationalError) and (
            "locked" in str(exc) or "busy" in str(exc)
        )
        why = (
            f"busy: another process holds a write lock for more than {BUSY_TIMEOUT_S:g} s"
            if busy
            else f"unusable ({exc}; `sitrep cache clear` removes a damaged cache)"
        )
        self.notices.append(
            f"the response cache {self.path} is {why}; articles go on without it meanwhile"
        )

    def take_notices(self) -> list[str]:
        """The notices since the last call (each said once)."""
        notices, self.notices = self.notices, []
        return notices

    def lookup(self, identity: Mapping[str, Any], article: Article) -> ExtractionResult | None:
        """A cached result for this article, with its own article info and zero usage."""
        if not self._usable():
            return None
        try:
            raw = self.get(cache_key(identity, article))
        except sqlite3.Error as exc:
            self._skip(exc)
            return None  # a cache that cannot answer is a miss, never a failed article
        if raw is None:
            return None
        try:
            cached = ExtractionResult.model_validate_json(raw)
        except ValueError:
            return None  # written by another schema: extract again
        return cached.model_copy(update={"article": article.info, "usage": Usage(cached=True)})

    async def alookup(
        self, identity: Mapping[str, Any], article: Article
    ) -> ExtractionResult | None:
        """`lookup` on the cache's own thread: a slow disk never stalls the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, self.lookup, identity, article)

    async def astore(self, identity: Mapping[str, Any], article: Article, line: str) -> None:
        """`store` on the cache's own thread."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._worker, self.store, identity, article, line)

    def store(self, identity: Mapping[str, Any], article: Article, line: str) -> None:
        """Keep a result (`line`: its JSON); a cache that cannot take it is skipped."""
        if not self._usable():
            return
        try:
            self.put(cache_key(identity, article), line)
        except sqlite3.Error as exc:
            self._skip(exc)  # not cached this time; the result itself is fine

    def stats(self) -> CacheStats:
        try:
            (entries,) = self._db.execute("SELECT count(*) FROM results").fetchone()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None
        size = sum(
            p.stat().st_size
            for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"))
            if p.exists()
        )
        return CacheStats(self.path, int(entries), size)

    def clear(self) -> int:
        (entries,) = self._db.execute("SELECT count(*) FROM results").fetchone()
        self._db.execute("DELETE FROM results")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.execute("VACUUM")
        return int(entries)

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        self._db.close()


def _damaged(path: Path, exc: BaseException) -> CacheError:
    return CacheError(
        f"the cache is damaged ({exc}): `sitrep cache clear` removes it", source=str(path)
    )


def open_for_maintenance(path: Path) -> ResponseCache:
    """The cache for `sitrep cache stats`: a file that cannot be opened is one clear error."""
    try:
        return ResponseCache(path)
    except ConfigError as exc:
        if _is_sqlite_file(path):
            raise _damaged(path, exc.__cause__ or exc) from None
        raise


@dataclass(frozen=True)
class Cleared:
    path: Path
    entries: int  # cached extractions deleted
    damaged: str | None = None  # why the file was removed whole instead


def clear_cache(path: Path) -> Cleared:
    """Delete every cached extraction; a damaged cache file is removed whole.

    A file at the cache path that is not an SQLite database is left alone (an error): it is
    not sitrep's to remove.
    """
    if not path.exists():
        return Cleared(path, 0)
    try:
        cache = ResponseCache(path)
    except ConfigError as exc:
        return _remove_damaged(path, exc.__cause__ or exc)
    try:
        entries = cache.clear()
    except sqlite3.DatabaseError as exc:
        cache.close()
        return _remove_damaged(path, exc)
    cache.close()
    return Cleared(path, entries)


def _remove_damaged(path: Path, exc: BaseException) -> Cleared:
    if not _is_sqlite_file(path):
        raise CacheError(
            f"not an SQLite cache ({exc}); left as it is: remove it yourself or set cache_path",
            source=str(path),
        )
    for part in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        part.unlink(missing_ok=True)
    return Cleared(path, 0, damaged=str(exc))


def _is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def open_cache(settings: Settings, extractor: Extractor) -> ResponseCache | None:
    """The response cache for `extractor`, or None when its answers are not worth keeping."""
    if extractor.cache_identity is None:
        return None
    return ResponseCache(default_cache_path(settings.cache_path, os.environ))
