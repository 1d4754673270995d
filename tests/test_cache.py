"""The persistent response cache: re-runs cost no requests, across processes too."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.articles import Article
from agent.batch.cache import ResponseCache, cache_key, default_cache_path
from agent.cli import app
from agent.errors import ConfigError
from tests.helpers import good_unless, lines_of, write_batch
from tests.scripted_server import ScriptedServer

runner = CliRunner()


def extract_args(inputs: Path, out: Path, config: Path) -> list[str]:
    return ["extract", str(inputs), "-o", str(out), "-m", "fake", "--config", str(config)]


def test_second_run_sends_no_requests(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = good_unless()
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2", "a3"])
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, extract_args(inputs, out, fake_config)).exit_code == 0
    assert len(server.requests) == 3
    first = {r["article"]["id"]: r for r in lines_of(out)}

    result = runner.invoke(app, extract_args(inputs, out, fake_config))
    assert result.exit_code == 0, result.output
    assert len(server.requests) == 3
    second = {r["article"]["id"]: r for r in lines_of(out)}
    assert set(second) == {"a1", "a2", "a3"}
    for rid, record in second.items():
        assert record["usage"] == {
            "requests": 0,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "cached": True,
        }
        assert record["casualties"] == first[rid]["casualties"]
        assert record["article"] == first[rid]["article"]


def test_no_cache_sends_requests_again(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = good_unless()
    inputs = write_batch(tmp_path / "in.jsonl", ["a1"])
    out = tmp_path / "out.jsonl"
    assert runner.invoke(app, extract_args(inputs, out, fake_config)).exit_code == 0
    args = [*extract_args(inputs, out, fake_config), "--no-cache"]
    assert runner.invoke(app, args).exit_code == 0
    assert len(server.requests) == 2
    assert lines_of(out)[0]["usage"]["cached"] is False


def test_same_text_under_another_id_is_a_hit_with_its_own_article_info(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = good_unless()
    out = tmp_path / "out.jsonl"
    text = json.loads(write_batch(tmp_path / "a.jsonl", ["a1"]).read_text())["text"]
    headline = text.splitlines()[0]  # a title the text already starts with leaves it as it is
    record = {"id": "b1", "text": text, "title": headline}
    (tmp_path / "b.jsonl").write_text(json.dumps(record) + "\n")
    assert runner.invoke(app, extract_args(tmp_path / "a.jsonl", out, fake_config)).exit_code == 0
    assert runner.invoke(app, extract_args(tmp_path / "b.jsonl", out, fake_config)).exit_code == 0
    assert len(server.requests) == 1
    record = lines_of(out)[0]
    assert (record["article"]["id"], record["article"]["title"]) == ("b1", headline)


def test_key_covers_the_settings_but_never_the_api_key() -> None:
    article = Article(id="x", text="Three soldiers were killed.")
    identity = {"model": "m", "endpoint": "http://e", "mode": "tools", "prompt_sha256": "p"}
    base = cache_key(identity, article)
    assert cache_key({**identity, "model": "m2"}, article) != base
    assert cache_key(identity, Article(id="x", text="Four soldiers were killed.")) != base
    assert cache_key(identity, Article(id="other", text="Three soldiers were killed.")) == base


def test_llm_identity_leaves_out_the_key(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    from tests.helpers import make

    identity = make(server, tmp_path).cache_identity
    assert "canary" not in json.dumps(identity)
    assert identity["endpoint"] == server.base_url


def test_default_path_honours_config_then_xdg(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "c")}
    assert default_cache_path(None, env) == tmp_path / "c" / "sitrep" / "cache.sqlite"
    assert default_cache_path(str(tmp_path / "x.sqlite"), env) == tmp_path / "x.sqlite"
    assert default_cache_path(None, {}).parts[-3:] == (".cache", "sitrep", "cache.sqlite")


def test_cache_stats_and_clear(server: ScriptedServer, fake_config: Path, tmp_path: Path) -> None:
    server.responder = good_unless()
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2"])
    assert (
        runner.invoke(app, extract_args(inputs, tmp_path / "o.jsonl", fake_config)).exit_code == 0
    )
    stats = runner.invoke(app, ["cache", "stats"])
    assert stats.exit_code == 0, stats.output
    assert "entries: 2" in stats.stdout
    assert str(tmp_path / "xdg-cache" / "sitrep" / "cache.sqlite") in stats.stdout
    cleared = runner.invoke(app, ["cache", "clear"])
    assert "cleared 2" in cleared.stdout
    assert "entries: 0" in runner.invoke(app, ["cache", "stats"]).stdout


def test_rules_are_not_cached(tmp_path: Path) -> None:
    inputs = write_batch(tmp_path / "in.jsonl", ["a1"])
    assert runner.invoke(app, ["extract", str(inputs), "-m", "rules"]).exit_code == 0
    assert not (tmp_path / "xdg-cache" / "sitrep" / "cache.sqlite").exists()


def test_two_processes_share_the_cache(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = good_unless()
    server.latency = 0.02
    first = write_batch(tmp_path / "one.jsonl", [f"a{i}" for i in range(12)])
    second = write_batch(tmp_path / "two.jsonl", [f"b{i}" for i in range(12)])
    both = [first, second]

    def command(inputs: Path, out: Path) -> list[str]:
        return [sys.executable, "-m", "agent", *extract_args(inputs, out, fake_config)]

    procs = [
        subprocess.Popen(command(p, tmp_path / f"{p.stem}.out.jsonl"), stderr=subprocess.PIPE)
        for p in both
    ]  # two writers at once
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    assert len(server.requests) == 24

    again = subprocess.run(
        command(first, tmp_path / "again.jsonl"), capture_output=True, timeout=60, check=False
    )
    assert again.returncode == 0, again.stderr.decode()
    assert len(server.requests) == 24  # every answer came from the other processes' writes
    assert all(r["usage"]["cached"] for r in lines_of(tmp_path / "again.jsonl"))


def test_unwritable_cache_path_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot open the cache"):
        ResponseCache(blocker / "cache.sqlite")
