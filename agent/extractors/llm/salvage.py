"""When the re-asks run out: keep what is grounded in the model's last answer, drop the rest.

The last answer is read leniently: items that do not fit the schema are removed (one warning
each, references to them cleared), then a lenient `Grounder` drops what is not grounded. An
answer that is not JSON at all, empty, or a refusal becomes one `ResponseError` subclass.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from agent.config import ModelProfile
from agent.errors import RefusalError, ResponseError
from agent.extractors.base import DraftOutcome
from agent.extractors.llm.failures import where
from agent.extractors.llm.reasons import shorten
from agent.grounding import ArticleIndex, Grounder
from agent.items import KINDS, Kind, clear_references, first_error
from agent.schema import ExtractionDraft, Usage

_REFUSAL = re.compile(r"\b(?:I can(?:no|')t|I'm sorry|I am unable|cannot assist)\b")


def salvage(
    completion: Any,
    attempts: int,
    index: ArticleIndex,
    usage: Usage,
    *,
    profile: ModelProfile,
    table: str,
    redact: Callable[[str], str],
    external: dict[str, set[str]] | None = None,
) -> DraftOutcome:
    """The grounded part of the last answer, or a `ResponseError` saying why there is none."""
    at = where(profile)
    raw = reply_text(completion)
    if raw is None:
        raise ResponseError(
            f"no usable answer from {at} after {attempts} attempts: {empty_reply(completion)}"
        )
    data = parse_json(raw)
    if data is None:
        if _REFUSAL.search(raw):
            raise RefusalError(f"the model refused ({at}): {redact(raw)[:160]!r}")
        what = (
            "the model answered in text without calling the tool"
            if profile.mode == "tools" and not has_tool_call(completion)
            else "the model's answer is not JSON"
        )
        raise ResponseError(f"{what} after {attempts} attempts ({at}): {redact(raw)[:160]!r}")
    dropped = drop_invalid_items(data)
    grounder = Grounder(
        index, table=table, lenient=True, warnings=dropped, external=dict(external or {})
    )
    try:
        draft = ExtractionDraft.model_validate(data, context={"grounder": grounder})
    except ValidationError as verr:
        raise ResponseError(
            f"the model's answer does not fit the schema after {attempts} attempts "
            f"({at}): {redact(first_error(verr))}"
        ) from verr
    warnings = list(grounder.warnings)
    if profile.mode == "json" and "```" in raw:
        warnings.append(
            f"the model wraps its JSON in ``` fences, which mode json re-asks for "
            f"({attempts} requests here): mode md_json reads them at once"
        )
    return DraftOutcome(draft, usage, index, warnings=warnings, attempts=attempts)


def empty_reply(completion: Any) -> str:
    """What an answer with nothing in it was, in words."""
    if isinstance(completion, str):
        text = completion.strip()
        if not text:
            return "the server answered with an empty body"
        kind = "an HTML page" if text[:1] == "<" else "text"
        return f"the server answered with {kind}, not a chat completion: {shorten(text)[:80]!r}"
    if completion is None:
        return "the server sent no completion"
    if not getattr(completion, "choices", None):
        return "the reply had no choices (an empty completion)"
    return "the reply was empty (no content and no tool call)"


def drop_invalid_items(data: Any) -> list[str]:
    """Remove the items of a parsed answer that do not fit the schema; one warning each.

    References to a removed item are cleared. When a problem is not inside an item (a list is
    missing, the answer is not an object), nothing is removed and the caller reports it.
    """
    try:
        ExtractionDraft.model_validate(data)  # the schema alone: no grounding context
        return []
    except ValidationError as verr:
        bad: dict[tuple[str, int], list[str]] = {}
        for err in verr.errors():
            loc = err["loc"]
            if len(loc) < 2 or loc[0] not in KINDS or not isinstance(loc[1], int):
                return []
            at = ".".join(str(p) for p in loc[2:]) or "item"
            bad.setdefault((str(loc[0]), loc[1]), []).append(f"{at}: {err['msg']}")
    warnings: list[str] = []
    gone: dict[Kind, set[str]] = {kind: set() for kind in KINDS}
    for kind in KINDS:
        kept = []
        for i, item in enumerate(data[kind]):
            item_id = item.get("id") if isinstance(item, dict) else None
            if (kind, i) in bad:
                warnings.append(f"dropped {kind}[{i}] ({item_id}): " + "; ".join(bad[(kind, i)]))
                gone[kind].add(str(item_id))
            else:
                kept.append(item)
        data[kind] = kept
        gone[kind] -= {str(item.get("id")) for item in kept if isinstance(item, dict)}
    lists = {kind: [i for i in data[kind] if isinstance(i, dict)] for kind in KINDS}
    return warnings + clear_references(lists, gone)


def has_tool_call(completion: Any) -> bool:
    choices = getattr(completion, "choices", None)
    return bool(choices and getattr(choices[0].message, "tool_calls", None))


def reply_text(completion: Any) -> str | None:
    """The raw answer of a chat completion: tool-call arguments, else the message text."""
    choices = getattr(completion, "choices", None)
    if not choices:
        return None
    message = choices[0].message
    calls = getattr(message, "tool_calls", None) or []
    for call in calls:
        arguments = getattr(getattr(call, "function", None), "arguments", None)
        if arguments:
            return str(arguments)
    content = getattr(message, "content", None)
    return str(content) if content else None


def parse_json(raw: str | None) -> Any:
    """The answer as JSON: bare, or inside ``` fences; None when neither parses (also for
    JSON nested too deeply or with numbers past Python's digit limit)."""
    if raw is None:
        return None
    fenced = re.search(r"```(?:json)?\s*(.*?)```", raw, re.DOTALL)
    for candidate in (raw, fenced.group(1) if fenced else None):
        if candidate is None:
            continue
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
            continue
    return None
