"""Are two event mentions one incident? Features, a score, and the evidence in words.

Each feature gives a number and a line of evidence; the score is their weighted sum, and
`LinkSettings.threshold` decides. Hard gates make a pair impossible whatever the rest says:
the same article (its extractor already told its events apart), two different known
countries, event types from families that cannot describe one incident, and two resolved
dates further apart than the window (same day or adjacent by default).

Weights (chosen by hand and checked on the gold set in `evals/incidents/`, not fitted):

- date: same day 0.25, within the window 0.15, undated but possible 0.05;
- place: same 0.35, one inside the other 0.28, one named in the other's quotes 0.22, a
  shared place with different sub-places 0.05, nothing in common -0.35, unknown 0;
- type: same sub-event type 0.15, same family 0.08, compatible families 0;
- actors: a named side in common 0.15, named sides with nothing in common -0.10, unknown 0
  (victims and unnamed attackers, "civilians", "gunmen", are no evidence);
- figures: the same reporter's same figure 0.25, the same number 0.18, counts that can be
  revisions of one another (within x2.5) 0.08, exact counts far apart -0.15;
- words: 0.15 x the overlap of distinctive words in summaries and quotes.

An undated pair (either date unresolved) needs strong evidence: the place must match
(same, inside, or named in the other's quotes) and the score must reach `threshold +
undated_margin`. A pair whose place is unknown on one side needs that higher score too (the
same day and type alone are not enough: figures or distinctive words must agree).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.incidents.mentions import Figure, Mention
from agent.incidents.names import country_key, fold, named_in, names_match, same_name, wordset

# families whose events may describe one incident (reports disagree on the type)
GROUP_OF = {
    "battles": "violence",
    "explosions_remote_violence": "violence",
    "violence_against_civilians": "violence",
    "protests": "demonstrations",
    "riots": "demonstrations",
    "strategic_developments": "strategic",
}


@dataclass(frozen=True)
class LinkSettings:
    """How linking decides; every number is a documented default the CLI can change."""

    window_days: int = 1
    threshold: float = 0.5
    undated_margin: float = 0.15
    floor: float = 0.25  # pairs scoring at least this are written to the links log
    background_days: int = 7


@dataclass
class PairScore:
    """Two mentions compared: the score, each feature's value, and why."""

    a: str
    b: str
    score: float = 0.0
    gate: str | None = None  # a hard reason they cannot be one incident
    features: dict[str, float | str | None] = field(default_factory=dict)
    evidence: list[str] = field(default_factory=list)
    strong_place: bool = False
    undated: bool = False

    def add(self, name: str, value: float, why: str) -> None:
        self.features[name] = round(value, 4)
        self.score += value
        self.evidence.append(f"{name} {value:+.2f}: {why}")

    @property
    def needs_more(self) -> bool:
        """An undated pair, or one whose place is unknown, needs the stricter threshold."""
        return self.undated or self.features.get("place") == 0.0

    def passes(self, settings: LinkSettings) -> bool:
        if self.gate is not None:
            return False
        if self.undated and not self.strong_place:
            return False
        if self.needs_more:
            return self.score >= settings.threshold + settings.undated_margin
        return self.score >= settings.threshold

    @property
    def conflict(self) -> bool:
        """Strong evidence of two incidents: a gate, or two places with nothing in common."""
        return self.gate is not None or self.features.get("place", 0.0) == PLACE_CONFLICT


PLACE_CONFLICT = -0.35


def gate(a: Mention, b: Mention, settings: LinkSettings) -> str | None:
    """Why `a` and `b` cannot be one incident, or None."""
    if a.article_id == b.article_id:
        return "same article (its events are distinct by the extraction)"
    ca, cb = country_key(a.country), country_key(b.country)
    if ca and cb and ca != cb:
        return f"different countries ({a.country} / {b.country})"
    if GROUP_OF[a.family] != GROUP_OF[b.family]:
        return f"incompatible event types ({a.event_type} / {b.event_type})"
    if a.lo is not None and b.lo is not None and a.hi is not None and b.hi is not None:
        gap = max(a.lo - b.hi, b.lo - a.hi)
        if a.dated and b.dated and gap > settings.window_days:
            return f"dates {gap} days apart ({a.date} / {b.date}; window {settings.window_days})"
        if gap > settings.window_days:
            return f"possible dates {gap} days apart"
    return None


def compare(a: Mention, b: Mention, settings: LinkSettings) -> PairScore:
    """Score one pair (`a.key < b.key` is not required; the result is symmetric)."""
    if b.key < a.key:
        a, b = b, a
    pair = PairScore(a.key, b.key)
    pair.gate = gate(a, b, settings)
    if pair.gate is not None:
        pair.features["gate"] = pair.gate
        pair.evidence.append(f"gate: {pair.gate}")
        return pair
    pair.undated = not (a.dated and b.dated)
    _date(pair, a, b)
    _place(pair, a, b)
    _type(pair, a, b)
    _actors(pair, a, b)
    _figures(pair, a, b)
    _words(pair, a, b)
    pair.score = round(pair.score, 4)
    return pair


