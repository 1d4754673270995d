"""What several test modules share: paths, a canonical extraction, the scripted profile, batch
inputs and responders. (The scripted server itself is `tests/scripted_server.py`.)"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from agent.articles import Article
from agent.config import load_settings, resolve_model
from agent.extractors.llm.extractor import LLMExtractor
from agent.extractors.prompts import load_prompt
from agent.extractors.results import extract_article
from agent.schema import ExtractionResult
from tests.scripted_server import Reply, ScriptedServer, answer, error

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "article.txt"
EXAMPLE = ROOT / "examples" / "deir-ez-zor-ambush.txt"
CANARY_KEY = "sk-test-canary-0123456789abcdef"

# A grounded extraction of EXAMPLE, as a model would answer it.
GOOD: dict[str, Any] = {
    "events": [
        {
            "id": "E1",
            "event_type": "armed_clash",
            "summary": "Islamic State fighters ambushed a government convoy east of Mayadin.",
            "date_text": "Sunday",
            "location": "east of Mayadin",
            "country": "Syria",
            "actors": [
                {"name": "Islamic State", "role": "side_a"},
                {"name": "Syrian government troops", "role": "side_b"},
            ],
            "evidence": [
                "Islamic State fighters ambushed a convoy of Syrian government troops and allied "
                "militiamen in the desert east of Mayadin on Sunday"
            ],
        }
    ],
    "casualties": [
        {
            "id": "C1",
            "event_id": "E1",
            "outcome": "killed",
            "group": "government troops",
            "civilian": False,
            "count_text": "at least 27",
            "low": 27,
            "high": None,
            "qualifier": "at_least",
            "part_of": None,
            "scope": "incident",
            "reported_by": "Syrian Observatory for Human Rights",
            "evidence": "ambush kills at least 27 government troops",
        },
        {
            "id": "C2",
            "event_id": "E1",
            "outcome": "killed",
            "group": "members of an Iran-backed militia",
            "civilian": False,
            "count_text": "nine",
            "low": 9,
            "high": 9,
            "qualifier": "exact",
            "part_of": "C1",
            "scope": "incident",
            "reported_by": "Syrian Observatory for Human Rights",
            "evidence": "the dead included nine members of an Iran-backed militia",
        },
        {
            "id": "C3",
            "event_id": "E1",
            "outcome": "killed",
            "group": "fighters",
            "civilian": False,
            "count_text": "dozens",
            "low": 99,
            "high": None,
            "qualifier": "vague",
            "part_of": None,
            "scope": "incident",
            "reported_by": "Syrian Observatory for Human Rights",
            "evidence": "The jihadists also lost dozens of fighters",
        },
    ],
    "causes": [
        {
            "id": "K1",
            "cause": "the lack of Russian air support",
            "effect": "the heavy toll",
            "claimed_by": "Rami Abdel Rahman",
            "certainty": "asserted",
            "event_id": "E1",
            "evidence": "the lack of Russian air support during the first hours of the fighting "
            "contributed to the heavy toll",
        }
    ],
}


def write_config(path: Path, server: ScriptedServer, **profile: object) -> Path:
    """A sitrep.toml with one profile, `fake`, pointing at the scripted server."""
    options = {
        "model": "test-model",
        "base_url": server.base_url,
        "api_key_env": "FAKE_KEY",
        "mode": "tools",
        "max_reasks": 1,
        "max_attempts": 3,
        "timeout_s": 5,
        "max_retry_wait_s": 5,
        **profile,
    }
    lines = ["[models.fake]"]
    for key, value in options.items():
        lines.append(f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make(server: ScriptedServer, tmp_path: Path, **profile: Any) -> LLMExtractor:
    config = write_config(tmp_path / "sitrep.toml", server, **profile)
    settings = load_settings(str(config), env={})
    resolved = resolve_model(settings, "fake", {"FAKE_KEY": "sk-test-canary-0123456789abcdef"})
    return LLMExtractor(resolved, load_prompt())


def article(text: str | None = None, published: str | None = "2024-06-11") -> Article:
    body = text if text is not None else EXAMPLE.read_text(encoding="utf-8")
    return Article(id="ex", text=body, published=published)


def run(extractor: LLMExtractor, art: Article) -> ExtractionResult:
    async def go() -> ExtractionResult:
        try:
            return await extract_article(extractor, art)
        finally:
            await extractor.aclose()

    return asyncio.run(go())


def write_batch(path: Path, ids: list[str], *, bad_line: bool = False) -> Path:
    """A JSON Lines input: the example article, made distinct per id."""
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = [json.dumps({"id": i, "text": f"{text}\n\nRef {i}."}) for i in ids]
    if bad_line:
        lines.insert(1, '{"id": "broken", "text": ')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def good_unless(*failing: str, usage: dict[str, int] | None = None) -> Any:
    """A responder: a valid extraction (with `usage` when given), or HTTP 400 for the articles
    named."""

    def respond(request: dict[str, Any]) -> Reply:
        sent = json.dumps(request)
        if any(f"Ref {i}." in sent for i in failing):
            return error(400, "rejected for the test")
        return answer(GOOD, usage=usage)

    return respond


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
