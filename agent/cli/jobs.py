"""`sitrep batch prepare|submit|status|fetch|cancel|collect`: provider batch jobs.

Each command parses its options, calls one function of `agent.jobs` (imported when the
command runs, so `sitrep --help` never loads openai) and renders what it returns.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agent.batch.cache import ResponseCache, default_cache_path
from agent.batch.progress import Tally, summary_lines
from agent.cli.group import SitrepCommand
from agent.cli.options import (
    EXIT_FAILED_ITEMS,
    ConcurrencyOpt,
    ConfigOpt,
    ModelOpt,
    PromptOpt,
    QuietOpt,
    VagueOpt,
    say,
)
from agent.config import ResolvedModel, Settings, load_settings, resolve_model
from agent.errors import UsageError
from agent.extractors.prompts import load_prompt

if TYPE_CHECKING:
    from agent.jobs.collect import Collected

jobs_app = typer.Typer(
    help="Provider batch jobs (the OpenAI Batch format): prepare requests, submit them, follow "
    "and fetch the jobs, collect the answers as realtime results.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

InputsArg = Annotated[
    list[str],
    typer.Argument(metavar="INPUT...", help="Articles, as for sitrep extract.", show_default=False),
]
JobsArg = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="[JOB...]",
        help="Batch ids or the requests files they were submitted from (default: every "
        "recorded job).",
        show_default=False,
    ),
]
StateOpt = Annotated[
    Path | None,
    typer.Option(
        "--state",
        metavar="FILE",
        help="The record of submitted jobs (default: $XDG_STATE_HOME/sitrep/batches.json).",
    ),
]
PublishedOpt = Annotated[
    str | None,
    typer.Option("--published", metavar="DATE", help="Publication date YYYY-MM-DD for all."),
]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="As for sitrep extract (part of the cache key).")
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
FileRequestsOpt = Annotated[
    int,
    typer.Option("--max-file-requests", min=1, metavar="N", help="Requests per file at most."),
]
FileMbOpt = Annotated[
    float,
    typer.Option("--max-file-mb", min=0.001, metavar="MB", help="Megabytes per file at most."),
]


def _settings(config: str | None) -> Settings:
    return load_settings(config)


def _resolved(settings: Settings, model: str | None) -> ResolvedModel:
    resolved = resolve_model(settings, model, os.environ)
    if resolved.profile is None:
        raise UsageError("provider batches need an LLM profile (-m NAME), not 'rules'")
    return resolved


def _cache(settings: Settings) -> ResponseCache:
    return ResponseCache(default_cache_path(settings.cache_path, os.environ))


def _state(state: Path | None) -> Path:
    from agent.jobs.state import state_path

    return state_path(state)


@jobs_app.command("prepare", cls=SitrepCommand)
def prepare(
    inputs: InputsArg,
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", metavar="FILE", help="The requests file (more parts: FILE-2, ...)."
        ),
    ],
    model: ModelOpt = None,
    config: ConfigOpt = None,
    results: Annotated[
        Path | None,
        typer.Option(
            "--results", metavar="FILE", help="An earlier output: its articles are left out."
        ),
    ] = None,
    prompt: PromptOpt = None,
    published: PublishedOpt = None,
    vague_table: VagueOpt = None,
    strict: StrictOpt = False,
    no_cache: NoCacheOpt = False,
    max_file_requests: FileRequestsOpt = 50_000,
    max_file_mb: FileMbOpt = 200.0,
    quiet: QuietOpt = False,
) -> None:
    """Write one batch request per article: the body a realtime extraction sends, named by the
    article's response-cache key. Articles in --results or in the cache are left out."""
    from agent.articles import parse_published
    from agent.jobs.prepare import PrepareJob, prepare_batch

    settings = _settings(config)
    resolved = _resolved(settings, model)
    table = vague_table.value if vague_table else settings.vague_table
    cache = None if no_cache else _cache(settings)
    job = PrepareJob(
        inputs=inputs,
        resolved=resolved,
        prompt=load_prompt(prompt),
        requests_path=output,
        vague_table=table,
        strict=strict,
        results=results,
        cache=cache,
        published=parse_published(published) if published else None,
        max_chars=settings.max_article_chars,
        max_requests=max_file_requests,
        max_bytes=int(max_file_mb * 1000 * 1000),
    )
    try:
        done = prepare_batch(job, say)
    finally:
        if cache is not None:
            cache.close()
    if not quiet:
        files = ", ".join(str(p) for p in done.parts) or "no file (nothing to ask)"
        say(
            f"prepared {done.articles} article(s): {done.requests} request(s) in {files}; left "
            f"out {done.in_output} already in the results, {done.cached} cached"
        )
    if done.failed:
        raise typer.Exit(EXIT_FAILED_ITEMS)


@jobs_app.command("submit", cls=SitrepCommand)
def submit(
    requests: Annotated[
        list[Path],
        typer.Argument(metavar="REQUESTS...", help="Requests files.", show_default=False),
    ],
    model: ModelOpt = None,
    config: ConfigOpt = None,
    state: StateOpt = None,
) -> None:
    """Upload each requests file and start one batch on it (24-hour window); the job is
    recorded so status, fetch and cancel find it."""
    from agent.jobs.remote import submit_batches

    settings = _settings(config)
    reference = model or settings.default_model
    _resolved(settings, reference)
    records = submit_batches(requests, reference, lambda m: _resolved(settings, m), _state(state))
    for record in records:
        typer.echo(f"{record.id}  {record.status}  {record.total} requests  {record.requests_file}")


