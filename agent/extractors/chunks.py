"""Long articles in small context windows: overlapping chunks, and their drafts merged.

When prompt + article + output budget do not fit a model's context window, the article is cut
at paragraph boundaries (else sentence, else word boundaries) into chunks that overlap by a
paragraph or so, each chunk is extracted on its own, and the chunks' drafts are merged:

- every quote keeps its place in the whole article (the chunk's offset is added), so offsets
  always index the whole article;
- an item found in two chunks is kept once only when both carry the same quote at the same
  place (the overlap repeated); the same words at another place are a genuine second mention
  and stay;
- an event told in two chunks with other words (same type, place and date) is one event
  with the quotes of both: ACLED's event is one type at one place on one day;
- ids are renumbered in order of first evidence, and references made inside a chunk
  (`event_id`, `part_of`) follow the items they name, also to the copy that was kept; a chunk
  may also name an event of an earlier chunk (the extractor lists them in its prompt), through
  the `carried` ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agent.extractors.base import DraftOutcome
from agent.grounding import ArticleIndex
from agent.items import KINDS, REFERENCES
from agent.schema import ExtractionDraft, Usage

_LINE = re.compile(r"[^\n]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+")
_SPACE = re.compile(r"\s+")
_PREFIX = {"events": "E", "casualties": "C", "causes": "K"}


@dataclass(frozen=True)
class Chunk:
    """`text[start:end]` of the whole article."""

    start: int
    end: int


def plan_chunks(text: str, max_chars: int, overlap_chars: int) -> list[Chunk]:
    """Chunks of at most `max_chars` covering `text`, each starting with the last units
    (paragraphs, else sentences) of the one before, about `overlap_chars` of them."""
    if len(text) <= max_chars:
        return [Chunk(0, len(text))]
    units = _units(text, max_chars)
    chunks: list[Chunk] = []
    first = 0
    while True:
        last = first
        while last + 1 < len(units) and units[last + 1][1] - units[first][0] <= max_chars:
            last += 1
        chunks.append(Chunk(units[first][0], units[last][1]))
        if last + 1 >= len(units):
            return chunks
        nxt = last + 1
        while nxt - 1 > first and units[last][1] - units[nxt - 1][0] <= overlap_chars:
            nxt -= 1
        first = nxt


def _units(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Paragraphs (lines), each cut into sentences or word runs when longer than a chunk."""
    units: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        if line.end() - line.start() <= max_chars:
            units.append(line.span())
            continue
        for start, end in _pieces(text, line.start(), line.end(), _SENTENCE_END, max_chars):
            if end - start <= max_chars:
                units.append((start, end))
            else:
                units.extend(_pieces(text, start, end, _SPACE, max_chars))
    return units


def _pieces(
    text: str, start: int, end: int, boundary: re.Pattern[str], max_chars: int
) -> list[tuple[int, int]]:
    """`text[start:end]` cut after each boundary, pieces joined while they fit `max_chars`;
    a piece with no boundary in reach is cut hard at `max_chars`."""
    cuts = [m.end() for m in boundary.finditer(text, start, end)] + [end]
    pieces: list[tuple[int, int]] = []
    at = start
    while at < end:
        fitting = [c for c in cuts if at < c <= at + max_chars]
        stop = fitting[-1] if fitting else min(end, at + max_chars)
        pieces.append((at, stop))
        at = stop
    return pieces


@dataclass
class _Placed:
    kind: str
    item: dict[str, Any]
    spans: tuple[int, ...]  # absolute starts of its quotes, in order
    origin: int  # the part it was read from (its references name that part's ids)


