"""Worker processes for an extractor that needs the CPU, not the network (`--model rules`).

The parent keeps everything a run owns (the streamed input, the output order, the ledger,
resume, progress); each worker process only turns articles into results with its own
extractor, made once by a picklable `factory`. Results come back as their JSON (one string:
cheaper to send between processes than a tree of models) and are validated again in the
parent, so what a sink receives is the same `ExtractionResult` an in-process run makes.

Workers are started with `spawn` (the same on every platform, and never a fork of a parent
that already runs threads), lazily on the first article, and they ignore Ctrl-C: the parent
decides when they stop.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from agent.articles import Article
from agent.extractors.base import Extractor
from agent.extractors.results import extract_article
from agent.schema import ExtractionResult

IN_FLIGHT_PER_WORKER = 4  # articles queued per worker, so none waits for the parent


def machine_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class WorkerPool:
    """`processes` worker processes, each extracting with `factory()`."""

    def __init__(self, factory: Callable[[], Extractor], processes: int) -> None:
        self.processes = processes
        self._factory = factory
        self._executor: ProcessPoolExecutor | None = None

    @property
    def in_flight(self) -> int:
        """How many articles to keep in flight so every worker stays busy."""
        return self.processes * IN_FLIGHT_PER_WORKER

    async def extract(self, article: Article) -> ExtractionResult:
        """One article in a worker; raises what the extractor raised there."""
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self._factory,),
            )
        loop = asyncio.get_running_loop()
        data = await loop.run_in_executor(self._executor, _extract_in_worker, article)
        return ExtractionResult.model_validate_json(data)

    def close(self) -> None:
        """Stop the workers (articles still queued are dropped)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


# --- inside a worker process ----------------------------------------------------------------

_worker: tuple[Extractor, asyncio.AbstractEventLoop] | None = None


def _start_worker(factory: Callable[[], Extractor]) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _worker = (factory(), asyncio.new_event_loop())


def _extract_in_worker(article: Article) -> str:
    if _worker is None:  # the initializer always runs first
        raise RuntimeError("worker process not started")
    extractor, loop = _worker
    result = loop.run_until_complete(extract_article(extractor, article))
    return result.model_dump_json()
