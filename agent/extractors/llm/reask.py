"""An answer that could not be used, and the short message that asks for a corrected one.

A re-ask never sends the whole previous answer back (on a small context window that doubles
the prompt, and a runaway answer would be sent back whole): only the problems, one line each,
and the items they concern. The model answers again with the complete extraction.

Text that came from the model reaches the chat messages only as template variables, never as
template source (instructor renders every message as Jinja2).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from agent.items import KINDS

MAX_PROBLEMS = 25
MAX_ITEMS_CHARS = 4000
MAX_RAW_CHARS = 300
_ITEM_LINE = re.compile(r"^(events|casualties|causes)\[(\d+)\]")
_ASK_AGAIN = (
    "Answer again with the complete extraction for the same article: every event, casualty "
    "figure and stated cause, with these problems corrected and the rest unchanged. Copy every "
    "quote character for character from the article."
)


@dataclass
class Rejection:
    """Why one answer could not be used: `problems` (one line each) and the items concerned."""

    what: str  # "invalid" (did not validate), "not_json", "no_tool_call"
    problems: list[str]
    raw: str | None  # the answer's text (tool arguments or message content)
    data: Any = None  # the answer parsed as JSON, when it parses
    concerned: list[tuple[str, int]] = field(default_factory=list)

    def messages(self, limit: int = 6000) -> tuple[list[dict[str, str]], dict[str, str]]:
        """The assistant and user messages of the re-ask (templates) and their variables,
        together about `limit` characters at most."""
        messages = [
            {"role": "assistant", "content": "{{ sitrep_previous_answer }}"},
            {"role": "user", "content": "{{ sitrep_problems }}"},
        ]
        problems = self.problems[:MAX_PROBLEMS]
        if len(self.problems) > MAX_PROBLEMS:
            problems.append(f"... and {len(self.problems) - MAX_PROBLEMS} more")
        variables = {
            "sitrep_previous_answer": self._previous(limit // 2),
            "sitrep_problems": "Your answer cannot be used yet:\n"
            + "\n".join(f"- {p}" for p in problems)
            + "\n"
            + _ASK_AGAIN,
        }
        if len(variables["sitrep_problems"]) > limit // 2:
            cut = variables["sitrep_problems"][: limit // 2 - len(_ASK_AGAIN) - 8]
            variables["sitrep_problems"] = f"{cut}\n...\n{_ASK_AGAIN}"
        return messages, variables

    def _previous(self, limit: int) -> str:
        if self.what == "not_json":
            start = (self.raw or "")[: min(MAX_RAW_CHARS, limit)]
            return f"(My previous answer was not valid JSON. It began: {start!r})"
        if self.what == "no_tool_call":
            return "(My previous answer was text instead of a call of the extraction tool.)"
        shown = []
        size = 0
        for kind, index in self.concerned:
            item = _item(self.data, kind, index)
            if item is None:
                continue
            line = f"{kind}[{index}]: {json.dumps(item, ensure_ascii=False)}"
            size += len(line)
            if size > min(MAX_ITEMS_CHARS, limit):
                shown.append("...")
                break
            shown.append(line)
        if not shown:
            return "(My previous answer had the problems below.)"
        return "The items of my previous answer that had problems:\n" + "\n".join(shown)


def _item(data: Any, kind: str, index: int) -> Any:
    items = data.get(kind) if isinstance(data, dict) else None
    return items[index] if isinstance(items, list) and 0 <= index < len(items) else None


def rejection_of(failure: BaseException, raw: str | None, data: Any) -> Rejection:
    """Read the failure of one answer (what instructor raised) into a `Rejection`."""
    if isinstance(failure, ValidationError):
        problems, concerned = _validation_problems(failure, data)
        if data is None and raw is not None:
            return Rejection("not_json", problems or [_first_line(str(failure))], raw)
        return Rejection("invalid", problems, raw, data, concerned)
    text = str(failure)
    if "tool call" in text.lower() or "function call" in text.lower():
        return Rejection(
            "no_tool_call",
            ["your answer did not call the extraction tool; call it with the extraction"],
            raw,
        )
    return Rejection("not_json", [f"your answer is not valid JSON ({_first_line(text)})"], raw)


def _validation_problems(
    failure: ValidationError, data: Any
) -> tuple[list[str], list[tuple[str, int]]]:
    problems: list[str] = []
    concerned: list[tuple[str, int]] = []
    for err in failure.errors():
        loc = err["loc"]
        message = str(err["msg"]).removeprefix("Value error, ")
        if message.startswith("ungrounded items:"):  # the grounding check: one line per problem
            for line in message.splitlines()[1:]:
                problems.append(line.strip())
                found = _ITEM_LINE.match(line.strip())
                if found:
                    concerned.append((found.group(1), int(found.group(2))))
            continue
        if err["type"] == "json_invalid":
            problems.append(f"your answer is not valid JSON ({message})")
            continue
        if len(loc) >= 2 and loc[0] in KINDS and isinstance(loc[1], int):
            rest = ".".join(str(p) for p in loc[2:])
            item = _item(data, str(loc[0]), loc[1])
            item_id = item.get("id") if isinstance(item, dict) else None
            name = f"{loc[0]}[{loc[1]}]" + (f" ({item_id})" if item_id else "")
            got = f" (got {err['input']!r})" if "input" in err and rest else ""
            problems.append(f"{name}{'.' + rest if rest else ''}: {message}{got}"[:300])
            concerned.append((str(loc[0]), loc[1]))
        else:
            where = ".".join(str(p) for p in loc) or "the answer"
            problems.append(f"{where}: {message}"[:300])
    return problems, list(dict.fromkeys(concerned))


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:200]
