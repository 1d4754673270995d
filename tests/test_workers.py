"""`--model rules -j N`: worker processes over the streamed input, with the same order, ledger
and resume as a run in one process."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.articles import Article
from agent.batch.workers import WorkerPool, machine_cores
from agent.cli import app
from agent.config import Settings
from agent.extractors.factory import make_extractor, worker_factory
from agent.extractors.results import extract_article
from agent.extractors.rules.extractor import RulesExtractor
from tests.helpers import EXAMPLE, ROOT, lines_of

runner = CliRunner()


def write_articles(path: Path, count: int, *, broken_at: int | None = None) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = [
        json.dumps(
            {"id": f"a{n}", "text": text.replace("27", str(10 + n)), "published": "2024-06-11"}
        )
        for n in range(count)
    ]
    if broken_at is not None:
        lines.insert(broken_at, '{"id": "broken", "text": ')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def extract(inputs: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "agent", "extract", str(inputs), "-m", "rules", "-o",
               str(out), "-q", *args]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_worker_processes_write_what_one_process_writes_in_input_order(tmp_path: Path) -> None:
    inputs = write_articles(tmp_path / "in.jsonl", 24, broken_at=5)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert extract(inputs, one, "-j", "1").returncode == 3
    done = extract(inputs, two, "-j", "2", "--keep-order")
    assert done.returncode == 3, done.stderr
    assert two.read_text(encoding="utf-8") == one.read_text(encoding="utf-8")
    assert [r["article"]["id"] for r in lines_of(two)] == [f"a{n}" for n in range(24)]
    ledger = lines_of(tmp_path / "two.jsonl.failures.jsonl")
    assert [(e["kind"], e["source"]) for e in ledger] == [("input", f"{inputs}:6")]


def test_worker_processes_resume_where_a_run_stopped(tmp_path: Path) -> None:
    inputs = write_articles(tmp_path / "in.jsonl", 12)
    out = tmp_path / "out.jsonl"
    assert extract(inputs, out, "-j", "1").returncode == 0
    whole = lines_of(out)
    kept = out.read_text(encoding="utf-8").splitlines(keepends=True)[:5]
    out.write_text("".join(kept) + '{"article": {"id": "a5", "sha', encoding="utf-8")  # torn
    done = extract(inputs, out, "-j", "2", "--resume")
    assert done.returncode == 0, done.stderr
    resumed = lines_of(out)
    assert sorted(r["article"]["id"] for r in resumed) == sorted(r["article"]["id"] for r in whole)
    assert {json.dumps(r, sort_keys=True) for r in resumed} == {
        json.dumps(r, sort_keys=True) for r in whole
    }


def test_the_pool_returns_the_result_an_in_process_extraction_makes() -> None:
    factory = worker_factory(RulesExtractor(vague_table="isaf"))
    assert factory is not None
    article = Article(id="ex", text=EXAMPLE.read_text(encoding="utf-8"), published="2024-06-11")
    pool = WorkerPool(factory, 2)

    async def both() -> tuple[str, str]:
        try:
            pooled = await pool.extract(article)
        finally:
            pool.close()
        local = await extract_article(RulesExtractor(vague_table="isaf"), article)
        return pooled.model_dump_json(), local.model_dump_json()

    pooled, local = asyncio.run(both())
    assert pooled == local
    assert json.loads(pooled)["casualties"], "the example has casualty figures"


def test_only_the_offline_extractor_runs_in_worker_processes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAKE_KEY", "k")
    settings = Settings.model_validate(
        {"models": {"fake": {"name": "fake", "model": "m", "base_url": "http://127.0.0.1:9/v1"}}}
    )
    assert worker_factory(make_extractor(settings, "fake")) is None
    assert worker_factory(make_extractor(settings, "rules")) is not None
    assert machine_cores() >= 1


def test_help_says_what_j_means_for_each_engine() -> None:
    shown = runner.invoke(app, ["extract", "--help"], terminal_width=200)
    assert "worker processes (default: the machine's cores" in " ".join(shown.stdout.split())
