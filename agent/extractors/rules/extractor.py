"""The offline extractor (`--model rules`): deterministic patterns, no weights, no network.

It builds the same `ExtractionDraft` the model fills and validates it through the same
grounding code (a lenient `Grounder` in the validation context), so it cannot emit an
ungrounded item.

Casualty figures are read here; events and causes live in `rules_events` / `rules_causes`.
Each kind of wording is one row of a small table, so a new pattern is one small change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agent.articles import Article
from agent.config import Prices
from agent.extractors.base import DraftOutcome, Meter
from agent.extractors.rules.causes import find_causes
from agent.extractors.rules.events import find_events
from agent.extractors.rules.text import (
    Sentence,
    attribution,
    capitalised_names,
    full_name,
    sentences,
)
from agent.grounding import ArticleIndex, Grounder
from agent.patterns import Caseless
from agent.quantities import QUALIFIER_WORDS, NumberMention, find_numbers, parse_count
from agent.schema import ExtractionDraft, PromptInfo, Usage

__all__ = ["RulesExtractor", "sentences"]

# --- outcome words --------------------------------------------------------------------------

# (pattern, outcome); the first matching row wins. Passive / noun forms, read after a number.
OUTCOME_WORDS: tuple[tuple[str, str], ...] = (
    (r"killed\s+or\s+(?:wounded|injured)|casualties|were\s+hit", "killed_or_injured"),
    (
        r"killed|dead|died|deaths?|fatalities|slain|lost\s+their\s+lives|executed|martyred|"
        r"neutrali[sz]ed|eliminated|bodies|killings|shot\s+dead|paid\s+the\s+supreme\s+price|"
        r"perished",
        "killed",
    ),
    (r"wounded|injured|hurt|injuries|wounds", "injured"),
    (r"abducted|kidnapped|taken\s+hostage", "abducted"),
    (
        r"captured|detained|arrested|taken\s+prisoner|apprehended|surrendered|taken\s+captive",
        "captured",
    ),
    (r"missing", "missing"),
)
_OUTCOME_RES = [(re.compile(rf"\b(?:{p})\b", re.IGNORECASE), o) for p, o in OUTCOME_WORDS]
_ANY_OUTCOME = Caseless(r"\b(?:" + "|".join(p for p, _ in OUTCOME_WORDS) + r")\b")

# Active verbs directly before the number: "killing at least 27", "abducted dozens of".
ACTIVE_VERBS: tuple[tuple[str, str], ...] = (
    (
        r"(?:killed|killing)\s+(?:or|and)\s+(?:wounded|wounding|injured|injuring)",
        "killed_or_injured",
    ),
    (
        r"killed|killing|kills|kill|executed|executing|shot\s+dead|shooting\s+dead|"
        r"neutrali[sz]ed|neutrali[sz]ing|eliminated|eliminating|massacred|slew|lost",
        "killed",
    ),
    (r"wounded|wounding|injured|injuring|wounds|injures", "injured"),
    (r"abducted|abducting|kidnapped|kidnapping|took\s+hostage", "abducted"),
    (
        r"captured|capturing|detained|detaining|arrested|arresting|apprehended|apprehending|"
        r"took\s+prisoner",
        "captured",
    ),
)
_QUAL = rf"(?:(?:{QUALIFIER_WORDS})\s+)*"
_ACTIVE_RES = [
    (Caseless(rf"\b(?:{p})\s+(?:the\s+|a\s+|an\s+)?{_QUAL}$"), o) for p, o in ACTIVE_VERBS
]
# Matches exactly where some row above does: one scan rules them all out.
_ANY_ACTIVE = Caseless(
    rf"\b(?:{'|'.join(p for p, _ in ACTIVE_VERBS)})\s+(?:the\s+|a\s+|an\s+)?{_QUAL}$"
)

# Toll wordings: "the death toll rose to 27", "put the number of dead at 41".
TOLL_CUES: tuple[tuple[str, str], ...] = (
    (r"death\s+toll|number\s+of\s+(?:people\s+)?(?:dead|killed|deaths|fatalities)|toll", "killed"),
    (r"number\s+of\s+(?:people\s+)?(?:injured|wounded)", "injured"),
    (r"number\s+of\s+(?:people\s+)?missing", "missing"),
)
_TOLL_TAIL = rf"\b[^.;]{{0,60}}?\b(?:at|to|reached|was|is|stood\s+at|of)\s+{_QUAL}$"
_TOLL_RES = [(Caseless(rf"\b(?:{p}){_TOLL_TAIL}"), o) for p, o in TOLL_CUES]
_ANY_TOLL = Caseless(rf"\b(?:{'|'.join(p for p, _ in TOLL_CUES)}){_TOLL_TAIL}")

# Sub-figures: "including 3 members", "among them four children", "among the dead were ...".
_SUB_BEFORE = Caseless(
    rf"(?:\bincluding|\b(?:the\s+)?(dead|killed|wounded|injured|victims|casualties)\s+"
    rf"(?:included|include|includes)|\bamong\s+them(?:\s+were)?|\bamong\s+whom(?:\s+were)?|"
    rf"\bamong\s+(?:the|those)\s+(\w+)[^.;]{{0,40}}?\s(?:were|are)|\bof\s+whom)\s+{_QUAL}$"
)
_SUB_AFTER = re.compile(r"^\s+(?:of\s+them|of\s+whom)\b", re.IGNORECASE)
_CONTINUE = Caseless(rf"(?:,|\band)\s+{_QUAL}$")

# Not casualty figures: units after the number, force strength / dates / ages before it.
_MONTH = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
NOT_A_COUNT_AFTER = Caseless(  # for .match (anchored where it starts)
    rf"(?:\s*(?:-|–)?\s*(?:{_MONTH})\b|[\s-]*(?:years?|year-old|hours?|minutes?|days?|weeks?|"
    r"months?|km|kilomet(?:re|er)s?|miles?|met(?:re|er)s?|%|per\s*cent|percent|times|"
    r"airstrikes?|air\s+strikes|strikes|raids|attacks|villages?|towns?|houses|homes|buildings|"
    r"vehicles|tanks|trucks|rockets|missiles|shells|drones|tents|families|households|"
    r"displaced|people\s+displaced|rifles|weapons|guns|cartridges|rounds|pickups|"
    r"(?:of\s+(?:its|their)\s+)?(?:gains|ground|positions|territory)|refugees|o'clock|a\.m|p\.m|am\b|pm\b|GMT|(?:st|nd|rd|th)\b|"
    r"(?:infantry|division|brigade|battalion|regiment)|more\s+(?:times|hours|days))(?!\w))"
)
# (one \b in front of the alternatives, not one per alternative: the engine tests it once)
NOT_A_COUNT_BEFORE = Caseless(
    rf"(?:\b(?:(?:{_MONTH})\s*|force\s+of\s+|strength\s+of\s+|range\s+from\s+|"
    r"numbering\s+|number\s+(?:\w+\s+){0,3}(?:at|to)\s+|aged\s+|age\s+of\s+|no\.?\s*|"
    r"Route\s+|Highway\s+|units?\s+|no\s+|not\s+(?:a\s+)?(?:single\s+)?|for\s+|"
    r"in\s+|on\s+|since\s+|until\s+|by\s+|after\s+)|ranging\s+from\s+)$"
)
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_NEGATED = re.compile(
    r"\bno\s+(?:one|casualties|deaths|fatalities|injuries)\b|\bnobody\b|\bnone\s+(?:was|were)\b",
    re.IGNORECASE,
)

# Cumulative totals: war-to-date, year-to-date, campaign totals.
CUMULATIVE = Caseless(
    rf"\b(?:since\s+(?:the\s+(?:start|beginning|outbreak)|the\s+war|the\s+conflict|"
    rf"(?:early|late|mid-)?\s*(?:{_MONTH})\b|(?:19|20)\d\d|last\s+year|its|it)|"
    r"this\s+year\b|to\s+date\b|in\s+total\b|cumulative\b|overall\s+toll\b|since\s+the\s+war)|"
    r"so\s+far\s+this"
)

# The group: the noun phrase the number counts, stopped at verbs and clause words.
_GROUP_STOP = (
    r"were|was|are|is|had|have|has|been|being|who|that|which|when|while|in|on|at|by|during|"
    r"after|before|as|from|with|into|near|since|and\s+(?:\w+ing|\w+ed)\b|according|said|"
    r"including|among|the\s+(?:army|police|group|militants|ministry)|across|inside|outside|"
    r"between|to|for|went|go|remain\w*|lost|fled|sustained|paid|got|also|still"
)
_GROUP_RE = Caseless(
    rf"^\s*(?:of\s+)?(?!(?:{_GROUP_STOP})\b)((?:(?!(?:{_GROUP_STOP})\b)[\w'’()-]+[ \t]*){{1,6}})"
)
_GROUP_JUNK = re.compile(
    r"^(?:of\s+)?(?:them|whom|others?|more|people|persons|dead|wounded|injured|the)$",
    re.IGNORECASE,
)
CIVILIAN = re.compile(
    r"\b(?:civilians?|residents?|villagers?|children|child|women|woman|worshippers|"
    r"passengers|aid\s+workers|journalists|farmers?|farmworkers|students|pupils|teachers|"
    r"patients|shoppers|displaced|girls|boys|family|families|men\s+and\s+women|babies|"
    r"infants|doctors|nurses|medics|traders|miners|herders)\b",
    re.IGNORECASE,
)
COMBATANT = re.compile(
    r"\b(?:soldiers?|troops?|fighters?|militants?|militiamen|militia|police(?:men)?|"
    r"policemen|officers?|members|jihadists?|insurgents?|rebels?|gunmen|servicemen|personnel|"
    r"terrorists?|attackers|combatants|guards?|commanders?|recruits|bandits|paramilitar\w*|"
    r"army|forces|operatives|collaborators)\b",
    re.IGNORECASE,
)
_LAST_GROUP = Caseless(
    r"\b((?:(?!(?:of|a|an|the|and|killing|killed)\b)[\w'’-]+\s+){0,2}(?:"
    + COMBATANT.pattern[5:-3]
    + "|"
    + CIVILIAN.pattern[5:-3]
    + r"))\b"
)
_NEXT_COUNT = re.compile(
    r"\s*(?:,|\band\b)\s+(?=(?:\d|a\s+dozen|dozens|several|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve)\b)",
    re.IGNORECASE,
)
_GROUP_TAIL = re.compile(r"\s+(?:and|or|of|the|other|more)$", re.IGNORECASE)
_GROUP_LEAD = re.compile(r"^(?:other|more|further)\s+", re.IGNORECASE)
_RANGE_SEP = re.compile(r"\s*(?:to|and|or|-|–|—)\s*")
_AT_LEAST_TAIL = re.compile(r"\s+at\s+least\b|\s+or\s+more\b", re.IGNORECASE)
_WINDOW_END = re.compile(r"[;:]|\s—\s|,\s+(?:but|while|whereas)\b")
_OF_THEM = re.compile(r"\s+of\s+them\b")
_TRAILING_CONJUNCTION = re.compile(r"(?:\s+(?:and|or|but))+$")
_QUAL_BEFORE = Caseless(rf"(?:\b(?:{QUALIFIER_WORDS})\s+)+$")
# A sentence without any of these words cannot hold a figure; one scan skips it.
_FIGURE_CUE = Caseless(
    r"\b(?:"
    + "|".join(p for p, _ in OUTCOME_WORDS)
    + "|"
    + "|".join(p for p, _ in ACTIVE_VERBS)
    + r"|toll|including|included|include|among|of\s+them|of\s+whom)\b"
)


@dataclass
class _Figure:
    outcome: str
    group: str
    civilian: bool | None
    count_text: str
    low: int | None
    high: int | None
    qualifier: str
    scope: str
    reported_by: str | None
    evidence: str
    parent: _Figure | None = None
    id: str = ""
    children: list[_Figure] = field(default_factory=list)

    def to_draft(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "outcome": self.outcome,
            "group": self.group,
            "civilian": self.civilian,
            "count_text": self.count_text,
            "low": self.low,
            "high": self.high,
            "qualifier": self.qualifier,
            "part_of": self.parent.id if self.parent else None,
            "scope": self.scope,
            "reported_by": self.reported_by,
            "evidence": self.evidence,
        }


def link_events(figures: list[dict[str, Any]], events: list[dict[str, Any]], text: str) -> None:
    """Each incident figure belongs to the event told last before it (else the first event)."""
    if not events:
        return
    starts = [(text.find(e["evidence"][0]), e["id"]) for e in events]
    starts.sort()
    for figure in figures:
        if figure["scope"] != "incident":
            continue
        at = text.find(figure["evidence"])
        before = [eid for start, eid in starts if 0 <= start <= at]
        figure["event_id"] = before[-1] if before else starts[0][1]


def _group(text: str, match: re.Match[str], n: int) -> str | None:
    """Group `n` of a match from `search_spans`, in the text's own case."""
    start, end = match.span(n)
    return None if start < 0 else text[start:end]


