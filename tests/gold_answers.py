"""A scripted model that answers each gold article with its gold extraction, flawed on purpose
in a few articles so the scores are not all perfect: one answer is first ungrounded (and
fixed when re-asked), some name the wrong source, some miss an item, one is refused (400).
The answer depends only on the request, so a realtime run and a batch get the same ones."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from agent.eval.suite import as_draft, load_case
from tests.scripted_server import Reply, answer, error


def flawed(draft: dict[str, Any], n: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The n-th case's answer, and (for some) a first answer that must be re-asked."""
    draft = copy.deepcopy(draft)
    first = None
    if n % 5 == 1 and draft["casualties"]:
        draft["casualties"][0]["reported_by"] = "a local council member"
    if n % 7 == 2 and draft["events"]:
        draft["events"].pop()
        for item in draft["casualties"] + draft["causes"]:
            if item.get("event_id") not in {e["id"] for e in draft["events"]}:
                item["event_id"] = None
    if n % 6 == 3 and draft["casualties"]:
        first = copy.deepcopy(draft)
        first["casualties"][0]["evidence"] = "a sentence that is nowhere in the article"
    return draft, first


def gold_responder(cases: Path, refused: int = 9) -> Any:
    """A responder for `server.responder` over every case folder in `cases`."""
    answers: dict[str, tuple[dict[str, Any], dict[str, Any] | None, bool]] = {}
    for n, folder in enumerate(sorted(p for p in cases.iterdir() if p.is_dir())):
        case = load_case(folder)
        gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
        final, first = flawed(as_draft(gold), n)
        key = json.dumps(case.text[:300], ensure_ascii=False)[1:-1]
        answers[key] = (final, first, n == refused)

    def respond(request: dict[str, Any]) -> Reply:
        text = json.dumps(request["messages"], ensure_ascii=False)
        for opening, (final, first, refuse) in answers.items():
            if opening in text:
                if refuse:
                    return error(400, "this article is refused for the test")
                reask = len(request["messages"]) > 2
                data = first if first is not None and not reask else final
                body = answer(data).body
                assert callable(body)
                return Reply(body=body(request))
        raise AssertionError("a request carried no known article")

    return respond
