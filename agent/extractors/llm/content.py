"""What a model wrote, made safe to keep before it reaches the output, the cache or stderr.

- A key the server echoed back (some proxies and test servers put the Authorization header in
  their answer) is replaced by `[redacted]` in every field the model filled; quotes need no
  care, since a quote must occur in the article and the article is the user's own text.
- A lone surrogate (a `\\ud800` escape with no partner: not text, and no serializer writes it)
  becomes U+FFFD, and other control characters are dropped, in the same fields.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from agent.extractors.llm.reasons import redact
from agent.items import KINDS
from agent.schema import ExtractionDraft

_UNSAFE = re.compile(r"[\ud800-\udfff]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Redactor:
    """Removes one secret (and anything shaped like an OpenAI key or a bearer token) from
    text: `reasons.redact` with the profile's key."""

    def __init__(self, secret: str | None) -> None:
        self.secret = secret if secret and len(secret) >= 4 else None

    def __call__(self, text: str) -> str:
        return redact(text, self.secret)

    def found_in(self, text: str) -> bool:
        return bool(self.secret and self.secret in text)


def clean_draft(draft: ExtractionDraft, redact: Redactor) -> list[str]:
    """Clean every model-written field of `draft` in place; one warning per kind of cleaning."""
    seen = {"key": False, "unsafe": False}

    def clean(value: str) -> str:
        if redact.found_in(value):
            seen["key"] = True
            value = redact(value)
        if _UNSAFE.search(value):
            seen["unsafe"] = True
            value = _UNSAFE.sub(lambda m: "\ufffd" if m.group(0) >= "\ud800" else "", value)
        return value

    for kind in KINDS:
        for item in getattr(draft, kind):
            _clean_model(item, clean)
    warnings = []
    if seen["key"]:
        warnings.append("the model's answer contained the API key; it was redacted")
    if seen["unsafe"]:
        warnings.append("the model's answer held characters that are not text; replaced")
    return warnings


def _clean_model(item: BaseModel, clean: Any) -> None:
    for name in type(item).model_fields:
        if name == "evidence":
            continue  # quotes are grounded in the article: they are the article's own text
        value = getattr(item, name)
        if isinstance(value, str):
            setattr(item, name, clean(value))
        elif isinstance(value, list):
            for element in value:
                if isinstance(element, BaseModel):
                    _clean_model(element, clean)
