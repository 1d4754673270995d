"""Reading inputs into articles: text and Markdown files, HTML, JSON Lines, folders, stdin.

Inputs are streamed: a JSON Lines file is read line by line, never whole. A record that cannot
be read becomes an `InputProblem` (named source, one-line reason) and the rest go on.
Offsets are indices into `Article.text` exactly as decoded: no newline translation.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO, cast

from agent.decoding import (
    LongLine,
    bounded_lines,
    check_text,
    decode,
    json_line_limit,
    over_limit,
    page_byte_limit,
    read_bounded,
    refuse_binary,
    text_byte_limit,
)
from agent.errors import InputError, one_line
from agent.fingerprints import Fingerprints, fingerprint
from agent.folders import walk
from agent.schema import ArticleInfo
from agent.titles import guess_title, with_title
from agent.webpages import read_page

__all__ = ["Article", "InputProblem", "decode", "read_file", "read_inputs", "read_jsonl"]
DEFAULT_MAX_CHARS = 200_000
UNSET_MAX_CHARS = 5_000_000  # how much is read when no limit is given (view, eval): bounded

TEXT_SUFFIXES = {".txt", ".md", ".text", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES


@dataclass
class Article:
    id: str
    text: str
    title: str | None = None
    source: str | None = None
    published: str | None = None
    url: str | None = None
    origin: str = ""  # where it was read from, for messages
    notes: list[str] = field(default_factory=list)  # e.g. "decoded as Windows-1252"
    author: str | None = None

    @cached_property
    def sha256(self) -> str:
        """The digest of the text (computed once: the text of an article never changes)."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def info(self) -> ArticleInfo:
        """The article as the output contract names it."""
        return ArticleInfo(
            id=self.id,
            title=self.title,
            source=self.source,
            published=self.published,
            url=self.url,
            author=self.author,
            sha256=self.sha256,
        )


@dataclass(frozen=True)
class InputProblem:
    """An input that was skipped, and why: one line for the user and the failure ledger."""

    source: str
    message: str
    article_id: str | None = None
    notice: bool = False  # a file deliberately passed over (not an article), not a failure

    def __str__(self) -> str:
        return f"{one_line(self.source)}: {self.message}"


def read_file(
    path: Path, published: str | None = None, max_chars: int = DEFAULT_MAX_CHARS
) -> Iterator[Article | InputProblem]:
    """The articles in one file (one for text/HTML, one per line for JSON Lines), never
    reading more than an article under `max_chars` can take."""
    source = str(path)
    suffix = path.suffix.lower()
    try:
        with path.open("rb") as handle:
            if suffix in JSONL_SUFFIXES:
                yield from read_jsonl(handle, source, published, max_chars)
                return
            html = suffix in HTML_SUFFIXES
            limit = page_byte_limit(max_chars) if html else text_byte_limit(max_chars)
            size = os.fstat(handle.fileno())
            if stat.S_ISREG(size.st_mode) and size.st_size > limit:
                yield InputProblem(source, over_limit(max_chars, f"{size.st_size:,} bytes"))
                return
            data, more = read_bounded(handle, limit)
    except OSError as exc:
        yield InputProblem(source, f"cannot read: {exc.strerror or exc}")
        return
    yield _article_from_bytes(data, more, source, path.stem, published, max_chars, html=html)


def _article_from_bytes(
    data: bytes,
    more: bool,
    source: str,
    article_id: str,
    published: str | None,
    max_chars: int,
    *,
    html: bool = False,
) -> Article | InputProblem:
    try:
        if more:  # more bytes than any article under the limit: say why it is refused
            refuse_binary(data, source)
            return InputProblem(source, over_limit(max_chars, f"more than {len(data):,} bytes"))
        text, notes = decode(data, source)
    except InputError as exc:
        return InputProblem(source, exc.message)
    if html:
        return _article_from_page(text, source, article_id, published, notes)
    markdown = source.lower().endswith((".md", ".markdown"))
    return Article(
        id=article_id,
        text=text,
        title=guess_title(text, markdown=markdown),
        published=published,
        origin=source,
        notes=notes,
    )


