"""The words of casualty reporting, as pattern tables: outcomes, active verbs, toll wordings,
sub-figure cues, what is not a count, cumulative cues, and the words that name a group.

Each kind of wording is one row of a small table, so a new pattern is one small change. The
finders (`finders`) and the assembly of figures (`figures`) read these tables; nothing here
decides anything on its own.
"""

from __future__ import annotations

import re

from agent.patterns import Caseless
from agent.quantities import QUALIFIER_WORDS

# --- outcome words --------------------------------------------------------------------------

# Ways of killing beyond "killed", as participles: "were beheaded", "was gunned down".
KILLING = (
    r"shot\s+dead|shot\s+and\s+killed|shot\s+to\s+death|gunned\s+down|murdered|assassinated|"
    r"beheaded|decapitated|lynched|massacred|slaughtered|hanged|strangled|burn(?:ed|t)\s+alive|"
    r"(?:hacked|stabbed|beat|beaten|bludgeoned|burned|burnt|tortured|stoned|clubbed)\s+to\s+death|"
    r"fatally\s+(?:shot|stabbed|wounded|injured)"
)
# (pattern, outcome); the first matching row wins. Passive / noun forms, read after a number.
OUTCOME_WORDS: tuple[tuple[str, str], ...] = (
    (r"killed\s+or\s+(?:wounded|injured)|casualties|were\s+hit|losses", "killed_or_injured"),
    (
        rf"killed|dead|died|deaths?|fatalities|slain|lost\s+their\s+lives|executed|martyred|"
        rf"neutrali[sz]ed|eliminated|bodies|killings|{KILLING}|paid\s+the\s+supreme\s+price|"
        rf"perished|drowned",
        "killed",
    ),
    (r"wounded|injured|hurt|injuries|wounds", "injured"),
    (r"abducted|kidnapped|taken\s+hostage|taken(?=\s*[,.;]|\s+(?:away|from)\b)", "abducted"),
    (
        r"captured|detained|arrested|taken\s+prisoner|apprehended|surrendered|taken\s+captive|"
        r"taken\s+into\s+custody",
        "captured",
    ),
    (r"missing", "missing"),
)
OUTCOME_RES = [(re.compile(rf"\b(?:{p})\b", re.IGNORECASE), o) for p, o in OUTCOME_WORDS]
ANY_OUTCOME = Caseless(r"\b(?:" + "|".join(p for p, _ in OUTCOME_WORDS) + r")\b")

# Active verbs directly before the number: "killing at least 27", "abducted dozens of".
ACTIVE_VERBS: tuple[tuple[str, str], ...] = (
    (
        r"(?:killed|killing)\s+(?:or|and)\s+(?:wounded|wounding|injured|injuring)",
        "killed_or_injured",
    ),
    (
        rf"killed|killing|kills|kill|executed|executing|{KILLING}|shooting\s+dead|"
        r"neutrali[sz]ed|neutrali[sz]ing|eliminated|eliminating|slew|lost|beheading|beheads|"
        r"gunning\s+down|murdering|assassinating|slaughtering|massacring|shooting\s+to\s+death|"
        r"claimed\s+the\s+lives\s+of|(?:deaths?|killings?|murders?|massacre|execution|slaughter|"
        r"bodies|beheading)\s+of",
        "killed",
    ),
    (r"wounded|wounding|injured|injuring|wounds|injures", "injured"),
    (
        r"abducted|abducting|abduct|kidnapped|kidnapping|kidnap|took\s+hostage|"
        r"(?:abductions?|kidnappings?)\s+of",
        "abducted",
    ),
    (
        r"captured|capturing|detained|detaining|arrested|arresting|apprehended|apprehending|"
        r"took\s+prisoner|took\s+into\s+custody|(?:arrests?|detention|capture)\s+of",
        "captured",
    ),
)
_QUAL = rf"(?:(?:{QUALIFIER_WORDS})\s+)*"
# "killed a family of four", "the kidnapping of two soldiers"
_OBJECT_LEAD = r"(?:of\s+)?(?:the\s+|a\s+|an\s+)?(?:(?:family|group|total)\s+of\s+)?"
ACTIVE_RES = [(Caseless(rf"\b(?:{p})\s+{_OBJECT_LEAD}{_QUAL}$"), o) for p, o in ACTIVE_VERBS]
# Matches exactly where some row above does: one scan rules them all out.
ANY_ACTIVE = Caseless(rf"\b(?:{'|'.join(p for p, _ in ACTIVE_VERBS)})\s+{_OBJECT_LEAD}{_QUAL}$")

