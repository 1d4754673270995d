"""Writing incidents: JSON Lines (the full record), CSV (one row per incident, plus a claims
file beside it), SQLite (tables for incidents, members, claims and carriers, each row with
its incident's full JSON), and the links log.

Every writer takes the incidents as an iterator in their final order and never holds them
all; files are written to a temporary name and renamed at the end, so a failed run leaves
no torn output.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from agent.incidents.models import Incident, LinkRecord

FORMATS = (".jsonl", ".csv", ".sqlite")

INCIDENT_COLUMNS = [
    "id", "event_type", "family", "date", "date_start", "date_end", "date_precision", "place",
    "country", "actors", "fatalities", "low", "best", "high", "history", "disagreement",
    "injured", "articles", "n_articles", "n_claims", "first_reported", "last_reported",
]  # fmt: skip
CLAIM_COLUMNS = [
    "incident_id", "claim_id", "role", "outcome", "group", "civilian", "low", "high",
    "qualifier", "count_text", "reported_by", "attributed", "sub_figure", "first_published",
    "carriers", "article_ids", "quote", "start", "end",
]  # fmt: skip


def links_path(output: Path) -> Path:
    """`incidents.jsonl` -> `incidents.links.jsonl` (the audit log beside the output)."""
    return output.with_name(f"{output.stem}.links.jsonl")


def claims_path(output: Path) -> Path:
    return output.with_name(f"{output.stem}.claims.csv")


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def write_incidents(incidents: Iterable[Incident], output: Path | None) -> int:
    """Write to `output` (format by suffix) or JSON Lines on stdout; the count written."""
    if output is None:
        return _jsonl(incidents, sys.stdout)
    suffix = output.suffix.lower()
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(output)
    try:
        if suffix == ".sqlite":
            written = _sqlite(incidents, tmp)
        elif suffix == ".csv":
            claims_tmp = _tmp(claims_path(output))
            with (
                tmp.open("w", encoding="utf-8", newline="") as handle,
                claims_tmp.open("w", encoding="utf-8", newline="") as claims,
            ):
                written = _csv(incidents, handle, claims)
            os.replace(claims_tmp, claims_path(output))
        else:
            with tmp.open("w", encoding="utf-8") as handle:
                written = _jsonl(incidents, handle)
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
        _tmp(claims_path(output)).unlink(missing_ok=True)
    return written


def _jsonl(incidents: Iterable[Incident], handle: IO[str]) -> int:
    n = 0
    for incident in incidents:
        handle.write(incident.model_dump_json() + "\n")
        n += 1
    handle.flush()
    return n


def _cell(value: object) -> object:
    return "" if value is None else value


def incident_row(i: Incident) -> list[object]:
    killed = i.counts.get("killed")
    injured = i.counts.get("injured")
    return [
        i.id, i.event_type, i.family, i.date, i.date_start, i.date_end, i.date_precision, i.place,
        i.country, "; ".join(f"{a.name} ({a.role})" for a in i.actors), i.fatalities,
        killed.low if killed else None, killed.best if killed else None,
        killed.high if killed else None, killed.history_text if killed else "",
        "; ".join(killed.disagreement) if killed else "",
        injured.conservative if injured else None, " ".join(i.articles), len(i.articles),
        len(i.claims), i.first_reported, i.last_reported,
    ]  # fmt: skip


def claim_rows(i: Incident) -> list[list[object]]:
    rows: list[list[object]] = []
    for c in i.claims:
        q = c.carriers[0].quote
        rows.append([
            i.id, c.id, c.role, c.outcome, c.group, c.civilian, c.low, c.high, c.qualifier,
            c.count_text, c.reported_by, c.attributed, c.sub_figure, c.first_published,
            len(c.carriers), " ".join(k.article_id for k in c.carriers), q.text, q.start, q.end,
        ])  # fmt: skip
    return rows


def _csv(incidents: Iterable[Incident], handle: IO[str], claims: IO[str]) -> int:
    rows = csv.writer(handle, lineterminator="\n")
    claim_writer = csv.writer(claims, lineterminator="\n")
    rows.writerow(INCIDENT_COLUMNS)
    claim_writer.writerow(CLAIM_COLUMNS)
    n = 0
    for incident in incidents:
        rows.writerow([_cell(v) for v in incident_row(incident)])
        for row in claim_rows(incident):
            claim_writer.writerow([_cell(v) for v in row])
        n += 1
    return n


_SCHEMA = f"""
CREATE TABLE incidents ({", ".join(f'"{c}"' for c in INCIDENT_COLUMNS)}, record TEXT);
CREATE TABLE claims ({", ".join(f'"{c}"' for c in CLAIM_COLUMNS)});
CREATE TABLE members (incident_id TEXT, article_id TEXT, event_id TEXT, role TEXT,
  event_type TEXT, date TEXT, location TEXT, outlet TEXT, published TEXT, summary TEXT);
CREATE TABLE carriers (incident_id TEXT, claim_id TEXT, article_id TEXT, outlet TEXT,
  published TEXT, figure_id TEXT, count_text TEXT, quote TEXT, start INTEGER, "end" INTEGER);
"""


def _sqlite(incidents: Iterable[Incident], path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        db.executescript(_SCHEMA)
        n = 0
        for i in incidents:
            db.execute(
                f"INSERT INTO incidents VALUES ({', '.join('?' * (len(INCIDENT_COLUMNS) + 1))})",
                [*incident_row(i), i.model_dump_json()],
            )
            db.executemany(
                f"INSERT INTO claims VALUES ({', '.join('?' * len(CLAIM_COLUMNS))})",
                claim_rows(i),
            )
            db.executemany(
                "INSERT INTO members VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (i.id, m.article_id, m.event_id, m.role, m.event_type, m.date, m.location,
                     m.outlet, m.published, m.summary)
                    for m in i.members
                ],
            )  # fmt: skip
            db.executemany(
                "INSERT INTO carriers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (i.id, c.id, k.article_id, k.outlet, k.published, k.figure_id, k.count_text,
                     k.quote.text, k.quote.start, k.quote.end)
                    for c in i.claims for k in c.carriers
                ],
            )  # fmt: skip
            n += 1
        db.commit()
    finally:
        db.close()
    return n


class LinkLog:
    """The merge audit log: one JSON line per pair considered above the floor."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.written = 0
        self._tmp = _tmp(path) if path is not None else None
        self._handle: IO[str] | None = None
        if self._tmp is not None:
            self._tmp.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self._tmp.open("w", encoding="utf-8")

    def write(self, record: LinkRecord) -> None:
        self.written += 1
        if self._handle is not None:
            self._handle.write(record.model_dump_json() + "\n")

    def close(self, *, keep: bool = True) -> None:
        if self._handle is None or self._tmp is None or self.path is None:
            return
        self._handle.close()
        if keep:
            os.replace(self._tmp, self.path)
        else:
            self._tmp.unlink(missing_ok=True)


def read_incidents(path: Path) -> list[Incident]:
    """Incidents from a JSON Lines file written by `sitrep incidents`."""
    found = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                found.append(Incident.model_validate(json.loads(line)))
    return found


def looks_like_incidents(path: Path) -> bool:
    """Whether a JSON Lines file holds incident records (its first record says so)."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for line in handle:
                if line.strip():
                    first: Any = json.loads(line)
                    return isinstance(first, dict) and "incident_schema" in first
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return False
