"""Many articles: bounded concurrency over a stream of inputs, one outcome per input.

Inputs are consumed lazily (a huge JSON Lines file is never loaded whole); at most
`concurrency` articles are in flight; every input ends as exactly one `Done` or `Failed`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass

from pydantic_core import PydanticSerializationError

from agent.articles import Article, InputProblem
from agent.batch.cache import ResponseCache
from agent.batch.progress import Budget, Tally
from agent.errors import AgentError, ResponseError, one_line
from agent.extractors.base import Extractor
from agent.extractors.results import extract_article
from agent.schema import ExtractionResult


@dataclass(frozen=True)
class Done:
    result: ExtractionResult
    origin: str = ""  # where the article was read from
    line: str = ""  # the result as one JSON line (no newline), made once for every writer


@dataclass(frozen=True)
class Failed:
    """An input that produced no result: recorded, and the batch goes on."""

    source: str
    article_id: str | None
    kind: str
    message: str
    attempts: int = 0  # requests to the model for this article (0: never sent)
    # an error no other article would get past either: recorded, then the run stops with it
    stop: AgentError | None = None

    def line(self) -> str:
        """`source (id): message` on one line: control characters in names are escaped."""
        who = self.article_id if self.article_id and self.article_id != self.source else None
        return f"{one_line(self.source)}{f' ({one_line(who)})' if who else ''}: {self.message}"


Outcome = Done | Failed
# how one article becomes a result: in this process (`extract_article`), or in a worker
Extract = Callable[[Article], Awaitable[ExtractionResult]]


async def _one(
    extractor: Extractor, article: Article, cache: ResponseCache | None, extract: Extract | None
) -> Outcome:
    """One article, start to end; whatever goes wrong on the way fails this article only.

    An `AgentError` keeps its kind; anything else (a bug, a reply nothing foresaw) becomes
    kind `internal` with its type and message. An error no article would get past (a refused
    key, an unreachable endpoint, a refused mode) is recorded with `stop` set, and the run
    stops after it; cancellation leaves this function.
    """
    try:
        return await _extract(extractor, article, cache, extract)
    except AgentError as exc:
        attempts = exc.attempts if exc.attempts is not None else 1
        stop = exc if exc.stops_run else None  # every article would fail the same way
        source = article.origin or article.id
        return Failed(source, article.id, exc.kind, exc.message, attempts, stop)
    except Exception as exc:
        message = f"unexpected {type(exc).__name__}: {one_line(str(exc))[:200]}"
        return Failed(article.origin or article.id, article.id, "internal", message, 1)


async def _extract(
    extractor: Extractor, article: Article, cache: ResponseCache | None, extract: Extract | None
) -> Done:
    identity = extractor.cache_identity if cache is not None else None
    if cache is not None and identity is not None:
        hit = await cache.alookup(identity, article)
        if hit is not None:
            return Done(hit, article.origin, serialise(hit))
    if extract is not None:
        result = await extract(article)
    else:
        result = await extract_article(extractor, article)
    line = serialise(result)
    if cache is not None and identity is not None:
        await cache.astore(identity, article, line)
    return Done(result, article.origin, line)


def serialise(result: ExtractionResult) -> str:
    """The result as one JSON line; a result that cannot be written (a string holding half of
    a surrogate pair, which no UTF-8 file can hold) is an invalid response of that article."""
    try:
        return result.model_dump_json()
    except (PydanticSerializationError, ValueError) as exc:
        if "surrogate" in str(exc):
            reason = "a string holds half of a surrogate pair (not valid Unicode)"
        else:
            reason = one_line(str(exc))[:200]
        raise ResponseError(f"the result cannot be written as JSON: {reason}") from exc


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
                    if isinstance(outcome, Failed) and outcome.stop is not None:
                        raise outcome.stop
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