# Toll wordings: "the death toll rose to 27", "put the number of dead at 41".
TOLL_CUES: tuple[tuple[str, str], ...] = (
    (r"death\s+toll|number\s+of\s+(?:people\s+)?(?:dead|killed|deaths|fatalities)|toll", "killed"),
    (r"number\s+of\s+(?:people\s+)?(?:injured|wounded)", "injured"),
    (r"number\s+of\s+(?:people\s+)?missing", "missing"),
    (r"number\s+of\s+(?:people\s+|those\s+)?(?:detained|arrested|captured)", "captured"),
    (r"losses", "killed_or_injured"),
)
_TOLL_TAIL = rf"\b[^.;]{{0,60}}?\b(?:at|to|reached|was|is|stood\s+at|of)\s+{_QUAL}$"
TOLL_RES = [(Caseless(rf"\b(?:{p}){_TOLL_TAIL}"), o) for p, o in TOLL_CUES]
ANY_TOLL = Caseless(rf"\b(?:{'|'.join(p for p, _ in TOLL_CUES)}){_TOLL_TAIL}")

# Sub-figures: "including 3 members", "among them four children", "among the dead were ...".
SUB_BEFORE = Caseless(
    rf"(?:\bincluding|\b(?:the\s+)?(dead|killed|wounded|injured|victims|casualties)\s+"
    rf"(?:included|include|includes)|\bamong\s+them(?:\s+were)?|\bamong\s+whom(?:\s+were)?|"
    rf"\bamong\s+(?:the|those)\s+(\w+)[^.;]{{0,40}}?\s(?:were|are)|\bof\s+whom)\s+{_QUAL}$"
)
# "nine of them", "two of the wounded": group 1 names the figure it is part of.
SUB_AFTER = re.compile(
    r"^\s+of\s+(?:them|whom|those|(?:the|their)\s+(?:\w+\s+)?(dead|killed|wounded|injured|"
    r"victims|casualties|hostages|detainees|abductees))\b",
    re.IGNORECASE,
)
# The counts a long subject holds before its verb: "Seven civilians, including two children,
# were killed"; "Six people — two Turks and four Somalis — were confirmed killed".
_ADVERBS = (
    r"(?:(?:were|was|have|has|had|been|are|is|being|reportedly|also|all|later|confirmed|"
    r"allegedly|feared|believed\s+to\s+have\s+been|said\s+to\s+have\s+been|\w+ly)\s+){0,5}"
)
LONG_SUBJECT = Caseless(
    r"^(?:[ \t]+[\w'’()-]+){0,9}?[ \t]*(?:,|—|–|--|\(|[ \t]-[ \t])[ \t]*([^;:.()—–]{2,140}?)[ \t]*"
    rf"(?:,|—|–|--|\)|[ \t]-[ \t])\s+{_ADVERBS}((?:{'|'.join(p for p, _ in OUTCOME_WORDS)}))\b"
)
# Between two coordinated counts: "two women and three minors", "Twenty herdsmen, 83 cows".
COORDINATED = Caseless(rf"^(?:[ \t]+[\w'’-]+){{0,8}}?[ \t]*(?:,[ \t]*and|,|and)[ \t]+{_QUAL}$")
# "hacked 5 people to death": the verb before the count; "Two men shot X to death": after it.
DEATH_VERB = Caseless(
    r"\b(?:hacked|stabbed|shot|beat|beaten|burned|burnt|stoned|tortured|bludgeoned|clubbed)\s+"
    rf"{_QUAL}$"
)
# After the verb, an object: the count before it did the killing ("Two bombers killed 12").
OBJECT_NEXT = Caseless(  # for match_spans(text, pos): anchored where it starts
    r"\s+(?:(?:at\s+least|more\s+than|about|some|nearly|up\s+to|as\s+many\s+as|over)\s+)?"
    r"(?:\d|(?:a|an|the|his|her|their|its|him|them|one|two|three|four|five|six|seven|eight|"
    r"nine|ten|eleven|twelve|twenty|thirty|forty|fifty|dozens?|scores|several|many|hundreds|"
    r"thousands)\b)"
)
RELATIVE = Caseless(r"\b(?:who|which|that)\b")
# Outcome words that take no object: after them a count is never the one who did it.
INTRANSITIVE = re.compile(
    r"died|dead|perished|drowned|deaths?|casualties|fatalities|bodies|missing|hurt|injuries|"
    r"wounds|lost\s+their\s+lives|killings",
    re.IGNORECASE,
)
BE_AUX = Caseless(r"\b(?:were|was|are|is|been|be|being)\b")
HAVE_AUX = Caseless(r"\b(?:have|has|had)\s+(?:\w+ly\s+)?$")
CONTINUE = Caseless(rf"(?:,|\band|\balong\s+with|\btogether\s+with|\bas\s+well\s+as)\s+{_QUAL}$")
# A figure told across several operations or a day's reports is a roll-up of the ones told
# after it: "detained more than 10 suspected insurgents during four operations".
AGGREGATE = Caseless(
    r"\b(?:during|in|across|throughout)\s+(?:(?:separate|several|multiple|numerous|two|three|"
    r"four|five|six|a\s+series\s+of)\s+)+(?:\w+\s+){0,2}?operations\b|\bover\s+the\s+(?:past|last)\s+"
    r"(?:24|48|twenty-four)\s+hours\b"
)

