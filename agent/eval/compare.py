"""Comparing one field of a gold item with the same field of a prediction.

Names of sources, places and claimants match through normalisation (case, accents, leading
articles), acronyms and a more precise form; texts through token-overlap F1; numbers exactly
or within a tolerance; quotes by overlapping spans. Pure functions on plain item dicts (the
contract's shapes), used by the matching and the per-pair comparison.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Any

from rapidfuzz import fuzz

Item = dict[str, Any]
STOPWORDS = frozenset(
    (
        "a", "an", "the", "of", "in", "on", "at", "to", "for", "and", "or", "by", "from", "with",
        "as", "its", "their", "his", "her", "this", "that", "these", "those", "was", "were",
        "is", "are", "be", "been", "near", "outside", "inside", "into",
    )
)  # fmt: skip
_WORD = re.compile(r"\w+")


def normalize_text(text: str | None) -> str:
    """Lower case, accents stripped, punctuation to spaces, spaces collapsed."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(plain.lower().replace("_", " ")))


def content_tokens(text: str | None) -> list[str]:
    return [t for t in normalize_text(text).split() if t not in STOPWORDS]


def token_f1(gold: str | None, pred: str | None) -> float:
    """Token-overlap F1 of two texts (stop words ignored); 1.0 when both are empty."""
    g, p = Counter(content_tokens(gold)), Counter(content_tokens(pred))
    if not g and not p:
        return 1.0
    common = sum((g & p).values())
    if common == 0:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def _acronym(tokens: list[str]) -> str:
    return "".join(t[0] for t in tokens if t not in STOPWORDS)


def same_name(gold: str | None, pred: str | None) -> bool:
    """Whether two names of a source, place or claimant denote the same one.

    Equal after normalisation (case, accents, leading articles); one the acronym of the
    other ("SOHR"); a near-identical spelling; or one a multi-word part of the other
    ("the Syrian Observatory" for "Syrian Observatory for Human Rights"). None only equals None.
    """
    if not gold or not pred:
        return not gold and not pred
    g, p = content_tokens(gold), content_tokens(pred)
    if g == p:
        return True
    gs, ps = normalize_text(gold).split(), normalize_text(pred).split()
    if (len(g) == 1 and g[0] == _acronym(ps)) or (len(p) == 1 and p[0] == _acronym(gs)):
        return True
    if fuzz.ratio(" ".join(g), " ".join(p)) >= 88:
        return True
    shorter, longer = (g, p) if len(g) <= len(p) else (p, g)
    return len(shorter) >= 2 and not Counter(shorter) - Counter(longer)


PLACE_WORDS = frozenset(
    (
        "town", "village", "city", "district", "province", "governorate", "township", "region",
        "state", "county", "camp", "area", "outskirts", "front", "road", "compound", "centre",
        "center", "neighbourhood", "neighborhood", "suburb", "east", "west", "north", "south",
        "eastern", "western", "northern", "southern", "central", "near", "between",
    )
)  # fmt: skip


def same_place(gold: str | None, pred: str | None) -> bool:
    """Whether two location texts name the same place, one possibly more precisely.

    Same name, or every distinctive word of the shorter in the longer ("Ywathit" and
    "Ywathit, Kani township"; "the town of Arīḥā" and "Arīḥā"). Generic words (town,
    district, outskirts, north ...) do not count as distinctive.
    """
    if same_name(gold, pred):
        return True
    if not gold or not pred:
        return False
    g = {t for t in content_tokens(gold) if len(t) > 1 and t not in PLACE_WORDS}
    p = {t for t in content_tokens(pred) if len(t) > 1 and t not in PLACE_WORDS}
    shorter, longer = (g, p) if len(g) <= len(p) else (p, g)
    return bool(shorter) and shorter <= longer


def within_tolerance(gold: int | None, pred: int | None) -> bool:
    """|diff| <= max(1, 10% of gold); None only matches None."""
    if gold is None or pred is None:
        return gold is None and pred is None
    return abs(gold - pred) <= max(1.0, 0.1 * abs(gold))


def interval_exact(gold: Item, pred: Item) -> bool:
    return bool(gold.get("low") == pred.get("low") and gold.get("high") == pred.get("high"))


def interval_close(gold: Item, pred: Item) -> bool:
    return within_tolerance(gold.get("low"), pred.get("low")) and within_tolerance(
        gold.get("high"), pred.get("high")
    )


def spans(item: Item) -> list[tuple[int, int]]:
    quotes = item.get("evidence")
    quote_list = quotes if isinstance(quotes, list) else [quotes]
    return [(int(q["start"]), int(q["end"])) for q in quote_list if isinstance(q, dict)]


def quotes_overlap(gold: Item, pred: Item) -> bool:
    return any(gs < pe and ps < ge for gs, ge in spans(gold) for ps, pe in spans(pred))


def is_grounded(item: Item, text: str) -> bool:
    """Every quote of the item is exactly `text[start:end]`."""
    quotes = item.get("evidence")
    quote_list = quotes if isinstance(quotes, list) else [quotes]
    if not quote_list:
        return False
    for quote in quote_list:
        if not isinstance(quote, dict):
            return False
        start, end, qtext = quote.get("start"), quote.get("end"), quote.get("text")
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(qtext, str)):
            return False
        if not (0 <= start < end <= len(text)) or text[start:end] != qtext:
            return False
    return True
