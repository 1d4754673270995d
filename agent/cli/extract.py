"""`sitrep extract`: articles in, grounded results out."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from agent.articles import Article, InputProblem, parse_published, read_inputs
from agent.batch.cache import open_cache
from agent.batch.formats import OutputFormat
from agent.batch.progress import Budget, Tally, progress_line, summary_lines
from agent.batch.session import ExtractionJob, Voice, run_job
from agent.batch.sinks import open_sink
from agent.batch.workers import WorkerPool, machine_cores
from agent.cli.options import (
    EXIT_FAILED_ITEMS,
    ConfigOpt,
    ModelOpt,
    PromptOpt,
    QuietOpt,
    VagueOpt,
    say,
)
from agent.config import load_settings
from agent.extractors.factory import make_extractor, worker_factory

InputsArg = Annotated[
    list[str],
    typer.Argument(
        metavar="INPUT...",
        help="Articles: .txt/.md files, .html pages, .jsonl files (one article per line: "
        "id, text, optional title, published, source, url), folders, or - for stdin.",
        show_default=False,
    ),
]
BaseUrlOpt = Annotated[
    str | None, typer.Option("--base-url", metavar="URL", help="Override the profile's endpoint.")
]
ModeOpt = Annotated[
    str | None,
    typer.Option(
        "--mode",
        metavar="MODE",
        help="Override the profile's mode: tools, json_schema, json, md_json.",
    ),
]
PublishedOpt = Annotated[
    str | None,
    typer.Option(
        "--published",
        metavar="DATE",
        help="Publication date YYYY-MM-DD for resolving relative dates (overrides the input's).",
    ),
]
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        "-j",
        min=1,
        max=512,
        metavar="N",
        help="LLM profiles: articles in flight at once (default: the config's concurrency, 8). "
        "--model rules: worker processes (default: the machine's cores; 1 runs in this process).",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write to this file instead of stdout."),
]
FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="json (one article, pretty), jsonl (one object per line; the default for "
        "several articles), table (for humans), csv (one row per casualty figure).",
    ),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Print every warning on stderr.")]
ResumeOpt = Annotated[
    bool,
    typer.Option(
        "--resume",
        help="With -o out.jsonl: skip the articles already in it (same id and sha256) and "
        "append the rest.",
    ),
]
RetryOpt = Annotated[
    bool,
    typer.Option(
        "--retry-failures",
        help="With -o out.jsonl: run again only the articles in out.jsonl.failures.jsonl "
        "and rewrite that ledger with what still fails.",
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option("--no-cache", help="Neither read nor write the response cache (LLM profiles)."),
]
MaxRequestsOpt = Annotated[
    int | None,
    typer.Option(
        "--max-requests", min=1, metavar="N", help="Start no new article after this many requests."
    ),
]
MaxTokensOpt = Annotated[
    int | None,
    typer.Option(
        "--max-tokens", min=1, metavar="N", help="Start no new article after this many tokens."
    ),
]
MaxCostOpt = Annotated[
    float | None,
    typer.Option(
        "--max-cost",
        min=0.0,
        metavar="AMOUNT",
        help="Start no new article once the estimated cost (the profile's "
        "price_input_per_mtok / price_output_per_mtok) reaches this.",
    ),
]
StrictOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Fail an article whose prompt the server truncated (it counted far fewer prompt "
        "tokens than were sent) instead of warning.",
    ),
]
KeepOrderOpt = Annotated[bool, typer.Option("--keep-order", help="Write results in input order.")]
ProgressOpt = Annotated[
    float,
    typer.Option(
        "--progress-every",
        min=0.1,
        metavar="SECONDS",
        help="Seconds between progress lines on stderr when it is not a terminal.",
    ),
]


def extract(
    inputs: InputsArg,
    model: ModelOpt = None,
    config: ConfigOpt = None,
    base_url: BaseUrlOpt = None,
    mode: ModeOpt = None,
    prompt: PromptOpt = None,
    published: PublishedOpt = None,
    output: OutputOpt = None,
    fmt: FormatOpt = None,
    vague_table: VagueOpt = None,
    concurrency: ConcurrencyOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    resume: ResumeOpt = False,
    retry_failures: RetryOpt = False,
    no_cache: NoCacheOpt = False,
    max_requests: MaxRequestsOpt = None,
    max_tokens: MaxTokensOpt = None,
    max_cost: MaxCostOpt = None,
    keep_order: KeepOrderOpt = False,
    progress_every: ProgressOpt = 10.0,
    strict: StrictOpt = False,
) -> None:
    """Extract events, casualty figures and stated causes from articles."""
    settings = load_settings(config)
    pub = parse_published(published) if published else None
    extractor = make_extractor(
        settings,
        model,
        base_url=base_url,
        mode=mode,
        prompt_path=prompt,
        vague_table=vague_table.value if vague_table else None,
        note=None if quiet else say,
        strict=strict,
    )
    cache = None if no_cache else open_cache(settings, extractor)
    chosen = fmt or (OutputFormat.json if _single_input(inputs) else OutputFormat.jsonl)
    try:
        sink = open_sink(output, chosen, resume=resume, retry_failures=retry_failures)
    except BaseException:
        if cache is not None:
            cache.close()
        raise
    items = read_inputs(inputs, published=pub, max_chars=settings.max_article_chars)
    factory = worker_factory(extractor)
    workers = 1 if factory is None or _single_input(inputs) else concurrency or machine_cores()
    job = ExtractionJob(
        sink.select(_without_notices(items, quiet=quiet)),
        extractor,
        sink,
        concurrency=concurrency or settings.concurrency,
        cache=cache,
        budget=Budget.of(max_requests, max_tokens, max_cost),
        keep_order=keep_order,
        pool=WorkerPool(factory, workers) if factory is not None and workers > 1 else None,
    )
    tally = Tally(prices=extractor.prices)

    async def progress(tally: Tally) -> None:
        await _progress(tally, progress_every)

    try:
        failures = run_job(
            job,
            voice=Voice(say, verbose=verbose, quiet=quiet),
            tally=tally,
            progress=None if quiet else progress,
        )
    finally:
        if not quiet:
            for line in sink.notes():
                say(line)
            if _wants_summary(tally, to_file=output is not None):
                for line in summary_lines(tally):
                    say(line)
    if failures:
        raise typer.Exit(EXIT_FAILED_ITEMS)


def _single_input(inputs: list[str]) -> bool:
    if len(inputs) != 1 or inputs[0] == "-":
        return False
    path = Path(inputs[0])
    return path.is_file() and path.suffix.lower() not in (".jsonl", ".ndjson")


def _without_notices(
    items: Iterable[Article | InputProblem], *, quiet: bool
) -> Iterator[Article | InputProblem]:
    """The inputs, less the files passed over on purpose (named on stderr, not failures)."""
    for item in items:
        if isinstance(item, InputProblem) and item.notice:
            if not quiet:
                say(f"note: {item}")
            continue
        yield item


def _wants_summary(tally: Tally, *, to_file: bool) -> bool:
    """A summary for batch runs to a file or a terminal, and for every run stopped early."""
    if tally.interrupted or tally.stopped_by:
        return True
    return tally.finished > 1 and (to_file or sys.stderr.isatty())


async def _progress(tally: Tally, every: float) -> None:
    """A live progress line on a terminal, else a plain line every `every` seconds."""
    if not sys.stderr.isatty():
        while True:
            await asyncio.sleep(every)
            say(f"progress: {progress_line(tally)}")
    from rich.console import Console

    with Console(stderr=True).status(progress_line(tally)) as status:
        while True:
            await asyncio.sleep(0.25)
            status.update(progress_line(tally))