# --- not casualty figures ---------------------------------------------------------------------

# Units after the number, force strength / dates / ages before it.
_MONTH = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
NOT_A_COUNT_AFTER = Caseless(  # for .match (anchored where it starts)
    rf"(?:\s*(?:-|–)?\s*(?:{_MONTH})\b|[\s-]*(?:of\s+(?:the\s+)?)?(?:years?|year-old|hours?|minutes?|days?|weeks?|"
    r"months?|km|kilomet(?:re|er)s?|miles?|met(?:re|er)s?|%|per\s*cent|percent|times|"
    r"airstrikes?|air\s+strikes|strikes|raids|attacks|villages?|towns?|houses|homes|buildings|"
    r"vehicles|tanks|trucks|rockets|missiles|shells|drones|tents|families|family|households|"
    r"displaced(?=\s*(?:[,.;]|$|by\b|from\b|in\b|since\b|as\b))|people\s+displaced|rifles|weapons|guns|cartridges|rounds|pickups|"
    r"(?:of\s+(?:its|their)\s+)?(?:gains|ground|positions|territory)|refugees|o'clock|a\.m|p\.m|am\b|pm\b|GMT|(?:st|nd|rd|th)\b|"
    r"(?:infantry|division|brigade|battalion|regiment)|more\s+(?:times|hours|days)|cows|cattle|"
    r"livestock|sheep|goats|camels|horses|donkeys|animals|pounds|kilograms|kg|tons|tonnes|"
    r"operations|missions|patrols|incidents|occasions|cases|explosions|blasts|bombings|clashes|"
    r"ambushes|battles|suburbs?|neighbou?rhoods?|localities|communities|locations|sites|areas|"
    r"districts|provinces|regions|cities|states|countries)(?!\w)"
    r"(?!\s+(?:elders?|chiefs?|heads?|leaders?|residents|members|officials?|guards?|men|women|"
    r"people|children|councillors?|volunteers|workers)\b))"
)
# (one \b in front of the alternatives, not one per alternative: the engine tests it once)
NOT_A_COUNT_BEFORE = Caseless(
    rf"(?:\b(?:(?:{_MONTH})\.?\s*|force\s+of\s+|strength\s+of\s+|range\s+from\s+|"
    r"numbering\s+|number\s+(?:\w+\s+){0,3}(?:at|to)\s+|aged\s+|age\s+of\s+|no\.?\s*|"
    r"Route\s+|Highway\s+|units?\s+|no\s+|not\s+(?:a\s+)?(?:single\s+)?|for\s+|"
    r"in\s+|on\s+|since\s+|until\s+|by\s+)|ranging\s+from\s+)$"
)
# Deeds of someone targeted or arrested, told as background: "responsible for the deaths of
# 12", "behind the May 11 attack that killed one soldier". No figure is read in that clause.
BACKGROUND = Caseless(
    r"\b(?:responsible\s+for|involved\s+(?:in|with)|behind|accused\s+of|suspected\s+(?:of|in)|"
    r"linked\s+to|known\s+for|blamed\s+for|wanted\s+for|masterminded|orchestrated|reprisal|"
    r"retaliat\w*|revenge|aveng\w*|anniversary|commemorat\w*)\b"
    r"[^,;]{0,60}?\b(?:attacks?|bombings?|killings?|deaths?|murders?|assassinations?|"
    r"massacres?|ambush(?:es)?|abductions?|kidnappings?|explosions?|blasts?|strikes?)\b"
    r"(?:[^,;]|,\s*(?:which|that|who|including)\b){0,140}$"
)
# "Also killed in the strike were more than a dozen insurgents": the verb before the count.
INVERTED = Caseless(
    r"\b(?:killed|wounded|injured|captured|detained|arrested|abducted|kidnapped)\s+(?:in|during|"
    rf"by|on|at|near)\b[^.;]{{0,60}}?\s(?:were|was)\s+{_QUAL}$"
)
# A sentence about an earlier year is history: "Wardak was assassinated in September 2008".
HISTORY = Caseless(
    rf"\bin\s+(?:(?:early|late|mid-?)\s*)?(?:(?:{_MONTH})\s+)?(?:19|20)\d\d\b|\byears\s+ago\b|"
    r"\b(?:19|20)\d\d\s+(?:slaying|killing|murder|attack|bombing|massacre|assassination)"
)
# A person "including" / "among them" is part of the figure before: "two insurgents, including
# a weapons smuggler, were killed".
PART_CUE = Caseless(r"\b(?:including|among\s+(?:them|whom)|such\s+as)\s+$")
# A headline in title case ("Coalition Force Kills Taliban Facilitator") restates the story.
TITLE_WORD = re.compile(r"\b[A-Z][\w'’-]{3,}")
ANY_WORD = re.compile(r"\b[A-Za-z][\w'’-]{3,}")
# A sentence that tells of someone beyond those already told: "A policeman was also killed".
ADDITIVE = Caseless(
    r"\b(?:also|another|other|additional|second|third|more|further|too|as\s+well|separate|"
    r"separately|meanwhile|elsewhere)\b"
)
# "Several more insurgents were killed", "three other people": figures beside those told.
ADDITIONAL = re.compile(r"^\s+(?:more|other|additional|further)\b", re.IGNORECASE)
# "Hemat, one of the Haqqani leaders": an apposition of someone named, no count.
APPOSED_ONE = re.compile(r",\s*one\s+of\b", re.IGNORECASE)
# "resulted in 14 insurgents killed": "in" before a count that is not a date or a place.
RESULTED_IN = Caseless(r"\bresult(?:ed|ing|s)?\s+in\s+$")
YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
NEGATED = re.compile(
    r"\bno\s+(?:one|casualties|deaths|fatalities|injuries)\b|\bnobody\b|\bnone\s+(?:was|were)\b",
    re.IGNORECASE,
)

