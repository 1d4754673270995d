"""Incidents at scale: `sitrep incidents` over 10,000 to 100,000 synthetic extraction results.

    python bench/incidents_scale.py                 # 10k, 30k, 100k articles
    python bench/incidents_scale.py --sizes 100000  # one size
    python bench/incidents_scale.py --days 0        # the same density at every size

Each size is generated (not timed) as JSON Lines of results that follow the output contract:
incidents spread over two years and 40 countries, each reported by one to five outlets over
up to three days, with toll revisions, an occasional undated report and background mentions
a week later, spelling variants of places and reports that name no place, one incident in
ten where an earlier one happened, and unrelated incidents on the same days in the same
countries. Each size is
then linked in a fresh process (`link_incidents`, as the command does), which prints its
wall time, peak RSS (flat memory: it should barely grow with the input), the pairs compared
against all possible pairs, and the pairwise precision / recall of the links against the
generator's truth (which the linker never sees: article ids are random).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from itertools import combinations
from pathlib import Path

TYPES = [
    "armed_clash", "attack", "air_drone_strike", "shelling_artillery_missile_attack",
    "remote_explosive_landmine_ied", "suicide_bomb", "abduction_forced_disappearance",
]  # fmt: skip
COUNTRIES = [f"Country{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"] + [f"Land{n}" for n in range(14)]
OUTLETS = [f"Outlet {n}" for n in range(60)]
SYLLABLES = [c + v for c in "bdklmnrstz" for v in "aeiou"]


def _place(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(4)).title()


def _quote(text: str) -> dict[str, object]:
    return {"text": text, "start": 0, "end": len(text)}


def _result(aid: str, published: date, event: Mapping[str, object],
            figures: Sequence[Mapping[str, object]], outlet: str) -> str:  # fmt: skip
    return json.dumps({
        "schema_version": "1",
        "article": {"id": aid, "title": None, "source": outlet, "published": published.isoformat(),
                    "url": None, "sha256": f"{hash(aid) & (2**256 - 1):064x}"},
        "model": "synthetic", "events": [event], "casualties": figures, "causes": [],
    })  # fmt: skip


def generate(path: Path, articles: int, days: int = 730, seed: int = 11) -> None:
    """Write `articles` synthetic results; ids hide the truth (kept in a side file)."""
    rng = random.Random(seed)
    start = date(2023, 1, 1)
    truth = path.with_suffix(".truth.jsonl")
    written = 0
    incident = 0
    places: list[str] = []
    with path.open("w", encoding="utf-8") as out, truth.open("w", encoding="utf-8") as key:
        while written < articles:
            incident += 1
            day = start + timedelta(days=rng.randrange(days))
            country = rng.choice(COUNTRIES)
            # one incident in ten happens where an earlier one did (same place, another day)
            place = rng.choice(places) if places and rng.random() < 0.1 else _place(rng)
            places.append(place)
            etype = rng.choice(TYPES)
            toll = rng.choice([0, 1, 2, 3, 4, 5, 7, 9, 12, 15, 20, 27, 40, 55])
            reports = rng.choice([1, 1, 2, 2, 3, 3, 4, 5])
            for n in range(reports):
                if written >= articles:
                    break
                aid = f"{rng.getrandbits(64):016x}"
                published = day + timedelta(days=min(n, 3))
                background = n == reports - 1 and reports >= 3 and rng.random() < 0.3
                undated = not background and rng.random() < 0.05
                if background:
                    published = day + timedelta(days=8)
                value = toll + (0 if n == 0 else rng.choice([0, 0, 2, 5]))
                # spelling variants, and reports that name no place
                written_place: str | None = place
                if n and rng.random() < 0.1:
                    written_place = place[:-1] + place[-1] * 2
                elif n and rng.random() < 0.1:
                    written_place = None
                text = f"Gunmen attacked {written_place or 'a village'} killing {value} people"
                event = {
                    "id": "E1", "event_type": etype, "summary": text,
                    "date_text": "last week" if background else (None if undated else "on Sunday"),
                    "date": None if (background or undated) else day.isoformat(),
                    "location": written_place, "country": country, "actors": [],
                    "evidence": [_quote(text)],
                }  # fmt: skip
                figures = []
                if value:
                    figures.append({
                        "id": "C1", "event_id": "E1", "outcome": "killed", "group": "people",
                        "civilian": None, "count_text": str(value), "low": value, "high": value,
                        "qualifier": "exact", "part_of": None, "scope": "incident",
                        "reported_by": rng.choice(["police", "health ministry", None]),
                        "evidence": _quote(text),
                    })  # fmt: skip
                out.write(_result(aid, published, event, figures, rng.choice(OUTLETS)) + "\n")
                key.write(json.dumps([f"{aid}#E1", incident]) + "\n")
                written += 1


def link(path: Path, output: Path) -> None:
    """Run in a child process: link and print the figures as one JSON line."""
    from agent.incidents.pipeline import link_incidents

    started = time.perf_counter()
    run = link_incidents([path], output, links=output.with_name("links.jsonl"))
    wall = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "wall_s": round(wall, 1), "peak_rss_mb": round(peak_kb / 1024, 1),
        "mentions": run.sweep.mentions, "compared": run.sweep.compared,
        "max_active": run.sweep.max_active, "incidents": run.incidents,
        "links_logged": run.links_logged,
    }))  # fmt: skip


def accuracy(output: Path, truth: Path) -> tuple[float, float]:
    """Pairwise precision and recall of the output against the generator's truth."""
    gold: dict[str, int] = {}
    with truth.open(encoding="utf-8") as handle:
        for line in handle:
            key, incident = json.loads(line)
            gold[key] = incident
    predicted: list[list[str]] = []
    with output.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            predicted.append([f"{m['article_id']}#{m['event_id']}" for m in record["members"]])
    pred_pairs = correct = 0
    for members in predicted:
        for a, b in combinations(members, 2):
            pred_pairs += 1
            correct += gold[a] == gold[b]
    sizes: dict[int, int] = defaultdict(int)
    for incident in gold.values():
        sizes[incident] += 1
    gold_pairs = sum(n * (n - 1) // 2 for n in sizes.values())
    return correct / max(pred_pairs, 1), correct / max(gold_pairs, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument(
        "--days", type=int, default=730,
        help="Days the incidents are spread over (default two years; --days 0: 73 days per "
        "10,000 articles, the same density at every size).",
    )  # fmt: skip
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        link(Path(args.child[0]), Path(args.child[1]))
        return
    print("articles  wall_s  peak_rss_mb  compared / possible pairs  max_active  "
          "incidents  pairwise P / R")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="sitrep-bench-") as tmp:
        for size in args.sizes:
            source = Path(tmp) / f"results-{size}.jsonl"
            output = Path(tmp) / f"incidents-{size}.jsonl"
            generate(source, size, days=args.days or max(1, 73 * size // 10_000))
            proc = subprocess.run(
                [sys.executable, __file__, "--child", str(source), str(output)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            figures = json.loads(proc.stdout.strip().splitlines()[-1])
            precision, recall = accuracy(output, source.with_suffix(".truth.jsonl"))
            possible = figures["mentions"] * (figures["mentions"] - 1) // 2
            print(
                f"{size:>8,}  {figures['wall_s']:>6}  {figures['peak_rss_mb']:>11}  "
                f"{figures['compared']:>10,} / {possible:,}  {figures['max_active']:>10}  "
                f"{figures['incidents']:>9,}  {precision:.3f} / {recall:.3f}"
            )


if __name__ == "__main__":
    main()
