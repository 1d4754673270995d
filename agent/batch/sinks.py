"""Where a batch's results go: one interface, three sinks.

- `JsonLinesFile` (`-o out.jsonl`): each result one JSON line, written and flushed as soon as
  its article finishes, with the failure ledger beside it and `--resume` / `--retry-failures`.
- `LineStream` (JSON Lines on stdout): the same lines, flushed, no ledger.
- `Buffered` (pretty JSON, CSV, tables): every result kept until the end, then rendered whole
  to a file (atomically) or to stdout.

`open_sink` picks one from the command's options.
"""

from __future__ import annotations

import contextlib
import os
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
from agent.output import (
    LockedOutput,
    OutputError,
    OutputTarget,
    atomic_write_text,
    check_writable_folder,
    stdout_error,
    write_all,
    write_error,
)
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

    The file is locked for the run (a second process refuses). A fresh run truncates it and
    the ledger; `resume` appends, skipping the articles already written; `retry_failures` also
    limits the run to the articles in the ledger. Either way the ledger is rewritten at the
    end with what still fails. A device or FIFO is written straight through, with no ledger.
    A write that fails raises `OutputError` after cutting away its partial line.
    """

    def __init__(
        self, target: OutputTarget, *, resume: bool = False, retry_failures: bool = False
    ) -> None:
        assert target.path is not None
        self.output = target.path
        self.ledger_path = ledger_path(self.output)
        self.appending = resume or retry_failures
        self.selection = Selection()
        self.skipped = Skipped()
        self.written_ids: set[str] = set()
        self.written_sources: set[str] = set()
        self.failed = 0
        self.remaining: int | None = None  # ledger entries left after `close`
        self.lock: LockedOutput | None = None
        self.ledger: LedgerWriter | None = None
        if target.special:
            if self.appending:
                raise UsageError(
                    f"--resume and --retry-failures need a regular file, not {self.output}"
                )
            self.fd = os.open(self.output, os.O_WRONLY)
            return
        self.lock = LockedOutput(self.output)
        self.fd = self.lock.fd
        try:
            if self.appending:
                self.selection.done = prepare_resume(self.output)
            if retry_failures:
                self.selection.only_ids, self.selection.only_sources = retry_selection(
                    read_ledger(self.ledger_path)
                )
            if not self.appending:
                os.ftruncate(self.fd, 0)
            os.lseek(self.fd, 0, os.SEEK_END)
            self.ledger = LedgerWriter(self.ledger_path, fresh=not self.appending)
        except BaseException:
            self.lock.close()
            raise

    def select(self, items: Iterable[Item]) -> Iterator[Item]:
        return select(items, self.selection, self.skipped)

    def write(self, done: Done) -> None:
        """One result as one JSON line, written at once: a killed run leaves whole lines."""
        data = ((done.line or done.result.model_dump_json()) + "\n").encode("utf-8")
        if self.lock is None:  # a device or FIFO: nothing to cut back
            try:
                write_all(self.fd, data)
            except OSError as exc:
                raise write_error(self.output, exc) from exc
        else:
            before = os.lseek(self.fd, 0, os.SEEK_CUR)
            try:
                write_all(self.fd, data)
            except OSError as exc:
                with contextlib.suppress(OSError):  # leave no partial line behind
                    os.ftruncate(self.fd, before)
                    os.lseek(self.fd, before, os.SEEK_SET)
                raise write_error(self.output, exc) from exc
        self.written_ids.add(done.result.article.id)
        if done.origin:
            self.written_sources.add(done.origin)

    def fail(self, failed: Failed) -> None:
        self.failed += 1
        if self.ledger is None:
            return  # a device or FIFO has no ledger beside it: the failure is on stderr
        entry = make_entry(
            failed.source, failed.article_id, failed.kind, failed.message, failed.attempts
        )
        try:
            self.ledger.record(entry)
        except OSError as exc:
            raise write_error(self.ledger_path, exc) from exc

    def close(self, *, complete: bool = True) -> None:
        if self.lock is None:
            os.close(self.fd)
            return
        try:
            if self.ledger is not None:
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
            self.lock.close()

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
        try:
            self.stream.write((done.line or done.result.model_dump_json()) + "\n")
            self.stream.flush()
        except OSError as exc:
            raise stdout_error(exc) from exc


class Buffered(Sink):
    """Every result kept, then rendered whole in `fmt` to the output (else stdout).

    A file output is locked and checked for writing when the sink opens, before any request.
    """

    def __init__(self, fmt: OutputFormat, target: OutputTarget | None = None) -> None:
        self.fmt = fmt
        self.target = target or OutputTarget(None)
        self.results: list[ExtractionResult] = []
        self.lock: LockedOutput | None = None
        path = self.target.path
        if path is not None and not self.target.special:
            self.lock = LockedOutput(path)
            try:
                check_writable_folder(path)
            except OSError:
                self.lock.close(remove_if_unused=True)
                raise

    def write(self, done: Done) -> None:
        self.results.append(done.result)

    def close(self, *, complete: bool = True) -> None:
        try:
            if complete:  # a run stopped by Ctrl-C or an error writes no half document
                self._write(render(self.results, self.fmt))
        finally:
            if self.lock is not None:
                self.lock.close(remove_if_unused=True)

    def _write(self, text: str) -> None:
        path = self.target.path
        if path is None:
            try:
                sys.stdout.write(text)
                sys.stdout.flush()
            except OSError as exc:
                raise stdout_error(exc) from exc
            return
        try:
            atomic_write_text(path, text)
        except OSError as exc:
            raise OutputError(
                f"cannot write {path}: {exc.strerror or exc}; nothing was written"
            ) from exc


def open_sink(
    output: Path | None, fmt: OutputFormat, *, resume: bool = False, retry_failures: bool = False
) -> Sink:
    """The sink for a run's options; raises `UsageError` when they do not fit together or
    the output cannot be written (before any article is read)."""
    target = OutputTarget.of(output)
    if (resume or retry_failures) and (target.path is None or fmt is not OutputFormat.jsonl):
        raise UsageError("--resume and --retry-failures need -o FILE with JSON Lines output")
    try:
        if fmt is OutputFormat.jsonl:
            if target.path is None:
                return LineStream(sys.stdout)
            return JsonLinesFile(target, resume=resume, retry_failures=retry_failures)
        return Buffered(fmt, target)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
