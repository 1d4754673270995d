"""Counts from claims: conservative (ACLED), low / best / high (UCDP), revision history.

Only primary, top-level incident figures count: sub-figures ("including five soldiers"),
cumulative totals ("since 2014") and background mentions never add to a toll.

**Statements and groups of people.** What one reporter said in one article is cut into parts
that count the same people (group words in common, or a generic "people" / "victims", and
no contradicting civilian flag): within a part the largest figure is kept ("rose to 55 from
27"), different parts are different people (the army's "nine soldiers" and "17 attackers").
The statement that tells the most groups apart shapes the incident's groups; every other
part joins the group it fits best (shared words, then a generic word, then the same
civilian flag: one outlet's "cartel members" are another's "gunmen") or starts its own.
Groups add up (9 soldiers + 17 attackers = 26 dead); within a group, reports compete.

**Which statements compete** (each statement's `status`, with `why` when it does not):

- `revised`: the same reporter later gave another figure. The reporter's current figure is
  the one it gave *first* latest: an outlet repeating an old figure later is a stale repeat,
  not a revision. On the same day the larger figure is taken as the later one.
- `overtaken`: a lower bound ("at least 80", "dozens") that another reporter exceeded in a
  later-published report, or any earlier figure below a later one that an outlet states on
  its own authority as a rise ("the toll has risen to 55").
- `dominated`: never used for exact figures. Two exact figures from different reporters
  always compete: that is a disagreement, and it is named.

For each group, **conservative** (ACLED: the lowest credible report) = **low** = the smallest
competing figure, **best** = the lower median of the competing figures (with one or two
reports, the low one, as UCDP usually codes), **high** = the largest (its upper bound when a
range is given). The incident's counts add the groups up. Vague words count by the table
(ACLED by default: "dozens" -> 12). An incident known only from background mentions is
counted from them and says so (`basis: background`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from agent.incidents.mentions import Figure, Mention
from agent.incidents.models import OutcomeCount, Role, Statement
from agent.incidents.names import fold, wordset
from agent.schema import Outcome

OUTCOMES: tuple[Outcome, ...] = (
    "killed", "injured", "killed_or_injured", "captured", "abducted", "missing",
)  # fmt: skip
GENERIC = wordset("people person individual dead victim bodie body those other civilian")
_GROUP_STOP = wordset("the a an of and including other at least some more than")


@dataclass(frozen=True)
class Source:
    """A figure with its mention, its reporter's canonical name and its claim id."""

    figure: Figure
    mention: Mention
    reporter: str
    attributed: bool
    claim: str


