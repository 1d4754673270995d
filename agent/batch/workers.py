"""Worker processes for an extractor that needs the CPU, not the network (`--model rules`).

The parent keeps everything a run owns (the streamed input, the output order, the ledger,
resume, progress); each worker process only turns articles into results with its own
extractor, made once by a picklable `factory`. Articles go to the workers in small chunks
(those that start together, at most `CHUNK`), so the parent's cost per article stays a small
share of a worker's. Results come back as their JSON (one string: cheaper to send between
processes than a tree of models) and are validated again in the parent, so what a sink
receives is the same `ExtractionResult` an in-process run makes; an `AgentError` comes back as
itself, for that article alone.

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
from agent.errors import AgentError
from agent.extractors.base import Extractor
from agent.extractors.results import extract_article
from agent.schema import ExtractionResult

CHUNK = 8  # articles sent to a worker at once
IN_FLIGHT_PER_WORKER = 3 * CHUNK  # queued per worker, so none waits for the parent


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
        self._waiting: list[tuple[Article, asyncio.Future[ExtractionResult]]] = []
        self._flush_soon = False

    @property
    def in_flight(self) -> int:
        """How many articles to keep in flight so every worker stays busy."""
        return self.processes * IN_FLIGHT_PER_WORKER

    async def extract(self, article: Article) -> ExtractionResult:
        """One article in a worker; raises what the extractor raised there."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ExtractionResult] = loop.create_future()
        self._waiting.append((article, future))
        if len(self._waiting) >= CHUNK:
            self._send()
        elif not self._flush_soon:  # the articles starting with this one go together
            self._flush_soon = True
            loop.call_soon(self._send)
        return await future

    def _send(self) -> None:
        self._flush_soon = False
        chunk, self._waiting = self._waiting, []
        if not chunk:
            return
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self._factory,),
            )
        done = self._executor.submit(_extract_in_worker, [article for article, _ in chunk])
        futures = [future for _, future in chunk]
        asyncio.wrap_future(done).add_done_callback(lambda f: _settle(f, futures))

    def close(self) -> None:
        """Stop the workers (articles still queued are dropped)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def _settle(
    done: asyncio.Future[list[str | AgentError]], futures: list[asyncio.Future[ExtractionResult]]
) -> None:
    """Hand each article of a chunk its result or its error."""
    if done.cancelled() or done.exception() is not None:
        error = done.exception() if not done.cancelled() else asyncio.CancelledError()
        for future in futures:
            if not future.done():
                future.set_exception(error or RuntimeError("worker failed"))
        return
    for future, outcome in zip(futures, done.result(), strict=True):
        if future.done():
            continue
        if isinstance(outcome, AgentError):
            future.set_exception(outcome)
        else:
            future.set_result(ExtractionResult.model_validate_json(outcome))


# --- inside a worker process ----------------------------------------------------------------

_worker: tuple[Extractor, asyncio.AbstractEventLoop] | None = None


def _start_worker(factory: Callable[[], Extractor]) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _worker = (factory(), asyncio.new_event_loop())


def _extract_in_worker(articles: list[Article]) -> list[str | AgentError]:
    if _worker is None:  # the initializer always runs first
        raise RuntimeError("worker process not started")
    extractor, loop = _worker
    outcomes: list[str | AgentError] = []
    for article in articles:
        try:
            result = loop.run_until_complete(extract_article(extractor, article))
        except AgentError as exc:
            outcomes.append(exc)
            continue
        outcomes.append(result.model_dump_json())
    return outcomes
