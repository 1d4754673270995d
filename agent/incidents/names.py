"""Names as keys: places, countries, actors and reporters normalised so that outlets agree.

There is no gazetteer. A place is cut into the parts its wording names ("Mogadishu's Hodan
district" -> Mogadishu, Hodan; "the road between Kabājib and al-Shūlā" -> Kabajib, Shula), each
reduced to its content words (accents, Arabic articles, "province", "near", ... dropped).
"One place inside another" is then textual: every part of the less precise name is among the
parts of the more precise one, or is named in the other mention's own quotes and summary
(an article that says "in Hajin, in Dayr az-Zawr province" ties the two). Spelling variants
(Kharkiv / Kharkov) match by edit similarity.

Actor and reporter names match when equal after normalisation, by a small alias table
(Islamic State / IS / ISIS / ISIL / Daesh), by acronym (RSF / Rapid Support Forces), or when
one name's words are all in the other ("the Observatory" / "Syrian Observatory for Human
Rights").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz import fuzz

_APOSTROPHES = str.maketrans(dict.fromkeys("ʿʾ'’‘`´", ""))
_NON_WORD = re.compile(r"[^a-z0-9]+")
_PART_SPLIT = re.compile(
    r",|;|\(|\)|\bin\b|\bof\b|'s\b|’s\b|\bbetween\b|\band\b|\bnear\b|\boutside\b|\bnorth of\b"
    r"|\bsouth of\b|\beast of\b|\bwest of\b",
    re.IGNORECASE,
)


def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of a text, as a set (for word lists written as prose)."""
    return frozenset(text.split())


_ARABIC_ARTICLE = re.compile(r"^(?:al|el|ad|ar|as|ash|at|az|an)-", re.IGNORECASE)

PLACE_STOP = wordset(
    """the a an near outside at on in of around outskirts edge centre center province district
    region governorate state township village town city county area municipality neighbourhood
    neighborhood camp road highway street market suburb suburbs border front frontline line
    north south east west northern southern eastern western central northeastern northwestern
    southeastern southwestern north-east north-west south-east south-west km kilometres
    kilometers miles capital provincial desert countryside rural outlying nearby surrounding
    locality zone sector commune department prefecture division oblast raion rayon"""
)
NAME_STOP = wordset("the a an of and for in al el its their said")

_COUNTRY_ALIASES = {
    "drc": "dr congo",
    "democratic republic of the congo": "dr congo",
    "democratic republic of congo": "dr congo",
    "congo kinshasa": "dr congo",
    "syrian arab republic": "syria",
    "russian federation": "russia",
    "usa": "united states",
    "us": "united states",
    "united states of america": "united states",
    "uk": "united kingdom",
    "burma": "myanmar",
    "turkiye": "turkey",
    "occupied palestinian territory": "palestine",
    "gaza": "palestine",
    "gaza strip": "palestine",
    "west bank": "palestine",
}
_ACTOR_ALIASES = {
    "is": "islamic state",
    "isis": "islamic state",
    "isil": "islamic state",
    "daesh": "islamic state",
    "islamic state group": "islamic state",
    "islamic state in iraq and syria": "islamic state",
    "islamic state in iraq and the levant": "islamic state",
    "al shabaab": "al shabaab",
    "shabaab": "al shabaab",
    "al shabab": "al shabaab",
}


def fold(text: str) -> str:
    """Lower case, accents and apostrophes gone, every other non-alphanumeric a space."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(_NON_WORD.sub(" ", plain).split())


@lru_cache(maxsize=4096)
def place_parts(location: str | None) -> tuple[str, ...]:
    """The places a location names, most precise first: each a string of content words."""
    if not location:
        return ()
    parts: list[str] = []
    for piece in _PART_SPLIT.split(location):
        words = [_ARABIC_ARTICLE.sub("", w) for w in piece.split()]
        kept = [w for w in fold(" ".join(words)).split() if w not in PLACE_STOP]
        if kept and not all(w.isdigit() for w in kept):
            joined = " ".join(kept)
            if joined not in parts:
                parts.append(joined)
    return tuple(parts)


def same_name(a: str, b: str) -> bool:
    """Two folded place parts name the same place (equal or a spelling variant)."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5:
        return False
    return fuzz.ratio(a, b) >= 85


def named_in(part: str, words: frozenset[str]) -> bool:
    """Every word of a place part occurs in a set of folded words (a mention's context)."""
    tokens = part.split()
    return bool(tokens) and all(t in words or _fuzzy_in(t, words) for t in tokens)


def _fuzzy_in(token: str, words: frozenset[str]) -> bool:
    if len(token) < 5:
        return False
    return any(len(w) >= 5 and fuzz.ratio(token, w) >= 85 for w in words)


@lru_cache(maxsize=4096)
def country_key(country: str | None) -> str | None:
    """A country as a comparable key: "Sudan (North Darfur)" -> "sudan", "DRC" -> "dr congo"."""
    if not country:
        return None
    head = country.split("(")[0]
    key = fold(head)
    key = key.removeprefix("the ")
    return _COUNTRY_ALIASES.get(key, key) or None


@lru_cache(maxsize=4096)
def name_key(name: str | None) -> str:
    """An actor or reporter name as a key: folded, articles dropped, aliases applied."""
    if not name:
        return ""
    folded = fold(name.replace("-", " "))
    words = [w for w in folded.split() if w not in NAME_STOP]
    key = " ".join(words)
    return _ACTOR_ALIASES.get(key, _ACTOR_ALIASES.get(folded, key))


def _acronym(name: str) -> str:
    capitals = [w for w in re.findall(r"[A-Za-z][\w-]*", name) if w[0].isupper()]
    return "".join(w[0].lower() for w in capitals) if len(capitals) >= 2 else ""


@lru_cache(maxsize=4096)
def names_match(a: str, b: str) -> bool:
    """Two actor or reporter names (as written) name the same body."""
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    compact_a, compact_b = ka.replace(" ", ""), kb.replace(" ", "")
    if compact_a in (_acronym(b), kb) or compact_b in (_acronym(a), ka):
        return True
    wa, wb = set(ka.split()), set(kb.split())
    small, big = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    # "the Observatory" / "Syrian Observatory for Human Rights": a distinctive word suffices
    return small <= big and any(len(w) > 4 for w in small) and small != {"forces"}


CONTENT_STOP = wordset(
    """the a an of and or to in on at by for from with as that this these those was were is are
    be been being has have had it its their they them he she his her who which when while after
    before during into over under than then there said says say told according also not no but
    said killed dead killing kills wounded injured people least more than about some including
    attack attacks attacked forces force group members member official officials reported report
    reports statement two three four five six seven eight nine ten one on sunday monday tuesday
    wednesday thursday friday saturday yesterday today night morning evening late early
    week last day days toll death deaths police army military government"""
)


def content_words(*texts: str | None) -> frozenset[str]:
    """Distinctive folded words of some texts (stop words and numbers left out)."""
    words: set[str] = set()
    for text in texts:
        if text:
            words.update(w for w in fold(text).split() if w not in CONTENT_STOP and not w.isdigit())
    return frozenset(words)
