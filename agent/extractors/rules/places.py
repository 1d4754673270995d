"""Where and when an event happened, as a sentence words it: "in the town of Hajin", "on
the outskirts of Kupiansk", "stormed the Abu Shouk displacement camp"; "on Sunday"."""

from __future__ import annotations

import re

_PLACE_WORD = r"(?:[A-Z][\w'’ʿ-]*|al-[\w'’ʿ-]+|el-[\w'’ʿ-]+)"
_PLACE_NOUN = (
    r"(?:displacement\s+camp|refugee\s+camp|camp|front|district|province|governorate|"
    r"township|valley|neighbourhood|neighborhood|area|region|state|county|village|town|city)"
)
LOCATION = re.compile(
    rf"(?:\b(?:in|near|outside|at|around)[ \t]+(?:the[ \t]+)?|\b(?:town|village|city|camp|"
    rf"district|province|region|area|control|outskirts|centre|center|suburbs?|edge|part|parts)"
    rf"[ \t]+of"
    rf"[ \t]+(?:the[ \t]+)?|\bon[ \t]+the[ \t]+)((?:the[ \t]+(?:town|village|city|district|"
    rf"province|camp|area|region)[ \t]+of[ \t]+)?{_PLACE_WORD}(?:[ \t]+{_PLACE_WORD}){{0,3}}"
    rf"(?:[ \t]+{_PLACE_NOUN})?)"
)
# "stormed the Abu Shouk displacement camp": after a verb of attack, only a named place noun
TARGET_PLACE = re.compile(
    rf"\b(?:stormed|attacked|struck|hit|shelled|overran|raided|entered|bombed)[ \t]+"
    rf"(?:the[ \t]+)?((?:{_PLACE_WORD}[ \t]+){{1,3}}{_PLACE_NOUN})\b"
)
_NOT_PLACE = re.compile(
    r"^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|"
    r"April|May|June|July|August|September|October|November|December|The|A|An|His|Her|Their|"
    r"Its|This|That)\b"
)
# "the Syrian desert", "Pakistani warplanes", "Soviet-era blocks": a word that qualifies the
# lowercase noun after it is not a place.
_QUALIFIER = re.compile(
    r"^[A-Z][\w'’-]*(?:ian|ean|ese|ish|ic|i|-era|-backed|-led|-based|-aligned|-allied|-held|"
    r"-controlled|'s|’s)$"
)
_FUNCTION_WORD = re.compile(
    r"(?:on|in|at|and|or|after|before|when|where|which|who|as|to|by|for|with|from|over|"
    r"during|last|this|that|since|while|but|near|late|early|earlier|later|overnight)\b"
)
_NEXT_WORD = re.compile(r"[ \t]+([a-z]+)")
_SOURCE_NEXT = re.compile(r",?[ \t]+(?:said|told|reported|says)\b")
_PRECISE = re.compile(
    r"\b(?:town|village|city|district|province|camp)[ \t]+of[ \t]+(?:the[ \t]+)?$"
)


DATE_TEXT = re.compile(
    r"\b(?:(?:[Ll]ate|[Ee]arly)\s+(?:on\s+)?)?(?:[Oo]n\s+)?(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|"
    r"Saturday|Sunday)(?:\s+(?:morning|afternoon|evening|night))?|yesterday|"
    r"\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December)|(?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\s+\d{1,2})\b"
)


def location_of(text: str, start: int = 0) -> str | None:
    """The place a sentence names: the first one from `start` (a trigger word), else the
    first one before it."""
    places: list[tuple[int, str]] = []
    after: list[tuple[int, str]] = []
    for m in LOCATION.finditer(text):
        place = m.group(1)
        if _NOT_PLACE.match(place) or _SOURCE_NEXT.match(text, m.end(1)):
            continue  # "medics at Nasser Hospital said": where the source is
        if " " not in place and _QUALIFIER.match(place):
            word = _NEXT_WORD.match(text, m.end(1))
            if word is not None and not _FUNCTION_WORD.match(word.group(1)):
                continue
        (after if m.start() >= start else places).append((m.start(), place))
    if after:  # "around the Red Sea port city of Hodeidah": the named town, if the clause has one
        precise = [p for p in after[:2] if _PRECISE.search(text, 0, p[0] + 1)]
        return (precise[-1] if len(after) > 1 and precise else after[0])[1]
    if places:
        return places[0][1]
    target = TARGET_PLACE.search(text)
    if target is not None and not _NOT_PLACE.match(target.group(1)):
        return target.group(1)
    return None
