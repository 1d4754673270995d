"""Which pairs are compared: a sweep through time, in blocks of country and event family.

Mentions arrive sorted by their earliest possible day. A mention stays *active* until the
sweep passes its latest possible day plus the window; a new mention is compared only with
the active mentions of its block:

- the same country (a mention whose country is unknown is compared with every country, and
  every country with it), and
- a compatible family group (violence: battles, explosions/remote violence, violence against
  civilians; demonstrations: protests, riots; strategic developments).

Pairs that pass (`similarity.PairScore.passes`) join their mentions' *components*
(union-find). A component is handed to clustering as soon as none of its mentions is active
any more: no later mention can reach it. So memory holds the active window and the open
components, never the whole input, and pairs are counted, not enumerated: 100,000 articles
spread over time cost a few comparisons each.

Mentions with neither a date nor a publication date have no place in time: they come last,
and are compared only with each other (same block, same rules).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from agent.incidents.mentions import Mention
from agent.incidents.names import country_key
from agent.incidents.similarity import GROUP_OF, LinkSettings, PairScore, compare

UNKNOWN = "?"


@dataclass
class Component:
    """Mentions joined by passing pairs: the input of clustering."""

    members: list[Mention] = field(default_factory=list)
    pairs: list[PairScore] = field(default_factory=list)
    active: int = 0


@dataclass
class SweepStats:
    mentions: int = 0
    compared: int = 0
    gated: int = 0
    passed: int = 0
    max_active: int = 0
    components: int = 0


class Sweep:
    """The time sweep; `run` yields closed components in a deterministic order."""

    def __init__(
        self, settings: LinkSettings, on_pair: Callable[[PairScore], None] | None = None
    ) -> None:
        self.settings = settings
        self.on_pair = on_pair  # every compared pair at or above the floor that did not pass
        self.stats = SweepStats()
        self._blocks: dict[tuple[str, str], dict[str, Mention]] = {}
        self._countries: dict[str, set[str]] = {}
        self._expiry: list[tuple[int, str]] = []
        self._parent: dict[str, str] = {}
        self._components: dict[str, Component] = {}
        self._where: dict[str, tuple[str, str]] = {}
        self._active = 0
        self._timeless = False

    def run(self, mentions: Iterable[Mention]) -> Iterator[Component]:
        for m in mentions:
            self.stats.mentions += 1
            if m.lo is not None:
                yield from self._evict(m.lo)
            elif not self._timeless:  # the mentions with no time come last, on their own
                self._timeless = True
                yield from self._evict(None)
            self._admit(m)
        yield from self._evict(None)

    # --- active set ------------------------------------------------------------------------

    def _block(self, m: Mention) -> tuple[str, str]:
        return country_key(m.country) or UNKNOWN, GROUP_OF[m.family]

    def _candidates(self, m: Mention) -> list[Mention]:
        country, group = self._block(m)
        if country == UNKNOWN:
            keys = [(c, group) for c in sorted(self._countries.get(group, ()))]
        else:
            keys = [(country, group), (UNKNOWN, group)]
        found: list[Mention] = []
        for key in keys:
            found.extend(self._blocks.get(key, {}).values())
        return found

    def _admit(self, m: Mention) -> None:
        self._parent[m.key] = m.key
        self._components[m.key] = Component([m], [], 1)
        for other in self._candidates(m):
            self._compare(m, other)
        block = self._block(m)
        self._blocks.setdefault(block, {})[m.key] = m
        self._countries.setdefault(block[1], set()).add(block[0])
        self._where[m.key] = block
        expiry = 10**9 if m.hi is None else m.hi + self.settings.window_days
        heapq.heappush(self._expiry, (expiry, m.key))
        self._active += 1
        self.stats.max_active = max(self.stats.max_active, self._active)

    def _compare(self, m: Mention, other: Mention) -> None:
        self.stats.compared += 1
        pair = compare(m, other, self.settings)
        if pair.gate is not None:
            self.stats.gated += 1
            return
        if pair.passes(self.settings):
            self.stats.passed += 1
            self._union(pair)
        elif pair.score >= self.settings.floor and self.on_pair is not None:
            self.on_pair(pair)

    def _evict(self, until: int | None) -> Iterator[Component]:
        """Retire mentions whose time is past; yield the components that closed."""
        closed: list[str] = []
        while self._expiry and (until is None or self._expiry[0][0] < until):
            _, key = heapq.heappop(self._expiry)
            block = self._where.pop(key)
            self._blocks[block].pop(key)
            self._active -= 1
            root = self._find(key)
            component = self._components[root]
            component.active -= 1
            if component.active == 0:
                closed.append(root)
        for root in sorted(closed):
            component = self._components.pop(root)
            for member in component.members:
                self._parent.pop(member.key, None)
            self.stats.components += 1
            yield component

    # --- union-find ------------------------------------------------------------------------

    def _find(self, key: str) -> str:
        root = key
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[key] != root:
            self._parent[key], key = root, self._parent[key]
        return root

    def _union(self, pair: PairScore) -> None:
        ra, rb = self._find(pair.a), self._find(pair.b)
        if ra == rb:
            self._components[ra].pairs.append(pair)
            return
        keep, gone = (ra, rb) if ra < rb else (rb, ra)
        self._parent[gone] = keep
        target, source = self._components[keep], self._components.pop(gone)
        target.members.extend(source.members)
        target.pairs.extend(source.pairs)
        target.pairs.append(pair)
        target.active += source.active
