"""The offline extractor (`--model rules`): deterministic patterns, no weights, no network.

It builds the same `ExtractionDraft` the model fills and validates it through the same
grounding code (a lenient `Grounder` in the validation context), so it cannot emit an
ungrounded item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from agent.articles import Article
from agent.grounding import ArticleIndex, Grounder
from agent.numbers import QUALIFIER_WORDS, find_numbers, parse_count
from agent.schema import DraftOutcome, ExtractionDraft, PromptInfo, Usage

_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"'”’]?|$)", re.MULTILINE)
_OUTCOMES: tuple[tuple[str, str], ...] = (
    (r"killed|dead|died|deaths|fatalities|slain|lost their lives|executed", "killed"),
    (r"wounded|injured|hurt", "injured"),
    (r"casualties", "killed_or_injured"),
    (r"captured|detained|arrested|taken prisoner", "captured"),
    (r"abducted|kidnapped|taken hostage", "abducted"),
    (r"missing", "missing"),
)
_OUTCOME_RE = re.compile(r"\b(" + "|".join(p for p, _ in _OUTCOMES) + r")\b", re.IGNORECASE)
_CIVILIAN = re.compile(
    r"\b(?:civilians?|residents?|villagers?|children|women|worshippers|passengers|"
    r"aid workers|journalists|people)\b",
    re.IGNORECASE,
)
_COMBATANT = re.compile(
    r"\b(?:soldiers?|troops?|fighters?|militants?|militiamen|police(?:men)?|officers?|"
    r"members|jihadists?|insurgents?|rebels?|gunmen|servicemen|personnel)\b",
    re.IGNORECASE,
)
_FORCE = re.compile(
    r"(?:force of|range from|ranging from|numbering|strong force|estimated|number of)\s*$",
    re.IGNORECASE,
)
_GROUP = re.compile(r"^\s*(?:of\s+(?:the\s+)?)?((?:[\w'’-]+\s+){0,4}?[\w'’-]+)", re.UNICODE)
_ATTRIBUTION = re.compile(
    r"according to (?:the )?([A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|for|of|and|the))*)|"
    r"(?:the )?([A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*) (?:said|reported|noted|told)",
)
_QUALIFIER_BEFORE = re.compile(rf"(?:\b(?:{QUALIFIER_WORDS})\s+)+$", re.IGNORECASE)


@dataclass(frozen=True)
class _Sentence:
    text: str
    start: int


def sentences(text: str) -> list[_Sentence]:
    return [
        _Sentence(m.group(0), m.start()) for m in _SENTENCE.finditer(text) if m.group(0).strip()
    ]


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
        figures: list[dict[str, Any]] = []
        seen: set[tuple[str, int | None, int | None, str]] = set()
        for sentence in sentences(article.text):
            for figure in self._figures(sentence.text):
                key = (figure["outcome"], figure["low"], figure["high"], figure["group"].lower())
                if key in seen:
                    continue  # the same figure restated (headline and body)
                seen.add(key)
                figure["id"] = f"C{len(figures) + 1}"
                figures.append(figure)
        grounder = Grounder(index, table=self.vague_table, lenient=True)
        draft = ExtractionDraft.model_validate(
            {"events": [], "casualties": figures, "causes": []}, context={"grounder": grounder}
        )
        return DraftOutcome(draft=draft, usage=Usage(), warnings=grounder.warnings)

    def _figures(self, sentence: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for mention in find_numbers(sentence, self.vague_table):
            before = sentence[: mention.start]
            after = sentence[mention.end :]
            if _FORCE.search(before) or re.match(r"\s*(?:years?|km|miles|%|per cent)", after):
                continue
            outcome_match = _OUTCOME_RE.search(after[:80])
            if outcome_match is None:
                continue
            outcome = next(o for p, o in _OUTCOMES if re.fullmatch(p, outcome_match.group(1), re.I))
            qual = _QUALIFIER_BEFORE.search(before)
            start = qual.start() if qual else mention.start
            end = mention.end
            tail = re.match(r"\s+at\s+least\b", after)
            if tail:
                end += tail.end()
            count_text = sentence[start:end].strip()
            count = parse_count(count_text, self.vague_table)
            if count is None:
                continue
            group_match = _GROUP.match(after[: outcome_match.start()])
            group = group_match.group(1).strip() if group_match else "people"
            if not group or _OUTCOME_RE.fullmatch(group):
                group = "people"
            civilian = (
                True if _CIVILIAN.search(group) else False if _COMBATANT.search(group) else None
            )
            quote_end = mention.end + outcome_match.end()
            out.append(
                {
                    "outcome": outcome,
                    "group": group,
                    "civilian": civilian,
                    "count_text": count_text,
                    "low": count.low,
                    "high": count.high,
                    "qualifier": count.qualifier,
                    "scope": "incident",
                    "reported_by": self._reporter(sentence),
                    "evidence": sentence[start:quote_end].strip(),
                }
            )
        return out

    @staticmethod
    def _reporter(sentence: str) -> str | None:
        match = _ATTRIBUTION.search(sentence)
        if not match:
            return None
        return (match.group(1) or match.group(2) or "").strip() or None
