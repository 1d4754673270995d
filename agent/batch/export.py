"""`sitrep export`: results made earlier (JSON Lines or a pretty .json from `sitrep extract`)
written again in another format: an SQLite database (upserted, as `-o results.sqlite` does),
CSV of any kind, a JSON array, JSON Lines or tables."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agent.batch.database import ResultsDatabase, read_results
from agent.batch.formats import OutputFormat, Rendering
from agent.batch.run import Done
from agent.batch.sinks import Buffered
from agent.errors import UsageError
from agent.output import LockedOutput, OutputError, OutputTarget
from agent.schema import ExtractionResult


@dataclass
class Exported:
    """What an export wrote, and the lines it could not read (`source:line: reason`)."""

    written: int = 0
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # rows per table (SQLite)


def export_results(sources: Iterable[Path], target: OutputTarget, rendering: Rendering) -> Exported:
    """Read every result of `sources` and write them to `target` in `rendering`'s format."""
    report = Exported()
    results = _read(sources, report)
    if rendering.fmt is OutputFormat.sqlite:
        if target.path is None or target.special:
            raise UsageError("an SQLite export needs -o FILE (a database file)")
        _to_database(results, target.path, report)
        return report
    try:
        sink = Buffered(rendering, target)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
    for result in results:
        sink.write(Done(result))
        report.written += 1
    sink.close()
    return report


def _read(sources: Iterable[Path], report: Exported) -> list[ExtractionResult]:
    results: list[ExtractionResult] = []
    for path in sources:
        try:
            for number, got in read_results(path):
                if isinstance(got, str):
                    report.problems.append(f"{path}:{number}: {got}")
                else:
                    results.append(got)
        except OSError as exc:
            report.problems.append(f"{path}: cannot read: {exc.strerror or exc}")
    return results


def _to_database(results: list[ExtractionResult], path: Path, report: Exported) -> None:
    try:
        lock = LockedOutput(path)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        db = ResultsDatabase(path)
        try:
            for result in results:
                db.upsert(result)
                report.written += 1
            report.counts = db.counts()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise OutputError(f"cannot write {path}: {exc}") from exc
    finally:
        lock.close(remove_if_unused=True)
