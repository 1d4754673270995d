"""Two per-request costs of instructor 1.17, done once instead (opt-in, version-checked).

instructor spends about 5 ms of an ~11 ms request on work that depends on nothing in the
request, on the event loop that every article in flight shares:
- it walks the response model's classes, fields and attributes for async validators about six
  times per request; sitrep's response model is walked once, here;
- it renders each message as a Jinja2 template in a fresh sandboxed environment, compiling the
  template every time; here each template is compiled once and rendered the same way (same
  sandbox, same dedent; tests compare the two renderings).

These replace two private functions of instructor, so they are applied only when the
installed instructor is the version they were written for (`WRITTEN_FOR`) and still has both
functions; with any other version `apply` changes nothing and instructor's own code runs.
`restore` puts instructor's functions back.
"""

from __future__ import annotations

import functools
import textwrap
import threading
from collections.abc import Callable
from importlib import metadata
from types import ModuleType
from typing import Any

from instructor.v2.core import patch as instructor_patch
from instructor.v2.core import templating as instructor_templating
from instructor.v2.validation import async_validators as instructor_async_validators
from jinja2 import Template
from jinja2.sandbox import SandboxedEnvironment

WRITTEN_FOR = "1.17."  # instructor releases whose internals these were checked against

_TARGETS: tuple[tuple[ModuleType, str], ...] = (
    (instructor_async_validators, "reject_async_validators"),
    (instructor_patch, "reject_async_validators"),
    (instructor_templating, "apply_template"),
)
_ORIGINALS: dict[tuple[str, str], Callable[..., Any]] = {}
_JINJA = SandboxedEnvironment()
_LOCK = threading.Lock()  # extractors made on several threads at once patch once


@functools.lru_cache(maxsize=64)
def _template(source: str) -> Template:
    return _JINJA.from_string(source)


def render_template(text: str, context: dict[str, Any]) -> str:
    """What instructor's `apply_template` returns, with the template compiled once."""
    return textwrap.dedent(_template(text).render(**context))


def applies_to(version: str) -> bool:
    return version.startswith(WRITTEN_FOR)


def apply(response_model: type[Any], *, version: str | None = None) -> bool:
    """Install the speed-ups for `response_model`; False (nothing changed) on another version
    of instructor or when its internals moved."""
    with _LOCK:
        return _apply(response_model, version)


def _apply(response_model: type[Any], version: str | None) -> bool:
    if _ORIGINALS:
        return True
    version = version if version is not None else metadata.version("instructor")
    if not applies_to(version) or not all(hasattr(m, name) for m, name in _TARGETS):
        return False
    reject = instructor_async_validators.reject_async_validators
    reject(response_model)  # checked once, now: a model with async validators fails here

    def checked_once(model: Any) -> None:
        if model is not response_model:
            reject(model)

    replacements = (checked_once, checked_once, render_template)
    for (module, name), faster in zip(_TARGETS, replacements, strict=True):
        _ORIGINALS[(module.__name__, name)] = getattr(module, name)
        setattr(module, name, faster)
    return True


def applied() -> bool:
    return bool(_ORIGINALS)


def restore() -> None:
    """instructor's own functions again."""
    for module, name in _TARGETS:
        original = _ORIGINALS.pop((module.__name__, name), None)
        if original is not None:
            setattr(module, name, original)
