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
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.articles import Article
from agent.config import Settings
from agent.errors import ConfigError
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


class ResponseCache:
    """Finished `ExtractionResult`s by key, in one SQLite file."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 30.0) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # used from one worker thread at a time (`_worker`), never from the event loop
            self._db = sqlite3.connect(
                path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
            )
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS results ("
                "key TEXT PRIMARY KEY, result TEXT NOT NULL, created TEXT NOT NULL)"
            )
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the cache: {exc}", source=str(path)) from None
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

    def lookup(self, identity: Mapping[str, Any], article: Article) -> ExtractionResult | None:
        """A cached result for this article, with its own article info and zero usage."""
        try:
            raw = self.get(cache_key(identity, article))
        except sqlite3.Error:
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

    async def astore(
        self, identity: Mapping[str, Any], article: Article, result: ExtractionResult
    ) -> None:
        """`store` on the cache's own thread."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._worker, self.store, identity, article, result)

    def store(
        self, identity: Mapping[str, Any], article: Article, result: ExtractionResult
    ) -> None:
        try:
            self.put(cache_key(identity, article), result.model_dump_json())
        except sqlite3.Error:
            return  # not cached this time; the result itself is fine

    def stats(self) -> CacheStats:
        (entries,) = self._db.execute("SELECT count(*) FROM results").fetchone()
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


def open_cache(settings: Settings, extractor: Extractor) -> ResponseCache | None:
    """The response cache for `extractor`, or None when its answers are not worth keeping."""
    if extractor.cache_identity is None:
        return None
    return ResponseCache(default_cache_path(settings.cache_path, os.environ))
