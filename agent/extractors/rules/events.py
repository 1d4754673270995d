"""Events for the rule-based extractor: trigger words -> ACLED sub-event types."""

from __future__ import annotations

import re
from typing import Any

from agent.extractors.rules.text import Sentence
from agent.patterns import Caseless, Prescan

# (pattern, event type); the first matching row wins for a sentence. More specific first.
EVENT_TRIGGERS: tuple[tuple[str, str], ...] = (
    (r"suicide\s+(?:bomb\w*|attack\w*|vest)|blew\s+(?:himself|herself)\s+up", "suicide_bomb"),
    (
        r"roadside\s+bombs?|landmines?|land\s+mines?|IEDs?|improvised\s+explosive|car\s+bomb|"
        r"explosive\s+device|mine\s+exploded",
        "remote_explosive_landmine_ied",
    ),
    (
        r"air\s*strikes?|air\s+raids?|drone\s+(?:strikes?|attacks?|struck|hit)|drones?\s+struck|"
        r"warplanes?|aircraft\s+(?:bombed|dropped|struck)|guided\s+bombs|bombed|helicopter\s+gunships?|"
        r"an?\s+\w*\s*drone\s+(?:struck|hit)|the\s+\w*\s*drone\s+(?:struck|hit)",
        "air_drone_strike",
    ),
    (
        r"shell(?:ing|ed|s)|artillery|mortars?|rockets?|missiles?|Grad|howitzers?",
        "shelling_artillery_missile_attack",
    ),
    (r"grenades?", "grenade"),
    (r"recaptured|retook|retaken|regained\s+control|recapture", "government_regains_territory"),
    (
        r"overran|overrun|seized\s+control|took\s+control|captured\s+the\s+(?:town|village|city|"
        r"base|garrison)|fell\s+to",
        "non_state_actor_overtakes_territory",
    ),
    (
        r"handover|handed\s+over|withdrew|withdrawal|takeover\s+of|took\s+over\s+(?:security|"
        r"positions)",
        "non_violent_transfer_of_territory",
    ),
    (r"abduct\w*|kidnap\w*", "abduction_forced_disappearance"),
    (
        r"massacre\w*|gunmen\s+(?:stormed|opened\s+fire|attacked|shot)|stormed|raided|"
        r"opened\s+fire\s+on\s+(?:civilians|residents|villagers|worshippers|a\s+(?:crowd|bus|"
        r"market|party))|shot\s+dead",
        "attack",
    ),
    (
        r"ambush\w*|clash\w*|fighting|fought|battles?|gun\s*battle|exchange\s+of\s+fire|"
        r"offensive|assault|attacked|engaged|firefight|opened\s+fire",
        "armed_clash",
    ),
    (r"protest\w*|demonstrat\w*|rall(?:y|ied)|sit-in|gathering", "peaceful_protest"),
    (r"arrested|detained|apprehended", "arrests"),
)
# Every alternative opens with a letter, so the search skips ahead to candidate words fast.
_EVENT_RES = [(Prescan(rf"\b(?:{p})\b"), t) for p, t in EVENT_TRIGGERS]

_PLACE_WORD = r"(?:[A-Z][\w'’ʿ-]*|al-[\w'’ʿ-]+|el-[\w'’ʿ-]+)"
_PLACE_NOUN = (
    r"(?:displacement\s+camp|refugee\s+camp|camp|front|district|province|governorate|"
    r"township|valley|neighbourhood|neighborhood|area|region|state|county|village|town|city)"
)
LOCATION = re.compile(
    rf"(?:\b(?:in|near|outside|at|around)[ \t]+(?:the[ \t]+)?|\b(?:town|village|city|camp|"
    rf"district|province|region|area|control|outskirts|centre|center|suburbs?|edge)[ \t]+of"
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


DATE_TEXT = re.compile(
    r"\b(?:(?:[Ll]ate|[Ee]arly)\s+(?:on\s+)?)?(?:[Oo]n\s+)?(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|"
    r"Saturday|Sunday)(?:\s+(?:morning|afternoon|evening|night))?|yesterday|"
    r"\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December)|(?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\s+\d{1,2})\b"
)
# Background, policy and prediction sentences are not events.
_NOT_EVENT = Caseless(
    r"\b(?:since\b[^.]{0,20}(?:19|20)\d\d|regularly|routinely|fears?|feared|"
    r"for\s+(?:nearly\s+|more\s+than\s+|almost\s+)?(?:\w+\s+)?(?:decades?|years)|in\s+(?:19|20)\d\d|last\s+year|years?\s+ago|will|would|could|"
    r"plans?\s+to|threatened|vowed|warned|condemned|called\s+for)\b"
)


def location_of(text: str, start: int = 0) -> str | None:
    """The place a sentence names: the first one from `start` (a trigger word), else the
    first one before it."""
    places: list[tuple[int, str]] = []
    for m in LOCATION.finditer(text):
        place = m.group(1)
        if _NOT_PLACE.match(place):
            continue
        if " " not in place and _QUALIFIER.match(place):
            after = _NEXT_WORD.match(text, m.end(1))
            if after is not None and not _FUNCTION_WORD.match(after.group(1)):
                continue
        if m.start() >= start:
            return place
        places.append((m.start(), place))
    if places:
        return places[0][1]
    target = TARGET_PLACE.search(text)
    if target is not None and not _NOT_PLACE.match(target.group(1)):
        return target.group(1)
    return None


def find_events(sents: list[Sentence]) -> list[dict[str, Any]]:
    """One event per distinct (type, location) in the article; the evidence is the sentence."""
    events: list[dict[str, Any]] = []
    seen: dict[tuple[str, str | None], dict[str, Any]] = {}
    types_seen: set[str] = set()
    for sentence in sents:
        text = sentence.text
        if _NOT_EVENT.search_spans(text):
            continue
        for pattern, event_type in _EVENT_RES:
            m = pattern.search(text)
            if m is None:
                continue
            location = location_of(text, m.start())
            key = (event_type, location)
            if key in seen or (event_type in types_seen and location is None):
                break
            if event_type in types_seen and (event_type, None) in seen:
                earlier = seen[(event_type, None)]
                earlier["location"] = location
                earlier["summary"] = f"{event_type.replace('_', ' ').capitalize()} in {location}."
                seen[key] = seen[(event_type, None)]
                break
            date = DATE_TEXT.search(text)
            quote = text.strip()
            if len(quote) > 240:
                quote = quote[max(0, m.start() - 100) : m.end() + 120].strip()
            event = {
                "id": f"E{len(events) + 1}",
                "event_type": event_type,
                "summary": f"{event_type.replace('_', ' ').capitalize()}"
                + (f" in {location}." if location else "."),
                "date_text": date.group(0) if date else None,
                "location": location,
                "evidence": [quote],
            }
            events.append(event)
            seen[key] = event
            types_seen.add(event_type)
            break
    return events
