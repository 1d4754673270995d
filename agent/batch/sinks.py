"""Where a batch's results go: the `Sink` interface, and the sinks that keep no ledger.

- `LineStream` (JSON Lines on stdout): each result one line, flushed as its article finishes.
- `DeviceLines` (JSON Lines into a device or FIFO named by `-o`): the same, written through.
- `Buffered` (pretty JSON, CSV, tables): every result kept until the end, then rendered whole
  to a file (atomically) or to stdout.

The file outputs with a failure ledger, `--resume` and `--retry-failures` (JSON Lines, SQLite)
are in `batch.outputs`, with `open_sink`, which picks one from the command's options.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from agent.articles import Article, InputProblem
from agent.batch.formats import Rendering, render
from agent.batch.ledger import Selection
from agent.batch.run import Done, Failed
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


class DeviceLines(Sink):
    """JSON Lines written straight into a device or FIFO (no lock, no ledger, no resume)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY)

    def write(self, done: Done) -> None:
        try:
            write_all(self.fd, ((done.line or done.result.model_dump_json()) + "\n").encode())
        except OSError as exc:
            raise write_error(self.path, exc) from exc

    def close(self, *, complete: bool = True) -> None:
        os.close(self.fd)


class Buffered(Sink):
    """Every result kept, then rendered whole (`rendering`) to the output (else stdout).

    A file output is locked and checked for writing when the sink opens, before any request.
    """

    def __init__(self, rendering: Rendering, target: OutputTarget | None = None) -> None:
        self.rendering = rendering
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
                self._write(render(self.results, self.rendering))
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
