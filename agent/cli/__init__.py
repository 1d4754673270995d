"""The `sitrep` command line: the only place that prints or exits.

Exit codes: 0 all good; 1 a gate or check failed; 2 usage or config error; 3 some input or
article could not be extracted (the others were); 4 the run stopped on an authentication
error; 130 interrupted.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn, TextIO

import typer

from agent import __version__
from agent.articles import Article, InputProblem, parse_published, read_inputs
from agent.batch.cache import Cacheable, ResponseCache, default_cache_path
from agent.batch.progress import Budget, Tally, progress_line, summary_lines
from agent.batch.run import Failed, RunFiles, prices_of, run_batch
from agent.config import Settings, load_settings, profile_status
from agent.errors import AgentError, UsageError
from agent.extractors.base import Extractor, make_extractor
from agent.output import atomic_write_text
from agent.schema import ExtractionResult

app = typer.Typer(
    name="sitrep",
    help=(
        "Extract conflict events, casualty figures and stated causes from news articles, "
        "every item grounded in a verbatim quote with offsets."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_FAILED_ITEMS = 3


class OutputFormat(StrEnum):
    json = "json"
    jsonl = "jsonl"
    table = "table"
    csv = "csv"


class VagueTable(StrEnum):
    acled = "acled"
    isaf = "isaf"


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _fail(exc: AgentError) -> NoReturn:
    _say(f"sitrep: {exc}")
    raise typer.Exit(exc.exit_code)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sitrep {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """sitrep: grounded extraction from conflict news."""


ConfigOpt = Annotated[
    str | None,
    typer.Option(
        "--config",
        help="TOML config with model profiles (else $SITREP_CONFIG, ./sitrep.toml, "
        "~/.config/sitrep/config.toml).",
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="A profile name from the config, openai/<model-id>, 'rules' (offline) or 'auto' "
        "(OpenAI when OPENAI_API_KEY is set, else rules).",
    ),
]


PromptOpt = Annotated[str | None, typer.Option("--prompt", help="Use another prompt file (TOML).")]
VagueOpt = Annotated[
    VagueTable | None,
    typer.Option("--vague-table", help="Numbers for vague words: acled (default) or isaf."),
]
ConcurrencyOpt = Annotated[
    int | None,
    typer.Option("--concurrency", "-j", min=1, max=512, help="Articles in flight at once."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")]


def _single_input(inputs: list[str]) -> bool:
    if len(inputs) != 1 or inputs[0] == "-":
        return False
    path = Path(inputs[0])
    return path.is_file() and path.suffix.lower() not in (".jsonl", ".ndjson")


@app.command()
def extract(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Articles: .txt/.md files, .html pages, .jsonl files (one article per line: "
            "id, text, optional title, published, source, url), folders, or - for stdin.",
            show_default=False,
        ),
    ],
    model: ModelOpt = None,
    config: ConfigOpt = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Override the profile's endpoint.")
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            "--mode", help="Override the profile's mode: tools, json_schema, json, md_json."
        ),
    ] = None,
    prompt: PromptOpt = None,
    published: Annotated[
        str | None,
        typer.Option(
            "--published",
            help="Publication date YYYY-MM-DD for resolving relative dates (overrides the "
            "input's).",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    fmt: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="json (one article, pretty), jsonl (one object per line; the default for "
            "several articles), table (for humans), csv (one row per casualty figure).",
        ),
    ] = None,
    vague_table: VagueOpt = None,
    concurrency: ConcurrencyOpt = None,
    quiet: QuietOpt = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print every warning on stderr.")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="With -o out.jsonl: skip the articles already in it (same id and sha256) and "
            "append the rest.",
        ),
    ] = False,
    retry_failures: Annotated[
        bool,
        typer.Option(
            "--retry-failures",
            help="With -o out.jsonl: run again only the articles in out.jsonl.failures.jsonl "
            "and rewrite that ledger with what still fails.",
        ),
    ] = False,
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache", help="Neither read nor write the response cache (LLM profiles)."
        ),
    ] = False,
    max_requests: Annotated[
        int | None,
        typer.Option(
            "--max-requests", min=1, help="Start no new article after this many requests."
        ),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option("--max-tokens", min=1, help="Start no new article after this many tokens."),
    ] = None,
    max_cost: Annotated[
        float | None,
        typer.Option(
            "--max-cost",
            min=0.0,
            help="Start no new article once the estimated cost (the profile's "
            "price_input_per_mtok / price_output_per_mtok) reaches this.",
        ),
    ] = None,
    keep_order: Annotated[
        bool, typer.Option("--keep-order", help="Write results in input order.")
    ] = False,
    progress_every: Annotated[
        float,
        typer.Option(
            "--progress-every",
            min=0.1,
            help="Seconds between progress lines on stderr when it is not a terminal.",
        ),
    ] = 10.0,
) -> None:
    """Extract events, casualty figures and stated causes from articles."""
    try:
        settings = load_settings(config)
        pub = parse_published(published) if published else None
        extractor = make_extractor(
            settings,
            model,
            base_url=base_url,
            mode=mode,
            prompt_path=prompt,
            vague_table=vague_table.value if vague_table else None,
            note=None if quiet else _say,
        )
        cache = None if no_cache else _open_cache(settings, extractor)
    except AgentError as exc:
        _fail(exc)
    single = _single_input(inputs)
    chosen = fmt or (OutputFormat.json if single else OutputFormat.jsonl)
    items = _without_notices(
        read_inputs(inputs, published=pub, max_chars=settings.max_article_chars), quiet=quiet
    )
    results: list[ExtractionResult] = []
    failures: list[Failed] = []
    stream_to: TextIO | None = None
    files = _run_files(output, chosen, resume=resume, retry_failures=retry_failures)
    if files is not None:
        items = files.select(items)
        stream_to = files.stream
    elif chosen is OutputFormat.jsonl:
        stream_to = sys.stdout

    tally = Tally(prices=prices_of(extractor))
    budget = None
    if max_requests is not None or max_tokens is not None or max_cost is not None:
        budget = Budget(max_requests, max_tokens, max_cost)

    async def run() -> None:
        progress = None if quiet else asyncio.create_task(_progress(tally, progress_every))
        try:
            await consume()
        finally:
            if progress is not None:
                progress.cancel()
            await _close(extractor)  # also when the run stops on an error

    async def consume() -> None:
        async for outcome in run_batch(
            items,
            extractor,
            concurrency=concurrency or settings.concurrency,
            cache=cache,
            budget=budget,
            tally=tally,
            keep_order=keep_order,
        ):
            if isinstance(outcome, Failed):
                failures.append(outcome)
                _say(f"sitrep: {outcome.line()}")
                if files is not None:
                    files.fail(outcome)
                continue
            result = outcome.result
            if verbose:
                for warning in result.warnings:
                    _say(f"warning: {result.article.id}: {warning}")
            elif result.warnings and not quiet:
                _say(f"note: {result.article.id}: {len(result.warnings)} warning(s) in 'warnings'")
            if files is not None:
                files.write(outcome)
            elif stream_to is not None:
                stream_to.write(result.model_dump_json() + "\n")
                stream_to.flush()
            else:
                results.append(result)

    try:
        asyncio.run(run())
    except AgentError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        tally.interrupted = True
        _say("sitrep: interrupted")
        raise typer.Exit(130) from None
    finally:
        if files is not None:
            _close_files(files, quiet=quiet)
        if cache is not None:
            cache.close()
        if not quiet and _wants_summary(tally, to_file=output is not None):
            for line in summary_lines(tally):
                _say(line)
    if stream_to is None:
        text = render(results, chosen)
        if output:
            atomic_write_text(output, text)
        else:
            sys.stdout.write(text)
    if failures:
        raise typer.Exit(EXIT_FAILED_ITEMS)


def _without_notices(
    items: Iterable[Article | InputProblem], *, quiet: bool
) -> Iterator[Article | InputProblem]:
    """The inputs, less the files passed over on purpose (named on stderr, not failures)."""
    for item in items:
        if isinstance(item, InputProblem) and item.notice:
            if not quiet:
                _say(f"note: {item}")
            continue
        yield item


def _run_files(
    output: Path | None, chosen: OutputFormat, *, resume: bool, retry_failures: bool
) -> RunFiles | None:
    """The output file and failure ledger of a JSON Lines run to a file."""
    if (resume or retry_failures) and (output is None or chosen is not OutputFormat.jsonl):
        _fail(UsageError("--resume and --retry-failures need -o FILE with JSON Lines output"))
    if output is None or chosen is not OutputFormat.jsonl:
        return None
    try:
        files = RunFiles(output, resume=resume, retry_failures=retry_failures)
    except OSError as exc:
        _fail(UsageError(f"cannot write {output}: {exc.strerror or exc}"))
    except AgentError as exc:
        _fail(exc)
    return files


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
            _say(f"progress: {progress_line(tally)}")
    from rich.console import Console

    with Console(stderr=True).status(progress_line(tally)) as status:
        while True:
            await asyncio.sleep(0.25)
            status.update(progress_line(tally))


def _open_cache(settings: Settings, extractor: Extractor) -> ResponseCache | None:
    """The response cache, for extractors whose answers are worth keeping."""
    if not isinstance(extractor, Cacheable):
        return None
    return ResponseCache(default_cache_path(settings.cache_path, os.environ))


def _close_files(files: RunFiles, *, quiet: bool) -> None:
    files.close()
    if quiet:
        return
    if files.skipped.done:
        _say(f"resume: {files.skipped.done} article(s) already in {files.output}, skipped")
    if files.remaining:
        _say(f"failures: {files.remaining} listed in {files.ledger_path}")


async def _close(extractor: Extractor) -> None:
    close = getattr(extractor, "aclose", None)
    if close is not None:
        await close()


def render(results: list[ExtractionResult], fmt: OutputFormat) -> str:
    if fmt is OutputFormat.json:
        if len(results) == 1:
            return results[0].model_dump_json(indent=2) + "\n"
        return "".join(r.model_dump_json() + "\n" for r in results)
    if fmt is OutputFormat.csv:
        return _csv(results)
    if fmt is OutputFormat.table:
        return _table(results)
    return "".join(r.model_dump_json() + "\n" for r in results)


CSV_COLUMNS = [
    "article_id", "id", "event_id", "outcome", "group", "civilian", "count_text", "low", "high",
    "qualifier", "part_of", "scope", "reported_by", "quote", "start", "end", "model",
]  # fmt: skip


def _csv(results: list[ExtractionResult]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in results:
        for c in r.casualties:
            row: list[Any] = [
                r.article.id, c.id, c.event_id, c.outcome, c.group, c.civilian, c.count_text,
                c.low, c.high, c.qualifier, c.part_of, c.scope, c.reported_by, c.evidence.text,
                c.evidence.start, c.evidence.end, r.model,
            ]  # fmt: skip
            writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def _table(results: list[ExtractionResult]) -> str:
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=140, force_terminal=False, color_system=None)
    for r in results:
        console.print(f"[bold]{r.article.title or r.article.id}[/bold]  ({r.model})")
        figures = Table("id", "outcome", "group", "count", "low", "high", "qualifier",
                        "part of", "scope", "reported by", title="Casualty figures")  # fmt: skip
        for c in r.casualties:
            figures.add_row(
                c.id, c.outcome, c.group, c.count_text, _cell(c.low), _cell(c.high),
                c.qualifier, _cell(c.part_of), c.scope, _cell(c.reported_by),
            )  # fmt: skip
        console.print(figures)
        causes = Table("id", "cause", "effect", "claimed by", "certainty", title="Stated causes")
        for k in r.causes:
            causes.add_row(k.id, k.cause, k.effect, _cell(k.claimed_by), k.certainty)
        console.print(causes)
        events = Table("id", "type", "date", "location", "summary", title="Events")
        for e in r.events:
            events.add_row(e.id, e.event_type, _cell(e.date or e.date_text), _cell(e.location),
                           e.summary)  # fmt: skip
        console.print(events)
        for w in r.warnings:
            console.print(f"warning: {w}", markup=False)
    return buffer.getvalue()


def _cell(value: object) -> str:
    return "" if value is None else str(value)


@app.command()
def view(
    results: Annotated[
        Path,
        typer.Argument(
            metavar="RESULTS",
            help="Extraction results: a .json file from `sitrep extract`, or .jsonl (one "
            "result per line).",
            show_default=False,
        ),
    ],
    more_articles: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="ARTICLES",
            help="More article inputs, as for --articles (so `--articles dir/*.txt` works).",
            show_default=False,
        ),
    ] = None,
    articles: Annotated[
        list[str] | None,
        typer.Option(
            "--articles",
            "-a",
            help="The articles the results were extracted from, matched by id and checked by "
            "sha256: the inputs of `sitrep extract` (files, .jsonl, folders) or eval case "
            "folders (evals/cases/<id>/article.txt answers to <id>).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="The HTML page to write."),
    ] = Path("sitrep-view.html"),
    title: Annotated[str | None, typer.Option("--title", help="The page's title.")] = None,
) -> None:
    """Write one self-contained HTML page to review results: highlighted quotes and tables.

    Exit 3 when an article is missing or changed since the extraction; the others are shown.
    """
    from agent.pages.review import article_paths, match_articles, read_results
    from agent.pages.review_page import render_review

    inputs = [*(articles or []), *(more_articles or [])]
    from agent.incidents.writers import looks_like_incidents

    if looks_like_incidents(results):  # `sitrep incidents` output: the incidents page
        from agent.cli.incidents import view_incidents

        return view_incidents(results, inputs, output, title)
    if not inputs:
        _fail(UsageError("give the articles the results were extracted from: --articles INPUT..."))
    try:
        found, bad_records = read_results(results)
    except AgentError as exc:
        _fail(exc)
    for problem in bad_records:
        _say(f"sitrep: {problem}")
    if not found:
        _fail(UsageError(f"{results}: no extraction results to show"))
    texts = []
    for item in read_inputs(article_paths(inputs)):
        if isinstance(item, Article):
            texts.append(item)
        else:
            _say(f"sitrep: {item}")
    reviews = match_articles(found, texts)
    missing = [r.problem for r in reviews if r.problem is not None]
    for problem in missing:
        _say(f"sitrep: {problem}")
    for r in reviews:
        for note in r.notes:
            _say(f"note: {r.result.article.id}: {note}")
    page = render_review(reviews, title=title or f"sitrep review: {results.name}")
    try:
        atomic_write_text(output, page)
    except OSError as exc:
        _fail(UsageError(f"cannot write {output}: {exc.strerror or exc}"))
    shown = len(reviews) - len(missing)
    _say(f"view: {output} ({shown} of {len(reviews)} article(s) with their text)")
    if missing or bad_records:
        raise typer.Exit(EXIT_FAILED_ITEMS)


@app.command()
def models(config: ConfigOpt = None) -> None:
    """List the model profiles and whether each is usable here (never prints a key)."""
    try:
        settings = load_settings(config)
    except AgentError as exc:
        _fail(exc)
    typer.echo(f"config: {settings.config_path or '(none found; built-in defaults)'}")
    typer.echo(f"default_model: {settings.default_model}")
    typer.echo("rules        usable   offline rule-based extractor (no key, no network)")
    for name, profile in sorted(settings.models.items()):
        ok, why = profile_status(profile, os.environ)
        typer.echo(
            f"{name:<12} {'usable' if ok else 'missing':<8} {profile.model} via "
            f"{profile.endpoint} (mode {profile.mode}; {why})"
        )
    if "OPENAI_API_KEY" in os.environ:
        typer.echo("openai/<id>  usable   ad hoc OpenAI model (key in $OPENAI_API_KEY)")
    else:
        typer.echo("openai/<id>  missing  ad hoc OpenAI model ($OPENAI_API_KEY is not set)")


class Split(StrEnum):
    dev = "dev"
    test = "test"
    all = "all"


@app.command("eval")
def eval_command(
    ctx: typer.Context,
    suite: Annotated[
        Path,
        typer.Argument(help="The suite: a folder holding cases/ and suite.toml, or the cases."),
    ] = Path("evals"),
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="A model to run and score (repeat to compare): a profile, openai/<id>, "
            "'rules' or 'auto'.",
        ),
    ] = None,
    predictions: Annotated[
        list[Path] | None,
        typer.Option(
            "--predictions",
            help="Score extractions made earlier (JSON Lines from `sitrep extract`) instead of "
            "calling a model; repeatable.",
        ),
    ] = None,
    split: Annotated[Split, typer.Option("--split", help="Which cases: dev, test or all.")] = (
        Split.all
    ),
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="Only cases carrying this tag (repeat: all of them)."),
    ] = None,
    config: ConfigOpt = None,
    prompt: PromptOpt = None,
    vague_table: VagueOpt = None,
    concurrency: ConcurrencyOpt = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor write the response cache.")
    ] = False,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report-dir",
            help="Write report.json, summary.md and junit.xml into this folder.",
        ),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Write a self-contained HTML report: charts per model and every article's "
            "matched, missed and spurious items.",
        ),
    ] = None,
    fail_under: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-under",
            help="A gate METRIC=VALUE, e.g. casualties.f1=0.8 (repeatable; adds to or "
            "overrides the suite.toml gates).",
        ),
    ] = None,
    no_suite_gates: Annotated[
        bool, typer.Option("--no-suite-gates", help="Ignore the [gates] of suite.toml.")
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="An earlier report.json: fail when a gated metric fell by more than --max-drop.",
        ),
    ] = None,
    max_drop: Annotated[
        float,
        typer.Option("--max-drop", min=0.0, help="Allowed drop against --baseline."),
    ] = 0.02,
    quiet: QuietOpt = False,
    incidents: Annotated[
        Path | None,
        typer.Option(
            "--incidents",
            help="Score incident linking and counts on this incident gold set (e.g. "
            "evals/incidents): its gold extractions, or --predictions (results or incidents).",
        ),
    ] = None,
) -> None:
    """Score models (or earlier predictions) against the gold suite; gate on the metrics.

    Exit 0 when every gate passes, 1 when a gate fails, 2 on usage or config errors.
    """
    if incidents is not None:
        from agent.cli.incidents import eval_incidents

        eval_incidents(
            incidents, predictions or [], fail_under or [], no_suite_gates=no_suite_gates,
            report_dir=report_dir, command=_command_line(ctx), quiet=quiet, models=model, html=html,
        )  # fmt: skip
        return
    from agent.eval.evaluate import (
        build_report,
        check_gates,
        load_baseline,
        open_suite,
        parse_threshold,
        read_predictions,
        run_model,
    )
    from agent.eval.report import terminal_table

    command = _command_line(ctx)
    try:
        settings = load_settings(config)
        chosen = open_suite(suite, split.value, tag or [])
        thresholds = {} if no_suite_gates else dict(chosen.gates)
        thresholds.update(parse_threshold(t) for t in fail_under or [])
        before = load_baseline(baseline) if baseline else None
    except AgentError as exc:
        _fail(exc)
    runs = []
    wanted = list(model or [])
    if not wanted and not predictions:
        wanted = ["auto"]
    for name in wanted:
        try:
            extractor = make_extractor(
                settings,
                name,
                prompt_path=prompt,
                vague_table=vague_table.value if vague_table else None,
                note=None if quiet else _say,
            )
            cache = None if no_cache else _open_cache(settings, extractor)
        except AgentError as exc:
            _fail(exc)

        async def one(extractor: Extractor, cache: ResponseCache | None) -> Any:
            try:
                return await run_model(
                    chosen, extractor, concurrency=concurrency or settings.concurrency, cache=cache
                )
            finally:
                await _close(extractor)

        try:
            run = asyncio.run(one(extractor, cache))
        except AgentError as exc:
            _fail(exc)
        except KeyboardInterrupt:
            _say("sitrep: interrupted")
            raise typer.Exit(130) from None
        finally:
            if cache is not None:
                cache.close()
        runs.append(run)
    for path in predictions or []:
        try:
            run, problems = read_predictions(chosen, path)
        except AgentError as exc:
            _fail(exc)
        for problem in problems:
            _say(f"sitrep: {problem}")
        runs.append(run)
    for run in runs:
        for case_run in run.runs:
            if case_run.score is None and not quiet:
                _say(f"not scorable: {run.label}: {case_run.case.id}: {case_run.error}")
    report = build_report(chosen, runs, command=command)
    try:
        failures = check_gates(report, thresholds, before, max_drop)
    except AgentError as exc:
        _fail(exc)
    report["gates"] = {
        "thresholds": thresholds,
        "baseline": str(baseline) if baseline else None,
        "max_drop": max_drop if baseline else None,
        "failures": failures,
        "passed": not failures,
    }
    typer.echo(terminal_table(report), nl=False)
    if report_dir is not None:
        _write_reports(report, report_dir, quiet=quiet)
    if html is not None:
        from agent.pages.eval_report import eval_page

        try:
            atomic_write_text(html, eval_page(report))
        except OSError as exc:
            _fail(UsageError(f"cannot write {html}: {exc.strerror or exc}"))
        if not quiet:
            _say(f"wrote {html}")
    if failures:
        for line in failures:
            _say(f"gate failed: {line}")
        raise typer.Exit(1)
    if thresholds and not quiet:
        _say(f"gates: {len(thresholds)} passed" + (" (and the baseline)" if before else ""))


def _write_reports(report: dict[str, Any], folder: Path, *, quiet: bool) -> None:
    """report.json, summary.md and junit.xml in `folder`, each named on stderr."""
    from agent.eval.report import write_reports

    try:
        for path in write_reports(report, folder):
            if not quiet:
                _say(f"wrote {path}")
    except OSError as exc:
        _fail(UsageError(f"cannot write reports to {folder}: {exc.strerror or exc}"))


def _command_line(ctx: typer.Context) -> str:
    """The command as the user could type it again, from the parsed parameters."""
    import shlex

    words = ["sitrep", *ctx.command_path.split()[1:]]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if value is None or value is False or value == [] or value == param.default:
            continue
        if not isinstance(param, typer.core.TyperOption):
            words.append(str(value))
            continue
        flag = max(param.opts, key=len)
        for one in value if isinstance(value, list | tuple) else [value]:
            words += [flag] if one is True else [flag, str(getattr(one, "value", one))]
    return shlex.join(words)


gold_app = typer.Typer(help="The gold suite of hand-annotated cases.", no_args_is_help=True)
app.add_typer(gold_app, name="gold")


@gold_app.command("check")
def gold_check(
    suite: Annotated[Path, typer.Argument(help="Folder of cases (evals/cases/<id>/...).")] = Path(
        "evals/cases"
    ),
) -> None:
    """Check every gold file: schema, quotes in the article, numbers in their quotes, ids, tags.

    Exit 0 when the suite is clean, 1 when any problem is found (each on one line).
    """
    from agent.eval.suite import check_suite, load_suite

    problems = check_suite(suite)
    for line in problems:
        typer.echo(line)
    count = len(load_suite(suite)) if suite.is_dir() else 0
    if problems:
        _say(f"gold check: {len(problems)} problem(s) in {count} case(s)")
        raise typer.Exit(1)
    _say(f"gold check: {count} case(s), no problems")


@gold_app.command("agree")
def gold_agree(
    second: Annotated[
        Path, typer.Argument(help="Second annotations: <folder>/<case-id>/gold.json.")
    ] = Path("evals/agreement"),
    suite: Annotated[
        Path, typer.Option("--suite", help="The suite holding the first (gold) annotation.")
    ] = Path("evals"),
    report_dir: Annotated[
        Path | None,
        typer.Option("--report-dir", help="Write report.json, summary.md and junit.xml here."),
    ] = None,
) -> None:
    """Inter-annotator agreement: score a second annotation against the gold, as a model."""
    from agent.eval.evaluate import build_report, open_suite, read_second_annotation
    from agent.eval.report import terminal_table

    try:
        chosen, run = read_second_annotation(open_suite(suite), second)
    except AgentError as exc:
        _fail(exc)
    report = build_report(chosen, [run], command=f"sitrep gold agree {second} --suite {suite}")
    typer.echo(terminal_table(report), nl=False)
    if report_dir is not None:
        _write_reports(report, report_dir, quiet=False)


@gold_app.command("inputs")
def gold_inputs(
    suite: Annotated[
        Path, typer.Argument(help="The suite: a folder holding cases/, or the cases.")
    ] = Path("evals"),
    split: Annotated[Split, typer.Option("--split", help="Which cases: dev, test or all.")] = (
        Split.all
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """The suite's articles as JSON Lines inputs for `sitrep extract` (id, text, title, ...).

    Extract them with any model, commit the output, and `sitrep eval --predictions` scores it
    without calling a model.
    """
    import json

    from agent.eval.evaluate import case_article, open_suite

    try:
        chosen = open_suite(suite, split.value)
    except AgentError as exc:
        _fail(exc)
    lines = []
    for case in chosen.cases:
        article = case_article(case)
        record = {
            "id": article.id,
            "text": article.text,
            "title": article.title,
            "published": article.published,
            "source": article.source,
            "url": article.url,
        }
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    if output is None:
        sys.stdout.write("".join(lines))
    else:
        atomic_write_text(output, "".join(lines))
        _say(f"gold inputs: {len(lines)} case(s) written to {output}")


cache_app = typer.Typer(help="The response cache of LLM extractions.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


def _cache_for(config: str | None) -> ResponseCache:
    try:
        settings = load_settings(config)
        return ResponseCache(default_cache_path(settings.cache_path, os.environ))
    except AgentError as exc:
        _fail(exc)


@cache_app.command("stats")
def cache_stats(config: ConfigOpt = None) -> None:
    """Entries, size on disk and path of the response cache."""
    cache = _cache_for(config)
    try:
        stats = cache.stats()
    finally:
        cache.close()
    typer.echo(f"path: {stats.path}")
    typer.echo(f"entries: {stats.entries}")
    typer.echo(f"size: {stats.size_bytes / 1e6:.2f} MB ({stats.size_bytes} bytes)")


@cache_app.command("clear")
def cache_clear(config: ConfigOpt = None) -> None:
    """Delete every cached extraction."""
    cache = _cache_for(config)
    try:
        removed = cache.clear()
    finally:
        cache.close()
    typer.echo(f"cleared {removed} cached extraction(s) from {cache.path}")


from agent.cli.incidents import incidents  # noqa: E402  (one module per command)

app.command("incidents")(incidents)
