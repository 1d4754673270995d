"""The output contract, and the draft the model fills.

Two families of models live here:

- the contract (`ExtractionResult` and its items): what sitrep prints and what the eval suite
  and other tools read. Quotes carry offsets computed by the program.
- the drafts (`ExtractionDraft` and its items): what the model is asked to fill. Their
  `Field(description=...)` texts ARE the per-field instructions the model sees, so the prompt
  does not repeat them. A draft is validated against the article through the validation
  context (`context={"grounder": ...}`): a failed check becomes a precise error that is sent
  back to the model.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

SCHEMA_VERSION = "1"

EventType = Literal[
    # Battles
    "government_regains_territory",
    "non_state_actor_overtakes_territory",
    "armed_clash",
    # Explosions / remote violence
    "chemical_weapon",
    "air_drone_strike",
    "suicide_bomb",
    "shelling_artillery_missile_attack",
    "remote_explosive_landmine_ied",
    "grenade",
    # Violence against civilians
    "sexual_violence",
    "attack",
    "abduction_forced_disappearance",
    # Protests
    "excessive_force_against_protesters",
    "protest_with_intervention",
    "peaceful_protest",
    # Riots
    "violent_demonstration",
    "mob_violence",
    # Strategic developments
    "agreement",
    "arrests",
    "change_to_group_activity",
    "disrupted_weapons_use",
    "headquarters_or_base_established",
    "looting_property_destruction",
    "non_violent_transfer_of_territory",
    "other",
]
EVENT_FAMILIES: dict[str, tuple[str, ...]] = {
    "battles": (
        "government_regains_territory",
        "non_state_actor_overtakes_territory",
        "armed_clash",
    ),
    "explosions_remote_violence": (
        "chemical_weapon",
        "air_drone_strike",
        "suicide_bomb",
        "shelling_artillery_missile_attack",
        "remote_explosive_landmine_ied",
        "grenade",
    ),
    "violence_against_civilians": ("sexual_violence", "attack", "abduction_forced_disappearance"),
    "protests": (
        "excessive_force_against_protesters",
        "protest_with_intervention",
        "peaceful_protest",
    ),
    "riots": ("violent_demonstration", "mob_violence"),
    "strategic_developments": (
        "agreement",
        "arrests",
        "change_to_group_activity",
        "disrupted_weapons_use",
        "headquarters_or_base_established",
        "looting_property_destruction",
        "non_violent_transfer_of_territory",
        "other",
    ),
}
FAMILY_OF: dict[str, str] = {t: fam for fam, types in EVENT_FAMILIES.items() for t in types}

ActorRole = Literal["side_a", "side_b", "perpetrator", "target", "associated"]
Outcome = Literal["killed", "injured", "killed_or_injured", "captured", "abducted", "missing"]
Qualifier = Literal["exact", "at_least", "at_most", "approximately", "range", "vague"]
Scope = Literal["incident", "cumulative"]
Certainty = Literal["asserted", "hedged", "denied"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- the contract ------------------------------------------------------------------------------


class Quote(_Strict):
    """A verbatim quote: `article_text[start:end] == text`."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Actor(_Strict):
    name: str
    role: ActorRole


class Event(_Strict):
    id: str
    event_type: EventType
    summary: str
    date_text: str | None = None
    date: str | None = None
    location: str | None = None
    country: str | None = None
    actors: list[Actor] = Field(default_factory=list)
    evidence: list[Quote]


class CasualtyFigure(_Strict):
    id: str
    event_id: str | None = None
    outcome: Outcome
    group: str
    civilian: bool | None = None
    count_text: str
    low: int | None
    high: int | None
    qualifier: Qualifier
    part_of: str | None = None
    scope: Scope = "incident"
    reported_by: str | None = None
    evidence: Quote


class StatedCause(_Strict):
    id: str
    cause: str
    effect: str
    claimed_by: str | None = None
    certainty: Certainty
    event_id: str | None = None
    evidence: Quote


class ArticleInfo(_Strict):
    id: str
    title: str | None = None
    source: str | None = None
    published: str | None = None
    url: str | None = None
    author: str | None = None
    sha256: str


class PromptInfo(_Strict):
    name: str
    version: str
    sha256: str


class Usage(_Strict):
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False


class ExtractionResult(_Strict):
    """One article's extraction: the stable output contract."""

    schema_version: str = SCHEMA_VERSION
    article: ArticleInfo
    model: str
    prompt: PromptInfo | None = None
    usage: Usage = Field(default_factory=Usage)
    warnings: list[str] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    casualties: list[CasualtyFigure] = Field(default_factory=list)
    causes: list[StatedCause] = Field(default_factory=list)


# --- the draft the model fills -----------------------------------------------------------------


class EventDraft(BaseModel):
    id: str = Field(description='Event id: "E1", "E2", ... in order of first mention.')
    event_type: EventType = Field(
        description=(
            "ACLED sub-event type. One event = one actor pair, one place, one day; an airstrike "
            "inside a ground battle described as one fight is one armed_clash. Territory seized "
            "by a non-state group: non_state_actor_overtakes_territory; retaken by government "
            "forces: government_regains_territory. 'other' when nothing fits."
        )
    )
    summary: str = Field(description="One short sentence saying what happened.")
    date_text: str | None = Field(
        default=None,
        description='When it happened, exactly as written ("Sunday", "on 3 March"), or null.',
    )
    location: str | None = Field(
        default=None, description="The most precise place named for the event, as written."
    )
    country: str | None = Field(default=None, description="Country, in English.")
    actors: list[Actor] = Field(
        default_factory=list,
        description=(
            "The sides: side_a/side_b for a clash, perpetrator/target for one-sided or remote "
            "violence, associated for allies named as part of a side."
        ),
    )
    evidence: list[str] = Field(
        min_length=1,
        description="One or more short verbatim quotes from the article that state the event.",
    )


