"""Casualty figures assembled from the finders' readings: one sentence at a time, then
restated figures kept once, reporters named in full, and each figure linked to its event."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent.extractors.rules.finders import Spot, count_span, not_a_count, read_outcome
from agent.extractors.rules.people import victims
from agent.extractors.rules.text import Sentence
from agent.extractors.rules.vocabulary import (
    ADDITIONAL,
    ADDITIVE,
    ANY_WORD,
    BACKGROUND,
    FIGURE_CUE,
    GROUP_RE,
    HISTORY,
    LAST_GROUP,
    OF_THEM,
    PART_CUE,
    PERSON_WORD,
    SENTENCE_SCOPE,
    SUPERLATIVE,
    THING,
    TITLE_WORD,
    TRAILING_CONJUNCTION,
    civilian_of,
    group_after,
)
from agent.quantities import NumberMention, bare_plural_value, find_numbers, parse_count


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
    person: str = ""  # who a figure without a number word is ("taliban leader"), for restatements
    sentence: int = -1  # the index of its sentence in the article
    additional: bool = False  # "several more insurgents": beside the figures told, never one
    aggregate: bool = False  # told across several operations: a roll-up of the details

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
    sentence: Sentence, last: Figure | None, table: str, told: set[str] | None = None
) -> list[Figure]:
    """The casualty figures of one sentence, in order; `last` is the figure read before it,
    `told` the outcomes earlier sentences gave figures for."""
    text = sentence.text
    out: list[Figure] = []
    if not FIGURE_CUE.search_spans(text):
        return out
    singles = [] if _title_case(text) else people_figures(text, told or set(), table)
    mentions = find_numbers(text, table)
    skip_until = -1
    subject: tuple[int, Figure] | None = None  # a long subject and where its apposition ends
    for i, mention in enumerate(mentions):
        while singles and singles[0][0] < mention.start:
            out.append(singles.pop(0)[1])  # "killed a judge and seven members of his family"
        if mention.start < skip_until:
            continue
        found = figure_at(text, mention, mentions[i + 1 :], out, last, table)
        if found is None:
            continue
        fig, end, inner_end = found
        if end > mention.end:
            skip_until = end
        if subject is not None and mention.start < subject[0]:
            if fig.outcome == subject[1].outcome and fig.parent is None:
                fig.parent = subject[1]  # "Six people, two Turks and four Somalis, were killed"
        elif inner_end > end:
            subject = (inner_end, fig)
        out.append(fig)
    out.extend(fig for _, fig in singles)
    if not out:
        return out
    scope = {m.lastindex for m in SENTENCE_SCOPE.finditer_spans(text)}
    cumulative = 1 in scope or (2 in scope and not SUPERLATIVE.search_spans(text))
    if not cumulative and 3 in scope:  # "in September 2008": history, not the story's toll
        out = [f for f in out if not _in_a_past_clause(text, f)]
    out = [f for f in out if not (f.person and _inside_a_count(text, f, out))]
    if 4 in scope:
        for fig in out:
            fig.aggregate = True
    if cumulative:
        for fig in out:
            fig.scope = "cumulative"
    return out


def people_figures(text: str, told: set[str], table: str) -> list[tuple[int, Figure]]:
    """Figures for the people a sentence names without a number word, with their positions:
    one each ("an imam"), or the table's number for a bare plural ("suspected insurgents");
    someone named with "the", "his" or a pronoun only when no earlier sentence gave a figure
    of that outcome."""
    out: list[tuple[int, Figure]] = []
    again: bool | None = None  # no "also", "another", "second": told before; read when needed
    for victim in victims(text):
        if not victim.kind:
            continue
        if victim.outcome in told:
            if again is None:
                again = ADDITIVE.search_spans(text) is None
            if victim.kind in _TOLD_BEFORE or again:
                continue
        first = min(victim.start, victim.verb_start)
        if BACKGROUND.search_spans(text, max(0, first - 140), first):
            continue  # "responsible for the assassination of a governor"
        if PART_CUE.search_spans(text, max(0, victim.start - 20), victim.start):
            continue  # "two insurgents, including a weapons smuggler": part of the two
        words = victim.text_in(text)
        if victim.kind in ("plural", "their"):
            value = bare_plural_value(table)
            if value is None:
                continue
            low, high, qualifier = value, None, "vague"
        else:
            low, high, qualifier = 1, 1, "exact"
        group = _ARTICLE.sub("", words)
        start, end = min(victim.start, victim.verb_start), max(victim.end, victim.verb_end)
        fig = Figure(
            outcome=victim.outcome,
            group=group,
            civilian=civilian_of(group),
            count_text=words,
            low=low,
            high=high,
            qualifier=qualifier,
            scope="incident",
            reported_by=None,  # set once the article's sources are read
            evidence=TRAILING_CONJUNCTION.sub("", text[start:end].strip(" ,")),
            person=victim.key or f"{victim.kind}:{start}",
        )
        out.append((victim.start, fig))
    return out


_TOLD_BEFORE = frozenset({"pronoun", "definite", "their"})


def _things(group: str) -> bool:
    """A group of things, not people: a thing among its words and no person."""
    words = [w.strip("()[],") for w in group.split()[:6]]
    return (
        any(THING.match(w) for w in words)
        and civilian_of(group) is None
        and not any(PERSON_WORD.match(w) for w in words)
    )


def _in_a_past_clause(text: str, fig: Figure) -> bool:
    """Whether a figure's clause dates it to an earlier year ("Wardak was assassinated ... in
    September 2008"); a clause of its own ("..., signed in 2018, gunmen shot dead two") does
    not."""
    at = text.find(fig.evidence)
    for m in HISTORY.finditer_spans(text):
        lo, hi = min(at, m.start()), max(at + len(fig.evidence), m.end())
        if not _CLAUSE_MARK.search(text, lo, hi) or lo <= m.start() < at + len(fig.evidence):
            return True
    return False


_CLAUSE_MARK = re.compile(r"[,;:]")


def _inside_a_count(text: str, single: Figure, figures: list[Figure]) -> bool:
    """Whether a person is named inside the quote of a figure in numbers ("Four persons
    including the APC youth leader, were feared killed"): that figure counts them."""
    at = text.find(single.count_text)
    for fig in figures:
        if fig.person or fig.outcome != single.outcome:
            continue
        start = text.find(fig.evidence)
        if start <= at and at + len(single.count_text) <= start + len(fig.evidence):
            return True
    return False


def _title_case(text: str) -> bool:
    """A headline in title case: no closing full stop, most of its longer words capitalised."""
    line = text.strip()
    if not line or line[-1] in ".!?\"”'’":
        return False
    words = len(ANY_WORD.findall(line))
    return words >= 3 and len(TITLE_WORD.findall(line)) >= 0.8 * words


_ARTICLE = re.compile(r"^(?:a|an|the|another)\s+", re.IGNORECASE)


def figure_at(
    text: str,
    mention: NumberMention,
    later: Sequence[NumberMention],
    earlier: list[Figure],
    last: Figure | None,
    table: str,
) -> tuple[Figure, int, int] | None:
    """The figure a number gives in its sentence, where its count ends and where the
    apposition of its subject ends (-1 without one); or None."""
    if not_a_count(text, mention):
        return None
    start, end = count_span(text, mention, later[0] if later else None)
    reading = read_outcome(Spot(text, start, end, later, earlier, last))
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
    elif _things(group):
        return None  # "two five-gallon containers", "multiple mortar base plates"
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
        reported_by=None,  # set once the article's sources are read
        evidence=evidence,
        parent=reading.parent,
        additional=ADDITIONAL.match(rest) is not None,
    )
    return fig, end, reading.inner_end


