"""Who a noun phrase names: the people a casualty verb's subject or object speaks of without
a number word, one per conjunct ("a judge and his son"), and how each is named.

A phrase is cut where it stops naming people (a preposition, a clause, a date) and split at
"and" / "along with"; each conjunct is read as one person ("an imam", "Fayez Jan", "him",
"the district governor"), a bare or possessive plural ("suspected insurgents", "his
associates"), a count left to the number finders ("two associates"), or no phrase of people
("the town", "or injured civilians"), which ends the list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.extractors.rules.vocabulary import THING
from agent.quantities import QUALIFIER_WORDS

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
# Plural nouns of people: a bare plural of these is counted under the ISAF table.
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

# "Insurgents attacked the post": a clause, not a noun phrase of people.
_CLAUSE_INSIDE = re.compile(
    r"\b\w+ed\s+(?:a|an|the|his|her|their|its|two|three|four|five|several)\b", re.IGNORECASE
)
# "The insurgent, known as Mahmood, was killed": the name is an apposition.


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


def looks_like_people(chunk: str) -> bool:
    first = chunk.split()[0]
    return bool(
        _DETERMINER.match(chunk)
        or _PRONOUN.match(chunk)
        or _NAME_WORD.fullmatch(first)
        or _AL_NAME.match(first)
    )


def read_phrase(
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
