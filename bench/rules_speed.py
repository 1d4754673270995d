"""Speed and memory of the rule-based extractor: prints articles/second and peak RSS.

    python bench/rules_speed.py [--small 2000] [--large 20000] [--words 800]

Builds ~800-word articles from the example paragraphs (each article varied so nothing is
cached), writes them as JSONL, streams them through `agent.articles.read_inputs` and
`RulesExtractor.extract_sync` on one core, and reports the rate and the peak resident memory
after the small run and after the large one: the two peaks should be about equal (flat).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.articles import Article, read_inputs  # noqa: E402
from agent.extractors.rules.extractor import RulesExtractor  # noqa: E402

EXAMPLE = ROOT / "examples" / "deir-ez-zor-ambush.txt"
PLACES = ("Mayadin", "Hajin", "Palmyra", "Sukhnah", "Qaryatayn", "Albu Kamal")


def make_article(n: int, words: int, paragraphs: list[str]) -> str:
    place = PLACES[n % len(PLACES)]
    body: list[str] = []
    count = 0
    i = n
    while count < words:
        para = paragraphs[i % len(paragraphs)].replace("Mayadin", place)
        para = para.replace("27", str(10 + n % 80))
        body.append(para)
        count += len(para.split())
        i += 1
    return f"Ambush near {place} (story {n})\n\n" + "\n\n".join(body) + "\n"


def write_jsonl(path: Path, total: int, words: int) -> None:
    paragraphs = [p for p in EXAMPLE.read_text(encoding="utf-8").split("\n\n")[1:] if p.strip()]
    with path.open("w", encoding="utf-8") as out:
        for n in range(total):
            text = make_article(n, words, paragraphs)
            out.write(json.dumps({"id": f"a{n}", "text": text}) + "\n")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(path: Path, extractor: RulesExtractor) -> tuple[int, float, int]:
    start = time.perf_counter()
    done = items = 0
    for article in read_inputs([str(path)]):
        if isinstance(article, Article):
            outcome = extractor.extract_sync(article)
            items += len(outcome.draft.casualties) + len(outcome.draft.events)
            done += 1
    return done, time.perf_counter() - start, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--large", type=int, default=20000)
    parser.add_argument("--words", type=int, default=800)
    args = parser.parse_args()
    extractor = RulesExtractor()
    with tempfile.TemporaryDirectory() as tmp:
        for total in (args.small, args.large):
            path = Path(tmp) / f"articles-{total}.jsonl"
            write_jsonl(path, total, args.words)
            done, seconds, items = run(path, extractor)
            print(
                f"{done:>6} articles of ~{args.words} words: {seconds:6.1f} s, "
                f"{done / seconds:7.1f} articles/s, {items} items, "
                f"peak RSS {peak_rss_mb():.0f} MB"
            )
            path.unlink()


if __name__ == "__main__":
    main()