class CasualtyDraft(BaseModel):
    id: str = Field(description='Figure id: "C1", "C2", ... in order of first mention.')
    event_id: str | None = Field(default=None, description="Id of the event it belongs to.")
    outcome: Outcome = Field(
        description=(
            "killed (also dead, died, slain, lost their lives, executed, beheaded, murdered, "
            "assassinated, lynched, massacred, gunned down, shot dead, stabbed or hacked to "
            "death, bodies found); injured (wounded); killed_or_injured ('casualties' or "
            "'losses' with no split); captured (detained, arrested, apprehended, taken "
            "prisoner, taken into custody); abducted (kidnapped, taken hostage); missing."
        )
    )
    group: str = Field(
        description=(
            "Who SUFFERED it, as the text names them, the whole noun phrase ('pro-regime "
            "troops', 'civilians', 'imam' for 'an imam'); never the perpetrator."
        )
    )
    civilian: bool | None = Field(
        default=None,
        description="true for civilians, false for combatants, null when the text does not say.",
    )
    count_text: str = Field(
        description=(
            "The number words exactly as written, with their qualifier: 'at least 55', "
            "'dozens', 'three', 'between 20 and 30', 'some 14,500'. ONE person named without "
            "a number word is a figure too: count_text is the words naming the person as "
            "written ('An imam', 'a Taliban leader', 'Nayyar Iqbal Rana'), low = high = 1, "
            "qualifier exact. Not for 'him' or 'the leader' pointing back to someone already "
            "counted, nor for people named in the apposition of a count ('two civilians, a "
            "woman and her daughter' is one figure of two)."
        )
    )
    low: int | None = Field(
        description=(
            "Lower bound: exact n -> n; one person named without a number -> 1; 'at least n' "
            "or 'more than n' -> n (the program adds one under a table that counts the least "
            "number a wording allows); 'up to n' / 'no more than n' -> null; 'between a and b' "
            "-> a; 'about n' / 'some n' -> n; vague word ('dozens') or a bare plural "
            "('suspected insurgents were detained') -> any number (the program applies its "
            "table; a bare plural counts only under a table that gives it a number)."
        )
    )
    high: int | None = Field(
        description=(
            "Upper bound: exact n -> n; one person named without a number -> 1; 'at least n' "
            "-> null; 'up to n' / 'no more than n' -> n; 'between a and b' -> b; 'about n' -> "
            "n; vague word or bare plural -> null."
        )
    )
    qualifier: Qualifier = Field(
        description=(
            "exact (also one person named without a number) | at_least (at least, more than, "
            "over) | at_most (up to, no more than, as many as, nearly, almost) | approximately "
            "(about, around, some) | range | vague (dozens, several, many; a bare plural)."
        )
    )
    part_of: str | None = Field(
        default=None,
        description=(
            "Id of the larger figure this one is a subset of ('including 3 Hezbollah members' "
            "is part of the 55 killed)."
        ),
    )
    scope: Scope = Field(
        default="incident",
        description=(
            "incident for the toll of the reported events; cumulative for war-to-date or "
            "year-to-date totals ('since the war began', 'so far this year')."
        ),
    )
    reported_by: str | None = Field(
        default=None,
        description=(
            "Who gave the figure (a monitor, ministry, official), named in full as in the "
            "article; null when the article states it with no attribution."
        ),
    )
    evidence: str = Field(
        description="A short verbatim quote from the article that contains count_text."
    )


class CauseDraft(BaseModel):
    id: str = Field(description='Cause id: "K1", "K2", ... in order of first mention.')
    cause: str = Field(description="What caused or contributed to the effect (short phrase).")
    effect: str = Field(description="What it caused or contributed to (short phrase).")
    claimed_by: str | None = Field(
        default=None,
        description=(
            "Who claims the link (the one who said, blamed, accused or denied), named in "
            "full; null when the article itself asserts it."
        ),
    )
    certainty: Certainty = Field(
        description=(
            "hedged when qualified (suggested, apparently, may have, reportedly, allegedly); "
            "denied when the text reports the link is denied or rejected; asserted otherwise."
        )
    )
    event_id: str | None = Field(default=None, description="Id of the event it concerns.")
    evidence: str = Field(description="A short verbatim quote from the article stating the link.")


class DraftChecker(Protocol):
    """What the validation context provides (grounding.Grounder)."""

    def check(self, draft: ExtractionDraft) -> ExtractionDraft: ...


class ExtractionDraft(BaseModel):
    """Events, casualty figures and stated causes in one news article."""

    events: list[EventDraft] = Field(
        description="Conflict events the article reports (attacks, clashes, strikes, seizures)."
    )
    casualties: list[CasualtyDraft] = Field(
        description=(
            "Every casualty figure: people killed, injured, captured, abducted or missing, "
            "counted by a number or, for one person, named without one ('an imam was "
            "killed'). Not force strength, not displaced people, not negated figures ('no one "
            "was killed'), not the one who did the killing ('two bombers killed 12'). Figures "
            "from different sources are kept apart; a figure restated is given once."
        )
    )
    causes: list[CauseDraft] = Field(
        description=(
            "Stated causes: claims in the text that something caused, contributed to or led to "
            "something else, with who claims it and how hedged; also blame ('X blamed Y for "
            "Z'), accusation ('X accused Y of Z'), a denial of doing it ('Y denied carrying "
            "out the attack': denied) and a violent event that brought damage or flight "
            "('families fled after the shelling'). One sentence may state several."
        )
    )

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> ExtractionDraft:
        context: dict[str, Any] | None = info.context
        checker = context.get("grounder") if isinstance(context, dict) else None
        return checker.check(self) if checker is not None else self
