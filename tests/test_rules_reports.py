"""The offline extractor on real-report wordings: people named without a number, killing
verbs, long subjects, ISAF conventions, events of one-sentence reports, causes, and a
regression test for each meaning-changing error users reported."""

from __future__ import annotations

from typing import Any

import pytest

from agent.articles import Article
from agent.extractors.rules.extractor import RulesExtractor
from agent.grounding import number_problem
from agent.quantities import parse_count
from agent.schema import ExtractionDraft


def extract(text: str, table: str = "acled") -> ExtractionDraft:
    return RulesExtractor(table).extract_sync(Article(id="t", text=text)).draft


def figures(text: str, table: str = "acled") -> list[tuple[Any, ...]]:
    return [
        (c.outcome, c.count_text, c.low, c.high, c.qualifier)
        for c in extract(text, table).casualties
    ]


def killed_total(text: str, table: str = "acled") -> int:
    return sum(
        c.low or c.high or 0
        for c in extract(text, table).casualties
        if c.outcome == "killed" and c.part_of is None and c.scope == "incident"
    )


# --- one person named without a number ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "outcome", "words"),
    [
        (
            "An imam who led prayers at the main mosque has been killed by gunmen.",
            "killed",
            "An imam",
        ),
        ("A local leader was shot dead in Masisi on Tuesday.", "killed", "A local leader"),
        ("Nayyar Iqbal Rana was shot and killed outside his home.", "killed", "Nayyar Iqbal Rana"),
        (
            "A coalition force detained a Taliban leader in Kandahar.",
            "captured",
            "a Taliban leader",
        ),
        ("Gunmen shot dead a doctor in Chah Ab district.", "killed", "a doctor"),
        ("Militants kidnapped a journalist in Mogadishu.", "abducted", "a journalist"),
    ],
)
def test_one_person_named_without_a_number_is_a_figure_of_one(
    text: str, outcome: str, words: str
) -> None:
    assert figures(text) == [(outcome, words, 1, 1, "exact")]


def test_the_same_person_told_again_is_not_counted_twice() -> None:
    text = (
        "The force killed a Taliban leader in Kandahar. The leader had planned attacks on "
        "the city. The force returned fire, killing him."
    )
    assert killed_total(text) == 1


def test_people_joined_by_and_are_each_counted() -> None:
    assert killed_total("Gunmen killed a judge and his son in Aden.") == 2
    assert killed_total("An air strike killed a Yemeni judge and seven members of his family.") == 8


def test_a_person_in_the_apposition_of_a_count_is_part_of_it() -> None:
    text = "Two civilians, a farmer and his teenage son, were wounded by shrapnel."
    assert figures(text) == [("injured", "Two", 2, 2, "exact")]


@pytest.mark.parametrize(
    "wording",
    [
        "Gunmen beheaded a village elder in Bay region.",
        "Unknown men murdered a trader in Kano.",
        "The militants executed a police officer in Raqqa.",
        "Gunmen assassinated a district governor in Ghazni.",
        "A mob lynched a herder in Plateau state.",
        "Gunmen gunned down a teacher in Pattani.",
        "Attackers stabbed a guard to death in the camp.",
        "A woman was burned alive in the village.",
        "A journalist was hacked to death in Dhaka.",
    ],
)
def test_killing_verbs_give_a_killed_figure(wording: str) -> None:
    assert [o for o, *_ in figures(wording)] == ["killed"]


@pytest.mark.parametrize(
    "wording",
    [
        "Police detained 12 protesters.",
        "Soldiers arrested 12 suspects.",
        "The army apprehended 12 smugglers.",
        "12 men were taken into custody.",
    ],
)
def test_capture_verbs_give_a_captured_figure(wording: str) -> None:
    assert figures(wording) == [("captured", "12", 12, 12, "exact")]


def test_numbers_after_killing_verbs_and_nouns() -> None:
    assert killed_total("Militants massacred 30 villagers near Beni.") == 30
    assert killed_total("The bodies of 12 men were found in a dumpster.") == 12
    assert killed_total("The bombing claimed the lives of at least ten people.") == 10


