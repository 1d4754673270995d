"""The offline extractor (`--model rules`): deterministic patterns, no weights, no network.

It builds the same `ExtractionDraft` the model fills and validates it through the same
grounding code (a lenient `Grounder` in the validation context), so it cannot emit an
ungrounded item.

The words it knows are in `vocabulary`; casualty figures are read by `finders` and assembled
in `figures`; events and causes live in `events` / `causes`.
"""

from __future__ import annotations

from agent.articles import Article
from agent.extractors.rules.causes import find_causes
from agent.extractors.rules.events import find_events
from agent.extractors.rules.figures import (
    Figure,
    link_events,
    name_reporters,
    number_figures,
    sentence_figures,
)
from agent.extractors.rules.text import Sentence, attribution, sentences
from agent.grounding import ArticleIndex, Grounder
from agent.schema import DraftOutcome, ExtractionDraft, PromptInfo, Usage

__all__ = ["RulesExtractor", "sentences"]


def paragraph_sources(sents: list[Sentence]) -> dict[int, str | None]:
    """The first source each paragraph names ("according to X", "X said"), or None."""
    para_source: dict[int, str | None] = {}
    for s in sents:
        if s.paragraph not in para_source or para_source[s.paragraph] is None:
            para_source[s.paragraph] = attribution(s.text)
    return para_source


class RulesExtractor:
    """Pattern-based extraction; fast, deterministic, offline."""

    label = "rules"
    prompt_info: PromptInfo | None = None

    def __init__(self, vague_table: str = "acled") -> None:
        self.vague_table = vague_table

    async def extract(self, article: Article) -> DraftOutcome:
        return self.extract_sync(article)

    def extract_sync(self, article: Article, index: ArticleIndex | None = None) -> DraftOutcome:
        index = index or ArticleIndex(article.text)
        sents = sentences(article.text)
        para_source = paragraph_sources(sents)
        figures = self.figures(sents, para_source)
        name_reporters(figures, article.text)
        kept = number_figures(figures)
        grounder = Grounder(index, table=self.vague_table, lenient=True)
        events = find_events(sents)
        causes = find_causes(sents, para_source)
        drafts = [f.to_draft() for f in kept]
        link_events(drafts, events, article.text)
        draft = ExtractionDraft.model_validate(
            {"events": events, "casualties": drafts, "causes": causes},
            context={"grounder": grounder},
        )
        return DraftOutcome(draft=draft, usage=Usage(), warnings=grounder.warnings, index=index)

    def figures(self, sents: list[Sentence], para_source: dict[int, str | None]) -> list[Figure]:
        """Every casualty figure of the article, sentence by sentence, before deduplication."""
        figures: list[Figure] = []
        last: Figure | None = None
        for sentence in sents:
            found = sentence_figures(
                sentence, para_source.get(sentence.paragraph), last, self.vague_table
            )
            figures.extend(found)
            if found:
                last = found[-1]
        return figures