# "killed this year" is a year-to-date total, but not in "the deadliest attack this year".
THIS_YEAR = Caseless(r"\bthis\s+year\b")
SUPERLATIVE = Caseless(r"\b(?:deadliest|worst|bloodiest|largest|biggest|highest)\b")
# Cumulative totals: war-to-date, year-to-date, campaign totals.
CUMULATIVE = Caseless(
    rf"\b(?:since\s+(?:the\s+(?:start|beginning|outbreak)|the\s+war|the\s+conflict|"
    rf"(?:early|late|mid-)?\s*(?:{_MONTH})\b|(?:19|20)\d\d|last\s+year|its|it)|"
    r"to\s+date\b|cumulative\b|overall\s+toll\b|since\s+the\s+war)|so\s+far\s+this"
)

# --- groups -------------------------------------------------------------------------------------

# The group: the noun phrase the number counts, stopped at verbs and clause words.
_GROUP_STOP = (
    r"were|was|are|is|had|have|has|been|being|who|that|which|when|while|in|on|at|by|during|"
    r"early|late|overnight|today|yesterday|tonight|amid|despite|following|because|due|"
    r"after|before|as|from|with|into|near|since|and\s+(?:\w+ing|\w+ed)\b|according|said|"
    r"including|among|the\s+(?:army|police|group|militants|ministry)|across|inside|outside|"
    r"between|to|for|went|go|remain\w*|lost|fled|sustained|paid|got|also|still"
)
GROUP_RE = Caseless(
    rf"^\s*(?:of\s+)?(?!(?:{_GROUP_STOP})\b)((?:(?!(?:{_GROUP_STOP})\b)(?:[a-z]\.(?:[a-z]\.)+|"
    rf"[\w'’()-]+)[ \t]*){{1,6}})"
)
GROUP_JUNK = re.compile(
    r"^(?:of\s+)?(?:them|whom|others?|more|people|persons|dead|wounded|injured|the)$",
    re.IGNORECASE,
)
CIVILIAN = re.compile(
    r"\b(?:civilians?|residents?|villagers?|children|child|women|woman|worshippers|"
    r"passengers|aid\s+workers|journalists|farmers?|farmworkers|students|pupils|teachers|"
    r"patients|shoppers|displaced|girls|boys|family|families|men\s+and\s+women|babies|"
    r"infants|doctors|nurses|medics|traders|miners|herders)\b",
    re.IGNORECASE,
)
COMBATANT = re.compile(
    r"\b(?:soldiers?|troops?|fighters?|militants?|militiamen|militia|police(?:men)?|"
    r"policemen|officers?|members|jihadists?|insurgents?|rebels?|gunmen|servicemen|personnel|"
    r"terrorists?|attackers|combatants|guards?|commanders?|recruits|bandits|paramilitar\w*|"
    r"army|forces|operatives|collaborators)\b",
    re.IGNORECASE,
)
LAST_GROUP = Caseless(
    r"\b((?:(?!(?:of|a|an|the|and|killing|killed)\b)[\w'’-]+\s+){0,2}(?:"
    + COMBATANT.pattern[5:-3]
    + "|"
    + CIVILIAN.pattern[5:-3]
    + r"))\b"
)
NEXT_COUNT = re.compile(
    r"\s*(?:,|\band\b)\s+(?=(?:\d|a\s+dozen|dozens|several|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve)\b)",
    re.IGNORECASE,
)
RESTATED = re.compile(r"\s*\(\s*[\d,]+\s*\)")
BODIES_OF = re.compile(r"(?:bodies|remains)\s+of\s+(?:the\s+)?", re.IGNORECASE)
GROUP_TAIL = re.compile(r"\s+(?:and|or|of|the|other|more)$", re.IGNORECASE)
GROUP_LEAD = re.compile(r"^(?:other|more|further)\s+", re.IGNORECASE)

