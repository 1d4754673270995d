"""sitrep from Python: one text in, one `ExtractionResult` out (exported by `agent`).

Nothing here prints, exits or keeps state between calls: every call builds what it needs
from its arguments (settings read when asked), so calls are safe from many threads at once
and from many processes (Ray, Dask, Spark workers). Errors are `AgentError` subclasses, with
the same kinds the CLI's failure ledger uses.

- `extract_text(text, model="rules", ...)`: one article, synchronously.
- `aextract_text(text, model=..., ...)`: the same in an event loop. `model` may also be an
  extractor from `make_extractor`, reused by many calls on ONE event loop (an LLM
  extractor's connections belong to the loop that opened them); the caller closes it
  (`await extractor.aclose()`).
- `load_settings(path=None)`: the config (`path`, else $SITREP_CONFIG, ./sitrep.toml,
  ~/.config/sitrep/config.toml), read now.
- `make_extractor(name, settings)`: the extractor a profile name stands for.

The LLM extractor (openai, instructor) is imported only when an LLM profile is used.
"""

from __future__ import annotations

import asyncio
import os
from datetime import date
from pathlib import Path

from agent import config as _config
from agent.articles import Article, parse_published
from agent.errors import InputError
from agent.extractors import factory as _factory
from agent.extractors.base import Extractor
from agent.extractors.results import extract_article
from agent.schema import ExtractionResult

ConfigArg = _config.Settings | str | os.PathLike[str] | None
DEFAULT_ID = "text"


def load_settings(path: str | os.PathLike[str] | None = None) -> _config.Settings:
    """The settings of a config file (see the module docstring for where it is looked for);
    no file at the default places gives the defaults."""
    return _config.load_settings(str(path) if path is not None else None)


def make_extractor(name: str, settings: _config.Settings | None = None) -> Extractor:
    """The extractor for `name`: 'rules', a profile of `settings`, openai/<model-id> or
    'auto'. Raises `ConfigError` for an unknown name or a missing key."""
    return _factory.make_extractor(settings if settings is not None else _config.Settings(), name)


def extract_text(
    text: str,
    *,
    model: str = "rules",
    title: str | None = None,
    published: str | date | None = None,
    config: ConfigArg = None,
    article_id: str = DEFAULT_ID,
) -> ExtractionResult:
    """Extract one article's events, casualty figures and stated causes.

    `published` (YYYY-MM-DD or a date) resolves relative dates such as "on Sunday"; `config`
    is a `Settings` or the path of a config file (needed for profiles other than 'rules' and
    openai/<model-id>); `article_id` is written into `result.article.id`.
    """
    return asyncio.run(
        aextract_text(
            text,
            model=model,
            title=title,
            published=published,
            config=config,
            article_id=article_id,
        )
    )


async def aextract_text(
    text: str,
    *,
    model: str | Extractor = "rules",
    title: str | None = None,
    published: str | date | None = None,
    config: ConfigArg = None,
    article_id: str = DEFAULT_ID,
) -> ExtractionResult:
    """`extract_text` in an event loop; `model` may be an extractor from `make_extractor`."""
    article = _article(text, title=title, published=published, article_id=article_id)
    if not isinstance(model, str):
        return await extract_article(model, article)
    extractor = make_extractor(model, _settings(config, model))
    try:
        return await extract_article(extractor, article)
    finally:
        await extractor.aclose()


def _article(
    text: str, *, title: str | None, published: str | date | None, article_id: str
) -> Article:
    if not isinstance(text, str):
        raise InputError(f"text must be a string, not {type(text).__name__}")
    if not text.strip():
        raise InputError("empty article (no text)" if not text else "whitespace only")
    if published is not None and not isinstance(published, str | date):
        raise InputError(f"published must be YYYY-MM-DD or a date, not {published!r}")
    day = published.isoformat() if isinstance(published, date) else published
    return Article(
        id=article_id,
        text=text,
        title=title,
        published=parse_published(day) if day else None,
        origin=article_id,
    )


def _settings(config: ConfigArg, model: str) -> _config.Settings:
    if isinstance(config, _config.Settings):
        return config
    if config is not None:
        return load_settings(Path(config))
    if model == _config.RULES:
        return _config.Settings()  # the offline extractor reads no config
    return load_settings()
