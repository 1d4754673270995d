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
from dataclasses import dataclass

from agent.extractors.rules.vocabulary import KILLING, THING
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

# --- the noun phrases ---------------------------------------------------------------------------

# Where a noun phrase naming people ends.
NP_END = re.compile(
    r"\s*(?:[,;:.()\[\]\"“”!?]|\s--|\s[—–-]\s|$)|\s+(?:in|on|at|near|during|while|when|after|"
    r"before|as|from|with|by|inside|outside|who|whom|whose|which|that|because|for|(?<!up\s)to|"
    r"into|behind|died|dies|\d+|"
    r"since|last|yesterday|today|tonight|overnight|early|late|earlier|later|this|amid|"
    r"following|under|over|across|along|around|between|without|and\s+(?:then\s+)?\w+(?:ed|ing)"
    r"\b|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|was|were|is|are|had|has|"
    r"have|said|says)\b"
)
# A phrase that opens with a count ("up to 40 residents", "several individuals") is read by the
# number finders; "a 45-year-old journalist" is a person.
COUNT_START = re.compile(
    rf"\s*(?:(?:{QUALIFIER_WORDS})\s+)*(?:a\s+|the\s+|another\s+|some\s+|an\s+)?"
    r"(?:(?:additional|other|further|more)\s+)?(?:\d(?![\d,.]*-)|"
    r"(?:one|two|three|"
    r"four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"dozens?|several|scores|many|few|some|numerous|multiple|hundreds|thousands|tens|handful|"
    r"number|group|couple|both)\b)",
    re.IGNORECASE,
)
# A count inside a subject: "the start of the year more than 100 civilians".
_COUNT_INSIDE = re.compile(
    rf"\b(?:(?:{QUALIFIER_WORDS})\s+)*(?:\d[\d,.]*(?![\d,.]*-)|(?:two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundreds?|dozens?|several|scores|"
    r"many|numerous|thousands)\b)\s+[a-z]",
    re.IGNORECASE,
)
CONJUNCTION = re.compile(r"\s+(?:and|along\s+with|alongside|as\s+well\s+as|together\s+with)\s+")
_DETERMINER = re.compile(r"^(?:(a|an|another)|(the)|(his|her|their|its))\s+", re.IGNORECASE)
_PRONOUN = re.compile(r"^(?:him|her|he|she)$", re.IGNORECASE)
_NEGATIVE = re.compile(r"^(?:no|none|nobody|neither|nor|not|any|every|each|all)\b", re.IGNORECASE)
_NAME_WORD = re.compile(r"[A-Z][\w'’.-]*")
# A lowercase plural noun ("planners", "occupants"): a definite plural refers back.
_PLURAL_NOUN = re.compile(r"^[a-z][a-z-]*[^su]s$")
_NOT_A_PERSON = re.compile(
    r"^(?:one|ones|others?|it|them|themselves|himself|herself)$", re.IGNORECASE
)
_AL_NAME = re.compile(r"(?:al|el|ul|bin|ibn)-[A-Z]")
_NOT_A_NAME = re.compile(
    r"^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|"
    r"April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|"
    r"Aug|Sep|Sept|Oct|Nov|Dec|The|A|An|He|She|They|It|This|That|These|Those|His|Her|Their|"
    r"Its|There|Police|Security|Afghan|Iraqi|Syrian|At|In|On|During|After|Before|When|While|"
    r"With|For|From|By|Also|But|And|Of|To|As|Both|All|Some|Many|Several|Other|Others|"
    r"Another)\.?$"
)
# A conjunct that opens with one of these is no noun phrase ("or injured civilians").
_FUNCTION_WORD = re.compile(
    r"^(?:or|and|but|of|to|in|on|at|by|for|with|from|during|after|before|when|while|as|then|"
    r"also|both|all)\b",
    re.IGNORECASE,
)
# Heads that are no person: places, things, plans, animals; and perpetrators who blew up.
_PERSON_PLURAL = re.compile(
    r"(?:insurgents|militants|fighters|suspects|associates|individuals|facilitators|men|"
    r"leaders|commanders|members|soldiers|troops|civilians|people|persons|villagers|"
    r"gunmen|rebels|guards|policemen|officers|combatants|terrorists|extremists|operatives|"
    r"Taliban|children|women|residents|workers|students|farmers|herders|worshippers|"
    r"supporters|followers|relatives|bodyguards|companions|accomplices|others)$",
    re.IGNORECASE,
)
_TITLE = re.compile(
    r"\b(?:leader|commander|chief|head|official|member|facilitator|governor|mayor|judge|"
    r"officer|general|colonel|minister|spokesman|cleric|imam|elder|emir)\b",
    re.IGNORECASE,
)
_MODAL = Caseless(r"\b(?:would|could|might|may|will|should|must|to)\s+(?:not\s+)?(?:\w+\s+)?$")


