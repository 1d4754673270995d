"""A long gold article extracted in chunks scores as it does whole (through the scripted
server answering, for each chunk it is sent, the gold items whose quotes are in that chunk)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.eval.report import EvalReport
from tests.helpers import ROOT
from tests.scripted_server import Reply, ScriptedServer, answer

LONG_CASES = (
    "c08-syria-monitor-weekly-report",
    "c17-ukraine-week-on-the-front-analysis",
    "c23-drc-ituri-adf-weekly-monitor",
)
runner = CliRunner()


def _quotes(item: dict[str, Any]) -> list[str]:
    evidence = item["evidence"]
    return [q["text"] for q in evidence] if isinstance(evidence, list) else [evidence["text"]]


def gold_for(
    text: str, gold: dict[str, list[dict[str, Any]]], earlier: dict[str, str]
) -> dict[str, Any]:
    """What a perfect model answers for `text` (a whole article or a chunk of it), told the
    events of the earlier chunks (`earlier`: summary -> the id they were shown under)."""
    kept: dict[str, list[dict[str, Any]]] = {}
    for kind, items in gold.items():
        seen = [i for i in items if any(q in text for q in _quotes(i))]
        kept[kind] = (
            seen if kind == "events" else [i for i in seen if all(q in text for q in _quotes(i))]
        )
    ids = {kind: {i["id"] for i in items} for kind, items in kept.items()}
    shown = {e["id"]: earlier[e["summary"]] for e in gold["events"] if e["summary"] in earlier}
    draft: dict[str, Any] = {}
    for kind, items in kept.items():
        draft[kind] = []
        for item in items:
            body = {k: v for k, v in item.items() if k not in ("optional", "date")}
            quotes = [q for q in _quotes(item) if q in text]
            body["evidence"] = quotes if kind == "events" else quotes[0]
            if body.get("event_id") not in ids["events"]:  # told in another chunk
                body["event_id"] = shown.get(body.get("event_id") or "")
            if body.get("part_of") not in ids["casualties"]:
                body["part_of"] = None
            draft[kind].append(body)
    return draft


EARLIER = re.compile(r"^(P\d+) \([^)]*\): (.*)$", re.MULTILINE)


def serve(server: ScriptedServer, suite: Path) -> None:
    golds = [
        json.loads((folder / "gold.json").read_text(encoding="utf-8"))
        for folder in sorted((suite / "cases").iterdir())
    ]

    def respond(request: dict[str, Any]) -> Reply:
        user = request["messages"][1]["content"]
        text = user.split("<article>\n", 1)[1].rsplit("\n</article>", 1)[0]
        earlier = {summary: shown for shown, summary in EARLIER.findall(user)}
        for gold in golds:
            draft = gold_for(text, gold, earlier)
            if any(draft.values()):
                return answer(draft)
        return answer({"events": [], "casualties": [], "causes": []})

    server.responder = respond


def evaluate(suite: Path, config: Path, report: Path) -> EvalReport:
    args = ["eval", str(suite), "-m", "fake", "--config", str(config), "--no-cache"]
    result = runner.invoke(app, [*args, "--report-dir", str(report)])
    assert result.exit_code == 0, result.output
    return EvalReport.model_validate_json((report / "report.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("window", [4096, 6144])
def test_a_chunked_extraction_scores_as_the_whole_one(
    server: ScriptedServer, tmp_path: Path, window: int
) -> None:
    suite = tmp_path / "suite"
    for name in LONG_CASES:
        shutil.copytree(ROOT / "evals" / "cases" / name, suite / "cases" / name)
    serve(server, suite)
    profile = f'[models.fake]\nmodel = "m"\nbase_url = "{server.base_url}"\n'
    profile += 'mode = "json_object_schema"\nmax_reasks = 0\n'
    whole = tmp_path / "whole.toml"
    whole.write_text(profile, encoding="utf-8")
    chunked = tmp_path / "chunked.toml"
    chunked.write_text(profile + f"context_window = {window}\n", encoding="utf-8")
    at_once = evaluate(suite, whole, tmp_path / "whole")
    sent = len(server.requests)
    in_chunks = evaluate(suite, chunked, tmp_path / "chunked")
    assert len(server.requests) - sent > 2 * sent  # every article was split
    assert in_chunks.models[0].metrics == at_once.models[0].metrics