def _article_from_page(
    html: str, source: str, article_id: str, published: str | None, notes: list[str]
) -> Article | InputProblem:
    """An article from a page's main text; `--published` wins over the page's own date."""
    page = read_page(html)
    if not page.text.strip():
        return InputProblem(source, "HTML page has no readable text")
    date = published
    if date is None and page.published:
        try:
            date = parse_published(page.published)
        except InputError:
            notes.append(f"the page's publication date {page.published!r} is not a date: ignored")
    return Article(
        id=article_id,
        text=with_title(page.text, page.title),
        title=page.title,
        source=page.site_name,
        published=date,
        url=page.url,
        author=page.author,
        origin=source,
        notes=[*notes, *page.warnings],
    )


def read_jsonl(
    handle: BinaryIO,
    source: str,
    published: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Iterator[Article | InputProblem]:
    """One article per line: `id`, `text`, optional `title`, `published`, `source`, `url`.
    A line longer than any article under `max_chars` can take is skipped unread."""
    limit = json_line_limit(max_chars)
    for number, raw in enumerate(bounded_lines(handle, limit), start=1):
        where = f"{source}:{number}"
        if isinstance(raw, LongLine):
            yield InputProblem(where, over_limit(max_chars, f"a line of {raw.size:,} bytes"))
            continue
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError as exc:
            yield InputProblem(where, f"line is not UTF-8 (byte {exc.start})")
            continue
        except json.JSONDecodeError as exc:
            yield InputProblem(where, f"malformed JSON: {exc.msg} at column {exc.colno}")
            continue
        except RecursionError:
            yield InputProblem(where, "malformed JSON: nested too deeply")
            continue
        except ValueError as exc:  # e.g. an integer over Python's 4300-digit limit
            yield InputProblem(where, f"malformed JSON: {str(exc)[:120]}")
            continue
        if (b"\\ud" in raw or b"\\uD" in raw) and _has_lone_surrogate(record):
            yield InputProblem(where, "malformed JSON: a \\u escape is half a surrogate pair")
            continue
        item = article_from_record(record, where, published)
        yield item


def _has_lone_surrogate(record: Any) -> bool:
    """Whether a parsed record holds a lone surrogate (not valid Unicode, cannot be written)."""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def article_from_record(
    record: Any, where: str, published: str | None = None
) -> Article | InputProblem:
    if not isinstance(record, dict):
        return InputProblem(where, "a line must be a JSON object with 'id' and 'text'")
    text = record.get("text")
    rid = record.get("id")
    rid = str(rid) if rid is not None else None
    if not isinstance(text, str):
        what = "has no 'text'" if text is None else "'text' is not a string"
        return InputProblem(where, what, article_id=rid)
    try:
        check_text(text, where)
    except InputError as exc:
        return InputProblem(where, exc.message, article_id=rid)
    pub = published or record.get("published")
    if pub is not None and not isinstance(pub, str):
        return InputProblem(where, "'published' must be a YYYY-MM-DD string", article_id=rid)
    if pub:
        try:
            pub = parse_published(pub)
        except InputError as exc:
            return InputProblem(where, exc.message, article_id=rid)
    title = _opt_str(record.get("title"))
    return Article(
        id=rid or where,
        text=with_title(text, title),
        title=title,
        source=_opt_str(record.get("source")),
        published=pub,
        url=_opt_str(record.get("url")),
        author=_opt_str(record.get("author")),
        origin=where,
    )


def _opt_str(value: Any) -> str | None:
    return str(value) if value is not None else None


def parse_published(value: str) -> str:
    """A publication date as YYYY-MM-DD (a full ISO timestamp is cut to its date)."""
    try:
        return date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError as exc:
        why = f" ({exc})" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()[:10]) else ""
        raise InputError(f"publication date {value!r} is not a YYYY-MM-DD date{why}") from None


