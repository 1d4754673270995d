"""Many articles: bounded concurrency over a stream of inputs, one outcome per input.

Inputs are consumed lazily (a huge JSON Lines file is never loaded whole); at most
`concurrency` articles are in flight; every input ends as exactly one `Done` or `Failed`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

from agent.articles import Article, InputProblem
from agent.errors import AgentError, ModelAuthError
from agent.extract import Extractor, extract_article
from agent.schema import ExtractionResult


@dataclass(frozen=True)
class Done:
    result: ExtractionResult


@dataclass(frozen=True)
class Failed:
    """An input that produced no result: recorded, and the batch goes on."""

    source: str
    article_id: str | None
    kind: str
    message: str

    def line(self) -> str:
        who = self.article_id if self.article_id and self.article_id != self.source else None
        return f"{self.source}{f' ({who})' if who else ''}: {self.message}"


Outcome = Done | Failed


async def _one(extractor: Extractor, article: Article) -> Outcome:
    try:
        return Done(await extract_article(extractor, article))
    except ModelAuthError:
        raise  # every article would fail the same way: stop the run
    except AgentError as exc:
        return Failed(article.origin or article.id, article.id, exc.kind, exc.message)


async def run_batch(
    items: Iterable[Article | InputProblem],
    extractor: Extractor,
    *,
    concurrency: int = 8,
) -> AsyncIterator[Outcome]:
    """Outcomes as they complete (not in input order)."""
    pending: set[asyncio.Task[Outcome]] = set()
    iterator = iter(items)
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < concurrency:
                item = next(iterator, None)
                if item is None:
                    exhausted = True
                    break
                if isinstance(item, InputProblem):
                    yield Failed(item.source, item.article_id, "input", item.message)
                    continue
                pending.add(asyncio.create_task(_one(extractor, item)))
            if not pending:
                return
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                yield task.result()
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
