"""Where a batch's results go: one interface, three sinks.

- `JsonLinesFile` (`-o out.jsonl`): each result one JSON line, written and flushed as soon as
  its article finishes, with the failure ledger beside it and `--resume` / `--retry-failures`.
- `LineStream` (JSON Lines on stdout): the same lines, flushed, no ledger.
- `Buffered` (pretty JSON, CSV, tables): every result kept until the end, then rendered whole
  to a file (atomically) or to stdout.

`open_sink` picks one from the command's options.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from agent.articles import Article, InputProblem
from agent.batch.formats import OutputFormat, render
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
from agent.batch.run import Done, Failed
from agent.errors import UsageError
from agent.output import atomic_write_text
from agent.schema import ExtractionResult

Item = Article | InputProblem


class Sink:
    """Receives every outcome of a run; `close` finishes the output."""

    def select(self, items: Iterable[Item]) -> Iterator[Item]:
        """The inputs this output still needs (all of them, unless resuming)."""
        yield from items

    def write(self, done: Done) -> None:
        raise NotImplementedError

    def fail(self, failed: Failed) -> None:
        """A failed article: recorded where the sink keeps failures (by default nowhere)."""

    def close(self, *, complete: bool = True) -> None:
        """Finish writing; called once, also when the run stopped early (`complete` False)."""

    def notes(self) -> list[str]:
        """What the user should know about the output once it is closed."""
        return []


@dataclass
class Skipped:
    """How many inputs a selection passed over (already written, or not in the ledger)."""

    done: int = 0
    other: int = 0


def select(items: Iterable[Item], selection: Selection, skipped: Skipped) -> Iterator[Item]:
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


class JsonLinesFile(Sink):
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

    def select(self, items: Iterable[Item]) -> Iterator[Item]:
        return select(items, self.selection, self.skipped)

    def write(self, done: Done) -> None:
        """One result as one JSON line, flushed: a killed run leaves whole lines."""
        self.stream.write(done.result.model_dump_json() + "\n")
        self.stream.flush()
        if self.appending:  # only a resumed or retried run compacts the ledger with these
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

    def close(self, *, complete: bool = True) -> None:
        self.stream.close()
        self.ledger.close()
        if self.appending:
            done_ids = {article_id for article_id, _ in self.selection.done} | self.written_ids
            self.remaining = compact_ledger(self.ledger_path, done_ids, self.written_sources)
        else:
            self.remaining = self.failed

    def notes(self) -> list[str]:
        lines = []
        if self.skipped.done:
            lines.append(
                f"resume: {self.skipped.done} article(s) already in {self.output}, skipped"
            )
        if self.remaining:
            lines.append(f"failures: {self.remaining} listed in {self.ledger_path}")
        return lines


class LineStream(Sink):
    """JSON Lines to a stream (stdout), each line flushed as its article finishes."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, done: Done) -> None:
        self.stream.write(done.result.model_dump_json() + "\n")
        self.stream.flush()


class Buffered(Sink):
    """Every result kept, then rendered whole in `fmt` to `output` (else stdout)."""

    def __init__(self, fmt: OutputFormat, output: Path | None = None) -> None:
        self.fmt = fmt
        self.output = output
        self.results: list[ExtractionResult] = []

    def write(self, done: Done) -> None:
        self.results.append(done.result)

    def close(self, *, complete: bool = True) -> None:
        if not complete:
            return  # a run stopped by Ctrl-C or an error writes no half document
        text = render(self.results, self.fmt)
        if self.output is not None:
            atomic_write_text(self.output, text)
        else:
            sys.stdout.write(text)


def open_sink(
    output: Path | None, fmt: OutputFormat, *, resume: bool = False, retry_failures: bool = False
) -> Sink:
    """The sink for a run's options; raises `UsageError` when they do not fit together."""
    if (resume or retry_failures) and (output is None or fmt is not OutputFormat.jsonl):
        raise UsageError("--resume and --retry-failures need -o FILE with JSON Lines output")
    if fmt is OutputFormat.jsonl:
        if output is None:
            return LineStream(sys.stdout)
        try:
            return JsonLinesFile(output, resume=resume, retry_failures=retry_failures)
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
    return Buffered(fmt, output)