def merge_drafts(
    parts: Sequence[tuple[Chunk, DraftOutcome]],
    index: ArticleIndex,
    usage: Usage,
    carried: Mapping[str, tuple[int, str]] | None = None,
) -> DraftOutcome:
    """One draft for the whole article from the drafts of its chunks (what they cost in all is
    `usage`), with `anchors`: where each item's quotes sit in the article. `carried` maps the
    ids under which earlier chunks' events were shown to later chunks to (part, id)."""
    kept: dict[tuple[Any, ...], _Placed] = {}
    renamed: list[dict[tuple[str, str], _Placed]] = []
    for n, (chunk, outcome) in enumerate(parts):
        mine: dict[tuple[str, str], _Placed] = {}
        for kind in KINDS:
            for item in getattr(outcome.draft, kind):
                placed = _place(kind, item.model_dump(), chunk, outcome.index, n)
                key: tuple[Any, ...] = (kind, placed.spans, _signature(kind, placed.item))
                while key in kept and kept[key].origin == n:  # two items of one part
                    key = (*key, n)
                mine[(kind, str(item.id))] = kept.setdefault(key, placed)
        renamed.append(mine)
    _join_retold_events(kept, renamed)
    order = sorted(kept.values(), key=lambda p: (KINDS.index(p.kind), p.spans))
    new_ids: dict[int, str] = {}
    counts = dict.fromkeys(KINDS, 0)
    for placed in order:
        counts[placed.kind] += 1
        new_ids[id(placed)] = f"{_PREFIX[placed.kind]}{counts[placed.kind]}"
    _relink(renamed, new_ids, carried or {})
    data: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    anchors: dict[tuple[str, str], list[int]] = {}
    for placed in order:
        placed.item["id"] = new_ids[id(placed)]
        data[placed.kind].append(placed.item)
        anchors[(placed.kind, placed.item["id"])] = list(placed.spans)
    warnings = [
        f"chunk {n}/{len(parts)}: {w}"
        for n, (_, outcome) in enumerate(parts, start=1)
        for w in outcome.warnings
    ]
    draft = ExtractionDraft.model_validate(data)
    attempts = sum(outcome.attempts for _, outcome in parts)
    return DraftOutcome(draft, usage, index, warnings=warnings, attempts=attempts, anchors=anchors)


def _signature(kind: str, item: dict[str, Any]) -> tuple[Any, ...]:
    """What tells two items with the same quote apart ("3 killed and 5 wounded": two figures)."""
    if kind == "casualties":
        return (item["outcome"], " ".join(str(item["count_text"]).lower().split()))
    if kind == "events":
        return (item["event_type"],)
    return ()


def _place(
    kind: str, item: dict[str, Any], chunk: Chunk, index: ArticleIndex, origin: int
) -> _Placed:
    quotes = item["evidence"] if isinstance(item["evidence"], list) else [item["evidence"]]
    starts = []
    for quote in quotes:
        span = index.find(quote)
        if span is None:  # grounded against this very chunk: cannot happen
            raise AssertionError(f"quote lost between grounding and merging: {quote!r}")
        starts.append(chunk.start + span.start)
    return _Placed(kind, item, tuple(starts), origin)


def _join_retold_events(
    kept: dict[tuple[Any, ...], _Placed], renamed: list[dict[tuple[str, str], _Placed]]
) -> None:
    """An event of a later chunk with the type, place and date of an event of an earlier one
    is the same event: its quotes join the first's, and references to it follow."""
    first_of: dict[tuple[str, str, str], _Placed] = {}
    for key, placed in list(kept.items()):
        place = placed.item.get("location") if placed.kind == "events" else None
        if not place:
            continue
        story = (placed.item["event_type"], _norm(place), _norm(placed.item.get("date_text")))
        first = first_of.setdefault(story, placed)
        if first is placed or first.origin == placed.origin:
            continue
        pairs = sorted(set(zip(first.spans, first.item["evidence"], strict=True))
                       | set(zip(placed.spans, placed.item["evidence"], strict=True)))  # fmt: skip
        first.spans = tuple(start for start, _ in pairs)
        first.item["evidence"] = [quote for _, quote in pairs]
        del kept[key]
        for mine in renamed:
            for name, other in mine.items():
                if other is placed:
                    mine[name] = first


def _norm(text: object) -> str:
    return " ".join(str(text or "").lower().split())


def _relink(
    renamed: list[dict[tuple[str, str], _Placed]],
    new_ids: dict[int, str],
    carried: Mapping[str, tuple[int, str]],
) -> None:
    """Each reference made inside a chunk now names the new id of the item it named there
    (the kept copy, when that item was a repeat), or of the earlier chunk's event it named."""
    for n, mine in enumerate(renamed):
        for (kind, _), placed in mine.items():
            if placed.origin != n:
                continue  # a repeat: the kept copy is relinked in its own part
            for holder, name, target in REFERENCES:
                ref = placed.item.get(name) if holder == kind else None
                if ref is None:
                    continue
                named = mine.get((target, str(ref)))
                if named is None and target == "events" and str(ref) in carried:
                    part, old = carried[str(ref)]
                    named = renamed[part].get(("events", old))
                placed.item[name] = new_ids[id(named)] if named is not None else None
