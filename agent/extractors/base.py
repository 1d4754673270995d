"""One article -> one grounded `ExtractionResult`, whichever extractor produced the draft.

Both extractors (the LLM path and the offline rules) hand over an `ExtractionDraft` that has
already passed the grounding checks; this module turns it into the output contract: quotes
with offsets computed here, ids renumbered E1.. / C1.. / K1.. with references remapped, and
dates resolved from the text and the publication date (never guessed).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Protocol

from agent.articles import Article
from agent.config import Settings, resolve_model
from agent.dates import resolve_date
from agent.errors import UsageError
from agent.grounding import ArticleIndex, Span
from agent.schema import (
    ArticleInfo,
    CasualtyFigure,
    DraftOutcome,
    Event,
    ExtractionDraft,
    ExtractionResult,
    PromptInfo,
    Quote,
    StatedCause,
)


class Extractor(Protocol):
    """Anything that turns an article into a grounded draft."""

    @property
    def label(self) -> str: ...

    @property
    def prompt_info(self) -> PromptInfo | None: ...

    async def extract(self, article: Article) -> DraftOutcome: ...


def article_info(article: Article) -> ArticleInfo:
    return ArticleInfo(
        id=article.id,
        title=article.title,
        source=article.source,
        published=article.published,
        url=article.url,
        sha256=article.sha256,
    )


def _quote(index: ArticleIndex, text: str) -> Quote:
    span: Span | None = index.find(text)
    if span is None:  # the draft was grounded against this very text: this cannot happen
        raise AssertionError(f"quote lost between grounding and output: {text!r}")
    return Quote(text=span.text, start=span.start, end=span.end)


def build_result(
    article: Article,
    outcome: DraftOutcome,
    *,
    model: str,
    prompt: PromptInfo | None,
    index: ArticleIndex | None = None,
) -> ExtractionResult:
    """The output contract for one article from a grounded draft."""
    if index is None:
        reused = outcome.index
        index = reused if isinstance(reused, ArticleIndex) else ArticleIndex(article.text)
    draft: ExtractionDraft = outcome.draft
    event_ids = {e.id: f"E{i}" for i, e in enumerate(draft.events, start=1)}
    figure_ids = {c.id: f"C{i}" for i, c in enumerate(draft.casualties, start=1)}
    dates: list[str | None] = []
    for e in draft.events:  # in order of mention: "the same day" is the previous event's
        dates.append(resolve_date(e.date_text, article.published, dates[-1] if dates else None))
    events = [
        Event(
            id=event_ids[e.id],
            event_type=e.event_type,
            summary=e.summary,
            date_text=e.date_text,
            date=day,
            location=e.location,
            country=e.country,
            actors=e.actors,
            evidence=[_quote(index, q) for q in e.evidence],
        )
        for e, day in zip(draft.events, dates, strict=True)
    ]
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
            evidence=_quote(index, c.evidence),
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
            evidence=_quote(index, k.evidence),
        )
        for i, k in enumerate(draft.causes, start=1)
    ]
    return ExtractionResult(
        article=article_info(article),
        model=model,
        prompt=prompt,
        usage=outcome.usage,
        warnings=[*article.notes, *outcome.warnings],
        events=events,
        casualties=casualties,
        causes=causes,
    )


async def extract_article(extractor: Extractor, article: Article) -> ExtractionResult:
    """Extract one article; raises an `AgentError` when the extractor fails."""
    outcome = await extractor.extract(article)
    return build_result(article, outcome, model=extractor.label, prompt=extractor.prompt_info)


def make_extractor(
    settings: Settings,
    model: str | None,
    *,
    base_url: str | None = None,
    mode: str | None = None,
    prompt_path: str | None = None,
    vague_table: str | None = None,
    note: Callable[[str], None] | None = None,
) -> Extractor:
    """The extractor a run uses, chosen from config + environment + flags.

    `note` receives the one-line explanation of an `auto` choice.
    """
    resolved = resolve_model(settings, model, os.environ, base_url=base_url, mode=mode)
    if resolved.note and note is not None:
        note(resolved.note)
    table = vague_table or settings.vague_table
    if resolved.profile is None:
        if prompt_path:
            raise UsageError("--prompt applies to LLM profiles; 'rules' uses no prompt")
        from agent.extractors.rules.extractor import RulesExtractor

        return RulesExtractor(vague_table=table)
    from agent.extractors.llm.extractor import LLMExtractor
    from agent.extractors.prompts import load_prompt

    return LLMExtractor(resolved, load_prompt(prompt_path), vague_table=table)
