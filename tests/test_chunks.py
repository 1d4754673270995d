"""Long articles in small context windows: chunk plans and the merge of the chunks' drafts."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.extractors.base import DraftOutcome
from agent.extractors.chunks import Chunk, merge_drafts, plan_chunks
from agent.grounding import ArticleIndex, Grounder
from agent.schema import ExtractionDraft, Usage

PARAGRAPHS = st.lists(
    st.text(alphabet="abcdefgh .!?", min_size=1, max_size=300).filter(lambda p: p.strip()),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(PARAGRAPHS, st.integers(min_value=40, max_value=700), st.integers(0, 200))
def test_chunks_cover_the_text_fit_the_limit_and_overlap(
    paragraphs: list[str], max_chars: int, overlap: int
) -> None:
    text = "\n".join(paragraphs)
    chunks = plan_chunks(text, max_chars, overlap)
    assert chunks[0].start == 0
    assert not text[chunks[-1].end :].strip()
    for chunk in chunks:
        assert chunk.end - chunk.start <= max(max_chars, 1)
        assert chunk.start < chunk.end
    for before, after in pairwise(chunks):
        assert before.start < after.start  # progress
        assert not text[before.end : after.start].strip()  # no gap but whitespace
    covered: set[int] = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


def test_chunks_break_at_paragraphs_and_repeat_the_last_one() -> None:
    paragraphs = [f"Paragraph {n} says what happened in town {n}." for n in range(8)]
    text = "\n".join(paragraphs)
    chunks = plan_chunks(text, 140, 60)
    assert len(chunks) > 1
    for chunk in chunks:
        assert chunk.start == 0 or text[chunk.start - 1] == "\n"
        assert chunk.end == len(text) or text[chunk.end] == "\n"
    for before, after in pairwise(chunks):
        assert text[after.start : before.end].strip()  # the overlap holds a paragraph


def outcome(chunk_text: str, data: dict[str, Any]) -> DraftOutcome:
    index = ArticleIndex(chunk_text)
    draft = ExtractionDraft.model_validate(data, context={"grounder": Grounder(index)})
    return DraftOutcome(draft, Usage(requests=1, prompt_tokens=10), index)


def figure(fid: str, evidence: str, count: str, low: int, **more: Any) -> dict[str, Any]:
    return {
        "id": fid, "outcome": "killed", "group": "people", "count_text": count, "low": low,
        "high": low, "qualifier": "exact", "evidence": evidence, **more,
    }  # fmt: skip


def test_merge_keeps_a_repeat_once_and_a_second_mention_twice() -> None:
    one = "Shelling killed 4 people in Kharkiv on Monday."
    two = "A drone strike killed 4 people in Sumy."
    again = "Shelling killed 4 people in Kharkiv again on Tuesday."
    text = "\n".join([one, two, again])
    first, second = Chunk(0, len(one) + 1 + len(two)), Chunk(len(one) + 1, len(text))
    event = {"id": "E1", "event_type": "air_drone_strike", "summary": "strike",
             "evidence": ["A drone strike killed 4 people in Sumy"]}  # fmt: skip
    part_one = outcome(
        text[first.start : first.end],
        {
            "events": [event],
            "casualties": [
                figure("C1", "Shelling killed 4 people", "4", 4),
                figure("C2", "strike killed 4 people", "4", 4, event_id="E1"),
            ],
            "causes": [],
        },
    )
    part_two = outcome(
        text[second.start : second.end],
        {
            "events": [event],  # the overlap: the same event at the same place
            "casualties": [
                figure("C1", "strike killed 4 people", "4", 4, event_id="E1"),  # repeat
                figure("C2", "Shelling killed 4 people in Kharkiv again", "4", 4),  # new
            ],
            "causes": [],
        },
    )
    merged = merge_drafts(
        [(first, part_one), (second, part_two)], ArticleIndex(text), Usage(requests=2)
    )
    anchors = merged.anchors or {}
    figures = merged.draft.casualties
    assert [c.id for c in figures] == ["C1", "C2", "C3"]
    assert [c.event_id for c in figures] == [None, "E1", None]
    assert len(merged.draft.events) == 1
    assert anchors[("casualties", "C3")] == [text.index(again)]
    assert anchors[("casualties", "C2")] == [text.index("strike killed")]
    assert merged.usage.requests == 2


def test_two_figures_on_one_quote_are_both_kept() -> None:
    text = "The blast killed 3 and wounded 5 in the market."
    quote = "killed 3 and wounded 5"
    injured = {**figure("C2", quote, "5", 5), "outcome": "injured"}
    part = outcome(
        text, {"events": [], "casualties": [figure("C1", quote, "3", 3), injured], "causes": []}
    )
    merged = merge_drafts([(Chunk(0, len(text)), part)], ArticleIndex(text), Usage())
    assert [(c.outcome, c.low) for c in merged.draft.casualties] == [("killed", 3), ("injured", 5)]
