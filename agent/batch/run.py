"""Many articles: bounded concurrency over a stream of inputs, one outcome per input.

Inputs are consumed lazily (a huge JSON Lines file is never loaded whole); at most
`concurrency` articles are in flight; every input ends as exactly one `Done` or `Failed`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from agent.articles import Article, InputProblem
from agent.batch.cache import Cacheable, ResponseCache
from agent.batch.ledger import (
    LedgerWriter,
    Selection,
    compact_ledger,
    ledger_path,
    make_entry,
    prepare_resume,
    read_ledger,
    retry_selection,
)
from agent.batch.progress import Budget, Prices, Tally
from agent.errors import AgentError, ModelAuthError
from agent.extractors.base import Extractor, extract_article
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


async def _one(extractor: Extractor, article: Article, cache: ResponseCache | None) -> Outcome:
    identity = None
    if cache is not None and isinstance(extractor, Cacheable):
        identity = extractor.cache_identity
        hit = cache.lookup(identity, article)
        if hit is not None:
            return Done(hit, article.origin)
    try:
        result = await extract_article(extractor, article)
        if cache is not None and identity is not None:
            cache.store(identity, article, result)
        return Done(result, article.origin)
    except ModelAuthError:
        raise  # every article would fail the same way: stop the run
    except AgentError as exc:
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
) -> AsyncIterator[Outcome]:
    """One outcome per input, as they complete (or in input order with `keep_order`).

    Cached answers cost no request. When a `budget` is reached no new article starts, the
    ones in flight finish, and `tally.undone` counts the inputs left over.
    """
    tally = tally if tally is not None else Tally()
    pending: dict[asyncio.Task[Outcome], int] = {}
    held: dict[int, Outcome] = {}  # finished out of order, waiting for their turn
    iterator = iter(items)
    exhausted = False
    position = 0  # of the next input
    turn = 0  # position of the next outcome to yield when keeping order

    def ready(number: int, outcome: Outcome) -> list[Outcome]:
        nonlocal turn
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
                pending[asyncio.create_task(_one(extractor, item, cache))] = number
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


def prices_of(extractor: Extractor) -> Prices:
    """The profile's prices per million tokens (zero for the offline rules)."""
    profile = getattr(extractor, "profile", None)
    return Prices(
        float(getattr(profile, "price_input_per_mtok", 0.0) or 0.0),
        float(getattr(profile, "price_output_per_mtok", 0.0) or 0.0),
    )


@dataclass
class Skipped:
    """How many inputs a selection passed over (already written, or not in the ledger)."""

    done: int = 0
    other: int = 0


def select(
    items: Iterable[Article | InputProblem], selection: Selection, skipped: Skipped
) -> Iterator[Article | InputProblem]:
    """The inputs a resumed or retried run still has to do, lazily."""
    for item in items:
        if isinstance(item, InputProblem):
            if selection.wants(item.article_id, item.source):
                yield item
            else:
                skipped.other += 1
            continue
        source = item.origin or item.id
        if (item.id, item.sha256) in selection.done:
            skipped.done += 1
        elif selection.wants(item.id, source, item.sha256):
            yield item
        else:
            skipped.other += 1


class RunFiles:
    """The output file and failure ledger of one `-o out.jsonl` run.

    A fresh run truncates both. `resume` appends, skipping the articles already written;
    `retry_failures` also limits the run to the articles in the ledger. Either way the ledger
    is rewritten at the end with what still fails.
    """

    def __init__(self, output: Path, *, resume: bool = False, retry_failures: bool = False):
        self.output = output
        self.ledger_path = ledger_path(output)
        self.appending = resume or retry_failures
        self.selection = Selection()
        self.skipped = Skipped()
        self.written_ids: set[str] = set()
        self.written_sources: set[str] = set()
        self.failed = 0
        if self.appending:
            self.selection.done = prepare_resume(output)
        if retry_failures:
            self.selection.only_ids, self.selection.only_sources = retry_selection(
                read_ledger(self.ledger_path)
            )
        output.parent.mkdir(parents=True, exist_ok=True)
        self.stream = output.open("a" if self.appending else "w", encoding="utf-8")
        self.ledger = LedgerWriter(self.ledger_path, fresh=not self.appending)
        self.remaining: int | None = None  # ledger entries left after `close`

    def select(self, items: Iterable[Article | InputProblem]) -> Iterator[Article | InputProblem]:
        return select(items, self.selection, self.skipped)

    def write(self, done: Done) -> None:
        """One result as one JSON line, flushed: a killed run leaves whole lines."""
        self.stream.write(done.result.model_dump_json() + "\n")
        self.stream.flush()
        self.written_ids.add(done.result.article.id)
        if done.origin:
            self.written_sources.add(done.origin)

    def fail(self, failed: Failed) -> None:
        self.failed += 1
        self.ledger.record(
            make_entry(
                failed.source, failed.article_id, failed.kind, failed.message, failed.attempts
            )
        )

    def close(self) -> None:
        self.stream.close()
        self.ledger.close()
        if self.appending:
            done_ids = {article_id for article_id, _ in self.selection.done} | self.written_ids
            self.remaining = compact_ledger(self.ledger_path, done_ids, self.written_sources)
        else:
            self.remaining = self.failed
