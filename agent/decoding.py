"""Bytes to article text, read within bounds.

- `decode`: BOMs honoured, UTF-8 first, Windows-1252 as a declared fallback; binary files
  (by signature or NUL bytes), empty and blank texts are refused with one-line reasons.
- `read_bounded` and `bounded_lines` never read more than a limit: a file or stream that never
  ends (`/dev/zero`, a pipe) or a line of gigabytes costs at most the limit in memory.

The limits follow from `max_article_chars`: a character takes at most 4 bytes in UTF-8 (and in
UTF-32), and at most 12 in a JSON string (`\\ud83d\\ude00`), so more bytes than that cannot be an
article under the limit.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from agent.errors import InputError

MAX_BYTES_PER_CHAR = 4  # UTF-8 and UTF-32
MAX_JSON_BYTES_PER_CHAR = 12  # a surrogate pair written as two \u escapes
JSON_LINE_SLACK = 1_000_000  # the other fields of a JSON Lines record (title, url, ...)
HTML_BYTES_PER_CHAR = 25  # a page's markup, scripts and styles around its text
CHUNK = 1 << 16

_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"GIF8": "a GIF image",
    b"\xff\xd8\xff": "a JPEG image",
    b"PK\x03\x04": "a ZIP archive (or an Office document)",
    b"\x7fELF": "an executable",
}


def text_byte_limit(max_chars: int) -> int:
    """The most bytes a text file of at most `max_chars` characters can take (with a BOM)."""
    return MAX_BYTES_PER_CHAR * (max_chars + 1)


def json_line_limit(max_chars: int) -> int:
    """The most bytes a JSON Lines record of an article of at most `max_chars` can take."""
    return MAX_JSON_BYTES_PER_CHAR * (max_chars + 1) + JSON_LINE_SLACK


def page_byte_limit(max_chars: int) -> int:
    """The largest HTML page read (markup included)."""
    return HTML_BYTES_PER_CHAR * max_chars


def over_limit(max_chars: int, size: str) -> str:
    return (
        f"article is {size}, over the limit of {max_chars:,} characters "
        "(max_article_chars in the config): split it"
    )


def read_bounded(handle: BinaryIO, limit: int) -> tuple[bytes, bool]:
    """At most `limit` bytes of `handle`, and whether there was more."""
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = handle.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(parts), False
        parts.append(chunk)
        size += len(chunk)
    data = b"".join(parts)
    return data[:limit], True


@dataclass(frozen=True)
class LongLine:
    """A line over the limit, skipped (its first bytes are kept for the message)."""

    head: bytes
    size: int


def bounded_lines(handle: BinaryIO, limit: int) -> Iterator[bytes | LongLine]:
    """The lines of `handle` (newline kept), each at most `limit` bytes; a longer line is
    read through (never kept whole) and given as a `LongLine`."""
    readline = handle.readline
    while True:
        line = readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        head, size = line[:64], len(line)
        while not line.endswith(b"\n"):
            line = readline(CHUNK)
            if not line:
                break
            size += len(line)
        yield LongLine(head, size)


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
            return check_text(text, source), notes
    refuse_binary(data, source)
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
    return check_text(text, source), notes


def refuse_binary(data: bytes, source: str) -> None:
    """Raise when `data` is a known binary format or holds NUL bytes (no BOM before it)."""
    for sig, what in _SIGNATURES.items():
        if data.startswith(sig):
            raise InputError(f"binary file ({what}), not an article", source=source)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"contains NUL bytes (first at byte {nul}): binary data, not text", source=source
        )


def check_text(text: str, source: str) -> str:
    if "\x00" in text:
        raise InputError("contains NUL characters: binary data, not text", source=source)
    if not text.strip():
        raise InputError(
            "empty article (no text)" if not text else "whitespace only", source=source
        )
    return text
