"""`sitrep batch collect`: a batch's answers -> results, exactly as a realtime run makes them.

The articles are read again (`--articles`, streamed) and go through `run_batch` like any run:
an article already in the output is skipped, one in the response cache is written from it,
and every other one is extracted by the `ReplayExtractor`, whose requests are answered from
the batch (parsed, validated and grounded by the real extractor; a re-ask goes to the
endpoint, or with `reask_batch` into a new requests file for a second round). Results are
appended to the output and stored in the cache; failures go to the ledger beside the output
(with the realtime kinds, or `batch_expired`, `batch_error`, `no_response`,
`batch_mismatch`). Articles waiting for a re-ask batch and articles never prepared are
counted, not failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.articles import Article, InputProblem, read_inputs
from agent.batch.cache import ResponseCache, cache_key
from agent.batch.outputs import JsonLinesFile
from agent.batch.progress import Tally
from agent.batch.run import Done, run_batch
from agent.config import ResolvedModel
from agent.extractors.llm.recording import BATCH_URL
from agent.extractors.llm.replay import ReplayExtractor
from agent.extractors.prompts import Prompt
from agent.jobs.files import RequestFiles, request_line
from agent.jobs.index import BatchIndex

NOT_FAILURES = ("reask_batch", "not_in_batch")


@dataclass
class CollectJob:
    """What `sitrep batch collect` was asked to do."""

    responses: list[Path]
    requests: list[Path]
    articles: list[str]
    output: Path
    resolved: ResolvedModel
    prompt: Prompt
    vague_table: str = "acled"
    strict: bool = False
    cache: ResponseCache | None = None
    reask_batch: Path | None = None  # re-asks into this requests file instead of realtime
    concurrency: int = 8
    keep_order: bool = False
    published: str | None = None
    max_chars: int | None = None
    max_requests: int = 50_000
    max_bytes: int = 200 * 1000 * 1000


@dataclass
class Collected:
    """What a collect wrote and why the rest was not."""

    written: int = 0
    cached: int = 0
    failed: int = 0
    waiting: int = 0  # re-asks written for the next batch
    not_in_batch: int = 0
    already: int = 0  # in the output before this collect
    requests: int = 0
    responses: int = 0
    unanswered: int = 0  # prepared requests with no response line
    reask_parts: list[Path] = field(default_factory=list)
    ledger: Path | None = None
    ledger_entries: int = 0


def collect_batch(job: CollectJob, say: Callable[[str], None], tally: Tally) -> Collected:
    """Collect the batch into `job.output`; `say` gets one line per failed article."""
    report = Collected()
    index = BatchIndex(job.output.parent if job.output.parent.exists() else None)
    try:
        index.add_requests(job.requests)
        index.add_responses(job.responses)
        report.requests, report.responses = index.counts.requests, index.counts.responses
        report.unanswered = index.unanswered()
        asyncio.run(_collect(job, index, report, say, tally))
    finally:
        index.close()
    return report


async def _collect(
    job: CollectJob,
    index: BatchIndex,
    report: Collected,
    say: Callable[[str], None],
    tally: Tally,
) -> None:
    reasks = (
        RequestFiles(job.reask_batch, max_requests=job.max_requests, max_bytes=job.max_bytes)
        if job.reask_batch is not None
        else None
    )

    def capture(custom_id: str, body: dict[str, Any]) -> None:
        if reasks is not None:
            reasks.add([request_line(custom_id, BATCH_URL, body)])

    identity: dict[str, Any] = {}
    extractor = ReplayExtractor(
        job.resolved,
        job.prompt,
        index,
        lambda article: cache_key(identity, article),
        vague_table=job.vague_table,
        strict=job.strict,
        capture=capture if reasks is not None else None,
    )
    identity.update(extractor.cache_identity)
    sink = JsonLinesFile(job.output, resume=True)
    complete = False
    try:
        items = read_inputs(job.articles, published=job.published, max_chars=job.max_chars)
        async for outcome in run_batch(
            sink.select(item for item in items if _wanted(item)),
            extractor,
            concurrency=job.concurrency,
            cache=job.cache,
            tally=tally,
            keep_order=job.keep_order,
        ):
            if isinstance(outcome, Done):
                sink.write(outcome)
                report.written += 1
                report.cached += outcome.result.usage.cached
            elif outcome.kind == "reask_batch":
                report.waiting += 1
            elif outcome.kind == "not_in_batch":
                report.not_in_batch += 1
            else:
                report.failed += 1
                say(f"sitrep: {outcome.line()}")
                sink.fail(outcome)
        complete = True
    finally:
        await extractor.aclose()
        sink.close(complete=complete)
        if reasks is not None:
            reasks.close(complete=complete)
            report.reask_parts = reasks.parts
    report.already = sink.skipped.done
    report.ledger, report.ledger_entries = sink.ledger_path, sink.remaining or 0


def _wanted(item: Article | InputProblem) -> bool:
    """Articles and real input problems (a file skipped on purpose is no failure)."""
    return isinstance(item, Article) or not item.notice
