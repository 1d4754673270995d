"""Casualty figures assembled from the finders' readings: one sentence at a time, then
restated figures kept once, reporters named in full, and each figure linked to its event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.extractors.rules.finders import Spot, count_span, not_a_count, read_outcome
from agent.extractors.rules.text import Sentence, attribution, capitalised_names, full_name
from agent.extractors.rules.vocabulary import (
    CUMULATIVE,
    FIGURE_CUE,
    GROUP_RE,
    LAST_GROUP,
    OF_THEM,
    TRAILING_CONJUNCTION,
    civilian_of,
    group_after,
)
from agent.quantities import NumberMention, find_numbers, parse_count


@dataclass
class Figure:
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
    parent: Figure | None = None
    id: str = ""

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


def sentence_figures(
    sentence: Sentence, para_source: str | None, last: Figure | None, table: str
) -> list[Figure]:
    """The casualty figures of one sentence, in order; `last` is the figure read before it."""
    text = sentence.text
    out: list[Figure] = []
    if not FIGURE_CUE.search_spans(text):
        return out
    mentions = find_numbers(text, table)
    cumulative: bool | None = None  # read once the sentence holds a figure
    skip_until = -1
    for i, mention in enumerate(mentions):
        if mention.start < skip_until:
            continue
        nxt = mentions[i + 1] if i + 1 < len(mentions) else None
        found = figure_at(text, mention, nxt, out, last, para_source, table)
        if found is None:
            continue
        fig, end = found
        if cumulative is None:
            cumulative = CUMULATIVE.search_spans(text) is not None
        if cumulative:
            fig.scope = "cumulative"
        if end > mention.end:
            skip_until = end
        out.append(fig)
    return out


def figure_at(
    text: str,
    mention: NumberMention,
    nxt: NumberMention | None,
    earlier: list[Figure],
    last: Figure | None,
    para_source: str | None,
    table: str,
) -> tuple[Figure, int] | None:
    """The figure a number gives in its sentence, and where its count ends; or None."""
    if not_a_count(text, mention):
        return None
    start, end = count_span(text, mention, nxt)
    reading = read_outcome(Spot(text, start, end, nxt, earlier, last))
    if reading is None:
        return None
    count_text = text[start:end]
    count = parse_count(count_text, table)  # read once an outcome is found
    if count is None:
        return None
    rest = text[end:]
    group = reading.group or group_after(rest)
    if group is None and OF_THEM.match(rest):
        heads = [m.group(1) for m in LAST_GROUP.finditer(text[:start])]
        group = heads[-1].strip() if heads else None
    if group is None:
        group = "people"
    ev_end = reading.ev_end
    if ev_end == end:
        g = GROUP_RE.match_spans(rest)
        ev_end = end + (g.end() if g and group != "people" else 0)
    evidence = TRAILING_CONJUNCTION.sub("", text[reading.ev_start : ev_end].strip(" ,"))
    fig = Figure(
        outcome=reading.outcome,
        group=group,
        civilian=civilian_of(group),
        count_text=count_text,
        low=count.low,
        high=count.high,
        qualifier=count.qualifier,
        scope="incident",  # or "cumulative": set by the caller, once per sentence
        reported_by=attribution(text) or para_source,
        evidence=evidence,
        parent=reading.parent,
    )
    return fig, end


def name_reporters(figures: list[Figure], text: str) -> None:
    """Each reporter named as the article names it in full ("Observatory" -> "Syrian
    Observatory for Human Rights"); the article's names are read only when needed."""
    names: dict[str, str] = {}
    candidates: list[str] | None = None
    for fig in figures:
        if fig.reported_by:
            if fig.reported_by not in names:
                if candidates is None:
                    candidates = capitalised_names(text)
                names[fig.reported_by] = full_name(fig.reported_by, candidates)
            fig.reported_by = names[fig.reported_by]


def number_figures(figures: list[Figure]) -> list[Figure]:
    """Restated figures kept once, numbered C1.., with links to dropped parents cleared."""
    kept = dedupe(figures)
    for n, fig in enumerate(kept, 1):
        fig.id = f"C{n}"
    for fig in kept:
        if fig.parent is not None and fig.parent not in kept:
            fig.parent = None
    return kept


def dedupe(figures: list[Figure]) -> list[Figure]:
    """One figure per (outcome, low, high, scope): a restated figure is kept once, preferring
    the statement with an attribution (the body quote over the headline)."""
    best: dict[tuple[str, int | None, int | None, str, bool], Figure] = {}
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