def read_inputs(
    inputs: Iterable[str],
    *,
    published: str | None = None,
    stdin: BinaryIO | None = None,
    max_chars: int | None = None,
) -> Iterator[Article | InputProblem]:
    """Every article from the given paths, folders and `-` (stdin), in order.

    Articles over `max_chars` characters become problems (a clear limit, never a crash). A
    repeated id is reported: the same text again is skipped, a different text is kept under
    `<id>~N` so that outputs and resumes stay unambiguous.

    The ids seen are remembered as 64-bit fingerprints (id -> text), at most ~40 bytes per
    article whatever the ids and texts, so that a long stream stays small in memory.
    """
    seen = Fingerprints()
    bound = max_chars if max_chars is not None else UNSET_MAX_CHARS
    for item in _read_all(inputs, published, stdin, bound):
        if isinstance(item, InputProblem):
            yield item
            continue
        if max_chars is not None and len(item.text) > max_chars:
            yield InputProblem(
                item.origin or item.id,
                f"article is {len(item.text):,} characters, over the limit of {max_chars:,} "
                "(max_article_chars in the config): split it",
                article_id=item.id,
            )
            continue
        digest = fingerprint(item.text)
        key = fingerprint(item.id)
        known = seen.get(key)
        if known is not None:
            if known == digest:
                yield InputProblem(
                    item.origin or item.id,
                    f"duplicate of article {item.id!r}: skipped",
                    article_id=item.id,
                )
                continue
            n = 2
            while fingerprint(f"{item.id}~{n}") in seen:
                n += 1
            item.notes.append(f"id {item.id!r} was already used by another text; renamed")
            item.id = f"{item.id}~{n}"
            key = fingerprint(item.id)
        seen.put(key, digest)
        yield item


def _read_all(
    inputs: Iterable[str], published: str | None, stdin: BinaryIO | None, max_chars: int
) -> Iterator[Article | InputProblem]:
    for item in inputs:
        if item == "-":
            yield from _read_stdin(stdin or sys.stdin.buffer, published, max_chars)
            continue
        path = Path(item)
        if not path.exists():
            yield InputProblem(item, "no such file or directory")
        elif path.is_dir():
            yield from _read_dir(path, published, max_chars)
        elif path.suffix.lower() not in SUPPORTED:
            yield InputProblem(
                item,
                f"unsupported file type {path.suffix or '(none)'!r}: use .txt, .md, .html "
                "or .jsonl",
            )
        else:
            yield from read_file(path, published, max_chars)


def _read_dir(
    folder: Path, published: str | None, max_chars: int
) -> Iterator[Article | InputProblem]:
    """The supported files of a folder and its subfolders, in order; every other entry is
    named as passed over (unsupported files, FIFOs, devices, broken links, link loops)."""
    for path, what in walk(folder, set()):
        if isinstance(what, OSError):  # a folder or file that fails to be looked at
            yield InputProblem(str(path), f"cannot read: {what.strerror or what}")
        elif what is not None:
            yield InputProblem(str(path), f"skipped: {what}", notice=True)
        elif path.suffix.lower() in SUPPORTED:
            yield from read_file(path, published, max_chars)
        else:
            yield InputProblem(str(path), "skipped: not a supported article file", notice=True)


def stdin_holds_jsonl(handle: BinaryIO) -> bool:
    """Whether standard input starts with `{` (JSON Lines), looked at without consuming it."""
    peek = getattr(handle, "peek", None)
    head: bytes = peek(4096) if peek is not None else b""
    return head.lstrip()[:1] == b"{"


def _read_stdin(
    handle: BinaryIO, published: str | None, max_chars: int
) -> Iterator[Article | InputProblem]:
    """Standard input: JSON Lines when it starts with `{`, else one article; never more read
    than an article under `max_chars` can take (it may never end)."""
    if not hasattr(handle, "peek"):
        handle = io.BufferedReader(cast(io.RawIOBase, handle))  # to look ahead
    if stdin_holds_jsonl(handle):
        yield from read_jsonl(handle, "<stdin>", published, max_chars)
        return
    try:
        data, more = read_bounded(handle, text_byte_limit(max_chars))
    except OSError as exc:
        yield InputProblem("<stdin>", f"cannot read: {exc.strerror or exc}")
        return
    yield _article_from_bytes(data, more, "<stdin>", "stdin", published, max_chars)
