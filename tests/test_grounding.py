"""Quote alignment, offsets and number support."""

from __future__ import annotations

import json

from agent.extractors.prompts import load_prompt
from agent.grounding import ArticleIndex, Grounder, number_problem
from agent.quantities import parse_count
from agent.schema import ExtractionDraft


def test_offsets_are_right_on_non_ascii_curly_quotes_and_crlf() -> None:
    text = "Ма’арат ан-Нуман\r\n\r\nIn Maʿarrat al-Nuʿmān, “at least 55” fighters\r\nwere  killed."
    index = ArticleIndex(text)
    span = index.find('"at least 55" fighters were killed')
    assert span is not None
    assert text[span.start : span.end] == span.text
    assert span.text.startswith("“at least 55”") and span.text.endswith("killed")
    span2 = index.find("maʿarrat al-nuʿmān")
    assert span2 is not None and text[span2.start : span2.end] == "Maʿarrat al-Nuʿmān"


def test_dash_variants_and_invisible_characters_align() -> None:
    text = "A Russian\u200b drone strike — the third this week — killed two."
    span = ArticleIndex(text).find("drone strike - the third this week - killed two")
    assert span is not None and span.text.endswith("killed two")


def test_missing_quote_is_none() -> None:
    assert ArticleIndex("Three soldiers died.").find("four soldiers died") is None


def test_number_support() -> None:
    ok = {"count_text": "at least 55", "low": 55, "high": None, "qualifier": "at_least"}
    assert number_problem("killed at least 55 troops", **ok) is None  # type: ignore[arg-type]
    bad = number_problem("killed at least 5 troops", **ok)  # type: ignore[arg-type]
    assert bad is not None and "count_text" in bad
    assert number_problem("fifty-five troops", count_text="fifty-five", low=55, high=55,
                          qualifier="exact") is None  # fmt: skip
    assert number_problem("dozens of fighters", count_text="dozens", low=12, high=None,
                          qualifier="vague") is None  # fmt: skip


def test_counts() -> None:
    assert parse_count("at least 55") == parse_count("55 at least")
    assert parse_count("between 20 and 30").qualifier == "range"  # type: ignore[union-attr]
    assert parse_count("dozens", "isaf").low == 24  # type: ignore[union-attr]


def test_prompt_examples_are_grounded() -> None:
    prompt = load_prompt()
    assert prompt.examples
    for example in prompt.examples:
        grounder = Grounder(ArticleIndex(example.article))
        ExtractionDraft.model_validate(json.loads(example.output), context={"grounder": grounder})