def group_words(group: str) -> frozenset[str]:
    words = [w for w in fold(group).split() if w not in _GROUP_STOP]
    return frozenset(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


def same_people(x: Figure, y: Figure) -> bool:
    """Whether two figures count (some of) the same people."""
    if x.civilian is not None and y.civilian is not None and x.civilian != y.civilian:
        return False
    wx, wy = group_words(x.group), group_words(y.group)
    if wx <= GENERIC or wy <= GENERIC:
        return True
    return bool(wx & wy)


@dataclass
class _Part:
    """Figures of one statement that count the same people: the largest is kept."""

    sources: list[Source]

    @property
    def top(self) -> Figure:
        return max((s.figure for s in self.sources), key=lambda f: (f.value or 0, f.high is None))


def _parts(sources: list[Source]) -> list[_Part]:
    """A reporter's figures in one article, in sets of the same people."""
    parts: list[_Part] = []
    for s in sources:
        joined = [p for p in parts if any(same_people(s.figure, t.figure) for t in p.sources)]
        parts = [p for p in parts if all(p is not j for j in joined)]
        parts.append(_Part([t for p in joined for t in p.sources] + [s]))
    return parts


def _affinity(part: _Part, group: list[_Part]) -> int:
    """How well a part fits a group: 3 shared words, 2 generic, 1 same civilian flag."""
    best = 0
    for other in group:
        x, y = part.top, other.top
        if x.civilian is not None and y.civilian is not None and x.civilian != y.civilian:
            return 0
        wx, wy = group_words(x.group), group_words(y.group)
        if wx & wy:
            best = max(best, 3)
        elif wx <= GENERIC or wy <= GENERIC:
            best = max(best, 2)
        elif x.civilian is not None and x.civilian == y.civilian:
            best = max(best, 1)
    return best


def _groups(sources: list[Source]) -> list[list[_Part]]:
    """Groups of people, shaped by the statement that tells the most groups apart.

    Different outlets name the same people differently ("cartel members" / "gunmen"), so the
    groups come from the richest statement; every other statement's parts join the group
    they fit best (shared words, then a generic word, then the same civilian flag), each
    group at most once per statement, or start a group of their own.
    """
    said: dict[tuple[str, str], list[Source]] = defaultdict(list)
    for s in sources:
        said[(s.mention.key, s.reporter)].append(s)
    statements = [_parts(v) for _, v in sorted(said.items())]
    statements.sort(key=lambda parts: (-len(parts), _pub(parts[0]), parts[0].sources[0].claim))
    groups: list[list[_Part]] = []
    for parts in statements:
        taken: set[int] = set()
        for part in parts:
            scores = [(_affinity(part, g), -n) for n, g in enumerate(groups) if n not in taken]
            best = max(scores, default=(0, 0))
            if best[0] > 0:
                taken.add(-best[1])
                groups[-best[1]].append(part)
            else:
                taken.add(len(groups))
                groups.append([part])
    return groups


def _pub(part: _Part) -> str:
    return part.sources[0].mention.published or ""


def count_outcome(outcome: Outcome, sources: list[Source]) -> OutcomeCount | None:
    """The counts of one outcome over an incident's figures, or None when none counts."""
    usable = [
        s for s in sources
        if s.figure.outcome == outcome and s.figure.scope == "incident"
        and s.figure.part_of is None and s.figure.value
    ]  # fmt: skip
    basis: Role = "primary"
    chosen = [s for s in usable if not s.mention.background]
    if not chosen:
        chosen, basis = usable, "background"
    if not chosen:
        return None
    groups = _groups(chosen)
    labelled = len(groups) > 1
    history: list[Statement] = []
    low = best = high = 0
    disagreement: list[str] = []
    for parts in groups:
        label = parts[0].top.group if labelled else ""
        statements = sorted(
            (_statement(p, label) for p in parts),
            key=lambda s: (s.published or "", s.low, s.article_id, s.reporter),
        )
        _mark(statements)
        current = [s for s in statements if s.status == "current"]
        competing = sorted(s.low for s in current)
        low += competing[0]
        best += competing[(len(competing) - 1) // 2]
        high += max(s.high if s.high is not None else s.low for s in current)
        disagreement += _disagreement(current, label)
        history += statements
    history.sort(key=lambda s: (s.published or "", s.low, s.article_id, s.reporter))
    return OutcomeCount(
        outcome=outcome, conservative=low, low=low, best=best, high=high, basis=basis,
        history=history, history_text=_history_text(history), disagreement=disagreement,
    )  # fmt: skip


def _statement(part: _Part, label: str) -> Statement:
    """One reporter's figure of one group in one article."""
    top, first = part.top, part.sources[0]
    return Statement(
        reporter=first.reporter, attributed=first.attributed, group=label,
        article_id=first.mention.article_id, outlet=first.mention.outlet,
        published=first.mention.published, low=top.value or 0,
        high=top.high,
        claims=sorted({s.claim for s in part.sources}, key=lambda c: int(c[1:])),
        text=top.count_text, revision_cue=any(s.figure.revision_cue for s in part.sources),
    )  # fmt: skip


def _mark(statements: list[Statement]) -> None:
    """Set each statement's status; `statements` are in publication order."""
    firsts: dict[tuple[str, int], Statement] = {}
    for s in statements:
        firsts.setdefault((s.reporter, s.low), s)
    latest: dict[str, int] = {}
    for (reporter, value), _ in firsts.items():  # insertion order: first appearances in order
        latest[reporter] = value
    for s in statements:
        if s.low != latest[s.reporter]:
            s.status, s.why = "revised", f"{s.reporter} later gave {latest[s.reporter]}"
    standing = [f for f in firsts.values() if f.status == "current"]
    for f in standing:
        for t in standing:
            if t.reporter == f.reporter or t.low <= f.low:
                continue
            if (t.published or "") <= (f.published or ""):
                continue
            if f.high is None:
                why = f"a lower bound that {t.reporter} exceeded later ({t.low})"
            elif t.revision_cue and not t.attributed:
                why = f"{t.reporter} later reported a rise to {t.low}"
            else:
                continue
            for s in statements:
                if s.reporter == f.reporter and s.low == f.low:
                    s.status, s.why = "overtaken", why
            break


def _shown(s: Statement) -> str:
    if s.high is None:
        return f"{s.low}+"
    return str(s.low) if s.high == s.low else f"{s.low}-{s.high}"


def _history_text(statements: list[Statement]) -> str:
    chains: dict[tuple[str, str], list[str]] = {}
    for s in statements:
        chain = chains.setdefault((s.group, s.reporter), [])
        value = _shown(s)
        if not chain or chain[-1] != value:
            chain.append(value)
    parts = []
    for (group, who), values in chains.items():
        prefix = f"{group}: " if group else ""
        parts.append(f"{prefix}{who}: {' -> '.join(values)}")
    return "; ".join(parts)


def _disagreement(competing: list[Statement], label: str) -> list[str]:
    if len({s.low for s in competing}) < 2:
        return []
    seen: dict[str, str] = {}
    for s in competing:
        seen[s.reporter] = _shown(s)
    prefix = f"{label}: " if label else ""
    return [f"{prefix}{who}: {value}" for who, value in seen.items()]