def outcome_of(words: str) -> str | None:
    """The outcome a wording names ("were martyred" -> killed), or None."""
    for pattern, outcome in _OUTCOME_RES:
        if pattern.search(words):
            return outcome
    return None


def group_after(text: str) -> str | None:
    """The noun phrase right after a number ("55 pro-regime troops were" -> "pro-regime troops")."""
    m = _GROUP_RE.match_spans(text)
    if not m:
        return None
    group = _NEXT_COUNT.split(text[m.start(1) : m.end(1)], maxsplit=1)[0].strip(" ,")
    group = _GROUP_TAIL.sub("", group)
    group = _GROUP_LEAD.sub("", group)
    cut = _ANY_OUTCOME.search_spans(group)  # matches exactly when outcome_of(group) is not None
    if cut is not None:
        group = group[: cut.start()].strip()
    if not group or _GROUP_JUNK.match(group) or NOT_A_COUNT_AFTER.match_spans(" " + group):
        return None
    return group


def civilian_of(group: str) -> bool | None:
    if CIVILIAN.search(group):
        return True
    if COMBATANT.search(group):
        return False
    return None


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
        para_source: dict[int, str | None] = {}
        for s in sents:
            if s.paragraph not in para_source or para_source[s.paragraph] is None:
                para_source[s.paragraph] = attribution(s.text)
        figures: list[_Figure] = []
        last: _Figure | None = None
        for sentence in sents:
            found = self._figures(sentence, para_source.get(sentence.paragraph), last)
            figures.extend(found)
            if found:
                last = found[-1]
        names: dict[str, str] = {}
        candidates: list[str] | None = None
        for fig in figures:
            if fig.reported_by:
                if fig.reported_by not in names:
                    if candidates is None:
                        candidates = capitalised_names(article.text)
                    names[fig.reported_by] = full_name(fig.reported_by, candidates)
                fig.reported_by = names[fig.reported_by]
        kept = _dedupe(figures)
        for n, fig in enumerate(kept, 1):
            fig.id = f"C{n}"
        for fig in kept:
            if fig.parent is not None and fig.parent not in kept:
                fig.parent = None
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

    # --- casualty figures ------------------------------------------------------------------

    def _figures(
        self, sentence: Sentence, para_source: str | None, last: _Figure | None
    ) -> list[_Figure]:
        text = sentence.text
        out: list[_Figure] = []
        if not _FIGURE_CUE.search_spans(text):
            return out
        mentions = find_numbers(text, self.vague_table)
        cumulative: bool | None = None  # read once the sentence holds a figure
        skip_until = -1
        for i, mention in enumerate(mentions):
            if mention.start < skip_until:
                continue
            nxt = mentions[i + 1] if i + 1 < len(mentions) else None
            fig = self._figure(text, mention, nxt, out, last, para_source)
            if fig is None:
                continue
            if cumulative is None:
                cumulative = CUMULATIVE.search_spans(text) is not None
            if cumulative:
                fig[0].scope = "cumulative"
            if fig[1] > mention.end:
                skip_until = fig[1]
            out.append(fig[0])
        return out

    def _figure(
        self,
        text: str,
        mention: NumberMention,
        nxt: NumberMention | None,
        earlier: list[_Figure],
        last: _Figure | None,
        para_source: str | None,
    ) -> tuple[_Figure, int] | None:
        before = text[: mention.start]
        token = text[mention.start : mention.end]
        if _YEAR.match(token) or NOT_A_COUNT_AFTER.match_spans(text, mention.end):
            return None
        if NOT_A_COUNT_BEFORE.search_spans(before[-40:]) and not _TOLL_RES[0][0].search_spans(
            before[-120:]
        ):
            return None
        if _NEGATED.search(before[-20:] + token):  # "no one", "none were"
            return None
        if mention.is_vague and _SUB_AFTER.match(text[mention.end :]):  # "many of them": no number
            return None
        # the count: qualifier before, "between a and b" / "a to b", "at least" after
        start, end = mention.start, mention.end
        qual = _QUAL_BEFORE.search_spans(text, max(0, mention.start - 40), mention.start)
        if qual:
            start = qual.start()
        if (
            nxt is not None
            and _RANGE_SEP.fullmatch(text[end : nxt.start])
            and not nxt.is_vague
            and not mention.is_vague
        ):
            end = nxt.end
        tail = _AT_LEAST_TAIL.match(text[end:])
        if tail:
            end += tail.end()
        count_text = text[start:end]
        head, rest = text[:start], text[end:]
        near = max(0, start - 120)  # the anchored patterns below only look this far back
        window: str | None = None  # the words after the count that may name the outcome
        parent: _Figure | None = None
        outcome: str | None = None
        ev_start, ev_end = start, end
        sub_group: str | None = None
        # 1. toll wording before the number
        for pattern, out in _TOLL_RES if _ANY_TOLL.search_spans(text, near, start) else ():
            m = pattern.search_spans(text, near, start)  # endpos: as if the text ended there
            if m:
                outcome, ev_start = out, m.start()
                break
        # 2. an active verb right before it
        if outcome is None and _ANY_ACTIVE.search_spans(text, max(near, start - 60), start):
            for pattern, out in _ACTIVE_RES:
                m = pattern.search_spans(text, max(near, start - 60), start)
                if m:
                    outcome, ev_start = out, m.start()
                    break
        # 3. a sub-figure of the figure just before
        if outcome is None:
            m = _SUB_BEFORE.search_spans(text, near, start)
            sub_after = _SUB_AFTER.match(rest)
            if m or sub_after:
                named_word = (_group(text, m, 1) or _group(text, m, 2)) if m else None
                named = outcome_of(named_word) if named_word else None
                candidates = [*earlier] or ([last] if last else [])
                base = next((f for f in reversed(candidates) if named in (None, f.outcome)), None)
                if base is not None and base.parent is not None:
                    base = base.parent
                outcome = named or (base.outcome if base else None)
                parent = base if base is not None and base.outcome == outcome else None
                if sub_after:
                    sub_group = group_after(rest[sub_after.end() :])
                    window = rest[sub_after.end() : sub_after.end() + 40]
                    ev_end = end + sub_after.end() + len(window.split(",")[0])
        # 4. passive or noun form after it: "55 troops were killed", "14 dead"
        if outcome is None:
            if window is None:
                window_end = (nxt.start - end) if nxt is not None and nxt.start > end else 90
                window = _WINDOW_END.split(rest[: min(window_end, 90)])[0]
            m = _ANY_OUTCOME.search_spans(window)
            if m:
                outcome = outcome_of(window[m.start() : m.end()])
                ev_end = end + m.end()
        # 5. "three civilians and two soldiers": the same outcome as the figure just before
        if outcome is None and earlier and _CONTINUE.search_spans(text, max(0, start - 30), start):
            outcome, parent = earlier[-1].outcome, earlier[-1].parent
        if outcome is None:
            return None
        count = parse_count(count_text, self.vague_table)  # read once an outcome is found
        if count is None:
            return None
        group = sub_group or group_after(rest)
        if group is None and _OF_THEM.match(rest):
            heads = [m.group(1) for m in _LAST_GROUP.finditer(head)]
            group = heads[-1].strip() if heads else None
        if group is None:
            group = "people"
        if ev_end == end:
            g = _GROUP_RE.match_spans(rest)
            ev_end = end + (g.end() if g and group != "people" else 0)
        evidence = _TRAILING_CONJUNCTION.sub("", text[ev_start:ev_end].strip(" ,"))
        reporter = attribution(text) or para_source
        fig = _Figure(
            outcome=outcome,
            group=group,
            civilian=civilian_of(group),
            count_text=count_text,
            low=count.low,
            high=count.high,
            qualifier=count.qualifier,
            scope="incident",  # or "cumulative": set by the caller, once per sentence
            reported_by=reporter,
            evidence=evidence,
            parent=parent,
        )
        return fig, end


def _dedupe(figures: list[_Figure]) -> list[_Figure]:
    """One figure per (outcome, low, high, scope): a restated figure is kept once, preferring
    the statement with an attribution (the body quote over the headline)."""
    best: dict[tuple[str, int | None, int | None, str, bool], _Figure] = {}
    order: list[tuple[str, int | None, int | None, str, bool]] = []
    lows = {(f.outcome, f.low, f.scope, f.parent is not None) for f in figures if f.high is None}
    for fig in figures:
        high = fig.high
        if high == fig.low and (fig.outcome, fig.low, fig.scope, fig.parent is not None) in lows:
            high = None  # "55 killed" in the headline restates "at least 55" in the body
        key = (fig.outcome, fig.low, high, fig.scope, fig.parent is not None)
        if key not in best:
            best[key] = fig
            order.append(key)
        elif (best[key].reported_by is None and fig.reported_by is not None) or (
            best[key].high is not None and fig.high is None  # "at least 55" over "55"
        ):
            old = best[key]
            if fig.group == "people" and old.group != "people":
                fig.group, fig.civilian = old.group, old.civilian
            best[key] = fig
            for other in figures:
                if other.parent is old:
                    other.parent = fig
    return [best[k] for k in order]
