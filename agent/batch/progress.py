"""What a batch run has done and spent so far, its budgets, and the words that report them.

`Tally` counts outcomes, requests, tokens and estimated cost as they arrive; `Budget` says when
no new article may start (in-flight ones still finish). The text functions are pure: the CLI
prints them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from agent.config import Prices
from agent.extractors.base import Meter
from agent.schema import Usage


@dataclass
class Tally:
    prices: Prices = field(default_factory=Prices)
    ok: int = 0
    failed: int = 0
    cached: int = 0
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    started: int = 0
    undone: int = 0  # articles never started because a budget was reached
    stopped_by: str | None = None  # the budget that stopped the run, or "output"
    unwritten: int = 0  # results not written because the output failed
    interrupted: bool = False
    t0: float = field(default_factory=time.monotonic)
    # live counts of the extractor (requests sent, tokens received) and when each article in
    # flight started: work shows before it finishes
    meter: Meter = field(default_factory=Meter)
    in_flight: dict[int, float] = field(default_factory=dict)

    @property
    def cost(self) -> float:
        return self.prices.cost(self.prompt_tokens, self.completion_tokens)

    @property
    def finished(self) -> int:
        return self.ok + self.failed

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.t0

    def add_result(self, usage: Usage) -> None:
        self.ok += 1
        self.cached += usage.cached
        self.requests += usage.requests
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens

    def add_failure(self, attempts: int) -> None:
        self.failed += 1
        self.requests += attempts


@dataclass(frozen=True)
class Budget:
    max_requests: int | None = None
    max_tokens: int | None = None
    max_cost: float | None = None

    @classmethod
    def of(
        cls, max_requests: int | None, max_tokens: int | None, max_cost: float | None
    ) -> Budget | None:
        """The budget the flags set, or None when none is set."""
        if max_requests is None and max_tokens is None and max_cost is None:
            return None
        return cls(max_requests, max_tokens, max_cost)

    def reached(self, tally: Tally) -> str | None:
        """The flag whose limit has been reached, if any."""
        if self.max_requests is not None and tally.requests >= self.max_requests:
            return "--max-requests"
        tokens = tally.prompt_tokens + tally.completion_tokens
        if self.max_tokens is not None and tokens >= self.max_tokens:
            return "--max-tokens"
        if self.max_cost is not None and tally.cost >= self.max_cost:
            return "--max-cost"
        return None


def progress_line(tally: Tally) -> str:
    rate = tally.finished / tally.elapsed if tally.elapsed > 0 else 0.0
    flying = tally.started - tally.finished
    oldest = ""
    if tally.in_flight:
        oldest = f" (longest {_duration(time.monotonic() - min(tally.in_flight.values()))})"
    meter = tally.meter
    received = meter.completion_tokens
    return (
        f"{tally.finished} done ({tally.ok} ok, {tally.failed} failed, {tally.cached} cached), "
        f"{flying} in flight{oldest}, {max(tally.requests, meter.requests)} requests "
        f"({meter.answers} answered, {received} tokens received), {rate:.1f} articles/s"
    )


def _duration(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{seconds:.1f}s"


def summary_lines(tally: Tally) -> list[str]:
    elapsed = tally.elapsed
    rate = tally.finished / elapsed if elapsed > 0 else 0.0
    lines = [
        f"summary: {tally.ok} ok, {tally.failed} failed, {tally.cached} cached; "
        f"{tally.requests} requests, {tally.prompt_tokens} prompt + "
        f"{tally.completion_tokens} completion tokens, estimated cost {tally.cost:.4f}; "
        f"{elapsed:.1f} s, {rate:.1f} articles/s"
    ]
    if tally.stopped_by == "output":
        lines.append(
            f"stopped: the output could not be written; {tally.unwritten} finished article(s) "
            f"not written, {tally.undone} left undone (what is written is kept; with -o FILE, "
            "--resume continues)"
        )
    elif tally.stopped_by:
        lines.append(
            f"budget: {tally.stopped_by} reached; {tally.undone} article(s) left undone "
            "(run again with --resume to continue)"
        )
    if tally.interrupted:
        lines.append("interrupted: no new articles started; in-flight ones were dropped")
    return lines
