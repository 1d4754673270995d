"""`sitrep batch prepare`: the bodies realtime sends, named by the cache key, split at limits,
with what is cached or already written left out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.articles import Article
from agent.batch.cache import cache_key
from agent.cli import app
from agent.config import MODES
from agent.jobs.files import RequestFiles, part_path, read_requests
from tests.helpers import EXAMPLE, GOOD, lines_of, make, write_batch, write_config
from tests.scripted_server import ScriptedServer, answer

runner = CliRunner()


def sitrep(*args: object, code: int = 0) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result.output


@pytest.mark.parametrize("mode", MODES)
def test_a_prepared_request_is_the_body_realtime_sends_for_each_mode(
    mode: str, server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KEY", "sk-test")
    config = write_config(tmp_path / "sitrep.toml", server, mode=mode, temperature=0.3)
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2"])
    server.responder = lambda request: answer(GOOD)
    sitrep("extract", inputs, "-m", "fake", "--config", config, "-o", tmp_path / "rt.jsonl")
    sent = [r.body for r in server.requests]
    requests = tmp_path / "requests.jsonl"
    sitrep("batch", "prepare", inputs, "-m", "fake", "--config", config, "-o", requests,
           "--no-cache")  # fmt: skip
    lines = lines_of(requests)
    assert sorted(json.dumps(line["body"], sort_keys=True) for line in lines) == sorted(
        json.dumps(body, sort_keys=True) for body in sent
    )
    assert {(line["method"], line["url"]) for line in lines} == {("POST", "/v1/chat/completions")}
    extractor = make(server, tmp_path, mode=mode, temperature=0.3)
    for line, record in zip(lines, lines_of(inputs), strict=True):
        article = Article(id=record["id"], text=record["text"])
        assert line["custom_id"] == cache_key(extractor.cache_identity, article)


def test_cached_and_written_articles_are_left_out_and_a_repeated_text_asked_again(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    server.responder = lambda request: answer(GOOD)
    inputs = write_batch(tmp_path / "in.jsonl", ["a1", "a2", "a3", "a4"])
    cfg = ("-m", "fake", "--config", fake_config)
    # a1 goes into the cache (a realtime run to another output); a2 is in the results file
    one = tmp_path / "one.jsonl"
    one.write_text(inputs.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    sitrep("extract", one, *cfg, "-o", tmp_path / "cached.jsonl")
    two = tmp_path / "two.jsonl"
    two.write_text(inputs.read_text(encoding="utf-8").splitlines()[1] + "\n", encoding="utf-8")
    results = tmp_path / "out.jsonl"
    sitrep("extract", two, *cfg, "--no-cache", "-o", results)
    with inputs.open("a", encoding="utf-8") as handle:  # a4's text again under another id
        record = json.loads(inputs.read_text(encoding="utf-8").splitlines()[3])
        handle.write(json.dumps({**record, "id": "a4-again"}) + "\n")
    requests = tmp_path / "requests.jsonl"
    said = sitrep("batch", "prepare", inputs, *cfg, "--results", results, "-o", requests)
    assert "prepared 3 article(s): 3 request(s)" in said
    assert "1 already in the results, 1 cached" in said
    ids = [custom_id for custom_id, _ in read_requests(requests)]
    assert ":" not in ids[1] and ids[2].startswith(ids[1] + ":")  # a4, then a4-again
    write_responses(tmp_path / "r.jsonl", requests, server)
    out = tmp_path / "collected.jsonl"
    sitrep("batch", "collect", tmp_path / "r.jsonl", "--requests", requests, "--articles",
           inputs, *cfg, "-o", out)  # fmt: skip
    assert sorted(r["article"]["id"] for r in lines_of(out)) == ["a1", "a3", "a4", "a4-again"]


def test_files_are_split_before_the_request_or_byte_limit(
    server: ScriptedServer, fake_config: Path, tmp_path: Path
) -> None:
    inputs = write_batch(tmp_path / "in.jsonl", [f"a{n}" for n in range(5)])
    requests = tmp_path / "requests.jsonl"
    cfg = ("-m", "fake", "--config", fake_config, "--no-cache")
    said = sitrep("batch", "prepare", inputs, *cfg, "-o", requests, "--max-file-requests", 2)
    parts = [requests, tmp_path / "requests-2.jsonl", tmp_path / "requests-3.jsonl"]
    assert [len(lines_of(p)) for p in parts] == [2, 2, 1]
    assert all(str(p) in said for p in parts)
    size = len(requests.read_bytes().splitlines()[0]) + 1
    again = tmp_path / "by-size.jsonl"
    sitrep("batch", "prepare", inputs, *cfg, "-o", again, "--max-file-mb", (2 * size + 1) / 1e6)
    assert [len(lines_of(part_path(again, n))) for n in (1, 2, 3)] == [2, 2, 1]
    too_small = sitrep("batch", "prepare", inputs, *cfg, "-o", tmp_path / "x.jsonl",
                       "--max-file-mb", size / 2e6, code=3)  # fmt: skip
    assert "do not fit one file" in too_small and not (tmp_path / "x.jsonl").exists()


def test_a_part_is_renamed_into_place_only_when_complete(tmp_path: Path) -> None:
    files = RequestFiles(tmp_path / "r.jsonl", max_requests=1)
    files.add(['{"custom_id": "a"}'])
    files.add(['{"custom_id": "b"}'])
    assert (tmp_path / "r.jsonl").exists() and not (tmp_path / "r-2.jsonl").exists()
    files.close(complete=False)
    assert not (tmp_path / "r-2.jsonl").exists() and files.parts == [tmp_path / "r.jsonl"]
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_long_article_is_prepared_chunk_by_chunk_and_collected_whole(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KEY", "sk-test")
    config = write_config(
        tmp_path / "sitrep.toml", server, context_window=6000, max_output_tokens=400
    )
    paragraphs = EXAMPLE.read_text(encoding="utf-8").split("\n\n")
    text = "\n\n".join(paragraphs + [f"Paragraph {n} of background." * 30 for n in range(14)])
    inputs = tmp_path / "in.jsonl"
    inputs.write_text(json.dumps({"id": "long", "text": text}) + "\n", encoding="utf-8")
    server.responder = lambda request: answer({"events": [], "casualties": [], "causes": []})
    cfg = ("-m", "fake", "--config", config, "--no-cache")
    sitrep("extract", inputs, *cfg, "-o", tmp_path / "rt.jsonl")
    chunks = len(server.requests)
    assert chunks > 1
    requests, responses = tmp_path / "requests.jsonl", tmp_path / "responses.jsonl"
    sitrep("batch", "prepare", inputs, *cfg, "-o", requests)
    ids = [line["custom_id"] for line in lines_of(requests)]
    assert (
        len(ids) == chunks
        and ":" not in ids[0]
        and all(i.startswith(ids[0] + ":") for i in ids[1:])
    )
    write_responses(responses, requests, server)
    out = tmp_path / "out.jsonl"
    sitrep("batch", "collect", responses, "--requests", requests, "--articles", inputs,
           "-o", out, *cfg)  # fmt: skip
    assert lines_of(out) == lines_of(tmp_path / "rt.jsonl")
    assert "split into" in lines_of(out)[0]["warnings"][0]


def write_responses(path: Path, requests: Path, server: ScriptedServer, skip: int = 0) -> None:
    """Answer every request line as an engine would (all but the last `skip`)."""
    lines: list[dict[str, Any]] = lines_of(requests)
    with path.open("w", encoding="utf-8") as handle:
        for request in lines[: len(lines) - skip]:
            reply = server.next_reply(request["body"])
            body = reply.body(request["body"]) if callable(reply.body) else reply.body
            response = {"status_code": reply.status, "body": body}
            record = {"custom_id": request["custom_id"], "response": response, "error": None}
            handle.write(json.dumps(record) + "\n")