# Heads that are no person: places, things, plans, animals; and a bomber who blew himself up.
THING = re.compile(
    r"^(?:assassinations?|killings?|deaths?|murders?|attacks?|bombings?|explosions?|towns?|villages?|city|cities|bases?|posts?|outposts?|positions?|hills?|areas?|"
    r"districts?|provinces?|regions?|roads?|bridges?|vehicles?|cars?|trucks?|tanks?|weapons?|"
    r"caches?|ammunition|explosives?|materials?|plans?|attacks?|operations?|buildings?|"
    r"compounds?|houses?|homes?|schools?|hospitals?|mosques?|churches?|territory|control|"
    r"ships?|boats?|aircraft|drones?|planes?|helicopters?|equipment|cattle|cows?|livestock|"
    r"animals?|goats?|sheep|camels?|documents?|phones?|money|drugs|opium|heroin|narcotics|"
    r"bombs?|mines?|rockets?|missiles?|items?|supplies|airport|port|border|checkpoints?|"
    r"crossings?|stronghold|headquarters|offices?|parts?|pounds|kilograms|"
    r"grenades?|plates|containers|blasts|explosions|incidents|"
    r"magazines|pistols|rifles|liters|litres|gallons|bags|barrels|boxes|motorcycles|computers|"
    r"radios|components|devices|IEDs|cartridges|rounds|shells|kits|parts|tons|tonnes|kg)$",
    re.IGNORECASE,
)

