"""Batch throughput of `sitrep extract` against the scripted server: prints figures.

    python bench/batch_bench.py [--articles 200] [--concurrency 16] [--latency 0.25]

(a) wall time of a batch over the ideal ceil(articles / concurrency) * latency;
(b) sitrep's own time per article at zero latency (median ms, 800-word article, one at a
    time; includes the local HTTP round trip to the in-process server);
(c) the same batch again through the response cache: requests sent and the speed-up.

The server runs in a child process, so its threads do not compete with sitrep for the GIL.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.articles import Article  # noqa: E402
from agent.batch.cache import ResponseCache  # noqa: E402
from agent.batch.run import Done, run_batch  # noqa: E402
from agent.config import ModelProfile, Settings, resolve_model  # noqa: E402
from agent.extractors.llm.extractor import LLMExtractor  # noqa: E402
from agent.extractors.prompts import load_prompt  # noqa: E402
from agent.extractors.results import extract_article  # noqa: E402
from tests.scripted_server import Reply, ScriptedServer, answer  # noqa: E402

EXTRACTION = {
    "events": [],
    "casualties": [
        {
            "id": "C1",
            "outcome": "killed",
            "group": "soldiers",
            "count_text": "Three",
            "low": 3,
            "high": 3,
            "qualifier": "exact",
            "evidence": "Three soldiers were killed",
        }
    ],
    "causes": [],
}
FILLER = (
    "Residents said the road to the market stayed closed for most of the day while local "
    "officials met elders to discuss repairs, water deliveries and the reopening of schools. "
)


def make_article(number: int, words: int = 800) -> Article:
    """About `words` words, one grounded figure, distinct text per article."""
    lead = f"Three soldiers were killed in clashes near the border, the army said (ref {number}). "
    body = FILLER * max(1, (words - len(lead.split())) // len(FILLER.split()))
    return Article(id=f"b{number}", text=lead + body)


def serve(conn: Connection, requests: Synchronized[int]) -> None:
    """The scripted server in a child process: answers every request with `EXTRACTION`."""

    def respond(_: dict[str, Any]) -> Reply:
        with requests.get_lock():
            requests.value += 1
        return answer(EXTRACTION)

    with ScriptedServer() as server:
        server.responder = respond
        conn.send(server.base_url)
        while (message := conn.recv()) is not None:
            server.latency = float(message)
            conn.send("ok")


def make_extractor(base_url: str) -> LLMExtractor:
    profile = ModelProfile(name="bench", model="bench-model", base_url=base_url, api_key_env=None)
    resolved = resolve_model(Settings(models={"bench": profile}), "bench", {})
    return LLMExtractor(resolved, load_prompt())


async def run_all(
    base_url: str, articles: list[Article], concurrency: int, cache: ResponseCache | None
) -> tuple[float, int]:
    extractor = make_extractor(base_url)
    started = time.perf_counter()
    ok = 0
    try:
        async for outcome in run_batch(articles, extractor, concurrency=concurrency, cache=cache):
            ok += isinstance(outcome, Done)
    finally:
        await extractor.aclose()
    return time.perf_counter() - started, ok


async def per_article_ms(base_url: str, count: int) -> list[float]:
    extractor = make_extractor(base_url)
    times = []
    try:
        for number in range(count):
            article = make_article(10_000 + number)
            started = time.perf_counter()
            await extract_article(extractor, article)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        await extractor.aclose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.25)
    parser.add_argument("--overhead-samples", type=int, default=100)
    args = parser.parse_args()

    context = multiprocessing.get_context("fork")
    requests = context.Value("i", 0)
    conn, child_conn = context.Pipe()
    child = context.Process(target=serve, args=(child_conn, requests), daemon=True)
    child.start()
    base_url = conn.recv()

    def set_latency(seconds: float) -> None:
        conn.send(seconds)
        conn.recv()

    try:
        with tempfile.TemporaryDirectory() as tmp:
            articles = [make_article(i) for i in range(args.articles)]

            # (a) throughput against a slow server, filling the cache on the way
            set_latency(args.latency)
            cache = ResponseCache(Path(tmp) / "cache.sqlite")
            wall, ok = asyncio.run(run_all(base_url, articles, args.concurrency, cache))
            ideal = math.ceil(args.articles / args.concurrency) * args.latency
            print(
                f"(a) {args.articles} articles, concurrency {args.concurrency}, latency "
                f"{args.latency * 1000:.0f} ms: wall {wall:.2f} s, ideal {ideal:.2f} s, "
                f"wall/ideal {wall / ideal:.2f} ({ok} ok, {requests.value} requests)"
            )

            # (c) the same batch again: every answer from the cache
            sent = requests.value
            cached_wall, cached_ok = asyncio.run(
                run_all(base_url, articles, args.concurrency, cache)
            )
            cache.close()
            print(
                f"(c) re-run with cache: {requests.value - sent} requests, wall "
                f"{cached_wall:.3f} s ({cached_ok} ok), speed-up {wall / cached_wall:.0f}x"
            )

        # (b) sitrep's own cost per article, server answering at once
        set_latency(0.0)
        asyncio.run(per_article_ms(base_url, 5))  # warm up imports and the connection
        times = asyncio.run(per_article_ms(base_url, args.overhead_samples))
        words = len(make_article(0).text.split())
        print(
            f"(b) overhead per article at zero latency ({words} words, "
            f"{args.overhead_samples} articles one at a time): median "
            f"{statistics.median(times):.1f} ms, p90 "
            f"{statistics.quantiles(times, n=10)[-1]:.1f} ms"
        )
    finally:
        conn.send(None)
        child.join(timeout=10)


if __name__ == "__main__":
    main()