@dataclass(frozen=True)
class Victim:
    """A person or people named as suffering an outcome, without a number word."""

    start: int  # in the sentence: text[start:end] is the count_text
    end: int
    outcome: str
    kind: str  # one | pronoun | definite | plural (bare) | their (a possessive plural); ""
    # for a count read by the number finders
    key: str  # who it is, for restatements: "taliban leader", "fayez jan"; "" for pronouns
    verb_start: int  # the verb or noun that names the outcome, for the evidence
    verb_end: int

    def text_in(self, sentence: str) -> str:
        return sentence[self.start : self.end]


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
# "Insurgents attacked the post": a clause, not a noun phrase of people.
_CLAUSE_INSIDE = re.compile(
    r"\b\w+ed\s+(?:a|an|the|his|her|their|its|two|three|four|five|several)\b", re.IGNORECASE
)
# "The insurgent, known as Mahmood, was killed": the name is an apposition.
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
            out += _read_phrase(text, span, outcome, v_start, m.end(), singular)
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
        if chunk.strip() and _looks_like_people(chunk.strip()) and not named:
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


def _looks_like_people(chunk: str) -> bool:
    first = chunk.split()[0]
    return bool(
        _DETERMINER.match(chunk)
        or _PRONOUN.match(chunk)
        or _NAME_WORD.fullmatch(first)
        or _AL_NAME.match(first)
    )


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
            out += _read_phrase(text, span, outcome, m.start(), m.end(), False)
    arounds = (
        AROUND.finditer_spans(text)
        if ("death" in lower or "dead" in lower or "alive" in lower)
        else ()
    )
    for m in arounds:
        out += _read_phrase(text, (m.start(1), m.end(1)), "killed", m.start(), m.end(), False)
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


# --- reading a phrase ------------------------------------------------------------------------


def _read_phrase(
    text: str, span: tuple[int, int], outcome: str, v_start: int, v_end: int, singular: bool
) -> list[Victim]:
    """The people a noun phrase names: each conjunct ("a judge and his son") is one person, a
    bare plural is "plural"; a phrase with a number is read by the number finders."""
    start, end = span
    counted = False  # "80 leaders and facilitators": the plural after a count is its group
    if COUNT_START.match(text, start, end):  # "Another 14 soldiers and a medic": past the count
        after = CONJUNCTION.search(text, start, end)
        if singular or after is None:
            return []
        start, counted = after.end(), True
    stop = NP_END.search(text, start, end)
    if stop is not None and stop.start() > start:
        end = stop.start()
    phrase = text[start:end]
    pieces = [(start, end)] if singular else _conjuncts(phrase, start)
    out: list[Victim] = []
    for p_start, p_end in pieces:
        victim = _classify(text, p_start, p_end, outcome, v_start, v_end, singular)
        if victim is None:
            break
        counted = counted or not victim.kind
        if victim.kind and not (counted and victim.kind == "plural"):
            out.append(victim)
    return out


