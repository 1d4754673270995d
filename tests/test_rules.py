"""The rule-based extractor: one focused test per pattern family, plus the example article."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.articles import Article
from agent.extractors.rules.events import location_of
from agent.extractors.rules.extractor import RulesExtractor
from agent.extractors.rules.figures import link_events
from agent.extractors.rules.vocabulary import group_after, outcome_of
from agent.grounding import ArticleIndex
from agent.schema import ExtractionDraft

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "deir-ez-zor-ambush.txt"


def extract(text: str) -> ExtractionDraft:
    return RulesExtractor().extract_sync(Article(id="t", text=text)).draft


def figures(text: str) -> list[tuple[Any, ...]]:
    return [(c.outcome, c.count_text, c.low, c.high, c.qualifier) for c in extract(text).casualties]


def test_number_forms_digits_words_vague_and_qualifiers() -> None:
    text = (
        "At least 55 soldiers were killed. Three civilians were wounded. "
        "Dozens of fighters were captured. Between 20 and 30 people went missing. "
        "Up to 40 residents died. About a dozen villagers were abducted."
    )
    assert figures(text) == [
        ("killed", "At least 55", 55, None, "at_least"),
        ("injured", "Three", 3, 3, "exact"),
        ("captured", "Dozens", 12, None, "vague"),
        ("missing", "Between 20 and 30", 20, 30, "range"),
        ("killed", "Up to 40", None, 40, "at_most"),
        ("abducted", "About a dozen", 12, 12, "approximately"),
    ]


@pytest.mark.parametrize(
    ("words", "outcome"),
    [
        ("were killed", "killed"),
        ("lost their lives", "killed"),
        ("were martyred", "killed"),
        ("were wounded", "injured"),
        ("casualties", "killed_or_injured"),
        ("were taken prisoner", "captured"),
        ("were kidnapped", "abducted"),
        ("are missing", "missing"),
    ],
)
def test_outcome_words(words: str, outcome: str) -> None:
    assert outcome_of(words) == outcome
    assert [c.outcome for c in extract(f"Five soldiers {words}.").casualties] == [outcome]


def test_active_forms_and_of_them() -> None:
    draft = extract(
        "Militants ambushed a convoy of government troops, killing at least 27 of them. "
        "Gunmen killed three civilians and two soldiers in the village."
    )
    got = [(c.outcome, c.low, c.group, c.civilian) for c in draft.casualties]
    assert got == [
        ("killed", 27, "government troops", False),
        ("killed", 3, "civilians", True),
        ("killed", 2, "soldiers", False),
    ]


def test_group_phrase_is_the_counted_noun_phrase() -> None:
    assert group_after(" pro-regime troops were killed") == "pro-regime troops"
    assert group_after(" members of the Lebanese Hezbollah, the monitor said") == (
        "members of the Lebanese Hezbollah"
    )
    assert group_after(" hours later") is None
    assert group_after(" were killed") is None
    (fig,) = extract("At least 12 were killed in the blast.").casualties
    assert (fig.group, fig.civilian) == ("people", None)


def test_passive_and_attribution() -> None:
    (fig,) = extract(
        "Fifty-five pro-regime troops were killed in the attack, according to the Syrian "
        "Observatory for Human Rights."
    ).casualties
    assert (fig.low, fig.group, fig.civilian) == (55, "pro-regime troops", False)
    assert fig.reported_by == "Syrian Observatory for Human Rights"


def test_sub_figures_are_part_of_the_figure_they_follow() -> None:
    draft = extract(
        "At least 55 pro-regime troops were killed, including 3 members of the Lebanese "
        "Hezbollah and 6 Iranian members, the Observatory said. Among the dead were four "
        "officers."
    )
    got = [(c.id, c.low, c.group, c.part_of) for c in draft.casualties]
    assert got == [
        ("C1", 55, "pro-regime troops", None),
        ("C2", 3, "members of the Lebanese Hezbollah", "C1"),
        ("C3", 6, "Iranian members", "C1"),
        ("C4", 4, "officers", "C1"),
    ]


def test_cumulative_scope() -> None:
    draft = extract(
        "More than 500,000 people have been killed since the war began. "
        "Two soldiers were wounded on Monday."
    )
    assert [(c.low, c.scope) for c in draft.casualties] == [(500000, "cumulative"), (2, "incident")]


def test_negation_gives_nothing() -> None:
    assert extract("No one was killed in the attack. There were no casualties.").casualties == []


def test_force_strength_years_ages_distances_give_nothing() -> None:
    text = (
        "A force of 1,000 fighters attacked the base. ISIS numbers range from 1,000 to 3,000 "
        "fighters. A 12-year-old was among 40 people displaced 5 km away in 2019 after "
        "12 airstrikes hit 3 villages. The war has killed thousands since 2011."
    )
    assert figures(text) == [("killed", "thousands", 1000, None, "vague")]


def test_restated_figure_is_given_once_preferring_the_attributed_quote() -> None:
    draft = extract(
        "27 soldiers killed in ambush\n\nAn ambush killed 27 soldiers, the ministry said."
    )
    (fig,) = draft.casualties
    assert (fig.low, fig.reported_by, fig.evidence) == (27, "ministry", "killed 27 soldiers")


def test_causes_asserted_hedged_denied_with_claimant() -> None:
    causes = extract(
        "Officials said the blackout apparently contributed to the deaths. "
        "The army denied that the shelling caused the fire.\n\n"
        "The collapse of the bridge led to the closure of the road."
    ).causes
    got = [(k.certainty, k.claimed_by, k.cause, k.effect) for k in causes]
    assert got == [
        ("hedged", "Officials", "the blackout", "the deaths"),
        ("denied", "army", "the shelling", "the fire"),
        ("asserted", None, "The collapse of the bridge", "the closure of the road"),
    ]


def test_events_types_locations_and_dates() -> None:
    events = extract(
        "On Monday, warplanes struck the town of Hajin. Rebels ambushed a convoy near Mayadin "
        "on Sunday. Militants seized control of Sokolo yesterday. A roadside bomb exploded in "
        "Mir Ali. A suicide bomber blew himself up outside Mogadishu."
    ).events
    got = [(e.event_type, e.location, e.date_text) for e in events]
    assert got == [
        ("air_drone_strike", "Hajin", "On Monday"),
        ("armed_clash", "Mayadin", "on Sunday"),
        ("non_state_actor_overtakes_territory", "Sokolo", "yesterday"),
        ("remote_explosive_landmine_ied", "Mir Ali", None),
        ("suicide_bomb", "Mogadishu", None),
    ]


def test_example_article_gives_a_sensible_extraction() -> None:
    draft = extract(EXAMPLE.read_text(encoding="utf-8"))
    got = [(c.outcome, c.low, c.high, c.part_of) for c in draft.casualties]
    assert got == [
        ("killed", 27, None, None),  # killing at least 27 of them (headline restates it)
        ("killed", 9, 9, "C1"),  # the dead included nine members of an Iran-backed militia
        ("injured", 14, 14, None),
        ("missing", 4, None, None),
        ("killed", 12, None, None),  # the jihadists lost dozens of fighters
    ]
    # "the Observatory said" is named as the article first names it in full
    assert draft.casualties[2].reported_by == "Syrian Observatory for Human Rights"
    # force strength (2,500 to 3,000) and "No casualties ... among civilians" give nothing
    types = {e.event_type for e in draft.events}
    assert {"armed_clash", "government_regains_territory"} <= types
    (cause,) = draft.causes
    assert cause.effect == "the heavy toll"
    assert cause.claimed_by == "Rami Abdel Rahman"


def test_every_quote_is_verbatim() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    outcome = RulesExtractor().extract_sync(Article(id="x", text=text))
    index = ArticleIndex(text)
    quotes = [c.evidence for c in outcome.draft.casualties] + [
        k.evidence for k in outcome.draft.causes
    ]
    quotes += [q for e in outcome.draft.events for q in e.evidence]
    assert quotes
    for quote in quotes:
        span = index.find(quote)
        assert span is not None
        assert text[span.start : span.end] == span.text
        assert span.text == quote


@pytest.mark.parametrize(
    ("sentence", "place"),
    [
        ("Militants ambushed a convoy in the Syrian desert on Monday.", None),
        ("Pakistani warplanes bombed villages in Khost province.", "Khost province"),
        ("A drone hit a house on the outskirts of Kupiansk.", "Kupiansk"),
        (
            "Fighters stormed the Abu Shouk displacement camp at dawn.",
            "Abu Shouk displacement camp",
        ),
        ("Two people died in Tripoli on Sunday.", "Tripoli"),
        (
            "Shelling hit Soviet-era blocks in the Saltivskyi district of Kharkiv.",
            "Saltivskyi district",
        ),
        ("Troops fought on the al-Kassara front for two days.", "al-Kassara front"),
    ],
)
def test_event_location_skips_words_that_qualify_a_noun(sentence: str, place: str | None) -> None:
    assert location_of(sentence) == place


def test_figures_belong_to_the_event_told_last_before_them() -> None:
    text = "Intro. A drone struck Kani. Three died there. Shelling hit Seinpan. Two died."
    events = [
        {"id": "E1", "evidence": ["A drone struck Kani."]},
        {"id": "E2", "evidence": ["Shelling hit Seinpan."]},
    ]
    figures = [
        {"scope": "incident", "evidence": "Three died"},
        {"scope": "incident", "evidence": "Two died"},
        {"scope": "cumulative", "evidence": "Intro"},
    ]
    link_events(figures, events, text)
    assert [f.get("event_id") for f in figures] == ["E1", "E2", None]


def test_a_headline_figure_restated_with_at_least_is_one_figure() -> None:
    draft = extract(
        "Ambush kills 55 soldiers\n\nMilitants killed at least 55 soldiers in an ambush near "
        "Hajin on Tuesday, the monitor said."
    )
    killed = [c for c in draft.casualties if c.outcome == "killed"]
    assert [(c.low, c.high, c.qualifier) for c in killed] == [(55, None, "at_least")]
    assert [e.summary for e in draft.events] == ["Armed clash in Hajin."]
