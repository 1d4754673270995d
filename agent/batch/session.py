"""One extraction run: inputs -> extractor -> sink, with progress, notes and a tally.

`run_job` is what `sitrep extract` calls once its options are parsed. It speaks only through
the `say` function it is given (the CLI's stderr) and leaves exit codes to the caller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any

from agent.articles import Article, InputProblem
from agent.batch.cache import ResponseCache
from agent.batch.progress import Budget, Tally
from agent.batch.run import Failed, run_batch
from agent.batch.sinks import Sink
from agent.batch.workers import WorkerPool
from agent.errors import one_line
from agent.extractors.base import Extractor
from agent.output import OutputError
from agent.schema import ExtractionResult


@dataclass
class ExtractionJob:
    """What one run extracts, with what, and where the results go."""

    items: Iterable[Article | InputProblem]
    extractor: Extractor
    sink: Sink
    concurrency: int
    cache: ResponseCache | None = None
    budget: Budget | None = None
    keep_order: bool = False
    pool: WorkerPool | None = None  # worker processes that extract instead of this one


@dataclass
class Voice:
    """How a run talks to the user: `say` prints one line (to stderr)."""

    say: Callable[[str], None]
    verbose: bool = False  # every warning, not only their count
    quiet: bool = False  # only failures


async def run_extraction(
    items: Iterable[Article | InputProblem],
    extractor: Extractor,
    sink: Sink,
    *,
    voice: Voice,
    tally: Tally,
    concurrency: int,
    cache: ResponseCache | None = None,
    budget: Budget | None = None,
    keep_order: bool = False,
    progress: Callable[[Tally], Coroutine[Any, Any, None]] | None = None,
    pool: WorkerPool | None = None,
) -> int:
    """Extract every input into `sink`; returns the number of inputs that failed.

    The extractor is closed when the run ends, also when it stops on an error.
    """
    failures = 0
    broken: OutputError | None = None  # the output could not be written: the run stops
    ticker = asyncio.create_task(progress(tally)) if progress is not None else None
    try:
        async for outcome in run_batch(
            items,
            extractor,
            concurrency=pool.in_flight if pool is not None else concurrency,
            cache=cache,
            budget=budget,
            tally=tally,
            keep_order=keep_order,
            extract=pool.extract if pool is not None else None,
        ):
            if cache is not None and not voice.quiet:
                for notice in cache.take_notices():
                    voice.say(f"note: {notice}")
            if isinstance(outcome, Failed):
                failures += 1
                if outcome.stop is None:  # a stopping error is said once, as the run ends
                    voice.say(f"sitrep: {outcome.line()}")
            else:
                _say_warnings(outcome.result, voice)
            if broken is not None:
                tally.unwritten += 1  # in flight when writing failed: cached, not written
                continue
            try:
                if isinstance(outcome, Failed):
                    sink.fail(outcome)
                else:
                    sink.write(outcome)
            except OutputError as exc:
                broken = exc
                tally.unwritten += 1
                tally.stopped_by = "output"  # no new article starts
    finally:
        if ticker is not None:
            ticker.cancel()
        await extractor.aclose()
    if broken is not None:
        raise broken
    return failures


def _say_warnings(result: ExtractionResult, voice: Voice) -> None:
    if voice.verbose:
        for warning in result.warnings:
            voice.say(f"warning: {one_line(result.article.id)}: {warning}")
    elif result.warnings and not voice.quiet:
        count = len(result.warnings)
        voice.say(f"note: {one_line(result.article.id)}: {count} warning(s) in 'warnings'")


def run_job(
    job: ExtractionJob,
    *,
    voice: Voice,
    tally: Tally,
    progress: Callable[[Tally], Coroutine[Any, Any, None]] | None = None,
) -> int:
    """Run `job` to the end; returns the number of inputs that failed. The sink and the cache
    are closed however the run ends (a stopped run leaves no half-written document)."""
    complete = False
    try:
        failures = asyncio.run(
            run_extraction(
                job.items,
                job.extractor,
                job.sink,
                voice=voice,
                tally=tally,
                concurrency=job.concurrency,
                cache=job.cache,
                budget=job.budget,
                keep_order=job.keep_order,
                progress=progress,
                pool=job.pool,
            )
        )
        complete = True
    except KeyboardInterrupt:
        tally.interrupted = True
        raise
    finally:
        if job.pool is not None:
            job.pool.close()
        job.sink.close(complete=complete)
        if job.cache is not None:
            job.cache.close()
    return failures
