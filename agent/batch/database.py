"""Results as an SQLite database: one table per kind of item, ready for `sqlite3` and Datasette.

Written with the standard library's `sqlite3`: the schema is a few explicit `CREATE TABLE`s with
foreign keys and `ON DELETE CASCADE`, and an upsert is one `INSERT ... ON CONFLICT`, so a
library (and its dependencies) would add nothing sitrep needs.

Tables (every row of an item carries its quote and offsets into the article text):

- `articles`: one row per (id, sha256), with the run's model, prompt, usage and warnings. A
  result for an article already there replaces it and its items (re-runs and `--resume`
  never duplicate); a changed text (another sha256) is another row, as in JSON Lines.
- `events`, `casualties`, `causes`: one row per item, `article_pk` -> `articles.pk`;
  `event_pk` -> `events.pk` and `casualties.part_of_pk` -> `casualties.pk` where set.
- `actors`: one row per actor of an event (`event_pk` -> `events.pk`).
- the view `casualty_rows`: each figure with its article's title and date and its event's date,
  place and type, as the CSV has them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from agent.batch.ledger import ArticleKey
from agent.items import first_error
from agent.schema import ExtractionResult, Quote

SCHEMA = """
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS articles (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    title TEXT, source TEXT, published TEXT, url TEXT, author TEXT,
    model TEXT NOT NULL,
    prompt_name TEXT, prompt_version TEXT, prompt_sha256 TEXT,
    schema_version TEXT NOT NULL,
    requests INTEGER, prompt_tokens INTEGER, completion_tokens INTEGER, cached INTEGER,
    warnings TEXT NOT NULL,  -- a JSON array
    written_at TEXT NOT NULL,
    UNIQUE (id, sha256)
);
CREATE TABLE IF NOT EXISTS events (
    pk INTEGER PRIMARY KEY,
    article_pk INTEGER NOT NULL REFERENCES articles(pk) ON DELETE CASCADE,
    id TEXT NOT NULL,
    event_type TEXT NOT NULL, summary TEXT NOT NULL,
    date_text TEXT, date TEXT, location TEXT, country TEXT,
    quote TEXT, quote_start INTEGER, quote_end INTEGER,  -- the first of its quotes
    evidence TEXT NOT NULL,  -- every quote, a JSON array of {text, start, end}
    UNIQUE (article_pk, id)
);
CREATE TABLE IF NOT EXISTS actors (
    pk INTEGER PRIMARY KEY,
    event_pk INTEGER NOT NULL REFERENCES events(pk) ON DELETE CASCADE,
    article_pk INTEGER NOT NULL REFERENCES articles(pk) ON DELETE CASCADE,
    name TEXT NOT NULL, role TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS casualties (
    pk INTEGER PRIMARY KEY,
    article_pk INTEGER NOT NULL REFERENCES articles(pk) ON DELETE CASCADE,
    id TEXT NOT NULL,
    event_pk INTEGER REFERENCES events(pk) ON DELETE SET NULL,
    event_id TEXT,
    outcome TEXT NOT NULL, group_name TEXT NOT NULL, civilian INTEGER,
    count_text TEXT NOT NULL, low INTEGER, high INTEGER, qualifier TEXT NOT NULL,
    part_of_pk INTEGER REFERENCES casualties(pk) ON DELETE SET NULL,
    part_of TEXT, scope TEXT NOT NULL, reported_by TEXT,
    quote TEXT NOT NULL, quote_start INTEGER NOT NULL, quote_end INTEGER NOT NULL,
    UNIQUE (article_pk, id)
);
CREATE TABLE IF NOT EXISTS causes (
    pk INTEGER PRIMARY KEY,
    article_pk INTEGER NOT NULL REFERENCES articles(pk) ON DELETE CASCADE,
    id TEXT NOT NULL,
    event_pk INTEGER REFERENCES events(pk) ON DELETE SET NULL,
    event_id TEXT,
    cause TEXT NOT NULL, effect TEXT NOT NULL, claimed_by TEXT, certainty TEXT NOT NULL,
    quote TEXT NOT NULL, quote_start INTEGER NOT NULL, quote_end INTEGER NOT NULL,
    UNIQUE (article_pk, id)
);
CREATE INDEX IF NOT EXISTS events_article ON events(article_pk);
CREATE INDEX IF NOT EXISTS actors_event ON actors(event_pk);
CREATE INDEX IF NOT EXISTS casualties_article ON casualties(article_pk);
CREATE INDEX IF NOT EXISTS casualties_event ON casualties(event_pk);
CREATE INDEX IF NOT EXISTS causes_article ON causes(article_pk);
CREATE VIEW IF NOT EXISTS casualty_rows AS
SELECT a.id AS article_id, a.title AS article_title, a.published AS article_published,
       c.id, c.event_id, e.event_type, e.date AS event_date, e.location AS event_location,
       c.outcome, c.group_name, c.civilian, c.count_text, c.low, c.high, c.qualifier,
       c.part_of, c.scope, c.reported_by, c.quote, c.quote_start, c.quote_end, a.model
FROM casualties c JOIN articles a ON a.pk = c.article_pk
LEFT JOIN events e ON e.pk = c.event_pk;
"""


class ResultsDatabase:
    """An SQLite file of results, upserted one article at a time (each its own transaction,
    so a killed run keeps every article it finished)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, timeout=5.0)
        self.db.executescript(SCHEMA)

    def done(self) -> set[ArticleKey]:
        """The (id, sha256) of every article already in the database."""
        return {(str(i), str(s)) for i, s in self.db.execute("SELECT id, sha256 FROM articles")}

    def upsert(self, result: ExtractionResult) -> None:
        """Write one result, replacing the same article's earlier one (and its items)."""
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            article_pk = self._article(result)
            db.execute("DELETE FROM events WHERE article_pk = ?", (article_pk,))
            db.execute("DELETE FROM casualties WHERE article_pk = ?", (article_pk,))
            db.execute("DELETE FROM causes WHERE article_pk = ?", (article_pk,))
            events = self._events(result, article_pk)
            self._casualties(result, article_pk, events)
            for k in result.causes:
                db.execute(
                    "INSERT INTO causes (article_pk, id, event_pk, event_id, cause, effect, "
                    "claimed_by, certainty, quote, quote_start, quote_end) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (article_pk, k.id, events.get(k.event_id or ""), k.event_id, k.cause,
                     k.effect, k.claimed_by, k.certainty, *_quote(k.evidence)),
                )  # fmt: skip
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _article(self, r: ExtractionResult) -> int:
        a, p, u = r.article, r.prompt, r.usage
        now = datetime.now(UTC).isoformat(timespec="seconds")
        row = (
            a.id, a.sha256, a.title, a.source, a.published, a.url, a.author, r.model,
            p.name if p else None, p.version if p else None, p.sha256 if p else None,
            r.schema_version, u.requests, u.prompt_tokens, u.completion_tokens, int(u.cached),
            json.dumps(r.warnings, ensure_ascii=False), now,
        )  # fmt: skip
        (pk,) = self.db.execute(
            "INSERT INTO articles (id, sha256, title, source, published, url, author, model, "
            "prompt_name, prompt_version, prompt_sha256, schema_version, requests, "
            "prompt_tokens, completion_tokens, cached, warnings, written_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id, sha256) DO UPDATE SET title = excluded.title, "
            "source = excluded.source, published = excluded.published, url = excluded.url, "
            "author = excluded.author, model = excluded.model, "
            "prompt_name = excluded.prompt_name, prompt_version = excluded.prompt_version, "
            "prompt_sha256 = excluded.prompt_sha256, schema_version = excluded.schema_version, "
            "requests = excluded.requests, prompt_tokens = excluded.prompt_tokens, "
            "completion_tokens = excluded.completion_tokens, cached = excluded.cached, "
            "warnings = excluded.warnings, written_at = excluded.written_at RETURNING pk",
            row,
        ).fetchone()
        return int(pk)

    def _events(self, r: ExtractionResult, article_pk: int) -> dict[str, int]:
        pks: dict[str, int] = {}
        for e in r.events:
            first = _quote(e.evidence[0]) if e.evidence else (None, None, None)
            (pk,) = self.db.execute(
                "INSERT INTO events (article_pk, id, event_type, summary, date_text, date, "
                "location, country, quote, quote_start, quote_end, evidence) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING pk",
                (article_pk, e.id, e.event_type, e.summary, e.date_text, e.date, e.location,
                 e.country, *first,
                 json.dumps([q.model_dump() for q in e.evidence], ensure_ascii=False)),
            ).fetchone()  # fmt: skip
            pks[e.id] = int(pk)
            for actor in e.actors:
                self.db.execute(
                    "INSERT INTO actors (event_pk, article_pk, name, role) VALUES (?, ?, ?, ?)",
                    (pk, article_pk, actor.name, actor.role),
                )
        return pks

    def _casualties(self, r: ExtractionResult, article_pk: int, events: dict[str, int]) -> None:
        pks: dict[str, int] = {}
        for c in r.casualties:
            civilian = None if c.civilian is None else int(c.civilian)
            (pk,) = self.db.execute(
                "INSERT INTO casualties (article_pk, id, event_pk, event_id, outcome, "
                "group_name, civilian, count_text, low, high, qualifier, part_of, scope, "
                "reported_by, quote, quote_start, quote_end) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING pk",
                (article_pk, c.id, events.get(c.event_id or ""), c.event_id, c.outcome,
                 c.group, civilian, c.count_text, c.low, c.high, c.qualifier, c.part_of,
                 c.scope, c.reported_by, *_quote(c.evidence)),
            ).fetchone()  # fmt: skip
            pks[c.id] = int(pk)
        for c in r.casualties:  # parts point at their parent figure's row
            if c.part_of and c.part_of in pks:
                self.db.execute(
                    "UPDATE casualties SET part_of_pk = ? WHERE pk = ?",
                    (pks[c.part_of], pks[c.id]),
                )

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        tables = ("articles", "events", "actors", "casualties", "causes")
        return {t: int(self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}

    def close(self) -> None:
        self.db.close()


def _quote(q: Quote) -> tuple[str | None, int | None, int | None]:
    return q.text, q.start, q.end


def read_results(path: Path) -> Iterator[tuple[int, ExtractionResult | str]]:
    """The results of a JSON Lines file made by `sitrep extract` (or a pretty .json of one),
    by line number; a line that is not a result gives the reason instead."""
    with path.open("rb") as handle:
        head = handle.read(2)
        handle.seek(0)
        if head[:1] == b"{" and head[1:2] in (b"\n", b"\r"):  # one pretty result
            yield 1, _result(handle.read())
            return
        for number, raw in enumerate(handle, start=1):
            if raw.strip():
                yield number, _result(raw)


def _result(raw: bytes) -> ExtractionResult | str:
    try:
        return ExtractionResult.model_validate_json(raw)
    except ValidationError as exc:
        return f"not a sitrep result: {first_error(exc, 'result')}"
