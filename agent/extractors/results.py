"""A grounded draft -> the output contract (`ExtractionResult`).

Quotes get offsets computed here, ids are renumbered E1.. / C1.. / K1.. with references
remapped, and dates are resolved from the text and the publication date (never guessed).
"""

from __future__ import annotations

from agent.articles import Article
from agent.dates import resolve_date
from agent.extractors.base import DraftOutcome, Extractor
from agent.grounding import ArticleIndex, Span
from agent.schema import (
    CasualtyFigure,
    Event,
    EventDraft,
    ExtractionDraft,
    ExtractionResult,
    PromptInfo,
    Quote,
    StatedCause,
)


def _quote(index: ArticleIndex, text: str, near: int | None = None) -> Quote:
    span: Span | None = index.find(text, near=near)
    if span is None:  # the draft was grounded against this very text: this cannot happen
        raise AssertionError(f"quote lost between grounding and output: {text!r}")
    return Quote(text=span.text, start=span.start, end=span.end)


Anchors = dict[tuple[str, str], list[int]]


def _near(anchors: Anchors | None, kind: str, item_id: str, n: int = 0) -> int | None:
    """Where the extractor placed the item's n-th quote, when it knows."""
    starts = anchors.get((kind, item_id)) if anchors else None
    return starts[n] if starts and n < len(starts) else None


def _events(
    draft: ExtractionDraft, article: Article, outcome: DraftOutcome, ids: dict[str, str]
) -> list[Event]:
    dates: list[str | None] = []
    for e in draft.events:  # in order of mention: "the same day" is the previous event's
        dates.append(resolve_date(e.date_text, article.published, dates[-1] if dates else None))
    return [_event(e, ids[e.id], day, outcome) for e, day in zip(draft.events, dates, strict=True)]


def _event(e: EventDraft, new_id: str, day: str | None, outcome: DraftOutcome) -> Event:
    index, anchors = outcome.index, outcome.anchors
    return Event(
        id=new_id,
        event_type=e.event_type,
        summary=e.summary,
        date_text=e.date_text,
        date=day,
        location=e.location,
        country=e.country,
        actors=e.actors,
        evidence=[
            _quote(index, q, _near(anchors, "events", e.id, n)) for n, q in enumerate(e.evidence)
        ],
    )


def build_result(
    article: Article, outcome: DraftOutcome, *, model: str, prompt: PromptInfo | None
) -> ExtractionResult:
    """The output contract for one article from a grounded draft."""
    index = outcome.index
    draft = outcome.draft
    event_ids = {e.id: f"E{i}" for i, e in enumerate(draft.events, start=1)}
    figure_ids = {c.id: f"C{i}" for i, c in enumerate(draft.casualties, start=1)}
    casualties = [
        CasualtyFigure(
            id=figure_ids[c.id],
            event_id=event_ids.get(c.event_id) if c.event_id else None,
            outcome=c.outcome,
            group=c.group,
            civilian=c.civilian,
            count_text=c.count_text,
            low=c.low,
            high=c.high,
            qualifier=c.qualifier,
            part_of=figure_ids.get(c.part_of) if c.part_of else None,
            scope=c.scope,
            reported_by=c.reported_by,
            evidence=_quote(index, c.evidence, _near(outcome.anchors, "casualties", c.id)),
        )
        for c in draft.casualties
    ]
    causes = [
        StatedCause(
            id=f"K{i}",
            cause=k.cause,
            effect=k.effect,
            claimed_by=k.claimed_by,
            certainty=k.certainty,
            event_id=event_ids.get(k.event_id) if k.event_id else None,
            evidence=_quote(index, k.evidence, _near(outcome.anchors, "causes", k.id)),
        )
        for i, k in enumerate(draft.causes, start=1)
    ]
    return ExtractionResult(
        article=article.info,
        model=model,
        prompt=prompt,
        usage=outcome.usage,
        warnings=[*article.notes, *outcome.warnings],
        events=_events(draft, article, outcome, event_ids),
        casualties=casualties,
        causes=causes,
    )


async def extract_article(extractor: Extractor, article: Article) -> ExtractionResult:
    """Extract one article; raises an `AgentError` when the extractor fails."""
    outcome = await extractor.extract(article)
    return build_result(article, outcome, model=extractor.label, prompt=extractor.prompt_info)