def _conjuncts(phrase: str, offset: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    pos = 0
    for m in CONJUNCTION.finditer(phrase):
        pieces.append((offset + pos, offset + m.start()))
        pos = m.end()
    pieces.append((offset + pos, offset + len(phrase)))
    return pieces


def _classify(
    text: str, start: int, end: int, outcome: str, v_start: int, v_end: int, singular: bool
) -> Victim | None:
    """One conjunct as a victim; a Victim with an empty kind is a count (read elsewhere);
    None ends the phrase (it is no noun phrase of people)."""
    piece = text[start:end].strip()
    if not piece or _NEGATIVE.match(piece) or len(piece.split()) > (14 if " of " in piece else 9):
        return None
    if _CLAUSE_INSIDE.search(piece) or _FUNCTION_WORD.match(piece):
        return None
    lead = text.find(piece, start)
    start, end = lead, lead + len(piece)
    if COUNT_START.match(piece):
        return Victim(start, end, outcome, "", "", v_start, v_end)  # "two associates"
    det = _DETERMINER.match(piece)
    words = piece.split()
    head = _head(piece)
    if THING.match(head) or _NOT_A_PERSON.match(head):
        return None
    plural = _PERSON_PLURAL.search(head) is not None and not singular
    if _PRONOUN.match(piece):
        return Victim(start, end, outcome, "pronoun", "", v_start, v_end)
    if piece.lower() == "another":  # "killed a facilitator and captured another"
        return Victim(start, end, outcome, "one", "", v_start, v_end)
    if det is not None:
        rest = piece[det.end() :]
        key = (_trailing_name(re.split(r"\s+of\s+", rest, maxsplit=1)[0]) or rest).lower()
        if det.group(1):  # a / an / another
            return Victim(start, end, outcome, "one", key, v_start, v_end)
        if det.group(2) and (plural or _PLURAL_NOUN.match(head)):
            return Victim(start, end, outcome, "", "", v_start, v_end)  # "the insurgents"
        kind = "their" if plural else "definite"  # "his associates", "the district governor"
        return Victim(start, end, outcome, kind, key, v_start, v_end)
    if (_NAME_WORD.fullmatch(words[0]) or _AL_NAME.match(words[0])) and not _NOT_A_NAME.match(
        words[0]
    ):
        if plural:  # "Taliban insurgents", "Afghan civilians"
            return Victim(start, end, outcome, "plural", piece.lower(), v_start, v_end)
        name = _last_name(piece)
        if name is None or (outcome == "captured" and not _TITLE.search(piece)):
            return None  # "captured Sokolo": a place
        return Victim(start, end, outcome, "one", name.lower(), v_start, v_end)
    if plural and words[0].islower():  # "suspected insurgents"
        return Victim(start, end, outcome, "plural", piece.lower(), v_start, v_end)
    return None


def _head(piece: str) -> str:
    """The head word: the last word, or the last before "of" ("the head of a village")."""
    before_of = re.split(r"\s+of\s+", piece, maxsplit=1)[0]
    return before_of.split()[-1].strip("'’\"") if before_of.split() else ""


def _trailing_name(phrase: str) -> str | None:
    """A name at the end of a phrase: "Taliban commander Fayez Jan" -> "Fayez Jan"."""
    m = re.search(r"(?:\b[A-Z][\w'’.-]*\s*)+$", phrase)
    return m.group(0).strip() if m else None


def _last_name(piece: str) -> str | None:
    """The last run of capitalised words: "Taliban leader Saifullah" -> "Saifullah"."""
    runs = re.findall(r"(?:[A-Z][\w'’.-]*\s*)+", piece)
    return runs[-1].strip() if runs else None


def _outcome_of(verb: str) -> str | None:
    for pattern, outcome in PARTICIPLES:
        if re.fullmatch(pattern, verb, re.IGNORECASE):
            return outcome
    return None