@jobs_app.command("status", cls=SitrepCommand)
def status(jobs: JobsArg = None, config: ConfigOpt = None, state: StateOpt = None) -> None:
    """The provider's word on each job: status and counts."""
    from agent.jobs.remote import refresh

    settings = _settings(config)
    for record, job in refresh(jobs or [], lambda m: _resolved(settings, m), _state(state)):
        errors = f"  {'; '.join(job.errors)}" if job.errors else ""
        typer.echo(
            f"{job.id}  {job.status}  {job.counts()}  {record.requests_file}  "
            f"(-m {record.profile}){errors}"
        )


@jobs_app.command("fetch", cls=SitrepCommand)
def fetch(
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="The responses file to write.")
    ],
    jobs: JobsArg = None,
    config: ConfigOpt = None,
    state: StateOpt = None,
) -> None:
    """Download the output and error files of every finished job named into one responses
    file; a job still running is named, not waited for (exit 1 when none has finished)."""
    from agent.jobs.remote import fetch_batches

    settings = _settings(config)
    done = fetch_batches(jobs or [], output, lambda m: _resolved(settings, m), _state(state))
    for _, job in done.jobs:
        say(f"fetched {job.id} ({job.status}: {job.counts()})")
    for _, job in done.not_ready:
        say(f"not finished: {job.id} is {job.status} ({job.counts()}); fetch it later")
    for _, job in done.failed:
        say(f"failed: {job.id}: {'; '.join(job.errors) or 'no reason given'}")
    say(f"{done.lines} response line(s) in {output}")


@jobs_app.command("cancel", cls=SitrepCommand)
def cancel(jobs: JobsArg = None, config: ConfigOpt = None, state: StateOpt = None) -> None:
    """Cancel jobs; what they answered already can still be fetched."""
    from agent.jobs.remote import cancel_batches

    settings = _settings(config)
    for job in cancel_batches(jobs or [], lambda m: _resolved(settings, m), _state(state)):
        typer.echo(f"{job.id}  {job.status}  {job.counts()}")


@jobs_app.command("collect", cls=SitrepCommand)
def collect(
    responses: Annotated[
        list[Path],
        typer.Argument(metavar="RESPONSES...", help="Responses files.", show_default=False),
    ],
    requests: Annotated[
        list[Path],
        typer.Option("--requests", metavar="FILE", help="A requests file (repeat for each)."),
    ],
    articles: Annotated[
        list[str],
        typer.Option("--articles", metavar="INPUT", help="The articles (repeat for each input)."),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="Results are appended here.")
    ],
    model: ModelOpt = None,
    config: ConfigOpt = None,
    reask_batch: Annotated[
        Path | None,
        typer.Option(
            "--reask-batch",
            metavar="FILE",
            help="Write the re-asks into this requests file for a second batch instead of "
            "sending them now (no network).",
        ),
    ] = None,
    prompt: PromptOpt = None,
    published: PublishedOpt = None,
    vague_table: VagueOpt = None,
    strict: StrictOpt = False,
    no_cache: NoCacheOpt = False,
    concurrency: ConcurrencyOpt = None,
    keep_order: Annotated[
        bool, typer.Option("--keep-order", help="Results in input order.")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Read a batch's answers exactly as realtime answers (parsed, validated, grounded, re-asked)
    into the output, the cache and the failure ledger."""
    from agent.articles import parse_published
    from agent.jobs.collect import CollectJob, collect_batch

    settings = _settings(config)
    resolved = _resolved(settings, model)
    profile_concurrency = resolved.profile.concurrency if resolved.profile else None
    job = CollectJob(
        responses=responses,
        requests=requests,
        articles=articles,
        output=output,
        resolved=resolved,
        prompt=load_prompt(prompt),
        vague_table=vague_table.value if vague_table else settings.vague_table,
        strict=strict,
        reask_batch=reask_batch,
        concurrency=concurrency or profile_concurrency or settings.concurrency,
        keep_order=keep_order,
        published=parse_published(published) if published else None,
        max_chars=settings.max_article_chars,
    )
    tally = Tally(prices=resolved.profile.prices if resolved.profile else Tally().prices)
    cache = None if no_cache else _cache(settings)
    job.cache = cache
    try:
        done = collect_batch(job, say, tally)
    finally:
        if cache is not None:
            cache.close()
    if not quiet:
        _collected(done, output)
        for line in summary_lines(tally):
            say(line)
    if done.failed:
        raise typer.Exit(EXIT_FAILED_ITEMS)


def _collected(done: Collected, output: Path) -> None:
    say(
        f"collected: {done.written} result(s) appended to {output} ({done.cached} from the "
        f"cache), {done.failed} failed, {done.already} already there; {done.responses} "
        f"response(s) to {done.requests} request(s), {done.unanswered} unanswered"
    )
    if done.waiting:
        parts = ", ".join(str(p) for p in done.reask_parts)
        say(
            f"re-asks: {done.waiting} article(s) wait for a second batch: submit {parts}, then "
            "collect again with its responses and requests added"
        )
    if done.not_in_batch:
        say(f"not in the batch: {done.not_in_batch} article(s) were never prepared")
    if done.ledger_entries:
        say(f"failures: {done.ledger_entries} listed in {done.ledger}")
