"""What every extractor is: the `Extractor` protocol and the `DraftOutcome` it hands over.

An extractor turns one article into a grounded `ExtractionDraft` (the LLM path and the offline
rules alike); `extractors.results` turns that draft into the output contract. Everything a
batch run, the cache or the eval needs to know of an extractor is a member of the protocol,
so no caller probes for attributes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from agent.articles import Article
from agent.config import Prices
from agent.grounding import ArticleIndex
from agent.schema import ExtractionDraft, PromptInfo, Usage


@dataclass
class DraftOutcome:
    """What an extractor hands over for one article: a grounded draft and its cost."""

    draft: ExtractionDraft
    usage: Usage
    index: ArticleIndex  # the index the draft was grounded against, reused for the offsets
    warnings: list[str] = field(default_factory=list)
    attempts: int = 1
    # where each item's quotes start in the article, (kind, id) -> starts, when the extractor
    # knows it better than a search would (a long article extracted in chunks)
    anchors: dict[tuple[str, str], list[int]] | None = None


@dataclass
class Meter:
    """Requests sent and tokens received so far, counted as they happen (for progress lines:
    an article still in flight shows its work before it finishes)."""

    requests: int = 0
    answers: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Extractor(Protocol):
    """Anything that turns an article into a grounded draft."""

    @property
    def label(self) -> str:
        """The model name written into every output (`rules`, `<profile>/<model-id>`)."""
        ...

    @property
    def prompt_info(self) -> PromptInfo | None:
        """The prompt's name, version and digest; None when no prompt is used."""
        ...

    @property
    def cache_identity(self) -> Mapping[str, Any] | None:
        """What decides the answer (the response cache's key, never a secret); None when
        answers are cheaper to make again than to look up."""
        ...

    @property
    def prices(self) -> Prices:
        """Estimated cost per million tokens."""
        ...

    @property
    def meter(self) -> Meter:
        """Live counts of requests and tokens (all zero for an extractor that sends none)."""
        ...

    async def extract(self, article: Article) -> DraftOutcome:
        """One article; raises an `AgentError` subclass when it cannot be extracted."""
        ...

    async def aclose(self) -> None:
        """Release connections; called once when a run ends."""
        ...