# --- long subjects and agents --------------------------------------------------------------


def test_a_long_subject_keeps_its_count_and_its_parts() -> None:
    draft = extract("Seven civilians, including two children, were killed in the attack.")
    got = [(c.id, c.low, c.group, c.part_of) for c in draft.casualties]
    assert got == [("C1", 7, "civilians", None), ("C2", 2, "children", "C1")]


def test_coordinated_counts_share_the_verb_after_them() -> None:
    assert killed_total("Twenty herdsmen and 83 cows were killed in the raid.") == 20
    assert killed_total("Two women and three minors were killed in Ciudad Victoria.") == 5


def test_the_count_that_did_the_killing_is_no_figure() -> None:
    text = "Two female suicide bombers have killed at least 12 people at a mosque."
    assert figures(text) == [("killed", "at least 12", 12, None, "at_least")]


# --- ISAF conventions --------------------------------------------------------------------------


def test_isaf_table_counts_bare_plurals_and_associates() -> None:
    text = "The security force detained suspected insurgents in Khost."
    assert figures(text, "isaf") == [("captured", "suspected insurgents", 2, None, "vague")]
    assert figures(text) == []  # ACLED gives a bare plural no number
    text = "The force captured a Taliban leader and his associates."
    assert figures(text, "isaf") == [
        ("captured", "a Taliban leader", 1, 1, "exact"),
        ("captured", "his associates", 2, None, "vague"),
    ]


def test_isaf_table_numerous_is_four_and_more_than_n_is_n_plus_one() -> None:
    assert figures("Afghan forces detained numerous suspected insurgents.", "isaf") == [
        ("captured", "numerous", 4, None, "vague")
    ]
    text = "Coalition forces killed more than 10 insurgents."
    assert figures(text, "isaf") == [("killed", "more than 10", 11, None, "at_least")]
    assert figures(text) == [("killed", "more than 10", 10, None, "at_least")]


def test_grounding_accepts_one_person_bare_plurals_and_the_isaf_minimum() -> None:
    one = {"count_text": "An imam", "high": 1, "qualifier": "exact"}
    assert number_problem("An imam was killed", low=1, **one) is None  # type: ignore[arg-type]
    wrong = number_problem("An imam was killed", low=2, count_text="An imam", high=2,
                           qualifier="exact")  # fmt: skip
    assert wrong is not None and "low = high = 1" in wrong
    plural = {"count_text": "suspected insurgents", "low": 2, "high": None, "qualifier": "vague"}
    assert number_problem("detained suspected insurgents", table="isaf", **plural) is None  # type: ignore[arg-type]
    assert number_problem("detained suspected insurgents", **plural) is not None  # type: ignore[arg-type]
    strict = {"count_text": "more than 10", "low": 11, "high": None, "qualifier": "at_least"}
    assert number_problem("killed more than 10 men", table="isaf", **strict) is None  # type: ignore[arg-type]


# --- the meaning-changing errors users reported -----------------------------------------------


def test_no_more_than_is_an_upper_bound() -> None:
    assert parse_count("no more than 12") == parse_count("up to 12")
    assert figures("The ministry said no more than 12 people were killed.") == [
        ("killed", "no more than 12", None, 12, "at_most")
    ]


def test_of_the_wounded_two_who_died_are_killed_not_injured() -> None:
    draft = extract("Five people were wounded in the blast; two of them died overnight.")
    got = [(c.outcome, c.low, c.part_of) for c in draft.casualties]
    assert got == [("injured", 5, None), ("killed", 2, None)]


def test_a_source_is_not_taken_from_the_next_sentence_that_has_its_own_figure() -> None:
    draft = extract(
        "Three soldiers were killed on Monday. The rebels said they had captured 23 soldiers."
    )
    got = [(c.outcome, c.low, c.reported_by) for c in draft.casualties]
    assert got == [("killed", 3, None), ("captured", 23, "rebels")]


def test_some_before_a_number_is_approximately_that_number() -> None:
    assert figures("Some 14,500 people were killed in the war's first year.") == [
        ("killed", "Some 14,500", 14500, 14500, "approximately")
    ]
    assert figures("Some 14,500 people have fled the district.") == []


