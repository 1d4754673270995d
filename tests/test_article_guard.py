"""Whatever goes wrong inside one article (its result cannot be serialised, the extractor
raises something nobody foresaw, the cache is busy or broken) fails that article or skips the
cache for it: the batch goes on, and nothing is a traceback."""

from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from agent.articles import Article
from agent.batch.run import Done, Failed, Outcome, run_batch
from agent.cli import app
from agent.config import Prices
from agent.extractors.base import DraftOutcome, Meter
from agent.grounding import ArticleIndex
from agent.schema import ExtractionDraft, PromptInfo, Usage
from tests.helpers import GOOD, good_unless, lines_of, write_batch
from tests.scripted_server import Reply, ScriptedServer, answer

runner = CliRunner()


def extract_args(inputs: Path, out: Path, config: Path) -> list[str]:
    return ["extract", str(inputs), "-o", str(out), "-m", "fake", "--config", str(config)]


class _Stub:
    """An extractor with no model: empty drafts, unless a subclass says otherwise."""

    label = "stub"
    prompt_info: PromptInfo | None = None
    cache_identity: Mapping[str, Any] | None = None
    prices = Prices()
    meter = Meter()

    async def extract(self, article: Article) -> DraftOutcome:
        draft = ExtractionDraft.model_validate(self.draft(article))
        return DraftOutcome(draft=draft, usage=Usage(), index=ArticleIndex(article.text))

    def draft(self, article: Article) -> dict[str, Any]:
        return {"events": [], "casualties": [], "causes": []}

    async def aclose(self) -> None:
        return None


class _Surrogate(_Stub):
    """Its result for article a2 holds half a surrogate pair (no JSON writer can write it).
    The LLM extractor cleans what models write; any extractor is guarded."""

    def draft(self, article: Article) -> dict[str, Any]:
        event = {"id": "E1", "event_type": "attack", "summary": "An ambush \ud800 at dawn.",
                 "evidence": [article.text]}  # fmt: skip
        return {"events": [event] if article.id == "a2" else [], "casualties": [], "causes": []}


def test_result_with_a_lone_surrogate_fails_that_article_only() -> None:
    articles = [Article(id=i, text=f"Text of {i}.") for i in ("a1", "a2", "a3")]

    async def go() -> list[Outcome]:
        return [o async for o in run_batch(articles, _Surrogate(), concurrency=1)]

    outcomes = asyncio.run(go())
    assert sorted(o.result.article.id for o in outcomes if isinstance(o, Done)) == ["a1", "a3"]
    (failed,) = [o for o in outcomes if isinstance(o, Failed)]
    assert (failed.article_id, failed.kind) == ("a2", "invalid_response")
    assert "surrogate" in failed.message


def test_a_lone_surrogate_from_a_model_is_replaced_and_the_article_kept(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    bad = copy.deepcopy(GOOD)
    bad["events"][0]["summary"] = "An ambush \ud800 east of Mayadin."  # half a surrogate pair

    def respond(request: dict[str, Any]) -> Reply:
        return answer(bad if "Ref a2." in json.dumps(request) else GOOD)

    server.responder = respond
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2", "a3"])
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, extract_args(inputs, out, fake_config))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    (a2,) = [r for r in lines_of(out) if r["article"]["id"] == "a2"]
    assert a2["events"][0]["summary"] == "An ambush \ufffd east of Mayadin."


class _Exploding(_Stub):
    """Raises what no code path foresaw, for one article."""

    def draft(self, article: Article) -> dict[str, Any]:
        if article.id == "boom":
            raise RecursionError("maximum recursion depth exceeded")
        return super().draft(article)


def test_unforeseen_exception_is_one_failed_article_of_kind_internal() -> None:
    articles = [Article(id=i, text=f"Text of {i}.") for i in ("a", "boom", "b")]

    async def go() -> list[Outcome]:
        return [o async for o in run_batch(articles, _Exploding(), concurrency=2)]

    outcomes = asyncio.run(go())
    assert sorted(o.result.article.id for o in outcomes if isinstance(o, Done)) == ["a", "b"]
    (failed,) = [o for o in outcomes if isinstance(o, Failed)]
    assert (failed.article_id, failed.kind) == ("boom", "internal")
    assert failed.message == "unexpected RecursionError: maximum recursion depth exceeded"


def _cache_file(tmp_path: Path) -> Path:
    return tmp_path / "xdg-cache" / "sitrep" / "cache.sqlite"


def test_cache_locked_by_another_process_is_skipped_promptly(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = good_unless()
    warm = write_batch(tmp_path / "warm.jsonl", ["w1"])
    assert runner.invoke(app, extract_args(warm, tmp_path / "w.jsonl", fake_config)).exit_code == 0
    holder = sqlite3.connect(_cache_file(tmp_path), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write transaction, never committed
    holder.execute("INSERT INTO results VALUES ('k', '{}', 'now')")
    try:
        inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2", "a3"])
        started = time.monotonic()
        result = runner.invoke(app, extract_args(inputs, tmp_path / "out.jsonl", fake_config))
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 0, result.output
    assert len(lines_of(tmp_path / "out.jsonl")) == 3
    notes = [line for line in result.stderr.splitlines() if "response cache" in line]
    assert len(notes) == 1 and "busy" in notes[0], result.stderr
    assert elapsed < 10  # was 30 s per article (the busy timeout)


def _damage(path: Path) -> None:
    """Overwrite everything past the first page with noise (the header page stays)."""
    data = bytearray(path.read_bytes())
    assert len(data) > 8192
    data[4096:] = b"\xa5" * (len(data) - 4096)
    path.write_bytes(bytes(data))


def test_damaged_cache_stats_and_clear_give_one_line_and_clear_removes_it(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = good_unless()
    inputs = write_batch(tmp_path / "in.jsonl", [f"a{i}" for i in range(6)])
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, extract_args(inputs, out, fake_config)).exit_code == 0
    _damage(_cache_file(tmp_path))

    again = runner.invoke(app, extract_args(inputs, out, fake_config))
    assert again.exit_code == 0, again.output  # extraction goes on without the cache
    assert len(lines_of(out)) == 6

    stats = runner.invoke(app, ["cache", "stats"])
    assert stats.exit_code == 1
    assert stats.stderr.count("\n") == 1 and "Traceback" not in stats.output
    assert "damaged" in stats.stderr and "sitrep cache clear" in stats.stderr

    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0, cleared.output
    assert cleared.stdout.startswith("removed the damaged cache")
    assert "entries: 0" in runner.invoke(app, ["cache", "stats"]).stdout


def test_clear_leaves_a_file_that_is_not_a_cache_alone(tmp_path: Path) -> None:
    path = _cache_file(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("my notes, not a database\n" * 400)
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 1
    assert "not an SQLite cache" in cleared.stderr
    assert path.read_text().startswith("my notes")
