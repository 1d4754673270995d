"""Exact-match casualty totals of any model on folders of real reports with published counts.

    python bench/real_sets.py DATA_DIR... [--model NAME] [--config PATH] [--misses N]

Each DATA_DIR holds `articles.jsonl` (sitrep's JSON Lines input) and `gold.jsonl` (one line
per id), shaped like the development sets described in `../shared/data/README.md`; the data is
read from where it lies and never copied. Two kinds are recognised by their gold fields:

- ISAF press releases (`min_killed`, `min_captured`): killed and captured per release, read
  with the ISAF vague-word table (a bare plural 2, "numerous" 4, "dozens" 24).
- Incident descriptions of the World Atrocities Dataset (`deaths`, `injured`): deaths per
  incident (exact, and within 10%: |diff| <= max(1, 10% of the gold)), injured where the
  gold sets it; the vague-word table of the configuration (ACLED by default).

Per article, the total of an outcome is the sum of `low` (else `high`) over its casualty
figures with that outcome whose scope is `incident` and whose `part_of` is null. The model is
any `--model` sitrep runs (the offline `rules` by default, or an LLM profile of the config):
articles go through `make_extractor` and `run_batch`, so concurrency, retries and the response
cache are the same as `sitrep extract`. An article the model fails on counts as a miss.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.articles import read_inputs  # noqa: E402
from agent.batch.cache import ResponseCache, open_cache  # noqa: E402
from agent.batch.run import Done, run_batch  # noqa: E402
from agent.config import Settings, load_settings  # noqa: E402
from agent.extractors.base import Extractor  # noqa: E402
from agent.extractors.factory import make_extractor  # noqa: E402
from agent.schema import ExtractionResult  # noqa: E402


@dataclass(frozen=True)
class Measure:
    """One figure printed per set: an outcome's total compared with a gold field."""

    label: str
    outcome: str
    gold_field: str
    close: bool = False  # also print the share within 10%


@dataclass(frozen=True)
class SetKind:
    name: str
    vague_table: str | None  # None: the configuration's table
    measures: tuple[Measure, ...]


ISAF = SetKind(
    "ISAF press releases",
    "isaf",
    (Measure("killed", "killed", "min_killed"), Measure("captured", "captured", "min_captured")),
)
WAD = SetKind(
    "atrocity incident descriptions",
    None,
    (
        Measure("deaths", "killed", "deaths", close=True),
        Measure("injured (where set)", "injured", "injured"),
    ),
)


@dataclass
class Tally:
    scored: int = 0
    exact: int = 0
    close: int = 0
    misses: list[tuple[str, int, int | None]] = field(default_factory=list)


def kind_of(gold: dict[str, dict[str, Any]]) -> SetKind:
    first = next(iter(gold.values()), {})
    if "min_killed" in first:
        return ISAF
    if "deaths" in first:
        return WAD
    raise SystemExit(f"unknown gold fields {sorted(first)}: expected min_killed or deaths")


def total(result: ExtractionResult, outcome: str) -> int:
    """The article's total for `outcome`: incident figures that are part of no other."""
    return sum(
        (c.low if c.low is not None else c.high or 0)
        for c in result.casualties
        if c.outcome == outcome and c.scope == "incident" and c.part_of is None
    )


def within_ten_percent(gold: int, predicted: int) -> bool:
    return abs(gold - predicted) <= max(1.0, 0.1 * abs(gold))


async def extract_all(
    path: Path, extractor: Extractor, cache: ResponseCache | None, concurrency: int
) -> tuple[dict[str, ExtractionResult], int]:
    results: dict[str, ExtractionResult] = {}
    failed = 0
    items = read_inputs([str(path)])
    async for outcome in run_batch(items, extractor, concurrency=concurrency, cache=cache):
        if isinstance(outcome, Done):
            results[outcome.result.article.id] = outcome.result
        else:
            failed += 1
            print(f"  failed: {outcome.line()}", file=sys.stderr)
    await extractor.aclose()
    return results, failed


def score(
    gold: dict[str, dict[str, Any]], results: dict[str, ExtractionResult], measure: Measure
) -> Tally:
    tally = Tally()
    for article_id, row in gold.items():
        want = row.get(measure.gold_field)
        if want is None:
            continue
        result = results.get(article_id)
        got = total(result, measure.outcome) if result is not None else None
        tally.scored += 1
        if got == want:
            tally.exact += 1
        else:
            tally.misses.append((article_id, int(want), got))
        if got is not None and within_ten_percent(int(want), got):
            tally.close += 1
    return tally


def run_set(
    folder: Path,
    settings: Settings,
    args: argparse.Namespace,
    say: Callable[[str], None],
) -> None:
    gold = {row["id"]: row for row in _rows(folder / "gold.jsonl")}
    kind = kind_of(gold)
    extractor = make_extractor(settings, args.model, vague_table=kind.vague_table)
    cache = None if args.no_cache else open_cache(settings, extractor)
    started = time.perf_counter()
    results, failed = asyncio.run(
        extract_all(folder / "articles.jsonl", extractor, cache, args.concurrency)
    )
    seconds = time.perf_counter() - started
    with_events = sum(1 for r in results.values() if r.events)
    say(
        f"{folder} ({kind.name}, model {extractor.label}): {len(results)} articles, "
        f"{failed} failed, {seconds:.1f} s; with an event {with_events / max(1, len(results)):.3f}"
    )
    for measure in kind.measures:
        tally = score(gold, results, measure)
        line = f"  {measure.label:<20} exact {tally.exact / max(1, tally.scored):.3f}"
        if measure.close:
            line += f"  within 10% {tally.close / max(1, tally.scored):.3f}"
        say(f"{line}  ({tally.exact}/{tally.scored})")
        texts = _texts(folder) if args.misses else {}
        for article_id, want, got in tally.misses[: args.misses]:
            say(f"    {article_id}: gold {want}, predicted {got}: {texts.get(article_id, '')!r}")


def _rows(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of a file (split on newlines only: texts may hold U+2028)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return [json.loads(line) for line in lines if line.strip()]


def _texts(folder: Path) -> dict[str, str]:
    return {row["id"]: row["text"][:300] for row in _rows(folder / "articles.jsonl")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, metavar="DATA_DIR")
    parser.add_argument("--model", "-m", default="rules", help="rules, or a profile name")
    parser.add_argument("--config", default=None, help="sitrep config file (for profiles)")
    parser.add_argument("--concurrency", "-j", type=int, default=8)
    parser.add_argument("--no-cache", action="store_true", help="bypass the response cache")
    parser.add_argument("--misses", type=int, default=0, help="list up to N misses per figure")
    args = parser.parse_args()
    settings = load_settings(args.config)
    for folder in args.folders:
        run_set(folder, settings, args, print)


if __name__ == "__main__":
    main()
