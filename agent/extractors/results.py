"""A grounded draft -> the output contract (`ExtractionResult`).

Quotes get offsets computed here, ids are renumbered E1.. / C1.. / K1.. with references
remapped, and dates are resolved from the text and the publication date (never guessed).

A quote that occurs more than once gets the occurrence that fits its item: the one nearest
to its parent figure's quote, else to its event's evidence; with neither, the first one not
already taken by another item of its kind with the same quote (two figures quoting
"two soldiers were killed", told in two places, get the two places). When the extractor knows
where a quote sits (a long article extracted in chunks: `DraftOutcome.anchors`), that place.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.articles import Article
from agent.dates import resolve_date
from agent.extractors.base import DraftOutcome, Extractor
from agent.grounding import ArticleIndex, Span
from agent.schema import (
    CasualtyDraft,
    CasualtyFigure,
    Event,
    EventDraft,
    ExtractionDraft,
    ExtractionResult,
    PromptInfo,
    Quote,
    StatedCause,
)

Anchors = dict[tuple[str, str], list[int]]


class _Placer:
    """Chooses the occurrence each quote gets (see the module's docstring)."""

    def __init__(self, index: ArticleIndex, known: Anchors | None = None) -> None:
        self.index = index
        self.known = known or {}  # (kind, draft id) -> where the extractor placed its quotes
        self.taken: set[tuple[str, int]] = set()  # (kind, start) of occurrences given out

    def place(
        self,
        kind: str,
        text: str,
        anchors: Sequence[Quote] = (),
        item: tuple[str, int] | None = None,
    ) -> Quote:
        """The occurrence of `text` for the `item`-th quote (draft id, position) of a `kind`."""
        spans = self.index.find_all(text)
        if not spans:  # the draft was grounded against this very text: this cannot happen
            raise AssertionError(f"quote lost between grounding and output: {text!r}")
        free = [s for s in spans if (kind, s.start) not in self.taken]
        starts = self.known.get((kind, item[0])) if item else None
        if starts and item and item[1] < len(starts):
            at = starts[item[1]]
            span = min(spans, key=lambda s: abs(s.start - at))
        elif anchors and len(spans) > 1:
            span = min(spans, key=lambda s: (_gap(s, anchors), (kind, s.start) in self.taken))
        else:
            span = free[0] if free else spans[0]
        self.taken.add((kind, span.start))
        return Quote(text=span.text, start=span.start, end=span.end)


def _gap(span: Span, anchors: Sequence[Quote]) -> int:
    """Characters between `span` and the nearest anchor (0 when they overlap)."""
    return min(max(a.start - span.end, span.start - a.end, 0) for a in anchors)


def _figures(
    draft: ExtractionDraft, placer: _Placer, evidence: dict[str, list[Quote]]
) -> dict[str, Quote]:
    """Each figure's quote by draft id, a parent figure placed before its parts."""
    by_id = {c.id: c for c in draft.casualties}
    placed: dict[str, Quote] = {}

    def place(c: CasualtyDraft, seen: frozenset[str]) -> Quote:
        if c.id not in placed:
            parent = by_id.get(c.part_of) if c.part_of and c.part_of not in seen else None
            if parent is not None:
                anchors = [place(parent, seen | {c.id})]
            else:
                anchors = evidence.get(c.event_id, []) if c.event_id else []
            placed[c.id] = placer.place("casualties", c.evidence, anchors, (c.id, 0))
        return placed[c.id]

    for c in draft.casualties:
        place(c, frozenset())
    return placed


def _events(
    draft: ExtractionDraft, article: Article, evidence: dict[str, list[Quote]], ids: dict[str, str]
) -> list[Event]:
    dates: list[str | None] = []
    for e in draft.events:  # in order of mention: "the same day" is the previous event's
        dates.append(resolve_date(e.date_text, article.published, dates[-1] if dates else None))
    return [
        _event(e, ids[e.id], day, evidence[e.id])
        for e, day in zip(draft.events, dates, strict=True)
    ]


def _event_evidence(e: EventDraft, placer: _Placer) -> list[Quote]:
    quotes: list[Quote] = []
    for n, text in enumerate(e.evidence):  # a second quote of an event is placed near its first
        quotes.append(placer.place("events", text, quotes[:1], (e.id, n)))
    return quotes


def _event(e: EventDraft, new_id: str, day: str | None, evidence: list[Quote]) -> Event:
    return Event(
        id=new_id,
        event_type=e.event_type,
        summary=e.summary,
        date_text=e.date_text,
        date=day,
        location=e.location,
        country=e.country,
        actors=e.actors,
        evidence=evidence,
    )


def build_result(
    article: Article, outcome: DraftOutcome, *, model: str, prompt: PromptInfo | None
) -> ExtractionResult:
    """The output contract for one article from a grounded draft."""
    placer = _Placer(outcome.index, outcome.anchors)
    draft = outcome.draft
    evidence = {e.id: _event_evidence(e, placer) for e in draft.events}
    quotes = _figures(draft, placer, evidence)
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
            evidence=quotes[c.id],
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
            evidence=placer.place(
                "causes",
                k.evidence,
                evidence.get(k.event_id, []) if k.event_id else [],
                (k.id, 0),
            ),
        )
        for i, k in enumerate(draft.causes, start=1)
    ]
    return ExtractionResult(
        article=article.info,
        model=model,
        prompt=prompt,
        usage=outcome.usage,
        warnings=[*article.notes, *outcome.warnings],
        events=_events(draft, article, evidence, event_ids),
        casualties=casualties,
        causes=causes,
    )


async def extract_article(extractor: Extractor, article: Article) -> ExtractionResult:
    """Extract one article; raises an `AgentError` when the extractor fails."""
    outcome = await extractor.extract(article)
    return build_result(article, outcome, model=extractor.label, prompt=extractor.prompt_info)
