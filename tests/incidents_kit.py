"""Small builders of extraction results for the incident tests (quotes found in the text)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from agent.schema import ExtractionResult


def quote(text: str, words: str) -> dict[str, Any]:
    start = text.index(words)
    return {"text": words, "start": start, "end": start + len(words)}


def event(text: str, words: str, **fields: Any) -> dict[str, Any]:
    item = {
        "id": "E1",
        "event_type": "armed_clash",
        "summary": words,
        "date_text": None,
        "date": None,
        "location": None,
        "country": None,
        "actors": [],
        "evidence": [quote(text, words)],
    }
    item.update(fields)
    return item


def figure(
    text: str, words: str, count_text: str, low: int | None, **fields: Any
) -> dict[str, Any]:
    item = {
        "id": "C1",
        "event_id": "E1",
        "outcome": "killed",
        "group": "people",
        "civilian": None,
        "count_text": count_text,
        "low": low,
        "high": low,
        "qualifier": "exact",
        "part_of": None,
        "scope": "incident",
        "reported_by": None,
        "evidence": quote(text, words),
    }
    item.update(fields)
    return item


def result(
    article_id: str,
    text: str,
    *,
    published: str | None = "2024-03-11",
    source: str | None = "Test Wire",
    events: list[dict[str, Any]] | None = None,
    casualties: list[dict[str, Any]] | None = None,
    causes: list[dict[str, Any]] | None = None,
) -> ExtractionResult:
    return ExtractionResult.model_validate(
        {
            "article": {
                "id": article_id,
                "title": None,
                "source": source,
                "published": published,
                "url": None,
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            },
            "model": "test",
            "events": events or [],
            "casualties": casualties or [],
            "causes": causes or [],
        }
    )


def write_results(path: Path, results: list[ExtractionResult]) -> Path:
    path.write_text("".join(r.model_dump_json() + "\n" for r in results), encoding="utf-8")
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


AMBUSH_1 = (
    "Militants ambushed a convoy near Kabajib on Sunday, killing at least 27 soldiers, "
    "the Observatory said."
)
AMBUSH_2 = (
    "The toll from Sunday's ambush near Kabajib has risen to at least 55 soldiers, the Syrian "
    "Observatory for Human Rights said."
)
AMBUSH_3 = "The army said 31 soldiers were killed in the attack near Kabajib on Sunday."
AMBUSH_BG = "In the ambush last week near Kabajib, militants killed 55 soldiers."
CHECKPOINT = "Gunmen attacked a checkpoint near al-Sukhnah on Sunday, killing four soldiers."


def ambush_results() -> list[ExtractionResult]:
    """Three reports of one ambush, a background mention and a near miss (same day)."""
    kw = {"location": "near Kabajib", "country": "Syria", "date": "2024-03-10",
          "date_text": "on Sunday"}  # fmt: skip
    return [
        result("a1", AMBUSH_1, published="2024-03-10", source="Levant Press",
               events=[event(AMBUSH_1, "Militants ambushed a convoy near Kabajib", **kw)],
               casualties=[figure(AMBUSH_1, "killing at least 27 soldiers", "at least 27", 27,
                                  high=None, qualifier="at_least", group="soldiers",
                                  reported_by="the Observatory")]),
        result("a2", AMBUSH_2, published="2024-03-11", source="Gulf Herald",
               events=[event(AMBUSH_2, "Sunday's ambush near Kabajib", **kw)],
               casualties=[figure(AMBUSH_2, "has risen to at least 55 soldiers", "at least 55",
                                  55, high=None, qualifier="at_least", group="soldiers",
                                  reported_by="Syrian Observatory for Human Rights")]),
        result("a3", AMBUSH_3, published="2024-03-12", source="Eastern Post",
               events=[event(AMBUSH_3, "the attack near Kabajib on Sunday", **kw)],
               casualties=[figure(AMBUSH_3, "31 soldiers were killed", "31", 31,
                                  group="soldiers", reported_by="The army")]),
        result("a4", AMBUSH_BG, published="2024-03-19", source="Levant Press",
               events=[event(AMBUSH_BG, "In the ambush last week near Kabajib",
                             location="near Kabajib", country="Syria", date_text="last week")],
               casualties=[figure(AMBUSH_BG, "militants killed 55 soldiers", "55", 55,
                                  group="soldiers")]),
        result("a5", CHECKPOINT, published="2024-03-11", source="Eastern Post",
               events=[event(CHECKPOINT, "Gunmen attacked a checkpoint near al-Sukhnah",
                             location="near al-Sukhnah", country="Syria", date="2024-03-10",
                             date_text="on Sunday")],
               casualties=[figure(CHECKPOINT, "killing four soldiers", "four", 4,
                                  group="soldiers")]),
    ]  # fmt: skip
