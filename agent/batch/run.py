"""Many articles: bounded concurrency over a stream of inputs, one outcome per input.

Inputs are consumed lazily (a huge JSON Lines file is never loaded whole); at most
`concurrency` articles are in flight; every input ends as exactly one `Done` or `Failed`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass

from agent.articles import Article, InputProblem
from agent.batch.cache import ResponseCache
from agent.batch.progress import Budget, Tally
from agent.errors import AgentError
from agent.extractors.base import Extractor
from agent.extractors.results import extract_article
from agent.schema import ExtractionResult


@dataclass(frozen=True)
class Done:
    result: ExtractionResult
    origin: str = ""  # where the article was read from


@dataclass(frozen=True)
class Failed:
    """An input that produced no result: recorded, and the batch goes on."""

    source: str
    article_id: str | None
    kind: str
    message: str
    attempts: int = 0  # requests to the model for this article (0: never sent)

    def line(self) -> str:
        who = self.article_id if self.article_id and self.article_id != self.source else None
        return f"{self.source}{f' ({who})' if who else ''}: {self.message}"


Outcome = Done | Failed
# how one article becomes a result: in this process (`extract_article`), or in a worker
Extract = Callable[[Article], Awaitable[ExtractionResult]]


async def _one(
    extractor: Extractor, article: Article, cache: ResponseCache | None, extract: Extract | None
) -> Outcome:
    identity = extractor.cache_identity if cache is not None else None
    if cache is not None and identity is not None:
        hit = await cache.alookup(identity, article)
        if hit is not None:
            return Done(hit, article.origin)
    try:
        if extract is not None:
            result = await extract(article)
        else:
            result = await extract_article(extractor, article)
        if cache is not None and identity is not None:
            await cache.astore(identity, article, result)
        return Done(result, article.origin)
    except AgentError as exc:
        if exc.stops_run:
            raise  # every article would fail the same way: stop the run
        attempts = exc.attempts if exc.attempts is not None else 1
        return Failed(article.origin or article.id, article.id, exc.kind, exc.message, attempts)


async def run_batch(
    items: Iterable[Article | InputProblem],
    extractor: Extractor,
    *,
    concurrency: int = 8,
    cache: ResponseCache | None = None,
    budget: Budget | None = None,
    tally: Tally | None = None,
    keep_order: bool = False,
    extract: Extract | None = None,
) -> AsyncIterator[Outcome]:
    """One outcome per input, as they complete (or in input order with `keep_order`).

    `extract` replaces `extract_article(extractor, ...)` (worker processes); the extractor
    still names the run (meter, cache identity).

    Cached answers cost no request. When a `budget` is reached no new article starts, the
    ones in flight finish, and `tally.undone` counts the inputs left over.
    """
    tally = tally if tally is not None else Tally()
    tally.meter = extractor.meter
    pending: dict[asyncio.Task[Outcome], int] = {}
    held: dict[int, Outcome] = {}  # finished out of order, waiting for their turn
    iterator = iter(items)
    exhausted = False
    position = 0  # of the next input
    turn = 0  # position of the next outcome to yield when keeping order

    def ready(number: int, outcome: Outcome) -> list[Outcome]:
        nonlocal turn
        tally.in_flight.pop(number, None)
        if isinstance(outcome, Done):
            tally.add_result(outcome.result.usage)
        else:
            tally.add_failure(outcome.attempts)
        if not keep_order:
            return [outcome]
        held[number] = outcome
        out = []
        while turn in held:
            out.append(held.pop(turn))
            turn += 1
        return out

    try:
        while True:
            while not exhausted and len(pending) < concurrency:
                if budget is not None and tally.stopped_by is None:
                    tally.stopped_by = budget.reached(tally)
                if tally.stopped_by is not None:
                    tally.undone = sum(1 for _ in iterator)
                    exhausted = True
                    break
                item = next(iterator, None)
                if item is None:
                    exhausted = True
                    break
                number, position = position, position + 1
                if isinstance(item, InputProblem):
                    failed = Failed(item.source, item.article_id, "input", item.message)
                    for outcome in ready(number, failed):
                        yield outcome
                    continue
                tally.started += 1
                tally.in_flight[number] = time.monotonic()
                pending[asyncio.create_task(_one(extractor, item, cache, extract))] = number
            if not pending:
                return
            done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(done, key=pending.__getitem__):
                for outcome in ready(pending.pop(task), task.result()):
                    yield outcome
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
