"""A server's own reason for an error, cut to one line a user can read, with keys redacted.

Servers answer an error with very different bodies: OpenAI's `{"error": {"message"}}`, FastAPI's
`{"detail": "..."}` or `{"detail": [{"loc", "msg"}]}`, Ollama's `{"error": "..."}`, and
llama-cpp-python's `{"error": {"message": "1 validation error: {'loc': ('body', ...), 'msg':
...}  File \"/path/app.py\", line 376 ..."}}`. `server_reason` turns each into one line: the
validation error as `field.path: msg`, else the first line that is not traceback noise
(`File "..."` lines leak the server's install path), at most 200 characters, any key redacted.
"""

from __future__ import annotations

import re
from typing import Any

import openai

MAX_CHARS = 200
_LOC = re.compile(r"""['"]loc['"]:\s*[(\[]([^)\]]*)[)\]]""")
_MSG = re.compile(r"""['"]msg['"]:\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
_KEYLIKE = re.compile(r"\b(sk-[A-Za-z0-9_-]{4})[A-Za-z0-9_-]{8,}")
_BEARER = re.compile(r"(Bearer\s+)\S+", re.IGNORECASE)
_NOISE = re.compile(r"^(File \"|Traceback \(most recent call last\)|\^+$)")


def redact(text: str, secret: str | None = None) -> str:
    """`text` without the key (when known), anything shaped like an OpenAI key, or a bearer
    token."""
    if secret and len(secret) >= 4:
        text = text.replace(secret, "[redacted]")
    text = _KEYLIKE.sub(r"\1…", text)
    return _BEARER.sub(r"\1[redacted]", text)


def _body_text(body: Any) -> str | None:
    """The message inside an error body, in whichever shape the server sent it."""
    if isinstance(body, str):
        return body
    if not isinstance(body, dict):
        return None
    for key in ("message", "error", "detail"):
        value = body.get(key)
        if isinstance(value, dict):
            value = value.get("message")
        if isinstance(value, list):  # FastAPI 422: a list of {loc, msg}
            return "; ".join(_validation_line(item) for item in value[:2] if isinstance(item, dict))
        if isinstance(value, str) and value.strip():
            return value
    return None


def _validation_line(item: dict[str, Any]) -> str:
    loc = [str(part) for part in item.get("loc", []) if part != "body"]
    msg = str(item.get("msg", ""))
    return f"{'.'.join(loc)}: {msg}" if loc else msg


def _validation_repr(text: str) -> str | None:
    """`field.path: msg` from a pydantic error rendered as Python reprs, if that is the text."""
    locs, msgs = _LOC.findall(text), _MSG.findall(text)
    if not locs or not msgs:
        return None
    lines = []
    for loc, (double, single) in list(zip(locs, msgs, strict=False))[:2]:
        parts = [p.strip(" '\"") for p in loc.split(",")]
        path = ".".join(p for p in parts if p and p != "body")
        msg = (double or single).replace("\\'", "'").replace('\\"', '"')
        lines.append(f"{path}: {msg}" if path else msg)
    return "; ".join(lines)


def shorten(text: str, secret: str | None = None) -> str:
    """One readable line of a server's message: a validation error as `field.path: msg`, else
    the first line that is not traceback noise; redacted and cut to MAX_CHARS."""
    line = _validation_repr(text)
    if line is None:
        lines = [raw.strip() for raw in text.splitlines()]
        kept = [raw for raw in lines if raw and not _NOISE.match(raw)]
        line = kept[0] if kept else text.strip()
    line = redact(" ".join(line.split()), secret)
    return line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 1] + "…"


def server_reason(exc: openai.APIStatusError, secret: str | None = None) -> str:
    """The server's reason for refusing a request, as one redacted line."""
    text = _body_text(exc.body)
    if text is None:
        try:
            text = exc.response.text
        except Exception:  # a response whose body cannot be read
            text = ""
        text = text or exc.message
    return shorten(text, secret)
