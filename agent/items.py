"""The three kinds of extracted items and the references between them, in one place.

A draft, a result and a gold file all hold `events`, `casualties` and `causes`; casualty
figures and causes name their event (`event_id`), and a figure may name the larger figure it
is part of (`part_of`). The checks of those references and the clearing of references to
dropped items are written here once, for pydantic items and raw JSON objects alike, and used by
grounding, the LLM extractor's salvage, the gold checker and the scorer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

Kind = str  # one of KINDS
KINDS: tuple[Kind, ...] = ("events", "casualties", "causes")
# (the kind holding the reference, its field, the kind it names)
REFERENCES: tuple[tuple[Kind, str, Kind], ...] = (
    ("casualties", "event_id", "events"),
    ("causes", "event_id", "events"),
    ("casualties", "part_of", "casualties"),
)
_NOUN: dict[Kind, str] = {"events": "event", "casualties": "casualty figure", "causes": "cause"}

Items = (
    Mapping[Kind, Sequence[Any]] | Mapping[str, Sequence[Any]]
)  # kind -> items (pydantic models or JSON objects)


def field_of(item: Any, name: str) -> Any:
    """A field of a pydantic item or a JSON object (None when absent)."""
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def ids_of(items: Items) -> dict[Kind, set[str]]:
    return {kind: {str(field_of(i, "id")) for i in items.get(kind, ())} for kind in KINDS}


def reference_problems(
    items: Items, external: Mapping[Kind, set[str]] | None = None
) -> list[tuple[Kind, int, str]]:
    """Every reference that names nothing, and every `part_of` cycle: (kind, index of the
    item, what is wrong). `external` holds ids of items outside `items` that references may
    name (the events of earlier parts of a chunked article)."""
    ids = ids_of(items)
    for kind, known in (external or {}).items():
        ids[kind] = ids[kind] | known
    problems: list[tuple[Kind, int, str]] = []
    for kind, name, target in REFERENCES:
        for n, item in enumerate(items.get(kind, ())):
            ref = field_of(item, name)
            if ref is None:
                continue
            if name == "part_of" and ref == field_of(item, "id"):
                problems.append((kind, n, "part_of cannot name the figure itself"))
            elif str(ref) not in ids[target]:
                problems.append((kind, n, f"{name} {ref!r} names no {_NOUN[target]}"))
    for n, cycle in part_of_cycles(items):
        why = f"part_of makes a cycle ({' -> '.join(cycle)}); a figure cannot be part of a "
        problems.append(("casualties", n, why + "figure that is part of it"))
    return problems


def part_of_cycles(items: Items) -> list[tuple[int, list[str]]]:
    """Every cycle of `part_of` among the casualty figures (C1 part of C2, C2 part of C1):
    (index of the figure whose `part_of` closes it, the ids around the cycle). A figure that
    names itself is a reference problem, not a cycle."""
    figures = list(items.get("casualties", ()))
    position = {str(field_of(f, "id")): n for n, f in enumerate(figures)}
    cycles: list[tuple[int, list[str]]] = []
    done: set[int] = set()
    for first in range(len(figures)):
        path: list[int] = []
        n: int | None = first
        while n is not None and n not in done and n not in path:
            path.append(n)
            parent = field_of(figures[n], "part_of")
            n = position.get(str(parent)) if parent is not None else None
            if n is not None and n == path[-1]:
                n = None  # names itself: reference_problems says so
        if n is not None and n in path:
            loop = path[path.index(n) :]
            closing = max(loop)  # the figure told last gives up its part_of
            ids = [str(field_of(figures[i], "id")) for i in loop]
            cycles.append((closing, [*ids, ids[0]]))
        done.update(path)
    return cycles


def break_cycles(items: Items) -> list[str]:
    """Clear the `part_of` that closes each cycle; one warning per cycle broken."""
    figures = list(items.get("casualties", ()))
    warnings = []
    for n, ids in part_of_cycles(items):
        item = figures[n]
        ref = field_of(item, "part_of")
        warnings.append(
            f"{field_of(item, 'id')}: cleared part_of {ref!r}: {' -> '.join(ids)} is a cycle "
            "(a figure cannot be part of a figure that is part of it)"
        )
        if isinstance(item, dict):
            item["part_of"] = None
        else:
            item.part_of = None
    return warnings


def clear_references(items: Items, gone: Mapping[Kind, set[str]]) -> list[str]:
    """Set to None every reference to an item in `gone` (ids of dropped items, by kind); one
    warning per cleared reference. References never dangle after a drop."""
    warnings: list[str] = []
    for kind, name, target in REFERENCES:
        for item in items.get(kind, ()):
            ref = field_of(item, name)
            if ref is None or str(ref) not in gone.get(target, set()):
                continue
            warnings.append(f"{field_of(item, 'id')}: cleared {name} {ref!r} (dropped)")
            if isinstance(item, dict):
                item[name] = None
            else:
                setattr(item, name, None)
    return warnings


def first_error(exc: ValidationError, whole: str = "item") -> str:
    """pydantic's first error as `location: message` (`whole` names an error of the whole)."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or whole
    return f"{where}: {err['msg']}"
