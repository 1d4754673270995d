"""Resolving a date as written ("Sunday", "yesterday", "on 3 March") to an ISO date.

Only against a known publication date, and never guessed: anything vaguer than a day
("last week", "recently") stays null.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_MONTH = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\.?(?:,?\s+(\d{{4}}))?\b"
)
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SAME_DAY = re.compile(
    r"\b(?:the same day|that (?:same )?(?:day|morning|afternoon|evening|night)|later that day)\b"
)


def resolve_date(
    date_text: str | None, published: str | None, previous: str | None = None
) -> str | None:
    """The ISO date that `date_text` names, or None when it cannot be known.

    `previous` is the date of the event told just before: "the same day" or "early that
    morning" name it, and nothing else does.
    """
    if not date_text:
        return None
    text = date_text.lower()
    if _SAME_DAY.search(text) and not (_ISO.search(text) or _DAY_MONTH.search(text)
                                       or _MONTH_DAY.search(text)):  # fmt: skip
        return previous
    pub = date.fromisoformat(published) if published else None
    if m := _ISO.search(text):
        return _safe(int(m[1]), int(m[2]), int(m[3]))
    for pattern, day_first in ((_DAY_MONTH, True), (_MONTH_DAY, False)):
        if m := pattern.search(text):
            day, month = (m[1], m[2]) if day_first else (m[2], m[1])
            year = int(m[3]) if m[3] else None
            if year is None:
                if pub is None:
                    return None
                year = pub.year
                # "on 30 December" in a story of 2 January is last year's
                candidate = _safe(year, _MONTHS[month], int(day))
                if candidate and date.fromisoformat(candidate) > pub + timedelta(days=7):
                    year -= 1
            return _safe(year, _MONTHS[month], int(day))
    if pub is None:
        return None
    if re.search(r"\b(?:last|next|this)\s+(?:week|month|year)\b", text):
        return None
    if re.search(r"\byesterday\b", text):
        return (pub - timedelta(days=1)).isoformat()
    if re.search(r"\b(?:today|this morning|this afternoon|tonight|earlier today)\b", text):
        return pub.isoformat()
    named = [name for name in _WEEKDAYS if re.search(rf"\b{name}\b", text)]
    if len(named) > 1:
        return None  # "on Saturday and Sunday": a span, not a day
    for i, name in enumerate(_WEEKDAYS):
        if name in named:
            back = (pub.weekday() - i) % 7
            if re.search(rf"\blast\s+{name}\b", text) and back == 0:
                back = 7
            return (pub - timedelta(days=back)).isoformat()
    return None


def _safe(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None
