"""The file outputs of a batch: locked, with the failure ledger beside them, resumable.

- `JsonLinesFile` (`-o out.jsonl`): each result one JSON line, written at once as its article
  finishes; a fresh run replaces the file.
- `SqliteFile` (`-o results.sqlite`, `--format sqlite`): each result upserted into the tables
  of `batch.database` in its own transaction; a re-run upserts, never duplicates.

Both lock the output for the run (a second process refuses), keep `OUTPUT.failures.jsonl`,
and support `--resume` (skip what is written) and `--retry-failures` (only the ledger's).
`open_sink` picks the sink for a command's options.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from agent.batch.database import ResultsDatabase
from agent.batch.formats import OutputFormat, Rendering
from agent.batch.ledger import (
    ArticleKey,
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
from agent.batch.sinks import Buffered, DeviceLines, Item, LineStream, Sink, Skipped, select
from agent.errors import UsageError
from agent.output import LockedOutput, OutputError, OutputTarget, write_all, write_error


class FileSink(Sink):
    """A locked output file and its failure ledger. A fresh run starts an empty ledger;
    `resume` skips the articles already in the output; `retry_failures` also limits the run
    to the ledger's articles. Either way the ledger is rewritten at the end with what still
    fails. Subclasses open the output (`open_output`, returning what it already holds) and
    write results (`write`)."""

    def __init__(self, output: Path, *, resume: bool = False, retry_failures: bool = False):
        self.output = output
        self.ledger_path = ledger_path(output)
        self.appending = resume or retry_failures
        self.selection = Selection()
        self.skipped = Skipped()
        self.written_ids: set[str] = set()
        self.written_sources: set[str] = set()
        self.failed = 0
        self.remaining: int | None = None  # ledger entries left after `close`
        self.lock = LockedOutput(output)
        try:
            held = self.open_output()
            if self.appending:
                self.selection.done = held
            if retry_failures:
                self.selection.only_ids, self.selection.only_sources = retry_selection(
                    read_ledger(self.ledger_path)
                )
            self.ledger = LedgerWriter(self.ledger_path, fresh=not self.appending)
        except BaseException:
            self.lock.close(remove_if_unused=True)
            raise

    def open_output(self) -> set[ArticleKey]:
        raise NotImplementedError

    def close_output(self) -> None:
        """Finish the output itself (the lock is released after)."""

    def select(self, items: Iterable[Item]) -> Iterator[Item]:
        return select(items, self.selection, self.skipped)

    def written(self, done: Done) -> None:
        if self.appending:  # only a resumed or retried run compacts the ledger with these
            self.written_ids.add(done.result.article.id)
            if done.origin:
                self.written_sources.add(done.origin)

    def fail(self, failed: Failed) -> None:
        self.failed += 1
        entry = make_entry(
            failed.source, failed.article_id, failed.kind, failed.message, failed.attempts
        )
        try:
            self.ledger.record(entry)
        except OSError as exc:
            raise write_error(self.ledger_path, exc) from exc

    def close(self, *, complete: bool = True) -> None:
        try:
            self.close_output()
            self.ledger.close()
            if self.appending:
                done_ids = {article_id for article_id, _ in self.selection.done}
                done_ids |= self.written_ids
                self.remaining = compact_ledger(self.ledger_path, done_ids, self.written_sources)
            else:
                self.remaining = self.failed
        except OSError as exc:
            raise write_error(self.ledger_path, exc) from exc
        finally:
            self.lock.close()  # an empty output says the run wrote nothing

    def notes(self) -> list[str]:
        lines = []
        if self.skipped.done:
            lines.append(
                f"resume: {self.skipped.done} article(s) already in {self.output}, skipped"
            )
        if self.remaining:
            lines.append(f"failures: {self.remaining} listed in {self.ledger_path}")
        return lines


class JsonLinesFile(FileSink):
    """`-o out.jsonl`: a fresh run truncates it, `--resume` cuts a torn last line and appends.
    A write that fails raises `OutputError` after cutting away its partial line."""

    def open_output(self) -> set[ArticleKey]:
        self.fd = self.lock.fd
        held = prepare_resume(self.output) if self.appending else set()
        if not self.appending:
            os.ftruncate(self.fd, 0)
        os.lseek(self.fd, 0, os.SEEK_END)
        return held

    def write(self, done: Done) -> None:
        """One result as one JSON line, written at once: a killed run leaves whole lines."""
        data = ((done.line or done.result.model_dump_json()) + "\n").encode("utf-8")
        before = os.lseek(self.fd, 0, os.SEEK_CUR)
        try:
            write_all(self.fd, data)
        except OSError as exc:
            with contextlib.suppress(OSError):  # leave no partial line behind
                os.ftruncate(self.fd, before)
                os.lseek(self.fd, before, os.SEEK_SET)
            raise write_error(self.output, exc) from exc
        self.written(done)


class SqliteFile(FileSink):
    """`-o results.sqlite`: every result upserted by (article id, sha256) as it finishes."""

    def open_output(self) -> set[ArticleKey]:
        try:
            self.db = ResultsDatabase(self.output)
            return self.db.done()
        except sqlite3.Error as exc:
            raise UsageError(f"cannot use {self.output} as a results database: {exc}") from exc

    def write(self, done: Done) -> None:
        try:
            self.db.upsert(done.result)
        except sqlite3.Error as exc:
            raise OutputError(f"cannot write {self.output}: {exc}") from exc
        self.written(done)

    def close_output(self) -> None:
        self.db.close()


def open_sink(
    output: Path | None,
    rendering: Rendering,
    *,
    resume: bool = False,
    retry_failures: bool = False,
) -> Sink:
    """The sink for a run's options; raises `UsageError` when they do not fit together or
    the output cannot be written (before any article is read)."""
    target = OutputTarget.of(output)
    fmt = rendering.fmt
    resumable = fmt in (OutputFormat.jsonl, OutputFormat.sqlite)
    if (resume or retry_failures) and (target.path is None or target.special or not resumable):
        raise UsageError(
            "--resume and --retry-failures need -o FILE with JSON Lines or SQLite output"
        )
    if fmt is OutputFormat.sqlite and (target.path is None or target.special):
        raise UsageError("--format sqlite needs -o FILE (a database file)")
    try:
        if fmt is OutputFormat.sqlite:
            assert target.path is not None
            return SqliteFile(target.path, resume=resume, retry_failures=retry_failures)
        if fmt is not OutputFormat.jsonl:
            return Buffered(rendering, target)
        if target.path is None:
            return LineStream(sys.stdout)
        if target.special:
            return DeviceLines(target.path)
        return JsonLinesFile(target.path, resume=resume, retry_failures=retry_failures)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
