"""Reading inputs into articles: text and Markdown files, HTML, JSON Lines, folders, stdin.

Inputs are streamed: a JSON Lines file is read line by line, never whole. A record that cannot
be read becomes an `InputProblem` (named source, one-line reason) and the rest go on.
Offsets are indices into `Article.text` exactly as decoded: no newline translation.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import re
import sys
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from agent.errors import InputError
from agent.schema import ArticleInfo

TEXT_SUFFIXES = {".txt", ".md", ".text", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES

_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"\x7fELF": "an executable",
}


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
        return f"{self.source}: {self.message}"


def decode(data: bytes, source: str) -> tuple[str, list[str]]:
    """Bytes to text: BOMs honoured, UTF-8 first, Windows-1252 as a declared fallback."""
    notes: list[str] = []
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"invalid {codec} text at byte {exc.start}", source=source
                ) from None
            return _check_text(text, source), notes
    for sig, what in _SIGNATURES.items():
        if data.startswith(sig):
            raise InputError(f"binary file ({what}), not an article", source=source)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"contains NUL bytes (first at byte {nul}): binary data, not text", source=source
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise InputError(
                f"not UTF-8 (invalid byte at {exc.start}) nor Windows-1252 text", source=source
            ) from None
        notes.append(f"not valid UTF-8 (byte {exc.start}); decoded as Windows-1252")
    return _check_text(text, source), notes


def _check_text(text: str, source: str) -> str:
    if "\x00" in text:
        raise InputError("contains NUL characters: binary data, not text", source=source)
    if not text.strip():
        raise InputError(
            "empty article (no text)" if not text else "whitespace only", source=source
        )
    return text


def guess_title(text: str) -> str | None:
    """A headline: a short first line followed by a blank line."""
    lines = text.splitlines()
    if len(lines) >= 3 and lines[0].strip() and not lines[1].strip() and len(lines[0]) <= 250:
        return lines[0].strip()
    return None


class _TextFromHTML(HTMLParser):
    _SKIP: ClassVar[set[str]] = {
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "nav",
        "footer",
        "aside",
        "form",
    }
    _BLOCK: ClassVar[set[str]] = {
        "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "section",
        "article", "blockquote", "header", "figcaption", "pre", "table", "ul", "ol",
    }  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: str | None = None
        self._skip = 0
        self._in_title = False
        self._h1: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "h1" and self._h1 is None:
            self._h1 = []
        if tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        elif tag == "title":
            self._in_title = False
        if tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = (self.title or "") + data
        elif not self._skip:
            self.parts.append(data)
            if self._h1 is not None and not self.title:
                self._h1.append(data)


def html_to_text(html: str) -> tuple[str, str | None]:
    """The readable text of an HTML page (scripts, styles and navigation left out)."""
    parser = _TextFromHTML()
    parser.feed(html)
    parser.close()
    raw = "".join(parser.parts)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", raw)]
    text = "\n\n".join(p for p in paragraphs if p)
    title = " ".join((parser.title or "").split()) or None
    if title is None and parser._h1:
        title = " ".join("".join(parser._h1).split()) or None
    return text, title


def read_file(path: Path, published: str | None = None) -> Iterator[Article | InputProblem]:
    """The articles in one file (one for text/HTML, one per line for JSON Lines)."""
    source = str(path)
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        try:
            with path.open("rb") as handle:
                yield from read_jsonl(handle, source, published)
        except OSError as exc:
            yield InputProblem(source, f"cannot read: {exc.strerror or exc}")
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield InputProblem(source, f"cannot read: {exc.strerror or exc}")
        return
    try:
        text, notes = decode(data, source)
    except InputError as exc:
        yield InputProblem(source, exc.message)
        return
    title: str | None
    if suffix in HTML_SUFFIXES:
        text, title = html_to_text(text)
        if not text.strip():
            yield InputProblem(source, "HTML page has no readable text")
            return
    else:
        title = guess_title(text)
    yield Article(
        id=path.stem, text=text, title=title, published=published, origin=source, notes=notes
    )


def read_jsonl(
    handle: BinaryIO, source: str, published: str | None = None
) -> Iterator[Article | InputProblem]:
    """One article per line: `id`, `text`, optional `title`, `published`, `source`, `url`."""
    for number, raw in enumerate(handle, start=1):
        where = f"{source}:{number}"
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
        _check_text(text, where)
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
    return Article(
        id=rid or where,
        text=text,
        title=_opt_str(record.get("title")),
        source=_opt_str(record.get("source")),
        published=pub,
        url=_opt_str(record.get("url")),
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
    seen = _Fingerprints()
    for item in _read_all(inputs, published, stdin):
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
        digest = _fingerprint(item.text)
        key = _fingerprint(item.id)
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
            while _fingerprint(f"{item.id}~{n}") in seen:
                n += 1
            item.notes.append(f"id {item.id!r} was already used by another text; renamed")
            item.id = f"{item.id}~{n}"
            key = _fingerprint(item.id)
        seen.put(key, digest)
        yield item


def _fingerprint(text: str) -> int:
    """64 bits of the text's SHA-256 (never 0): the same across runs, and two texts share it
    by chance only once in about 10^19 pairs."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") or 1


