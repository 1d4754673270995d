"""Analyst-ready outputs: an SQLite database, CSVs of every kind of item, JSON arrays, tables
that fit the terminal, `sitrep export` for results made earlier, and `sitrep init`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.batch.formats import OutputFormat, Rendering, render
from agent.cli import app
from agent.config import load_settings
from agent.schema import ExtractionResult
from tests.helpers import EXAMPLE, ROOT, lines_of, write_batch

runner = CliRunner()
CASES = ROOT / "evals" / "cases"


def _suite_inputs(tmp_path: Path) -> Path:
    """Eight gold articles as JSON Lines (real events, causes, sub-figures and actors)."""
    records = []
    for case in sorted(CASES.iterdir())[:8]:
        meta = json.loads((case / "case.json").read_text(encoding="utf-8"))
        text = (case / "article.txt").read_text(encoding="utf-8")
        records.append(json.dumps({"id": case.name, "text": text, "title": meta["title"],
                                   "published": meta["published"]}))  # fmt: skip
    path = tmp_path / "suite.jsonl"
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    return path


def _counts(results: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "articles": len(results),
        "events": sum(len(r["events"]) for r in results),
        "actors": sum(len(e["actors"]) for r in results for e in r["events"]),
        "casualties": sum(len(r["casualties"]) for r in results),
        "causes": sum(len(r["causes"]) for r in results),
    }


def _table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = ("articles", "events", "actors", "casualties", "causes")
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def test_sqlite_output_has_the_counts_of_the_json_output_and_sound_references(
    tmp_path: Path,
) -> None:
    inputs = _suite_inputs(tmp_path)
    jsonl, database = tmp_path / "out.jsonl", tmp_path / "results.sqlite"
    assert (
        runner.invoke(app, ["extract", str(inputs), "-m", "rules", "-o", str(jsonl)]).exit_code == 0
    )
    done = runner.invoke(app, ["extract", str(inputs), "-m", "rules", "-o", str(database)])
    assert done.exit_code == 0, done.output
    results = lines_of(jsonl)
    assert _table_counts(database) == _counts(results)
    assert _counts(results)["casualties"] > 20 and _counts(results)["causes"] > 3

    db = sqlite3.connect(database)
    db.execute("PRAGMA foreign_keys = ON")
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    texts = {
        json.loads(line)["id"]: json.loads(line)["text"] for line in inputs.read_text().splitlines()
    }
    for article_id, quote, start, end in db.execute(
        "SELECT a.id, c.quote, c.quote_start, c.quote_end FROM casualties c "
        "JOIN articles a ON a.pk = c.article_pk"
    ):
        assert texts[article_id][start:end] == quote
    (model, prompt, written) = db.execute(
        "SELECT model, prompt_name, written_at FROM articles LIMIT 1"
    ).fetchone()
    assert (model, prompt) == ("rules", None) and written
    linked = db.execute("SELECT count(*) FROM casualties WHERE part_of IS NOT NULL").fetchone()[0]
    assert (
        linked
        == db.execute("SELECT count(*) FROM casualties WHERE part_of_pk IS NOT NULL").fetchone()[0]
    )
    rows = db.execute("SELECT article_title, event_date, count_text FROM casualty_rows").fetchall()
    assert len(rows) == _counts(results)["casualties"]
    db.close()


def test_sqlite_rerun_and_resume_upsert_instead_of_duplicating(tmp_path: Path) -> None:
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2", "a3"])
    database = tmp_path / "r.db"
    args = ["extract", str(inputs), "-m", "rules", "-o", str(database)]
    assert runner.invoke(app, args).exit_code == 0
    first = _table_counts(database)
    assert runner.invoke(app, args).exit_code == 0
    resumed = runner.invoke(app, [*args, "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert "3 article(s) already in" in resumed.stderr
    assert _table_counts(database) == first and first["articles"] == 3


def test_export_writes_earlier_results_to_sqlite_csv_and_json(tmp_path: Path) -> None:
    inputs = _suite_inputs(tmp_path)
    jsonl = tmp_path / "out.jsonl"
    assert (
        runner.invoke(app, ["extract", str(inputs), "-m", "rules", "-o", str(jsonl)]).exit_code == 0
    )
    database = tmp_path / "results.sqlite"
    done = runner.invoke(app, ["export", str(jsonl), "-o", str(database)])
    assert done.exit_code == 0, done.output
    assert _table_counts(database) == _counts(lines_of(jsonl))
    assert done.stderr.startswith("export: 8 result(s) to ")
    assert runner.invoke(app, ["export", str(jsonl), "-o", str(database)]).exit_code == 0
    assert _table_counts(database) == _counts(lines_of(jsonl))  # upserted again, no duplicate
    array = runner.invoke(app, ["export", str(jsonl), "-f", "json"])
    assert [r["article"]["id"] for r in json.loads(array.stdout)] == [
        r["article"]["id"] for r in lines_of(jsonl)
    ]
    (tmp_path / "bad.jsonl").write_text('{"not": "a result"}\n')
    bad = runner.invoke(app, ["export", str(tmp_path / "bad.jsonl"), "-o", str(tmp_path / "x.csv")])
    assert bad.exit_code == 3
    assert f"{tmp_path / 'bad.jsonl'}:1: not a sitrep result" in bad.stderr


@pytest.mark.parametrize(
    ("kind", "columns"),
    [
        ("casualties", ["article_title", "article_published", "event_date", "event_location"]),
        ("events", ["article_title", "event_type", "date", "location", "actors"]),
        ("causes", ["article_title", "cause", "effect", "certainty", "event_date"]),
    ],
)
def test_csv_of_each_kind_carries_its_context(
    tmp_path: Path, kind: str, columns: list[str]
) -> None:
    import csv
    import io

    inputs = _suite_inputs(tmp_path)
    result = runner.invoke(
        app, ["extract", str(inputs), "-m", "rules", "-f", "csv", "--kind", kind]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    jsonl = runner.invoke(app, ["extract", str(inputs), "-m", "rules", "-f", "jsonl"])
    results = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert len(rows) == _counts(results)[kind]
    assert set(columns) <= set(rows[0])
    assert all(row["article_title"] and row["article_published"] for row in rows)
    if kind == "casualties":
        by_id = {r["article"]["id"]: r for r in results}
        for row in rows:
            article = by_id[row["article_id"]]
            assert row["article_title"] == article["article"]["title"]
            event = next((e for e in article["events"] if e["id"] == row["event_id"]), None)
            assert row["event_date"] == ((event or {}).get("date") or "")


def test_json_with_several_articles_is_one_json_array(tmp_path: Path) -> None:
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2"])
    result = runner.invoke(app, ["extract", str(inputs), "-m", "rules", "-f", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [r["article"]["id"] for r in data] == ["a1", "a2"]


def test_stdin_with_one_article_gives_pretty_json_like_a_file() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    from_stdin = runner.invoke(app, ["extract", "-", "-m", "rules"], input=text)
    from_file = runner.invoke(app, ["extract", str(EXAMPLE), "-m", "rules"])
    assert from_stdin.exit_code == 0
    assert from_stdin.stdout.startswith('{\n  "schema_version": "1",')
    assert json.loads(from_stdin.stdout)["casualties"] == json.loads(from_file.stdout)["casualties"]


@pytest.mark.parametrize("width", [60, 100, 200])
def test_table_fits_the_width(width: int) -> None:
    data = json.loads(runner.invoke(app, ["extract", str(EXAMPLE), "-m", "rules"]).stdout)
    result = ExtractionResult.model_validate(data)
    text = render([result], Rendering(OutputFormat.table, width=width))
    assert max(len(line) for line in text.splitlines()) <= width
    assert "Casualty figures" in text


def test_table_follows_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "72")
    result = runner.invoke(app, ["extract", str(EXAMPLE), "-m", "rules", "-f", "table"])
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 72


def test_init_writes_a_commented_config_with_four_profiles(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "sitrep.toml"
    text = written.read_text(encoding="utf-8")
    assert text.startswith("# sitrep configuration")
    settings = load_settings(str(written), env={})
    assert set(settings.models) == {"openai", "ollama", "vllm", "llamacpp"}
    llamacpp = settings.models["llamacpp"]
    assert (llamacpp.base_url, llamacpp.mode) == ("http://127.0.0.1:8080/v1", "json_object_schema")
    again = runner.invoke(app, ["init"])
    assert again.exit_code == 2 and "--force" in again.stderr


def test_unknown_model_names_the_config_files_looked_for(tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(EXAMPLE), "-m", "nosuch"])
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "no config file found (looked for " in line
    assert str(tmp_path / "sitrep.toml") in line
    assert str(tmp_path / "xdg" / "sitrep" / "config.toml") in line
    assert "`sitrep init` writes one" in line