def test_several_of_the_wounded_are_no_new_figure() -> None:
    text = (
        "At least 40 people were wounded in the market blast. Several of the wounded were in "
        "critical condition, doctors said."
    )
    assert figures(text) == [("injured", "At least 40", 40, None, "at_least")]


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("The health ministry said forty-two patients were among the dead.", "patients"),
        ("Two soldiers were killed and 11 others early on Sunday were wounded.", "people"),
        (
            "At least 55 pro-regime troops amid friction with militias were killed.",
            "pro-regime troops",
        ),
    ],
)
def test_groups_are_whole_noun_phrases(text: str, group: str) -> None:
    assert extract(text).casualties[-1].group == group


# --- events of one-sentence reports -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "event_type"),
    [
        ("US warplanes pounded the village of Kafr Nabl, killing 6 civilians.", "air_drone_strike"),
        ("Gunmen shot dead a doctor in Chah Ab district.", "attack"),
        ("A roadside bomb killed three soldiers near Kandahar.", "remote_explosive_landmine_ied"),
        ("A suicide bomber blew himself up at a checkpoint, killing five.", "suicide_bomb"),
        ("Rebels and soldiers clashed near Goma, leaving 12 dead.", "armed_clash"),
        (
            "Artillery shells hit a market in Omdurman, killing 20.",
            "shelling_artillery_missile_attack",
        ),
        ("Gunmen kidnapped 30 students from a school in Kaduna.", "abduction_forced_disappearance"),
        ("A grenade attack on a bar in Bujumbura wounded 15 people.", "grenade"),
        ("Police arrested five suspects in Kano.", "arrests"),
        ("Militants seized control of the town of Sokolo.", "non_state_actor_overtakes_territory"),
        ("Seven people were killed in Tejeras on Sunday.", "attack"),  # no trigger word
        ("Coalition forces killed two insurgents in Helmand.", "armed_clash"),  # armed men only
        # ACLED's hierarchy
        ("Soldiers fought rebels near Goma as an air strike hit them, killing 12.", "armed_clash"),
        (
            "Artillery shelled the town during an air strike on Idlib, killing four.",
            "air_drone_strike",
        ),
        ("Gunmen abducted and killed three farmers near Maiduguri.", "attack"),
        (
            "Police opened fire on protesters in Khartoum, killing four.",
            "excessive_force_against_protesters",
        ),
    ],
)
def test_a_one_sentence_report_of_violence_gives_its_event(text: str, event_type: str) -> None:
    events = extract(text).events
    assert events, text
    assert events[0].event_type == event_type


# --- causes ------------------------------------------------------------------------------------


def test_blame_and_denial_of_doing_it() -> None:
    causes = extract("The army blamed the rebels for the attack on the convoy.").causes
    assert [(k.cause, k.effect, k.claimed_by, k.certainty) for k in causes] == [
        ("the rebels", "the attack on the convoy", "army", "asserted")
    ]
    causes = extract("The group denied carrying out the bombing in Mogadishu.").causes
    assert [(k.cause, k.effect, k.certainty) for k in causes] == [
        ("The group", "the bombing in Mogadishu", "denied")
    ]


def test_an_event_that_caused_flight_or_damage_and_several_causes_in_a_sentence() -> None:
    causes = extract("Hundreds of families fled after the shelling of the town.").causes
    assert [(k.cause, k.effect) for k in causes] == [
        ("the shelling of the town", "Hundreds of families fled")
    ]
    causes = extract(
        "Officials said the blackout contributed to the deaths, and the army blamed the "
        "militants for the fire."
    ).causes
    assert [(k.cause, k.effect) for k in causes] == [
        ("the blackout", "the deaths"),
        ("the militants", "the fire"),
    ]


def test_deaths_in_an_event_are_told_by_the_event_link_not_as_a_cause() -> None:
    draft = extract("Five people were killed in an air strike on Idlib on Monday.")
    assert draft.causes == []
    assert [(c.low, c.event_id) for c in draft.casualties] == [(5, "E1")]