class _Fingerprints:
    """Fingerprint -> fingerprint, in two flat arrays (open addressing, at most 3/4 full):
    16 bytes a slot, where a dict of Python ints costs ~100 bytes an entry."""

    def __init__(self) -> None:
        self._keys, self._values = _zeros(1024), _zeros(1024)  # key 0: an empty slot
        self._used = 0

    def _slot(self, key: int) -> int:
        keys, mask = self._keys, len(self._keys) - 1
        slot = key & mask
        while keys[slot] and keys[slot] != key:
            slot = (slot + 1) & mask
        return slot

    def get(self, key: int) -> int | None:
        slot = self._slot(key)
        return self._values[slot] if self._keys[slot] else None

    def __contains__(self, key: int) -> bool:
        return bool(self._keys[self._slot(key)])

    def put(self, key: int, value: int) -> None:
        slot = self._slot(key)
        if not self._keys[slot]:
            self._used += 1
        self._keys[slot], self._values[slot] = key, value
        if self._used * 4 > len(self._keys) * 3:
            keys, values = self._keys, self._values
            self._keys, self._values = _zeros(2 * len(keys)), _zeros(2 * len(keys))
            self._used = 0
            for old_key, old_value in zip(keys, values, strict=True):
                if old_key:
                    self.put(old_key, old_value)


def _zeros(size: int) -> array[int]:
    return array("Q", bytes(8 * size))


def _read_all(
    inputs: Iterable[str], published: str | None, stdin: BinaryIO | None
) -> Iterator[Article | InputProblem]:
    for item in inputs:
        if item == "-":
            yield from _read_stdin(stdin or sys.stdin.buffer, published)
            continue
        path = Path(item)
        if not path.exists():
            yield InputProblem(item, "no such file or directory")
        elif path.is_dir():
            yield from _read_dir(path, published)
        elif path.suffix.lower() not in SUPPORTED:
            yield InputProblem(
                item,
                f"unsupported file type {path.suffix or '(none)'!r}: use .txt, .md, .html "
                "or .jsonl",
            )
        else:
            yield from read_file(path, published)


def _read_dir(folder: Path, published: str | None) -> Iterator[Article | InputProblem]:
    try:
        entries = sorted(p for p in folder.rglob("*") if p.is_file())
    except OSError as exc:
        yield InputProblem(str(folder), f"cannot list folder: {exc.strerror or exc}")
        return
    for path in entries:
        if path.name.startswith("."):
            continue
        if path.suffix.lower() in SUPPORTED:
            yield from read_file(path, published)
        else:
            yield InputProblem(str(path), "skipped: not a supported article file", notice=True)


def _read_stdin(handle: BinaryIO, published: str | None) -> Iterator[Article | InputProblem]:
    data = handle.read()
    if data.lstrip()[:1] == b"{":
        yield from read_jsonl(io.BytesIO(data), "<stdin>", published)
        return
    try:
        text, notes = decode(data, "<stdin>")
    except InputError as exc:
        yield InputProblem("<stdin>", exc.message)
        return
    yield Article(
        id="stdin",
        text=text,
        title=guess_title(text),
        published=published,
        origin="<stdin>",
        notes=notes,
    )
