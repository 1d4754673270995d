"""Dates as written -> ISO dates, only against a publication date, never guessed."""

from __future__ import annotations

import pytest

from agent.dates import resolve_date

PUB = "2024-03-13"  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on Monday", "2024-03-11"),
        ("late on Monday", "2024-03-11"),
        ("yesterday", "2024-03-12"),
        ("on Wednesday", "2024-03-13"),
        ("last Wednesday", "2024-03-06"),
        ("on 3 March", "2024-03-03"),
        ("March 3rd, 2023", "2023-03-03"),
        ("on 30 December", "2023-12-30"),
        ("on Saturday and Sunday", None),
        ("last week", None),
        ("recently", None),
    ],
)
def test_dates_against_the_publication_date(text: str, expected: str | None) -> None:
    assert resolve_date(text, PUB) == expected


def test_nothing_relative_is_resolved_without_a_publication_date() -> None:
    assert resolve_date("on Monday", None) is None
    assert resolve_date("on 3 March 2024", None) == "2024-03-03"


def test_the_same_day_is_the_previous_events_date() -> None:
    assert resolve_date("The same day", PUB, "2024-03-10") == "2024-03-10"
    assert resolve_date("early that morning", PUB, "2024-03-09") == "2024-03-09"
    assert resolve_date("On the same day, at about 11:00 am", PUB, None) is None
    assert resolve_date("that day, 4 March", PUB, "2024-03-10") == "2024-03-04"
