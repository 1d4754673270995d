"""The offline extractor (`--model rules`): deterministic patterns, no weights, no network.

It builds the same `ExtractionDraft` the model fills and validates it through the same
grounding code (a lenient `Grounder` in the validation context), so it cannot emit an
ungrounded item.

The words it knows are in `vocabulary`; casualty figures are read by `finders` and assembled
in `figures`; events and causes live in `events` / `causes`.
"""

from __future__ import annotations

from agent.articles import Article
from agent.config import Prices
from agent.extractors.base import DraftOutcome, Meter
from agent.extractors.rules.causes import find_causes, has_signal
from agent.extractors.rules.events import find_events
from agent.extractors.rules.figures import (
    Figure,
    link_events,
    number_figures,
    sentence_figures,
)
from agent.extractors.rules.sources import in_full, sentence_sources
from agent.extractors.rules.text import Sentence, sentences
from agent.grounding import ArticleIndex, Grounder
from agent.schema import ExtractionDraft, PromptInfo, Usage

__all__ = ["RulesExtractor", "sentences"]


class RulesExtractor:
    """Pattern-based extraction; fast, deterministic, offline."""

    label = "rules"
    prompt_info: PromptInfo | None = None
    cache_identity = None  # cheaper to extract again than to look up
    prices = Prices()

    def __init__(self, vague_table: str = "acled") -> None:
        self.vague_table = vague_table
        self.meter = Meter()  # sends no request

    async def extract(self, article: Article) -> DraftOutcome:
        return self.extract_sync(article)

    async def aclose(self) -> None:
        return None

    def extract_sync(self, article: Article, index: ArticleIndex | None = None) -> DraftOutcome:
        index = index or ArticleIndex(article.text)
        sents = sentences(article.text)
        figures = self.figures(sents)
        stated = [has_signal(s.text) for s in sents]
        own = {f.sentence for f in figures} | {i for i, says in enumerate(stated) if says}
        sources = in_full(sentence_sources(sents, own), article.text)
        for fig in figures:
            fig.reported_by = sources[fig.sentence]
        kept = number_figures(figures)
        grounder = Grounder(index, table=self.vague_table, lenient=True)
        events = find_events(sents, {f.sentence for f in figures})
        causes = find_causes(sents, sources, stated)
        drafts = [f.to_draft() for f in kept]
        link_events(drafts, events, article.text)
        draft = ExtractionDraft.model_validate(
            {"events": events, "casualties": drafts, "causes": causes},
            context={"grounder": grounder},
        )
        return DraftOutcome(draft=draft, usage=Usage(), warnings=grounder.warnings, index=index)

    def figures(self, sents: list[Sentence]) -> list[Figure]:
        """Every casualty figure of the article, sentence by sentence, before deduplication."""
        figures: list[Figure] = []
        last: Figure | None = None
        told: set[str] = set()
        for i, sentence in enumerate(sents):
            found = sentence_figures(sentence, last, self.vague_table, told)
            for fig in found:
                fig.sentence = i
            figures.extend(found)
            if found:
                last = found[-1]
                told.update(f.outcome for f in found)
        return figures
