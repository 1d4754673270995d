"""Results rendered whole: pretty JSON, JSON Lines, CSVs, tables for people.

These are the buffered formats: they need every result before they can be written (a JSON
document, a CSV with one header). JSON Lines is also written line by line by the sinks, and
SQLite by `batch.database`.

- `json`: one article read from one file (or from stdin holding one article) is one pretty
  object; anything else is a pretty JSON array of results, one document `json.load` reads.
- `csv`: one row per item of `kind` (casualties, the default; events; causes), each row with
  its article's title, date, source and URL, and a figure's or cause's event date, place and
  type, so that one CSV is usable without joins.
- `table`: fits the width it is given (the terminal's, when writing to one).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.schema import CasualtyFigure, Event, ExtractionResult, StatedCause

if TYPE_CHECKING:
    from rich.text import Text


class OutputFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"
    table = "table"
    csv = "csv"
    sqlite = "sqlite"


class CsvKind(StrEnum):
    casualties = "casualties"
    events = "events"
    causes = "causes"


_BY_SUFFIX = {
    ".sqlite": OutputFormat.sqlite, ".sqlite3": OutputFormat.sqlite, ".db": OutputFormat.sqlite,
    ".csv": OutputFormat.csv, ".json": OutputFormat.json, ".jsonl": OutputFormat.jsonl,
    ".ndjson": OutputFormat.jsonl,
}  # fmt: skip


def format_of(path: Path | None) -> OutputFormat | None:
    """The format an output file's name asks for (None: the name does not say)."""
    return _BY_SUFFIX.get(path.suffix.lower()) if path is not None else None


@dataclass(frozen=True)
class Rendering:
    """How results are rendered: the format, and what each format needs to know."""

    fmt: OutputFormat
    single: bool = False  # one article from one input: `json` is one object, not an array
    kind: CsvKind = CsvKind.casualties
    width: int | None = None  # of a table; None: the terminal's (COLUMNS), else 100


def render(results: list[ExtractionResult], rendering: Rendering) -> str:
    fmt = rendering.fmt
    if fmt is OutputFormat.json:
        if rendering.single:
            return "".join(r.model_dump_json(indent=2) + "\n" for r in results[:1])
        items = [json.loads(r.model_dump_json()) for r in results]
        return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    if fmt is OutputFormat.csv:
        return render_csv(results, rendering.kind)
    if fmt is OutputFormat.table:
        return _table(results, rendering.width or table_width())
    return "".join(r.model_dump_json() + "\n" for r in results)


ARTICLE_COLUMNS = ["article_title", "article_published", "article_source", "article_url"]
EVENT_COLUMNS = ["event_type", "event_date", "event_location", "event_country"]
CSV_COLUMNS: dict[CsvKind, list[str]] = {
    CsvKind.casualties: [
        "article_id", "id", "event_id", "outcome", "group", "civilian", "count_text", "low",
        "high", "qualifier", "part_of", "scope", "reported_by", "quote", "start", "end", "model",
        *ARTICLE_COLUMNS, *EVENT_COLUMNS,
    ],
    CsvKind.events: [
        "article_id", "id", "event_type", "summary", "date_text", "date", "location", "country",
        "actors", "quote", "start", "end", "model", *ARTICLE_COLUMNS,
    ],
    CsvKind.causes: [
        "article_id", "id", "event_id", "cause", "effect", "claimed_by", "certainty", "quote",
        "start", "end", "model", *ARTICLE_COLUMNS, *EVENT_COLUMNS,
    ],
}  # fmt: skip


def render_csv(results: list[ExtractionResult], kind: CsvKind) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS[kind])
    row_of: Callable[[ExtractionResult], list[list[Any]]] = {
        CsvKind.casualties: _casualty_rows,
        CsvKind.events: _event_rows,
        CsvKind.causes: _cause_rows,
    }[kind]
    for r in results:
        for row in row_of(r):
            writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def _article(r: ExtractionResult) -> list[Any]:
    a = r.article
    return [a.title, a.published, a.source, a.url]


def _event_of(r: ExtractionResult, event_id: str | None) -> list[Any]:
    event: Event | None = next((e for e in r.events if e.id == event_id), None)
    if event is None:
        return [None] * len(EVENT_COLUMNS)
    return [event.event_type, event.date, event.location, event.country]


def _casualty_rows(r: ExtractionResult) -> list[list[Any]]:
    def row(c: CasualtyFigure) -> list[Any]:
        q = c.evidence
        return [
            r.article.id, c.id, c.event_id, c.outcome, c.group, c.civilian, c.count_text, c.low,
            c.high, c.qualifier, c.part_of, c.scope, c.reported_by, q.text, q.start, q.end,
            r.model, *_article(r), *_event_of(r, c.event_id),
        ]  # fmt: skip

    return [row(c) for c in r.casualties]


def _event_rows(r: ExtractionResult) -> list[list[Any]]:
    def row(e: Event) -> list[Any]:
        q = e.evidence[0] if e.evidence else None
        actors = "; ".join(f"{a.name} ({a.role})" for a in e.actors)
        return [
            r.article.id, e.id, e.event_type, e.summary, e.date_text, e.date, e.location,
            e.country, actors, q.text if q else None, q.start if q else None,
            q.end if q else None, r.model, *_article(r),
        ]  # fmt: skip

    return [row(e) for e in r.events]


def _cause_rows(r: ExtractionResult) -> list[list[Any]]:
    def row(k: StatedCause) -> list[Any]:
        q = k.evidence
        return [
            r.article.id, k.id, k.event_id, k.cause, k.effect, k.claimed_by, k.certainty,
            q.text, q.start, q.end, r.model, *_article(r), *_event_of(r, k.event_id),
        ]  # fmt: skip

    return [row(k) for k in r.causes]


def table_width() -> int:
    """The terminal's width (COLUMNS honoured), else 100 columns."""
    return max(40, shutil.get_terminal_size((100, 24)).columns)


def _table(results: list[ExtractionResult], width: int) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
    for r in results:
        heading = Text(r.article.title or r.article.id, style="bold")
        console.print(heading.append(f"  ({r.model})", style=""))
        figures = Table("id", "outcome", "group", "count", "low", "high", "qualifier",
                        "part of", "scope", "reported by", title="Casualty figures")  # fmt: skip
        for c in r.casualties:
            figures.add_row(*map(_cell, (
                c.id, c.outcome, c.group, c.count_text, c.low, c.high, c.qualifier, c.part_of,
                c.scope, c.reported_by,
            )))  # fmt: skip
        console.print(figures)
        causes = Table("id", "cause", "effect", "claimed by", "certainty", title="Stated causes")
        for k in r.causes:
            causes.add_row(*map(_cell, (k.id, k.cause, k.effect, k.claimed_by, k.certainty)))
        console.print(causes)
        events = Table("id", "type", "date", "location", "summary", title="Events")
        for e in r.events:
            events.add_row(
                *map(_cell, (e.id, e.event_type, e.date or e.date_text, e.location, e.summary))
            )
        console.print(events)
        for w in r.warnings:
            console.print(f"warning: {w}", markup=False)
    return buffer.getvalue()


def _cell(value: object) -> Text:
    """A table cell: article words are never read as rich markup (`[civilians]` stays)."""
    from rich.text import Text

    return Text("" if value is None else str(value))