def _date(pair: PairScore, a: Mention, b: Mention) -> None:
    if a.dated and b.dated:
        if a.date == b.date:
            pair.add("date", 0.25, f"same day {a.date}")
        else:
            pair.add("date", 0.15, f"adjacent days {a.date} / {b.date}")
        return
    if a.lo is None or b.lo is None:
        pair.add("date", 0.0, "no date and no publication date on one side")
        return
    shown = a.date or a.date_text or "undated"
    other = b.date or b.date_text or "undated"
    pair.add("date", 0.05, f"undated but possible ({shown!s} / {other!s})")


def _place(pair: PairScore, a: Mention, b: Mention) -> None:
    pa, pb = a.parts, b.parts
    if not pa or not pb:
        pair.add("place", 0.0, "place unknown on one side")
        return
    if same_name(pa[0], pb[0]) and len(pa) == len(pb):
        pair.strong_place = True
        pair.add("place", 0.35, f"same place ({a.location} / {b.location})")
        return
    small, big = (pa, pb) if len(pa) <= len(pb) else (pb, pa)
    if all(any(same_name(s, t) for t in big) for s in small):
        pair.strong_place = True
        pair.add("place", 0.28, f"one inside the other ({a.location} / {b.location})")
        return
    if all(named_in(p, b.context) for p in pa) or all(named_in(p, a.context) for p in pb):
        pair.strong_place = True
        pair.add("place", 0.22, f"named in the other's quotes ({a.location} / {b.location})")
        return
    if any(same_name(s, t) for s in pa for t in pb):
        pair.add("place", 0.05, f"a shared place, different sub-places ({a.location} / "
                 f"{b.location})")  # fmt: skip
        return
    pair.add("place", PLACE_CONFLICT, f"different places ({a.location} / {b.location})")


def _type(pair: PairScore, a: Mention, b: Mention) -> None:
    if a.event_type == b.event_type:
        pair.add("type", 0.15, f"same type {a.event_type}")
    elif a.family == b.family:
        pair.add("type", 0.08, f"same family {a.family} ({a.event_type} / {b.event_type})")
    else:
        pair.add("type", 0.0, f"compatible families ({a.event_type} / {b.event_type})")


# victims and unnamed attackers are in most reports: sharing them says nothing
GENERIC_ACTORS = wordset(
    "civilians villagers residents people pupils students mourners travellers farmers workers "
    "gunmen militants attackers assailants unknown unidentified gang gangs bandits fighters"
)


def _named(m: Mention) -> list[str]:
    return [name for name, _ in m.actors if not set(fold(name).split()) <= GENERIC_ACTORS]


def _actors(pair: PairScore, a: Mention, b: Mention) -> None:
    na, nb = _named(a), _named(b)
    if not na or not nb:
        pair.add("actors", 0.0, "no named actor on one side")
        return
    common = sorted({x for x in na for y in nb if names_match(x, y)})
    if common:
        pair.add("actors", 0.15, f"in common: {', '.join(common)}")
    else:
        pair.add("actors", -0.10, f"no actor in common ({', '.join(na)} / {', '.join(nb)})")


def headline(m: Mention, outcome: str = "killed") -> list[Figure]:
    """The mention's top-level incident figures of one outcome."""
    return [
        f
        for f in m.figures
        if f.outcome == outcome and f.scope == "incident" and f.part_of is None
        and f.value is not None
    ]  # fmt: skip


def _figures(pair: PairScore, a: Mention, b: Mention) -> None:
    best: tuple[float, str] | None = None
    for outcome in ("killed", "injured", "abducted", "captured"):
        for x in headline(a, outcome):
            for y in headline(b, outcome):
                found = _figure_pair(x, y)
                if found is not None and (best is None or found[0] > best[0]):
                    best = found
    if best is None:
        pair.add("figures", 0.0, "no comparable figures")
    else:
        pair.add("figures", best[0], best[1])


def _figure_pair(x: Figure, y: Figure) -> tuple[float, str] | None:
    vx, vy = x.value, y.value
    if vx is None or vy is None:
        return None
    if x.civilian is not None and y.civilian is not None and x.civilian != y.civilian:
        return None
    words = f"{x.outcome}: {x.count_text} / {y.count_text}"
    if vx == vy:
        if x.reported_by and y.reported_by and names_match(x.reported_by, y.reported_by):
            return 0.25, f"same figure from the same reporter ({x.reported_by}; {words})"
        return 0.18, f"same number ({words})"
    lo, hi = sorted((vx, vy))
    if lo > 0 and hi <= 2.5 * lo:
        return 0.08, f"counts that can be revisions of one another ({words})"
    exact = x.qualifier == "exact" and y.qualifier == "exact"
    if exact and lo >= 0 and hi >= 3 and hi > 4 * max(lo, 1):
        return -0.15, f"exact counts far apart ({words})"
    return 0.0, f"counts differ ({words})"


def _words(pair: PairScore, a: Mention, b: Mention) -> None:
    if not a.words or not b.words:
        pair.add("words", 0.0, "no distinctive words")
        return
    common = a.words & b.words
    overlap = len(common) / min(len(a.words), len(b.words))
    shown = ", ".join(sorted(common)[:6]) or "none"
    pair.add("words", round(0.15 * min(1.0, overlap), 4), f"{len(common)} shared ({shown})")
