"""The fast pattern wrappers find exactly what the plain compiled patterns find."""

from __future__ import annotations

import importlib
import pkgutil
import random
import re
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

import pytest

import agent.extractors.rules
from agent import quantities
from agent.extractors.rules.text import sentences
from agent.patterns import Caseless, Prescan

ROOT = Path(__file__).resolve().parent.parent


def _texts() -> list[str]:
    articles = [
        p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("evals/cases/*/article.txt"))
    ]
    articles += [p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("examples/*.txt"))]
    texts = [s.text for article in articles for s in sentences(article)]
    rng = random.Random(5)
    pieces = ["Killed", " ", "at least ", "27", "DOZENS", "\u00e9", "-", "Toll ", "of them", "."]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 30))) for _ in range(300)]
    return texts


def _pattern_modules() -> list[ModuleType]:
    """`quantities` and every module of the offline extractor."""
    package = agent.extractors.rules
    names = [m.name for m in pkgutil.iter_modules(package.__path__, package.__name__ + ".")]
    return [quantities, *(importlib.import_module(name) for name in sorted(names))]


def _wrapped() -> list[tuple[str, Caseless | Prescan]]:
    found: list[tuple[str, Caseless | Prescan]] = []
    for module in _pattern_modules():
        for name, value in vars(module).items():
            rows = value if isinstance(value, list) else [(value, None)]
            for i, row in enumerate(rows):
                pattern = row[0] if isinstance(row, tuple) else None
                if isinstance(pattern, Caseless | Prescan):
                    found.append((f"{module.__name__}.{name}[{i}]", pattern))
    return found


def _spans(matches: Iterable[re.Match[str]]) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def _span(match: re.Match[str] | None) -> tuple[int, int] | None:
    return None if match is None else match.span()


@pytest.mark.parametrize(("name", "pattern"), _wrapped(), ids=lambda v: str(v)[:40])
def test_wrapped_pattern_matches_like_the_plain_pattern(
    name: str, pattern: Caseless | Prescan
) -> None:
    plain = pattern.regex
    for text in _texts():
        for pos, endpos in ((0, len(text)), (len(text) // 3, max(0, len(text) - 2))):
            want = plain.search(text, pos, endpos)
            got = pattern.search(text, pos, endpos)
            assert _span(got) == _span(want), name
            assert (got and got.groups()) == (want and want.groups()), name
            if isinstance(pattern, Caseless):
                assert _span(pattern.search_spans(text, pos, endpos)) == _span(want), name
                assert _span(pattern.match(text, pos, endpos)) == _span(
                    plain.match(text, pos, endpos)
                )
                assert _span(pattern.match_spans(text, pos, endpos)) == _span(
                    plain.match(text, pos, endpos)
                )
        if isinstance(pattern, Caseless):
            assert _spans(pattern.finditer_spans(text)) == _spans(plain.finditer(text)), name
        if plain.search("") is None:  # finditer here is for patterns that never match ""
            assert _spans(pattern.finditer(text)) == _spans(plain.finditer(text)), name


def test_a_pattern_whose_meaning_lowercasing_would_change_is_refused() -> None:
    for source in (r"\bkilled\S", r"[A-z]", r"(?i:x)"):
        with pytest.raises(ValueError, match=r"use re\.compile"):
            Caseless(source)
    found = Caseless(r"\bRoute\s+\d").search("on the road, not route 5 " * 3)
    assert found is not None
    assert found.group(0) == "route 5"
    word = Prescan(r"\bkilled").search("unkilled, killed")
    assert word is not None
    assert word.start() == 10
