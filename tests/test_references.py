"""Quotes that occur more than once get the occurrence that fits their item; `part_of` cycles
are broken with a warning (offline extractor, LLM path and gold checks alike)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from agent.articles import Article
from agent.extractors.base import DraftOutcome
from agent.extractors.results import build_result
from agent.grounding import ArticleIndex, Grounder
from agent.items import reference_problems
from agent.schema import ExtractionDraft, Usage
from tests.helpers import GOOD, article, make, run
from tests.scripted_server import ScriptedServer, answer

TWICE = (
    "Fighting flared in two towns on Monday.\n\n"
    "In Kafr Nabl, rebels attacked an army checkpoint at dawn. Two soldiers were killed, "
    "a local official said.\n\n"
    "Hours later, artillery shelled the market in Maarat al-Numan. Two soldiers were killed, "
    "the army said, and a shop burned down because of the shelling.\n"
)


def _event(eid: str, quote: str) -> dict[str, Any]:
    return {"id": eid, "event_type": "attack", "summary": quote, "evidence": [quote]}


def _figure(cid: str, event_id: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "id": cid, "event_id": event_id, "outcome": "killed", "group": "soldiers",
        "count_text": "Two", "low": 2, "high": 2, "qualifier": "exact",
        "evidence": "Two soldiers were killed", **extra,
    }  # fmt: skip


def _result(data: dict[str, Any], text: str = TWICE) -> Any:
    index = ArticleIndex(text)
    draft = ExtractionDraft.model_validate(data, context={"grounder": Grounder(index)})
    outcome = DraftOutcome(draft=draft, usage=Usage(), index=index)
    return build_result(Article(id="t", text=text), outcome, model="test", prompt=None)


def test_a_quote_told_twice_gets_the_occurrence_next_to_its_event() -> None:
    second, first = TWICE.rindex("Two soldiers"), TWICE.index("Two soldiers")
    data = {
        # the events are listed in the other order than the text tells them
        "events": [
            _event("E1", "artillery shelled the market in Maarat al-Numan"),
            _event("E2", "rebels attacked an army checkpoint at dawn"),
        ],
        "casualties": [_figure("C1", "E2"), _figure("C2", "E1")],
        "causes": [
            {
                "id": "K1", "cause": "the shelling", "effect": "a shop burned down",
                "certainty": "asserted", "event_id": "E1",
                "evidence": "a shop burned down because of the shelling",
            }
        ],
    }  # fmt: skip
    result = _result(data)
    assert [c.evidence.start for c in result.casualties] == [first, second]
    for c in result.casualties:
        assert TWICE[c.evidence.start : c.evidence.end] == c.evidence.text


def test_identical_items_without_an_event_take_successive_occurrences() -> None:
    data = {"events": [], "casualties": [_figure("C1", None), _figure("C2", None)], "causes": []}
    result = _result(data)
    starts = [c.evidence.start for c in result.casualties]
    assert starts == [TWICE.index("Two soldiers"), TWICE.rindex("Two soldiers")]


def test_a_part_follows_its_parent_figure() -> None:
    text = (
        "Three people were killed in Aleppo, including one child.\n\n"
        "In Homs, shelling killed ten people, including one child."
    )
    data = {
        "events": [],
        "casualties": [
            {**_figure("C1", None), "count_text": "ten", "low": 10, "high": 10,
             "evidence": "shelling killed ten people"},
            {**_figure("C2", None), "count_text": "one", "low": 1, "high": 1,
             "part_of": "C1", "evidence": "including one child"},
        ],
        "causes": [],
    }  # fmt: skip
    result = _result(data, text)
    assert result.casualties[1].evidence.start == text.rindex("including one child")


def _cyclic() -> dict[str, Any]:
    data = copy.deepcopy(GOOD)
    data["casualties"][0]["part_of"] = "C2"  # C1 part of C2, C2 part of C1
    return data


def test_part_of_cycle_is_a_reference_problem() -> None:
    problems = reference_problems(_cyclic())
    assert problems == [
        (
            "casualties",
            1,
            "part_of makes a cycle (C1 -> C2 -> C1); a figure cannot be part of a figure that "
            "is part of it",
        )
    ]


def test_part_of_cycle_from_the_model_is_reasked_then_broken_with_a_warning(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.responder = lambda request: answer(_cyclic())
    result = run(make(server, tmp_path), article())
    assert len(server.requests) == 2  # re-asked once (max_reasks=1) with the cycle named
    assert "part_of makes a cycle (C1 -> C2 -> C1)" in server.requests[1].text()
    parts = {c.id: c.part_of for c in result.casualties}
    assert parts == {"C1": "C2", "C2": None, "C3": None}
    assert any("C2: cleared part_of 'C1'" in w and "cycle" in w for w in result.warnings)
