"""Results rendered whole: pretty JSON, JSON Lines, a CSV of casualty figures, tables for people.

These are the buffered formats: they need every result before they can be written (a JSON
document, a CSV with one header). JSON Lines is also written line by line by the sinks.
"""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from typing import Any

from agent.schema import ExtractionResult


class OutputFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"
    table = "table"
    csv = "csv"


def render(results: list[ExtractionResult], fmt: OutputFormat) -> str:
    if fmt is OutputFormat.json:
        if len(results) == 1:
            return results[0].model_dump_json(indent=2) + "\n"
        return "".join(r.model_dump_json() + "\n" for r in results)
    if fmt is OutputFormat.csv:
        return _csv(results)
    if fmt is OutputFormat.table:
        return _table(results)
    return "".join(r.model_dump_json() + "\n" for r in results)


CSV_COLUMNS = [
    "article_id", "id", "event_id", "outcome", "group", "civilian", "count_text", "low", "high",
    "qualifier", "part_of", "scope", "reported_by", "quote", "start", "end", "model",
]  # fmt: skip


def _csv(results: list[ExtractionResult]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in results:
        for c in r.casualties:
            row: list[Any] = [
                r.article.id, c.id, c.event_id, c.outcome, c.group, c.civilian, c.count_text,
                c.low, c.high, c.qualifier, c.part_of, c.scope, c.reported_by, c.evidence.text,
                c.evidence.start, c.evidence.end, r.model,
            ]  # fmt: skip
            writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def _table(results: list[ExtractionResult]) -> str:
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=140, force_terminal=False, color_system=None)
    for r in results:
        console.print(f"[bold]{r.article.title or r.article.id}[/bold]  ({r.model})")
        figures = Table("id", "outcome", "group", "count", "low", "high", "qualifier",
                        "part of", "scope", "reported by", title="Casualty figures")  # fmt: skip
        for c in r.casualties:
            figures.add_row(
                c.id, c.outcome, c.group, c.count_text, _cell(c.low), _cell(c.high),
                c.qualifier, _cell(c.part_of), c.scope, _cell(c.reported_by),
            )  # fmt: skip
        console.print(figures)
        causes = Table("id", "cause", "effect", "claimed by", "certainty", title="Stated causes")
        for k in r.causes:
            causes.add_row(k.id, k.cause, k.effect, _cell(k.claimed_by), k.certainty)
        console.print(causes)
        events = Table("id", "type", "date", "location", "summary", title="Events")
        for e in r.events:
            events.add_row(e.id, e.event_type, _cell(e.date or e.date_text), _cell(e.location),
                           e.summary)  # fmt: skip
        console.print(events)
        for w in r.warnings:
            console.print(f"warning: {w}", markup=False)
    return buffer.getvalue()


def _cell(value: object) -> str:
    return "" if value is None else str(value)
