"""The offline extractor on every core: `sitrep extract -m rules -j N` over streamed articles.

    python bench/rules_parallel.py [--articles 20000] [--small 2000] [--words 800]
                                   [--jobs 1 2] [--repeat 3]

Writes ~800-word articles (the same generator as bench/rules_speed.py) as JSON Lines, then runs
`sitrep extract FILE -m rules -j N -o OUT -q` in a fresh process for each N, first over
`--small` articles and then over `--articles`, and prints for each run: the wall time, the
articles per second, the peak RSS of the parent process and the peak of all its processes
together (sampled from /proc every 20 ms). Each size runs the values of N in turn `--repeat`
times; the fastest run of each N counts (on a machine shared with other work, a slower run
measured the other work), and at the end the throughput ratio of each N to `-j 1`. Memory is
flat when the peaks are about equal at both sizes. The load average before each run is
printed too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from rules_speed import write_jsonl  # noqa: E402

PAGE_KB = os.sysconf("SC_PAGE_SIZE") / 1024


@dataclass
class Measured:
    jobs: int
    articles: int
    seconds: float
    parent_mb: float
    total_mb: float
    load: float

    @property
    def rate(self) -> float:
        return self.articles / self.seconds


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * PAGE_KB / 1024
    except (OSError, IndexError, ValueError):
        return 0.0


def descendants(pid: int) -> list[int]:
    """`pid`'s children, grandchildren, ... (from /proc/<pid>/task/*/children)."""
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            found += kids
            queue += kids
    return found


def run(path: Path, out: Path, jobs: int, articles: int) -> Measured:
    load = os.getloadavg()[0]
    command = [sys.executable, "-m", "agent", "extract", str(path), "-m", "rules", "-j",
               str(jobs), "-o", str(out), "-q"]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT)
    parent_peak = total_peak = 0.0
    while proc.poll() is None:
        parent = rss_mb(proc.pid)
        total = parent + sum(rss_mb(p) for p in descendants(proc.pid))
        parent_peak, total_peak = max(parent_peak, parent), max(total_peak, total)
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"sitrep exited {proc.returncode}")
    written = sum(1 for _ in out.open(encoding="utf-8"))
    if written != articles:
        raise SystemExit(f"{written} results for {articles} articles")
    return Measured(jobs, articles, seconds, parent_peak, total_peak, load)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20000)
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--words", type=int, default=800)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; articles of ~{args.words} words")
    rates: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for total in (args.small, args.articles):
            path = Path(tmp) / f"articles-{total}.jsonl"
            write_jsonl(path, total, args.words)
            for _ in range(args.repeat):
                for jobs in args.jobs:
                    m = run(path, Path(tmp) / "out.jsonl", jobs, total)
                    print(
                        f"-j {m.jobs}: {m.articles:>6} articles in {m.seconds:6.1f} s, "
                        f"{m.rate:6.1f} articles/s, peak RSS parent {m.parent_mb:.0f} MB, "
                        f"all processes {m.total_mb:.0f} MB (load average before: {m.load:.2f})",
                        flush=True,
                    )
                    if total == args.articles:
                        rates[jobs] = max(rates.get(jobs, 0.0), m.rate)
            path.unlink()
    base = rates.get(1)
    for jobs, rate in rates.items():
        if base and jobs != 1:
            print(
                f"throughput -j {jobs} / -j 1 over {args.articles} articles (fastest runs): "
                f"{rate:.1f} / {base:.1f} = {rate / base:.2f}"
            )


if __name__ == "__main__":
    main()
