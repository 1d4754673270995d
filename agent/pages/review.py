"""Results matched to their articles, for the review page.

Results carry only offsets and the article's sha256, so the articles are read again and
matched to the results by id (a case folder `evals/cases/<id>/article.txt` also answers to
`<id>`). An article that is missing or whose text changed becomes a problem (an `InputError`
naming the article); a quote whose offsets do not fit the text becomes a note.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from agent.articles import Article, read_inputs
from agent.errors import InputError
from agent.items import first_error
from agent.schema import ExtractionResult, Quote


@dataclass
class Review:
    """One result and the text it was extracted from (None when missing or changed)."""

    result: ExtractionResult
    text: str | None = None
    problem: InputError | None = None
    notes: list[str] = field(default_factory=list)


def read_results(path: Path) -> tuple[list[ExtractionResult], list[InputError]]:
    """Results from one JSON file (an object or a list) or JSON Lines; bad records are problems."""
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read results ({exc.strerror or exc})", source=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"results are not UTF-8 (byte {exc.start})", source=str(path)) from None
    try:
        whole = json.loads(raw)
    except json.JSONDecodeError:
        records = list(_json_lines(raw, str(path)))
    else:
        items = whole if isinstance(whole, list) else [whole]
        records = [
            (f"{path}" if len(items) == 1 else f"{path}[{i}]", r) for i, r in enumerate(items)
        ]
    results: list[ExtractionResult] = []
    problems: list[InputError] = []
    for where, record in records:
        if isinstance(record, InputError):
            problems.append(record)
            continue
        try:
            results.append(ExtractionResult.model_validate(record))
        except ValidationError as exc:
            problems.append(
                InputError(f"not an extraction result ({first_error(exc, 'record')})", source=where)
            )
    return results, problems


def _json_lines(raw: str, source: str) -> Iterator[tuple[str, object]]:
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            yield where, json.loads(line)
        except json.JSONDecodeError as exc:
            yield (
                where,
                InputError(f"malformed JSON: {exc.msg} at column {exc.colno}", source=where),
            )


def article_paths(inputs: Iterable[str]) -> list[str]:
    """The inputs, a folder of eval cases (or one case folder) turned into its article.txt files."""
    paths: list[str] = []
    for item in inputs:
        folder = Path(item)
        if item != "-" and folder.is_dir():
            if (folder / "article.txt").is_file():
                paths.append(str(folder / "article.txt"))
                continue
            cases = sorted(p for p in folder.glob("*/article.txt") if p.is_file())
            if cases:
                paths.extend(str(p) for p in cases)
                continue
        paths.append(item)
    return paths


def article_keys(article: Article) -> list[str]:
    """The ids an article answers to: its own, and its case folder's for `<case>/article.txt`."""
    keys = [article.id]
    origin = Path(article.origin) if article.origin else None
    if origin is not None and origin.name == "article.txt" and origin.parent.name:
        keys.append(origin.parent.name)
    return keys


def match_articles(
    results: Iterable[ExtractionResult], articles: Iterable[Article]
) -> list[Review]:
    """Each result with its article's text, after the sha256 and every quote are checked."""
    by_key: dict[str, Article] = {}
    for article in articles:
        for key in article_keys(article):
            by_key.setdefault(key, article)
    reviews = []
    for result in results:
        aid = result.article.id
        found = by_key.get(aid)
        if found is None:
            problem = InputError("no article with this id in --articles", source=f"article {aid!r}")
            reviews.append(Review(result, problem=problem))
        elif found.sha256 != result.article.sha256:
            problem = InputError(
                f"text of {found.origin or found.id} differs from the one extracted (sha256 "
                f"{found.sha256[:12]}… != {result.article.sha256[:12]}…)",
                source=f"article {aid!r}",
            )
            reviews.append(Review(result, problem=problem))
        else:
            reviews.append(
                Review(result, text=found.text, notes=_quote_problems(result, found.text))
            )
    return reviews


def _quotes(result: ExtractionResult) -> Iterator[tuple[str, Quote]]:
    for e in result.events:
        for q in e.evidence:
            yield e.id, q
    for c in result.casualties:
        yield c.id, c.evidence
    for k in result.causes:
        yield k.id, k.evidence


def _quote_problems(result: ExtractionResult, text: str) -> list[str]:
    return [
        f"quote of {item} does not match the article at {q.start}-{q.end}: not highlighted"
        for item, q in _quotes(result)
        if not fits(q, text)
    ]


def fits(quote: Quote, text: str) -> bool:
    return quote.start <= quote.end <= len(text) and text[quote.start : quote.end] == quote.text


@dataclass
class ReviewRun:
    """The results of `sitrep view` matched to their articles, and what went wrong on the way."""

    reviews: list[Review]
    problems: list[InputError]  # unreadable result records, unreadable inputs, missing texts
    incomplete: bool  # a result record could not be read or an article is missing or changed

    @property
    def shown(self) -> int:
        return sum(1 for r in self.reviews if r.problem is None)


def review_results(results: Path, inputs: list[str]) -> ReviewRun:
    """Read `results` and the articles named by `inputs`, and match them."""
    found, bad_records = read_results(results)
    problems = list(bad_records)
    if not found:
        return ReviewRun([], problems, True)
    texts = []
    for item in read_inputs(article_paths(inputs)):
        if isinstance(item, Article):
            texts.append(item)
        else:
            problems.append(InputError(item.message, source=item.source))
    reviews = match_articles(found, texts)
    missing = [r.problem for r in reviews if r.problem is not None]
    return ReviewRun(reviews, problems + missing, bool(missing or bad_records))