PERSON_WORD = re.compile(
    r"(?:men|women|people|persons|herdsmen|individuals|suspects|associates|facilitators|"
    r"leaders|staff|employees|pilgrims|inmates|prisoners|detainees|hostages|victims|adults|"
    r"minors|youths?|elders|workers|officials|mourners|guests|passengers|worshippers)$",
    re.IGNORECASE,
)

# --- the count and its evidence ---------------------------------------------------------------

RANGE_SEP = re.compile(r"\s*(?:to|and|or|-|–|—)\s*")
AT_LEAST_TAIL = re.compile(r"\s+at\s+least\b|\s+or\s+more\b", re.IGNORECASE)
WINDOW_END = re.compile(
    r"[;:]|\s—\s|,\s+(?:but|while|whereas)\b|\s(?:said|says|told|according)\b", re.IGNORECASE
)
OF_THEM = re.compile(r"\s+of\s+them\b")
TRAILING_CONJUNCTION = re.compile(r"(?:\s+(?:and|or|but))+$")
QUAL_BEFORE = Caseless(rf"(?:\b(?:{QUALIFIER_WORDS})\s+)+$")
# A sentence without any of these words cannot hold a figure; one scan skips it.
FIGURE_CUE = Caseless(
    r"\b(?:"
    + "|".join(p for p, _ in OUTCOME_WORDS)
    + "|"
    + "|".join(p for p, _ in ACTIVE_VERBS)
    + r"|toll|including|included|include|among|of\s+them|of\s+whom|arrest|capture|detention|"
    r"detainment|murder|assassination|death|execution|beheading|slaying|abduction|kidnapping|"
    r"lynching|shot|hacked|stabbed|beat|burned|burnt|stoned|tortured|bludgeoned|clubbed|died|"
    r"dies|succumbed|another|detain|arrest|capture|kill)\b"
)


def outcome_at(text: str, pos: int) -> str | None:
    """The outcome of the wording that starts at `pos` (read in its context: "were taken,")."""
    for pattern, outcome in OUTCOME_RES:
        if pattern.match(text, pos):
            return outcome
    return None


def outcome_of(words: str) -> str | None:
    """The outcome a wording names ("were martyred" -> killed), or None."""
    for pattern, outcome in OUTCOME_RES:
        if pattern.search(words):
            return outcome
    return None


def group_after(text: str) -> str | None:
    """The noun phrase right after a number ("55 pro-regime troops were" -> "pro-regime troops")."""
    restated = RESTATED.match(text)  # "fourteen (14) soldiers"
    if restated:
        text = text[restated.end() :]
    m = GROUP_RE.match_spans(text)
    if not m:
        return None
    group = NEXT_COUNT.split(text[m.start(1) : m.end(1)], maxsplit=1)[0].strip(" ,")
    group = GROUP_TAIL.sub("", group)
    group = GROUP_LEAD.sub("", group)
    cut = ANY_OUTCOME.search_spans(group)  # matches exactly when outcome_of(group) is not None
    if cut is not None:
        of = BODIES_OF.match(group, cut.start())  # "dozens of bodies of fighters"
        group = (
            group[of.end() :].strip() if of and cut.start() <= 3 else group[: cut.start()].strip()
        )
    if not group or GROUP_JUNK.match(group) or NOT_A_COUNT_AFTER.match_spans(" " + group):
        return None
    return group


def civilian_of(group: str) -> bool | None:
    """True for a civilian group, False for combatants, None when the words do not say."""
    if CIVILIAN.search(group):
        return True
    if COMBATANT.search(group):
        return False
    return None


# The cues above that concern a whole sentence, read in one scan: group 1 cumulative, 2 "this
# year", 3 history, 4 a roll-up of several operations.
SENTENCE_SCOPE = Caseless(
    "|".join(f"({p.pattern})" for p in (CUMULATIVE, THIS_YEAR, HISTORY, AGGREGATE))
)
