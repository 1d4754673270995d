"""Results files -> incidents: read, sort on disk, sweep, cluster, assemble, write.

`link_incidents` is the one function the CLI calls. It streams the results (JSON Lines, or a
JSON object or list), keeps one result per article id, sorts the mentions on disk
(`store`), compares them in blocks through time (`blocking`), splits each closed component
into incidents (`clustering`), builds their records (`assemble`, `claims`) and writes them
sorted by date and id, with every pair considered in the links log. Memory holds the active
window and the open components, not the input.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.errors import InputError
from agent.incidents.assemble import build_incident
from agent.incidents.blocking import Component, Sweep, SweepStats
from agent.incidents.clustering import cluster
from agent.incidents.mentions import Mention, mentions_of
from agent.incidents.models import Incident, LinkRecord
from agent.incidents.similarity import LinkSettings, PairScore
from agent.incidents.store import MentionStore
from agent.incidents.writers import LinkLog, write_incidents
from agent.schema import ExtractionResult


@dataclass
class IncidentRun:
    """What a run did, for the summary line and the tests."""

    results: int = 0
    articles: int = 0
    incidents: int = 0
    multi_article: int = 0
    links_logged: int = 0
    problems: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    sweep: SweepStats = field(default_factory=SweepStats)
    # for --explain: the watched articles' mentions, their incidents, the log records of pairs
    watch: set[str] = field(default_factory=set)  # article ids
    watched: dict[str, Mention] = field(default_factory=dict)
    membership: dict[str, str] = field(default_factory=dict)
    records: list[LinkRecord] = field(default_factory=list)


def read_results(path: Path) -> Iterator[ExtractionResult | InputError]:
    """Results from a JSON Lines file (one per line) or a JSON file (an object or a list)."""
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as exc:
        yield InputError(f"cannot read results ({exc.strerror or exc})", source=str(path))
        return
    with handle:
        first = handle.read(1)
        handle.seek(0)
        if path.suffix.lower() == ".json" and first == "[":
            try:
                records: Any = json.load(handle)
            except json.JSONDecodeError as exc:
                yield InputError(f"malformed JSON: {exc.msg}", source=str(path))
                return
            for n, record in enumerate(records):
                yield _result(record, f"{path}[{n}]")
            return
        if path.suffix.lower() == ".json":
            try:
                yield _result(json.load(handle), str(path))
            except json.JSONDecodeError as exc:
                yield InputError(f"malformed JSON: {exc.msg}", source=str(path))
            return
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield InputError(f"malformed JSON: {exc.msg} at column {exc.colno}", source=where)
                continue
            yield _result(record, where)


def _result(record: object, where: str) -> ExtractionResult | InputError:
    try:
        return ExtractionResult.model_validate(record)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "record"
        return InputError(f"not an extraction result ({loc}: {err['msg']})", source=where)


def link_incidents(
    inputs: list[Path],
    output: Path | None,
    settings: LinkSettings | None = None,
    *,
    links: Path | None = None,
    vague_table: str | None = None,
    workdir: Path | None = None,
    watch: set[str] | None = None,
) -> IncidentRun:
    """Link the events of every result in `inputs` into incidents written to `output`.

    `watch`: article ids whose mentions, incidents and pair records are kept in the returned
    run (for `--explain`).
    """
    settings = settings or LinkSettings()
    run = IncidentRun(watch=set(watch or ()))
    store = MentionStore(workdir, background_days=settings.background_days)
    log = _WatchingLog(links, run)
    try:
        for path in inputs:
            for item in read_results(path):
                if isinstance(item, InputError):
                    run.problems.append(str(item))
                    continue
                run.results += 1
                pick = f"{item.article.sha256}\t{item.model}"
                found = mentions_of(
                    item, background_days=settings.background_days, vague_table=vague_table
                )
                store.add(item.article.id, pick, found)
        run.articles = store.articles()
        run.replaced = sorted(set(store.replaced))
        _sweep(store, settings, log, run)
        write_incidents(_sorted(store.db), output)
        log.close()
    except BaseException:
        log.close(keep=False)
        raise
    finally:
        store.close()
    run.links_logged = log.written
    return run


def _sweep(store: MentionStore, settings: LinkSettings, log: LinkLog, run: IncidentRun) -> None:
    store.db.execute("CREATE TABLE incidents_out (sort TEXT, body TEXT)")

    def below(pair: PairScore) -> None:
        strict = settings.threshold + settings.undated_margin
        if pair.undated and not pair.strong_place:
            why = "undated: needs the same place (or one inside the other)"
        elif pair.needs_more:
            why = f"undated or place unknown: score {pair.score:.2f} < {strict:.2f}"
        else:
            why = f"score {pair.score:.2f} < threshold {settings.threshold:.2f}"
        log.write(_record(pair, settings, "below_threshold", why, None))

    sweep = Sweep(settings, on_pair=below)
    for component in sweep.run(store.sorted()):
        for m in component.members:
            if m.article_id in run.watch:
                run.watched[m.key] = m
        for incident in _incidents(component, settings, log):
            run.incidents += 1
            run.multi_article += len(incident.articles) > 1
            for member in incident.members:
                if member.article_id in run.watch:
                    run.membership[f"{member.article_id}#{member.event_id}"] = incident.id
            sort = f"{incident.date_start or '~'}\t{incident.id}"
            body = incident.model_dump_json()
            store.db.execute("INSERT INTO incidents_out VALUES (?, ?)", (sort, body))
    run.sweep = sweep.stats


def _incidents(component: Component, settings: LinkSettings, log: LinkLog) -> list[Incident]:
    result = cluster(component, settings)
    built = [build_incident(members, result.links[n]) for n, members in enumerate(result.clusters)]
    owner: dict[str, str] = {}
    for incident, members in zip(built, result.clusters, strict=True):
        for m in members:
            owner[m.key] = incident.id
    for d in result.decisions:
        same = owner[d.pair.a] == owner[d.pair.b]
        log.write(_record(d.pair, settings, d.decision, d.why, owner[d.pair.a] if same else None))
    return built


def _record(
    pair: PairScore, settings: LinkSettings, decision: str, why: str, incident: str | None
) -> LinkRecord:
    return LinkRecord(
        a=pair.a, b=pair.b, score=pair.score,
        threshold=settings.threshold + (settings.undated_margin if pair.needs_more else 0.0),
        features=pair.features, evidence=pair.evidence,
        decision=decision,
        why=why, incident=incident,
    )  # fmt: skip


class _WatchingLog(LinkLog):
    """The links log, also keeping the records of pairs between watched articles."""

    def __init__(self, path: Path | None, run: IncidentRun) -> None:
        super().__init__(path)
        self.run = run

    def write(self, record: LinkRecord) -> None:
        super().write(record)
        watch = self.run.watch
        if watch and record.a.rsplit("#", 1)[0] in watch and record.b.rsplit("#", 1)[0] in watch:
            self.run.records.append(record)


def _sorted(db: sqlite3.Connection) -> Iterator[Incident]:
    for (body,) in db.execute("SELECT body FROM incidents_out ORDER BY sort"):
        yield Incident.model_validate_json(body)