def number_figures(figures: list[Figure]) -> list[Figure]:
    """Restated figures kept once, summaries in vague words left out, numbered C1.., with
    links to dropped parents cleared."""
    kept = drop_summaries(dedupe(figures))
    for n, fig in enumerate(kept, 1):
        fig.id = f"C{n}"
    for fig in kept:
        if fig.parent is not None and fig.parent not in kept:
            fig.parent = None
    return kept


def drop_summaries(figures: list[Figure]) -> list[Figure]:
    """A vague figure of an outcome beside a figure in numbers of the same people is a summary
    the numbers spell out ("Numerous insurgents were killed ... killing two insurgents";
    "killed dozens ... 55 civilians were killed"): it is left out, with its parts."""
    precise = [
        f
        for f in figures
        if f.qualifier != "vague" and f.scope == "incident" and f.parent is None and not f.person
    ]
    detailed = {f.outcome for f in figures if not f.aggregate and f.scope == "incident"}
    dropped: set[int] = set()
    for fig in figures:
        if fig.aggregate and fig.outcome in detailed:
            dropped.add(id(fig))  # "more than 10 detained during four operations" + the four
        elif (
            fig.qualifier == "vague"
            and fig.scope == "incident"
            and fig.parent is None
            and not fig.additional
            and any(p.outcome == fig.outcome and _same_people(p.group, fig.group) for p in precise)
        ):
            dropped.add(id(fig))
    return [f for f in figures if id(f) not in dropped and id(f.parent) not in dropped]


_GENERIC_GROUP = frozenset({"people", "persons", "others", "other", "individuals", "men"})


def _same_people(a: str, b: str) -> bool:
    heads = [g.split()[-1].lower().removesuffix("s") if g.split() else "" for g in (a, b)]
    return heads[0] == heads[1] or b.split()[-1].lower() in _GENERIC_GROUP


def dedupe(figures: list[Figure]) -> list[Figure]:
    """One figure per (outcome, low, high, scope): a restated figure is kept once, preferring
    the statement with an attribution (the body quote over the headline)."""
    best: dict[tuple[str, int | str | None, int | None, str, bool | str], Figure] = {}
    order: list[tuple[str, int | str | None, int | None, str, bool | str]] = []
    lows = {(f.outcome, f.low, f.scope, f.parent is not None) for f in figures if f.high is None}
    for fig in figures:
        high = fig.high
        if high == fig.low and (fig.outcome, fig.low, fig.scope, fig.parent is not None) in lows:
            high = None  # "55 killed" in the headline restates "at least 55" in the body
        low: int | str | None = fig.person or fig.low  # a person named twice is one figure
        if fig.parent is not None:  # parts of one list: "7 children ... 7 members of the SDF"
            low = f"{fig.low}:{fig.group.split()[-1].lower().removesuffix('s')}"
        if fig.additional:  # "several more": never the figure told before, but itself restated
            low = f"{fig.low}:more:{fig.group}"
        key: tuple[str, int | str | None, int | None, str, bool | str] = (
            fig.outcome,
            low,
            high,
            fig.scope,
            fig.parent is not None,
        )
        if key in best and best[key].sentence == fig.sentence and best[key].group != fig.group:
            key = (*key[:4], f"{fig.group}:{id(fig)}")
        if key not in best:  # ("two soldiers and two civilians": two figures, not one told twice)
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
