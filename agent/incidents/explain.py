"""`--explain A B`: why two events were or were not linked, in words.

A and B are mention keys (`<article id>#<event id>`) or article ids (then every pair of their
events). For each pair: the score and every feature's evidence, the threshold that applied,
what clustering decided (linked, refused and why, below the threshold, never compared), and
the incident each event ended in.
"""

from __future__ import annotations

from agent.incidents.mentions import Mention
from agent.incidents.pipeline import IncidentRun
from agent.incidents.similarity import LinkSettings, compare


def _pick(run: IncidentRun, ref: str) -> list[Mention]:
    if "#" in ref:
        return [m for key, m in run.watched.items() if key == ref]
    return sorted((m for m in run.watched.values() if m.article_id == ref), key=lambda m: m.key)


def watched_articles(a: str, b: str) -> set[str]:
    """The article ids `--explain A B` needs kept."""
    return {ref.rsplit("#", 1)[0] if "#" in ref else ref for ref in (a, b)}


def explain(run: IncidentRun, a: str, b: str, settings: LinkSettings) -> list[str]:
    """Lines of explanation for every pair of A's and B's events."""
    left, right = _pick(run, a), _pick(run, b)
    lines: list[str] = []
    for ref, found in ((a, left), (b, right)):
        if not found:
            lines.append(f"{ref}: no such event in the results")
    if not left or not right:
        return lines
    for x in left:
        for y in right:
            lines += _one(run, x, y, settings)
    return lines


def _one(run: IncidentRun, x: Mention, y: Mention, settings: LinkSettings) -> list[str]:
    pair = compare(x, y, settings)
    lines = [f"{pair.a}  <->  {pair.b}"]
    if x.key == y.key:
        return [*lines, "  the same event"]
    needed = settings.threshold + (settings.undated_margin if pair.needs_more else 0.0)
    if pair.gate is not None:
        lines.append(f"  cannot be one incident: {pair.gate}")
    else:
        undated = ", undated: the place must match" if pair.undated else ""
        lines.append(f"  score {pair.score:.2f} (threshold {needed:.2f}{undated})")
        lines += [f"    {line}" for line in pair.evidence]
    record = next(
        (r for r in run.records if {r.a, r.b} == {pair.a, pair.b}),
        None,
    )
    if record is not None:
        lines.append(f"  decision: {record.decision.replace('_', ' ')} ({record.why})")
    elif pair.gate is None and pair.passes(settings):
        lines.append("  decision: passes, but never compared (not in one block and window)")
    elif pair.gate is None:
        lines.append(f"  decision: not linked (score under the floor {settings.floor:.2f})")
    ix, iy = run.membership.get(x.key), run.membership.get(y.key)
    if ix is not None and ix == iy:
        lines.append(f"  both are in incident {ix}")
    else:
        lines.append(f"  incidents: {x.key} in {ix}, {y.key} in {iy}")
    return lines
