"""`sitrep batch prepare`: articles -> request files for a provider's batch endpoint.

Every article gets the requests a realtime extraction would start with (one, or one per
chunk of a long article; `RequestRecorder` records them from the real extractor), named by
the article's response-cache key (a second article with the same key, the same text and date
under another id, has its requests named by their digests). Articles already in an earlier
output (same id and text) or in the response cache are left out. Files are split at the
provider's limits.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agent.articles import Article, read_inputs
from agent.batch.cache import ResponseCache, cache_key
from agent.batch.ledger import ArticleKey
from agent.config import ResolvedModel
from agent.errors import AgentError, UsageError
from agent.extractors.llm.recording import BATCH_URL, RequestRecorder, body_digest, request_id
from agent.extractors.prompts import Prompt
from agent.jobs.files import RequestFiles, request_line


@dataclass
class PrepareJob:
    """What `sitrep batch prepare` was asked to do."""

    inputs: list[str]
    resolved: ResolvedModel
    prompt: Prompt
    requests_path: Path
    vague_table: str = "acled"
    strict: bool = False
    results: Path | None = None  # an earlier output: the articles in it are left out
    cache: ResponseCache | None = None
    published: str | None = None
    max_chars: int | None = None
    max_requests: int = 50_000
    max_bytes: int = 200 * 1000 * 1000


@dataclass
class Prepared:
    """What was written, and what was left out."""

    parts: list[Path] = field(default_factory=list)
    articles: int = 0
    requests: int = 0
    in_output: int = 0
    cached: int = 0
    failed: int = 0


def prepare_batch(job: PrepareJob, say: Callable[[str], None]) -> Prepared:
    """Write the request files; `say` gets one line per input or article that failed."""
    return asyncio.run(_prepare(job, say))


async def _prepare(job: PrepareJob, say: Callable[[str], None]) -> Prepared:
    done = written_articles(job.results) if job.results is not None else set()
    recorder = RequestRecorder(
        job.resolved, job.prompt, vague_table=job.vague_table, strict=job.strict
    )
    files = RequestFiles(job.requests_path, max_requests=job.max_requests, max_bytes=job.max_bytes)
    report = Prepared()
    seen: set[int] = set()
    complete = False
    try:
        items = read_inputs(job.inputs, published=job.published, max_chars=job.max_chars)
        for item in items:
            if not isinstance(item, Article):
                if not item.notice:
                    report.failed += 1
                    say(f"sitrep: {item}")
                continue
            if (item.id, item.sha256) in done:
                report.in_output += 1
                continue
            key = cache_key(recorder.cache_identity, item)
            if job.cache is not None and job.cache.get(key) is not None:
                report.cached += 1
                continue
            repeated = int(key[:16], 16) in seen
            seen.add(int(key[:16], 16))
            try:
                lines = await _lines(recorder, item, key, repeated=repeated)
            except AgentError as exc:
                report.failed += 1
                say(f"sitrep: {item.origin or item.id} ({item.id}): {exc.message}")
                continue
            if not files.fits(lines):
                report.failed += 1
                say(
                    f"sitrep: {item.origin or item.id} ({item.id}): its requests do not fit one "
                    f"file of {job.max_requests} requests and {job.max_bytes} bytes"
                )
                continue
            files.add(lines)
            report.articles += 1
        complete = True
    finally:
        files.close(complete=complete)
        await recorder.aclose()
    report.parts, report.requests = files.parts, files.requests
    return report


async def _lines(
    recorder: RequestRecorder, article: Article, key: str, *, repeated: bool
) -> list[str]:
    bodies = await recorder.requests(article)
    return [
        request_line(
            request_id(key, body_digest(body), first=n == 0 and not repeated), BATCH_URL, body
        )
        for n, body in enumerate(bodies)
    ]


def written_articles(path: Path) -> set[ArticleKey]:
    """(id, sha256) of the results in an output file, read only (a torn last line and lines
    that are not results are passed over)."""
    found: set[ArticleKey] = set()
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return found
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror or exc}", source=str(path)) from None
    with handle:
        for raw in handle:
            try:
                article = json.loads(raw)["article"]
                found.add((str(article["id"]), str(article["sha256"])))
            except (ValueError, KeyError, TypeError):
                continue
    return found
