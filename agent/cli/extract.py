"""`sitrep extract`: articles in, grounded results out."""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, BinaryIO, cast

import typer

from agent.articles import (
    Article,
    InputProblem,
    parse_published,
    read_inputs,
    stdin_holds_jsonl,
)
from agent.batch.cache import open_cache
from agent.batch.formats import CsvKind, OutputFormat, Rendering, format_of
from agent.batch.outputs import open_sink
from agent.batch.progress import Budget, Tally, progress_line, summary_lines
from agent.batch.session import ExtractionJob, Voice, run_job
from agent.batch.sinks import Buffered
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
from agent.errors import InputError, UsageError
from agent.extractors.base import Extractor
from agent.extractors.factory import make_extractor, worker_factory
from agent.output import OutputTarget, check_apart

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
    typer.Option(
        "--output", "-o", metavar="FILE", help="Write to this file instead of stdout (- is stdout)."
    ),
]
FormatOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        help="json (one article: a pretty object; several: a JSON array), jsonl (one object "
        "per line; the default for several articles), table (for humans), csv (one row per "
        "item of --kind), sqlite (tables of a database; also chosen by -o FILE.sqlite).",
    ),
]
KindOpt = Annotated[
    CsvKind,
    typer.Option(
        "--kind",
        metavar="KIND",
        help="With --format csv: casualties (one row per figure), events or causes.",
    ),
]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Print every warning on stderr.")]
ResumeOpt = Annotated[
    bool,
    typer.Option(
        "--resume",
        help="With -o out.jsonl (or results.sqlite): skip the articles already in it (same id "
        "and sha256) and add the rest.",
    ),
]
RetryOpt = Annotated[
    bool,
    typer.Option(
        "--retry-failures",
        help="With -o out.jsonl (or results.sqlite): run again only the articles in its "
        ".failures.jsonl ledger and rewrite that ledger with what still fails.",
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
    kind: KindOpt = CsvKind.casualties,
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
    target = OutputTarget.of(output)
    check_apart(target, inputs)
    settings = load_settings(config)
    pub = _published(published)
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
    stdin = _stdin()
    single = _single_input(inputs, stdin)
    rendering = Rendering(_format(fmt, target.path, single), single=single, kind=kind)
    try:
        sink = open_sink(target.path, rendering, resume=resume, retry_failures=retry_failures)
    except BaseException:
        if cache is not None:
            cache.close()
        raise
    items = read_inputs(inputs, published=pub, stdin=stdin, max_chars=settings.max_article_chars)
    job = ExtractionJob(
        sink.select(_without_notices(items, quiet=quiet)),
        extractor,
        sink,
        concurrency=concurrency or settings.concurrency,
        cache=cache,
        budget=Budget.of(max_requests, max_tokens, max_cost),
        # a document written whole (JSON, CSV, a table) keeps the input order: it costs nothing
        keep_order=keep_order or isinstance(sink, Buffered),
        pool=_pool(extractor, concurrency, single=single),
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
            _say_notes(sink.notes(), tally, to_file=target.path is not None)
    if failures:
        raise typer.Exit(EXIT_FAILED_ITEMS)


def _say_notes(notes: list[str], tally: Tally, *, to_file: bool) -> None:
    """What the output says of itself, then the run's summary (when one is wanted)."""
    for line in notes:
        say(line)
    if _wants_summary(tally, to_file=to_file):
        for line in summary_lines(tally):
            say(line)


def _pool(extractor: Extractor, concurrency: int | None, *, single: bool) -> WorkerPool | None:
    """Worker processes for an extractor that runs in them (the offline rules): `-j`, else
    the machine's cores; none for one article or `-j 1`."""
    factory = worker_factory(extractor)
    workers = 1 if factory is None or single else concurrency or machine_cores()
    return WorkerPool(factory, workers) if factory is not None and workers > 1 else None


def _published(value: str | None) -> str | None:
    """`--published` as YYYY-MM-DD; a date that does not exist is a usage error."""
    if not value:
        return None
    try:
        return parse_published(value)
    except InputError as exc:
        raise UsageError(f"--published: {exc.message}") from None


def _format(fmt: OutputFormat | None, output: Path | None, single: bool) -> OutputFormat:
    """The format asked for; else SQLite for -o *.sqlite (*.db), pretty JSON for one
    article, JSON Lines for several."""
    if fmt is not None:
        return fmt
    if format_of(output) is OutputFormat.sqlite:
        return OutputFormat.sqlite
    return OutputFormat.json if single else OutputFormat.jsonl


def _stdin() -> BinaryIO:
    """Standard input, able to look ahead (to tell JSON Lines from one article)."""
    stdin: BinaryIO = sys.stdin.buffer
    if not hasattr(stdin, "peek"):
        stdin = io.BufferedReader(cast(io.RawIOBase, stdin))
    return stdin


def _single_input(inputs: list[str], stdin: BinaryIO) -> bool:
    """One article from one file, or from stdin that is not JSON Lines: pretty JSON."""
    if len(inputs) != 1:
        return False
    if inputs[0] == "-":
        return not stdin_holds_jsonl(stdin)
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
