"""A disk-backed sort of the mentions, so 100,000 articles' results never sit in memory.

Results are read one at a time; their mentions go into a temporary SQLite database keyed by
article id (one result per article id: the smaller (sha256, model), whatever the order the
files were given in) and come back sorted by their earliest possible day, then key. That
order is what makes the output independent of input order, and it is what the time sweep of
`blocking` needs. SQLite sorts on disk with bounded memory.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent.incidents.mentions import Cause, Figure, Mention, place
from agent.schema import Quote

NO_DAY = 10**8  # sorts after every date ordinal: mentions with no possible interval


class MentionStore:
    """Mentions on disk, one result per article id, read back in sweep order."""

    def __init__(self, folder: Path | None = None, *, background_days: int = 7) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="sitrep-incidents-", dir=folder)
        self.path = Path(self._dir.name) / "mentions.sqlite"
        self.db = sqlite3.connect(self.path)
        self.db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -8000;
            CREATE TABLE articles (id TEXT PRIMARY KEY, pick TEXT NOT NULL);
            CREATE TABLE mentions (article_id TEXT, day INTEGER, key TEXT, body TEXT);
            """
        )
        self.background_days = background_days
        self.replaced: list[str] = []  # article ids given more than once

    def add(self, article_id: str, pick: str, mentions: list[Mention]) -> None:
        """The mentions of one article; `pick` orders several results of one article id."""
        row = self.db.execute("SELECT pick FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is not None:
            self.replaced.append(article_id)
            if pick >= row[0]:
                return
            self.db.execute("DELETE FROM mentions WHERE article_id = ?", (article_id,))
            self.db.execute("UPDATE articles SET pick = ? WHERE id = ?", (pick, article_id))
        else:
            self.db.execute("INSERT INTO articles VALUES (?, ?)", (article_id, pick))
        self.db.executemany(
            "INSERT INTO mentions VALUES (?, ?, ?, ?)",
            [
                (article_id, NO_DAY if m.lo is None else m.lo, m.key, json.dumps(dump(m)))
                for m in mentions
            ],
        )

    def articles(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    def sorted(self) -> Iterator[Mention]:
        """Every mention, by earliest possible day, then key."""
        self.db.execute("CREATE INDEX IF NOT EXISTS by_day ON mentions (day, key)")
        cursor = self.db.execute("SELECT body FROM mentions ORDER BY day, key")
        for (body,) in cursor:
            yield load(json.loads(body), self.background_days)

    def close(self) -> None:
        self.db.close()
        self._dir.cleanup()


def _quote(q: Quote) -> list[Any]:
    return [q.text, q.start, q.end]


def _unquote(v: list[Any]) -> Quote:
    return Quote(text=v[0], start=v[1], end=v[2])


def dump(m: Mention) -> dict[str, Any]:
    """A mention as JSON-able data (derived fields are recomputed on load)."""
    return {
        "key": m.key, "article_id": m.article_id, "event_id": m.event_id, "sha256": m.sha256,
        "outlet": m.outlet, "title": m.title, "url": m.url, "published": m.published,
        "model": m.model, "event_type": m.event_type, "family": m.family, "summary": m.summary,
        "date": m.date, "date_text": m.date_text, "location": m.location, "country": m.country,
        "actors": m.actors, "evidence": [_quote(q) for q in m.evidence],
        "figures": [
            [f.id, f.outcome, f.group, f.civilian, f.count_text, f.low, f.high, f.qualifier,
             f.part_of, f.scope, f.reported_by, _quote(f.quote), f.revision_cue]
            for f in m.figures
        ],
        "causes": [
            [k.id, k.cause, k.effect, k.claimed_by, k.certainty, _quote(k.quote)]
            for k in m.causes
        ],
    }  # fmt: skip


def load(data: dict[str, Any], background_days: int = 7) -> Mention:
    figures = [
        Figure(*row[:11], _unquote(row[11]), row[12])  # type: ignore[call-arg]
        for row in data.pop("figures")
    ]
    causes = [Cause(*row[:5], _unquote(row[5])) for row in data.pop("causes")]  # type: ignore[call-arg]
    evidence = [_unquote(q) for q in data.pop("evidence")]
    actors = [(name, role) for name, role in data.pop("actors")]
    m = Mention(**data, actors=actors, evidence=evidence, figures=figures, causes=causes)
    place(m, background_days)
    return m
