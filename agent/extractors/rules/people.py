"""People counted without a number word: the victims a casualty verb names.

"An imam ... has been killed", "gunmen shot dead a doctor", "Nayyar Iqbal Rana was shot and
killed", "the killing of a local leader", "detained a Taliban leader and his associates". Each
person named in the singular is one figure (count_text the words naming them, low = high = 1,
exact); under a table that counts bare plurals (ISAF), "detained suspected insurgents" is a
vague figure of the table's number. Three places name victims:

- the subject of a passive ("A journalist was shot dead", "X, a tribal elder, has been killed");
- the object of an active verb ("killed a Taliban leader and two associates", "killing him");
- the object of a noun of killing or capture ("the murder of a Christian convert").

A person named with "the", "his" or a pronoun ("the leader", "killing him") is someone already
told of when an earlier sentence holds a figure of the same outcome, and is then not counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.extractors.rules.phrases import (
    CONJUNCTION,
    COUNT_START,
    NP_END,
    Victim,
    looks_like_people,
    read_phrase,
)
from agent.extractors.rules.vocabulary import KILLING
from agent.patterns import Caseless
from agent.quantities import QUALIFIER_WORDS

# --- the verbs -------------------------------------------------------------------------------

_KILLED = rf"killed|{KILLING}|executed|slain|martyred|found\s+dead|blown\s+up"
_CAPTURED = r"captured|detained|arrested|apprehended|taken\s+into\s+custody|taken\s+prisoner"
_ABDUCTED = r"abducted|kidnapped|taken\s+hostage"
_INJURED = r"wounded|injured"
PARTICIPLES: tuple[tuple[str, str], ...] = (
    (_KILLED, "killed"),
    (_CAPTURED, "captured"),
    (_ABDUCTED, "abducted"),
    (_INJURED, "injured"),
)
_ANY_PARTICIPLE = "|".join(p for p, _ in PARTICIPLES)
# "was kidnapped and killed", "was shot in the head and killed": the last verb
_FIRST_VERB = (
    r"(?:\w+(?:ed|en|wn|ot)(?:\s+(?:in|on)\s+the\s+\w+)?,?\s+and\s+(?:then\s+|later\s+)?)?"
)
_ADVERB = (
    r"(?:(?:reportedly|allegedly|also|later|then|subsequently|brutally|confirmed|feared|found|"
    r"believed\s+to\s+have\s+been|said\s+to\s+have\s+been|\w+ly)\s+){0,2}"
)
PASSIVE = Caseless(
    rf"\b(was|were|has\s+been|have\s+been|had\s+been)\s+{_ADVERB}{_FIRST_VERB}"
    rf"({_ANY_PARTICIPLE}|died)\b"
)
DIED = Caseless(r"\b(?:has\s+|had\s+)?(died|dies|perished|succumbed)\b")
# (pattern, outcome): nouns of killing or capture before their object ("the murder of"),
# then active verbs ("killed", "detained"); one scan reads them all, nouns first.
NOUNS: tuple[tuple[str, str], ...] = (
    (r"(?:killing|murder|assassination|death|execution|beheading|slaying|lynching)\s+of", "killed"),
    (r"(?:capture|arrest|detention|detainment)\s+of", "captured"),
    (r"(?:abduction|kidnapping)\s+of", "abducted"),
)
ACTIVE: tuple[tuple[str, str], ...] = (
    (
        rf"killed|killing|kills|{KILLING}|shooting\s+dead|gunning\s+down|executed|executing|"
        r"beheading|beheads|murdering|assassinating|lynching|slaughtering",
        "killed",
    ),
    (
        r"captured|capturing|capture|detained|detaining|detain|arrested|arresting|arrest|"
        r"apprehended|apprehending|took\s+into\s+custody",
        "captured",
    ),
    (r"abducted|abducting|kidnapped|kidnapping", "abducted"),
    (r"wounded|wounding|injured|injuring", "injured"),
)
_OBJECT_ROWS = (*NOUNS, *ACTIVE)  # group i + 1 is row i
OBJECT_VERB = Caseless(r"\b(?:" + "|".join(f"({p})" for p, _ in _OBJECT_ROWS) + r")\s+")
# "shot him dead", "hacked an elderly Hindu priest to death"
AROUND = Caseless(
    r"\b(?:shot|hacked|stabbed|beat|beaten|burned|burnt|stoned|tortured|bludgeoned|clubbed)"
    r"\s+((?:[\w'’.-]+\s+){1,6}?)(?:to\s+death|dead|alive)\b"
)
ANOTHER = Caseless(rf"\banother\s+(?:was\s+|were\s+)?({_ANY_PARTICIPLE})\b")
# A sentence without any of these words names no victim; one scan skips it.
CUE = Caseless(
    rf"\b(?:{_ANY_PARTICIPLE}|died|dies|perished|succumbed|killing|kills|shooting|gunning|"
    r"executing|beheading|beheads|murdering|assassinating|lynching|slaughtering|capturing|"
    r"detaining|arresting|apprehending|took|abducting|kidnapping|wounding|injuring|shot|hacked|"
    r"stabbed|beat|beaten|burned|burnt|stoned|tortured|bludgeoned|clubbed|murder|"
    r"assassination|death|execution|slaying|capture|arrest|detention|abduction)\b"
)

# A count inside a subject: "the start of the year more than 100 civilians".
_COUNT_INSIDE = re.compile(
    rf"\b(?:(?:{QUALIFIER_WORDS})\s+)*(?:\d[\d,.]*(?![\d,.]*-)|(?:two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundreds?|dozens?|several|scores|"
    r"many|numerous|thousands)\b)\s+[a-z]",
    re.IGNORECASE,
)
_MODAL = Caseless(r"\b(?:would|could|might|may|will|should|must|to)\s+(?:not\s+)?(?:\w+\s+)?$")


def victims(text: str) -> list[Victim]:
    """Every person the casualty verbs of a sentence name without a number, in order."""
    if not CUE.search_spans(text):
        return []
    lower = text.lower()
    found: list[Victim] = []
    if any(w in lower for w in (" was ", " were ", " been ", "died", "dies", "perish", "succumb")):
        found += _passive_subjects(text)  # (a word test first: most sentences have none)
    found += _objects(text, lower)
    found.sort(key=lambda v: v.start)
    out: list[Victim] = []
    for victim in found:  # one reading per span: the first wins
        if not any(v.start < victim.end and victim.start < v.end for v in out):
            out.append(victim)
    return out


# --- passives: the subject ---------------------------------------------------------------------

_CLAUSE_WORDS = (
    r"[;:\[\]]|,|\s--\s|\s[—–-]\s|\b(?:that|when|after|as|while|said|says|say|confirmed|"
    r"reported|reports|but|because|where|before|if|since|although|though|whereby|then|how|"
    r"what|why|whether|which|whom|was|were|is|are|has|have|had|been|saying|adding"
)
# Where the subject of a singular verb starts; a plural one may be "X and Y".
_CLAUSE_START = re.compile(_CLAUSE_WORDS + r"|and)\b", re.IGNORECASE)
_PLURAL_CLAUSE_START = re.compile(_CLAUSE_WORDS + r")\b", re.IGNORECASE)
_KNOWN_AS = re.compile(r"\b(?:known|identified|named)\s+as\s*$|\b(?:named|called)\s*$")
_RELATIVE = re.compile(r"(?:,\s*)?\b(?:who|which|that)\s*$", re.IGNORECASE)
_RELATIVE_INSIDE = re.compile(r"\s*\b(?:who|whose|which|whom)\b", re.IGNORECASE)
_APPOSITION_CLOSE = re.compile(r"(?:,|\s--|\s[—–]|\))\s*$")


def _passive_subjects(text: str) -> list[Victim]:
    out: list[Victim] = []
    for pattern in (PASSIVE, DIED):
        for m in pattern.finditer(text):
            verb = m.group(m.lastindex or 1)
            outcome = "killed" if verb.lower() in _DIED_WORDS else _outcome_of(verb)
            if outcome is None or _MODAL.search_spans(text, 0, m.start()):
                continue
            singular = pattern is PASSIVE and m.group(1).lower() in _SINGULAR_AUX
            span = _subject(text, m.start(), not singular)
            if span is None:
                continue
            v_start = m.start(m.lastindex or 1) if pattern is PASSIVE else m.start()
            out += read_phrase(text, span, outcome, v_start, m.end(), singular)
    return out


_DIED_WORDS = frozenset({"died", "dies", "perished", "succumbed"})
_SINGULAR_AUX = frozenset({"was", "is", "has been", "had been"})


def _subject(text: str, aux_start: int, plural: bool) -> tuple[int, int] | None:
    """Where the subject of a verb at `aux_start` is: the noun phrase right before it; before
    an apposition or a relative pronoun, the one those describe ("X, a tribal elder, was
    killed"; "a judge whose court handled drug cases was killed")."""
    end = aux_start
    relative = _RELATIVE.search(text, max(0, end - 12), end)
    if relative is not None:  # "Alhaji Abubakar, who was killed"
        end = relative.start()
    starts = _PLURAL_CLAUSE_START if plural else _CLAUSE_START
    for _ in range(3):
        head = text[:end].rstrip()
        close = _APPOSITION_CLOSE.search(head)
        chunk_end = close.start() if close is not None else len(head)
        opening = _last(starts.finditer(text, max(0, chunk_end - 120), chunk_end))
        start = opening.end() if opening is not None else max(0, chunk_end - 120)
        chunk = text[start:chunk_end]
        first = CONJUNCTION.split(chunk, maxsplit=1)[0]
        if _COUNT_INSIDE.search(first):  # "since the start of the year more than 100 civilians"
            return None  # a subject with a count: read by the number finders
        if _counted_before(text, opening):
            return None  # "Two fighters from HTS, the Islamist group ..., were killed"
        lead = len(chunk) - len(chunk.lstrip())
        named = close is not None and _KNOWN_AS.search(text, max(0, start - 20), start)
        if chunk.strip() and looks_like_people(chunk.strip()) and not named:
            return start + lead, chunk_end
        inside = _last(_RELATIVE_INSIDE.finditer(text, max(0, chunk_end - 160), chunk_end))
        if inside is not None and close is None and "," not in text[inside.end() : chunk_end]:
            end = inside.start()  # the phrase a relative clause describes
        elif close is not None and opening is not None:
            end = opening.start()  # "X, 48, was killed": the phrase before the apposition
        else:
            return None
    return None


def _counted_before(text: str, opening: re.Match[str] | None) -> bool:
    """Whether the phrase before an apposition's comma opens with a count: the apposition
    then describes counted people ("Two civilians, a farmer and his son, were wounded")."""
    if opening is None or text[opening.start() : opening.end()] != ",":
        return False
    before = _last(_CLAUSE_START.finditer(text, max(0, opening.start() - 120), opening.start()))
    phrase = text[before.end() if before is not None else 0 : opening.start()]
    return COUNT_START.match(phrase) is not None


def _last(matches: Iterator[re.Match[str]]) -> re.Match[str] | None:
    found = None
    for found in matches:  # noqa: B007 (the last one is wanted)
        pass
    return found


# --- actives and nouns: the object ---------------------------------------------------------------

_BE_BEFORE = Caseless(
    r"\b(?:was|were|is|are|been|be|being)\s+(?:\w+ly\s+|also\s+|then\s+)?(?:\w+\s+and\s+)?$"
)
# "the detained leader" (an adjective), "an operation to arrest", "aimed at capturing",
# "responsible for killing": no one suffered it here.
_NOT_DONE = Caseless(
    r"\b(?:the|a|an|his|her|their|its|to|at|for|of|on|about|newly|recently|will|would|could|can|"
    r"may|might|should|must|not|never)\s+$"
)


def _objects(text: str, lower: str) -> list[Victim]:
    out: list[Victim] = []
    for m in OBJECT_VERB.finditer_spans(text):
        row = (m.lastindex or 1) - 1
        outcome = _OBJECT_ROWS[row][1]
        near = max(0, m.start() - 40)
        if row >= len(NOUNS) and (
            _BE_BEFORE.search_spans(text, near, m.start())  # "was killed Thursday"
            or _NOT_DONE.search_spans(text, near, m.start())
        ):
            continue
        span = _phrase_at(text, m.end())
        if span is not None:
            out += read_phrase(text, span, outcome, m.start(), m.end(), False)
    arounds = (
        AROUND.finditer_spans(text)
        if ("death" in lower or "dead" in lower or "alive" in lower)
        else ()
    )
    for m in arounds:
        out += read_phrase(text, (m.start(1), m.end(1)), "killed", m.start(), m.end(), False)
    others = ANOTHER.finditer_spans(text) if "another" in lower else ()
    for m in others:  # "a teacher was killed and another wounded"
        fate = _outcome_of(text[m.start(1) : m.end(1)])
        if fate is not None:
            out.append(Victim(m.start(), m.start() + 7, fate, "one", "", m.start(), m.end()))
    return out


def _phrase_at(text: str, start: int) -> tuple[int, int] | None:
    stop = NP_END.search(text, start, start + 160)
    end = stop.start() if stop is not None else min(len(text), start + 160)
    return (start, end) if end > start else None


def _outcome_of(verb: str) -> str | None:
    for pattern, outcome in PARTICIPLES:
        if re.fullmatch(pattern, verb, re.IGNORECASE):
            return outcome
    return None
