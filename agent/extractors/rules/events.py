"""Events for the rule-based extractor: trigger words -> ACLED sub-event types.

Every trigger a sentence holds is read, and ACLED's hierarchy picks the type, so that one
event is not counted twice: an air strike or shelling inside a ground battle is the battle;
shelling during an air strike is the air strike; an abduction that kills is an attack;
security forces firing on protesters is excessive force against protesters. A sentence that
reports violence without a trigger word ("Gunmen shot dead a doctor", "Seven people were
killed") is an attack on civilians, or an armed clash when only armed men were killed.
"""

from __future__ import annotations

import re
from typing import Any

from agent.extractors.rules.text import Sentence
from agent.extractors.rules.vocabulary import CIVILIAN, COMBATANT, KILLING
from agent.patterns import Caseless

# (pattern, event type), in ACLED's order of precedence: the first type found wins unless a
# rule in `event_type` says otherwise.
EVENT_TRIGGERS: tuple[tuple[str, str], ...] = (
    (
        r"suicide\s+(?:\w+\s+)?(?:bomb\w*|attack\w*|vests?|blasts?)|blew\s+(?:himself|herself|"
        r"themselves)\s+up",
        "suicide_bomb",
    ),
    (
        r"air\s*strikes?|air\s*raids?|aerial\s+(?:bombardments?|attacks?|strikes?)|"
        r"drone\s+(?:strikes?|attacks?|struck|hit)|drones?\s+(?:had\s+|have\s+)?(?:struck|hit|"
        r"attacked|targeted)|warplanes?|fighter\s+jets?|"
        r"aircraft\s+(?:bombed|dropped|struck)|guided\s+bombs|bombed|helicopter\s+gunships?|"
        r"an?\s+\w*\s*drone\s+(?:struck|hit|dropped)|the\s+\w*\s*drone\s+(?:struck|hit|dropped)",
        "air_drone_strike",
    ),
    (
        r"roadside\s+bombs?|landmines?|land\s+mines?|IEDs?|improvised\s+explosive|"
        r"(?:car|truck|parcel|motorcycle)\s+bombs?|explosive\s+devices?|explosive-device|"
        r"mines?\s+(?:exploded|explosion|blast)|bomb\s+(?:blast|explosion|attack|exploded|went\s+off|"
        r"ripped|planted)|bomb\s+(?:placed|hidden)|blasts?|explosions?|exploded|detonated|"
        r"bombings?|nail\s+bombs?",
        "remote_explosive_landmine_ied",
    ),
    (  # as events, not as weapons seized ("two mortars and ammunition")
        r"shell(?:ing|ed)|shells\s+(?:fell|landed|hit|struck|slammed|rained)|artillery|"
        r"mortar\s+(?:fire|rounds?|shells?|attacks?|bombs?|strikes?)|mortars?\s+(?:fell|landed|hit|"
        r"struck)|rockets?\s+(?:fire|attacks?|fell|landed|hit|struck|slammed)|missiles?\s+(?:strikes?|"
        r"attacks?|fell|landed|hit|struck|slammed)|rocket\s+(?:strike|barrage)|Grad|howitzers?|"
        r"rounds?\s+(?:fell|landed|hit)|fired\s+(?:\w+\s+){0,3}(?:missiles?|rockets?|shells?)",
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
    (r"abduct\w*|kidnap\w*|taken\s+hostage|hostage-taking", "abduction_forced_disappearance"),
    (
        rf"massacre\w*|gunmen|assailants|stormed|raided|opened\s+fire\s+on\s+(?:civilians|"
        rf"residents|villagers|worshippers|a\s+(?:crowd|bus|market|party))|{KILLING}|"
        r"executed|beheading|beheads|lynch\w*|put\s+to\s+death",
        "attack",
    ),
    (
        r"ambush\w*|clash\w*|(?<!are\s)(?<!is\s)fighting|fought|battles?|gun\s*battle|"
        r"exchange\s+of\s+fire|"
        r"offensive|assault|attacked|engaged|firefight|opened\s+fire|skirmish\w*|"
        r"small-arms\s+fire|returned\s+fire",
        "armed_clash",
    ),
    (r"riot\w*", "violent_demonstration"),
    (r"mob\b", "mob_violence"),
    (r"protest\w*|demonstrat\w*|rall(?:y|ied)|sit-in", "peaceful_protest"),
    (
        r"arrested|detained|apprehended|taken\s+into\s+custody|arrest\s+of|capture\s+of|"
        r"captured\s+(?:a|an)|(?:was|were)\s+captured",
        "arrests",
    ),
)
# --- where and when: "in the town of Hajin", "on the outskirts of Kupiansk", "on Sunday" ---

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


# --- the type ----------------------------------------------------------------------------------

_TYPES = tuple(t for _, t in EVENT_TRIGGERS)
_PRECEDENCE = {t: i for i, t in enumerate(_TYPES)}
# One scan: group i + 1 is row i. Lowercase ASCII text is scanned case-sensitively (fast).
_TRIGGERS = Caseless(r"\b(?:" + "|".join(f"({p})" for p, _ in EVENT_TRIGGERS) + r")\b")
# A ground battle the air strike or shelling belongs to (not "attacked", which strikes are).
_BATTLE = Caseless(
    r"\b(?:clash\w*|fighting|fought|battles?|gun\s*battle|firefight|exchange\s+of\s+fire|"
    r"assault\s+on|launching\s+an\s+assault)\b"
)
# Armed men of the state as the ones attacked: an attack on them is a battle.
_ARMED_TARGET = Caseless(
    r"\b(?:soldiers|troops|police(?:men)?|army|outposts?|garrison|checkpoints?|military\s+(?:base|"
    r"post|position)s?|bases?|barracks)\b"
)
_KILLS = Caseless(rf"\b(?:killed|killing|kills|dead|died|{KILLING}|executed|slain)\b")
_FORCE = Caseless(
    r"\b(?:police|security\s+forces|troops|soldiers|army|military)\b[^.;]{0,80}\b(?:fired|shot|"
    r"opened\s+fire|killed|tear\s*gas|live\s+(?:ammunition|rounds))|\b(?:killed|shot|wounded)\s+"
    r"(?:\w+\s+){0,4}?by\s+(?:the\s+)?(?:police|security\s+forces|troops|soldiers|army|military)"
)
# A sentence of violence without a trigger word: what was done, and to whom.
_VIOLENCE = Caseless(
    rf"\b(?:killed|killing|kills|kill|died|dead|{KILLING}|executed|slain|wounded|injured|"
    r"murder\w*|assassinat\w*|bodies|body|corpses|shot|shooting|stabbing|hacking|bullets?|"
    r"lost\s+their\s+lives|death\s+toll|casualties|attack)\b"
)
_ABDUCTED = Caseless(r"\b(?:abduct\w*|kidnap\w*)\b")
# Background and prediction: not events. History is never one; a modal or a warning only
# when nothing in the sentence happened.
_HISTORY = Caseless(
    r"\b(?:since\b[^.]{0,20}(?:19|20)\d\d|regularly|routinely|for\s+(?:nearly\s+|more\s+than\s+|"
    r"almost\s+)?(?:\w+\s+)?(?:decades?|years)|in\s+(?:19|20)\d\d|last\s+year|years?\s+ago)\b"
)
_MODAL = Caseless(
    r"\b(?:fears?|feared|will|would|could|plans?\s+to|threatened|vowed|warned|condemned|"
    r"called\s+(?:for|on)|urged|appealed|to\s+protest)\b"
)
_HAPPENED = Caseless(
    rf"\b(?:killed|died|wounded|injured|struck|hit|exploded|attacked|abducted|kidnapped|"
    rf"stormed|raided|clashed|fired|shelled|bombed|{KILLING}|executed|detained|arrested)\b"
)


def event_type(text: str) -> tuple[str, int] | None:
    """The ACLED sub-event type of a sentence, and where its trigger is; None for no trigger."""
    found: dict[str, int] = {}
    for m in _TRIGGERS.finditer_spans(text):
        kind = _TYPES[(m.lastindex or 1) - 1]
        found.setdefault(kind, m.start())
    if not found:
        return None
    kind = min(found, key=_PRECEDENCE.__getitem__)
    if "peaceful_protest" in found and _FORCE.search_spans(text):
        kind = "excessive_force_against_protesters"  # before a clash: "police opened fire on"
    elif kind in _REMOTE and _BATTLE.search_spans(text):
        kind = "armed_clash"  # the strike or blast is part of the battle the sentence tells
    elif kind == "attack" and _ARMED_TARGET.search_spans(text) and not CIVILIAN.search(text):
        kind = "armed_clash"  # "stormed the outpost held by troops"
    elif kind == "abduction_forced_disappearance" and _KILLS.search_spans(text):
        kind = "attack"  # an abduction that kills
    return kind, found.get(kind, min(found.values()))


_REMOTE = frozenset(
    {"air_drone_strike", "shelling_artillery_missile_attack", "remote_explosive_landmine_ied"}
)


# A change of territory is told when it happened; other kinds a sentence may mention in
# passing ("during the fighting in May").
_TERRITORY = frozenset({"government_regains_territory", "non_state_actor_overtakes_territory"})


def untriggered(text: str) -> tuple[str, int] | None:
    """A report of violence without a trigger word: abduction, or an attack on civilians, or
    a clash when the dead are armed men only ("coalition forces killed two insurgents")."""
    violence = _VIOLENCE.search_spans(text)
    if violence is None:
        abducted = _ABDUCTED.search_spans(text)
        return ("abduction_forced_disappearance", abducted.start()) if abducted else None
    if COMBATANT.search(text) and not CIVILIAN.search(text):
        return "armed_clash", violence.start()
    return "attack", violence.start()


def _not_an_event(text: str) -> bool:
    """Background or prediction: history ("since 2011", "last year") unless the sentence
    names the day it happened; a modal or a warning unless something happened."""
    if _HISTORY.search_spans(text) and not DATE_TEXT.search(text):
        return True
    return _MODAL.search_spans(text) is not None and _HAPPENED.search_spans(text) is None


def find_events(sents: list[Sentence], with_figures: set[int]) -> list[dict[str, Any]]:
    """One event per distinct (type, location) in the article; the evidence is the sentence.

    A headline's event is told again in the body: it is kept only when the body has none of
    its type. After the first event, a sentence that names no place and gives no figure
    mentions fighting in passing ("families who fled during the fighting") and is no event.
    """
    events: list[dict[str, Any]] = []
    seen: dict[tuple[str, str | None], dict[str, Any]] = {}
    types_seen: set[str] = set()
    body = [i for i, s in enumerate(sents) if not (i == 0 and _headline(s.text))]
    for i in [*body, *(i for i in range(len(sents)) if i not in body)]:
        text = sents[i].text
        found = event_type(text)
        if found is None or _not_an_event(text):
            continue
        if i not in body and found[0] in types_seen:
            continue  # the headline tells the body's event
        if (
            events
            and found[0] not in _TERRITORY
            and i not in with_figures
            and location_of(text, found[1]) is None
        ):
            continue
        _add(events, seen, types_seen, found, sents[i])
    events.sort(key=lambda e: _position(sents, e["evidence"][0]))
    for n, event in enumerate(events, 1):
        event["id"] = f"E{n}"
        del event["paragraph"]
    if not events:  # a report of violence without a trigger word still tells of an event
        for sentence in sents:
            found = untriggered(sentence.text)
            if found is not None and not _not_an_event(sentence.text):
                _add(events, seen, types_seen, found, sentence)
                break
    return events


def _add(
    events: list[dict[str, Any]],
    seen: dict[tuple[str, str | None], dict[str, Any]],
    types_seen: set[str],
    found: tuple[str, int],
    sentence: Sentence,
) -> None:
    """The event a sentence tells, unless one of its type and place is already told; an
    event told without a place gets the place the next sentence of its paragraph names."""
    kind, at = found
    text = sentence.text
    location = location_of(text, at)
    key = (kind, location)
    if key in seen or (kind in types_seen and location is None):
        return
    earlier = seen.get((kind, None))
    if earlier is not None and earlier["paragraph"] == sentence.paragraph:
        earlier["location"] = location
        earlier["summary"] = _summary(kind, location)
        seen[key] = earlier
        return
    event = _event(f"E{len(events) + 1}", kind, location, text, at)
    event["paragraph"] = sentence.paragraph
    events.append(event)
    seen[key] = event
    types_seen.add(kind)


def _headline(text: str) -> bool:
    """A first line without a closing full stop is the headline."""
    line = text.strip()
    return bool(line) and line[-1] not in ".!?\"”'’"


def _position(sents: list[Sentence], quote: str) -> int:
    return next((i for i, s in enumerate(sents) if quote in s.text), len(sents))


def _summary(kind: str, location: str | None) -> str:
    return kind.replace("_", " ").capitalize() + (f" in {location}." if location else ".")


def _event(event_id: str, kind: str, location: str | None, text: str, at: int) -> dict[str, Any]:
    date = DATE_TEXT.search(text)
    quote = text.strip()
    if len(quote) > 240:
        lead = len(text) - len(text.lstrip())
        quote = text[max(lead, at - 100) : at + 140].strip()
    return {
        "id": event_id,
        "event_type": kind,
        "summary": _summary(kind, location),
        "date_text": date.group(0) if date else None,
        "location": location,
        "evidence": [quote],
    }
