"""Claims and counts: every source kept, conservative and low/best/high, revisions."""

from __future__ import annotations

from typing import Any

from agent.incidents.assemble import build_incident
from agent.incidents.mentions import Mention, mentions_of
from agent.incidents.models import Incident
from tests.incidents_kit import ambush_results, event, figure, result


def _f(**fields: Any) -> dict[str, Any]:
    """One figure's fields (and the quoted `words`)."""
    return fields


def _incident(*reports: tuple[str, str, str, list[dict[str, Any]]]) -> Incident:
    """One incident from (article id, published, text, figure specs) reports."""
    members: list[Mention] = []
    for article_id, published, text, specs in reports:
        casualties = []
        for n, spec in enumerate(specs, start=1):
            words = spec.pop("words")
            casualties.append(figure(text, words, spec.pop("count_text"), spec.pop("low"),
                                     id=f"C{n}", **spec))  # fmt: skip
        members += mentions_of(
            result(article_id, text, published=published, source=f"Outlet {article_id}",
                   events=[event(text, text.split(",")[0], location="Kabajib",
                                 country="Syria", date=published)],
                   casualties=casualties)
        )  # fmt: skip
    return build_incident(sorted(members, key=lambda m: m.key), [])


def test_monitor_revision_and_army_figure_keep_every_claim_and_count_the_lowest() -> None:
    members = sorted((m for r in ambush_results()[:4] for m in mentions_of(r)), key=lambda m: m.key)
    incident = build_incident(members, [])
    killed = incident.counts["killed"]
    assert [c.count_text for c in incident.claims] == ["at least 27", "at least 55", "31", "55"]
    assert killed.conservative == killed.low == 31
    assert killed.high == 55
    assert killed.history_text == "Syrian Observatory for Human Rights: 27+ -> 55+; The army: 31"
    assert [s.status for s in killed.history] == ["revised", "current", "current"]
    assert killed.disagreement == ["Syrian Observatory for Human Rights: 55+", "The army: 31"]
    background = next(c for c in incident.claims if c.role == "background")
    assert background.count_text == "55" and not background.attributed


def test_the_same_reporters_figure_carried_by_two_outlets_is_one_claim() -> None:
    text_a = "A bomb killed 17 people, police said."
    text_b = "Police said 17 people died in the bombing, in a statement."
    spec = {"outcome": "killed", "reported_by": "police"}
    incident = _incident(
        ("a", "2024-05-02", text_a, [_f(words="A bomb killed 17 people", count_text="17",
                                          low=17, **spec)]),
        ("b", "2024-05-02", text_b, [_f(words="17 people died", count_text="17", low=17,
                                          reported_by="Police")]),
    )  # fmt: skip
    assert len(incident.claims) == 1
    assert [k.article_id for k in incident.claims[0].carriers] == ["a", "b"]
    assert incident.fatalities == 17


def test_a_lower_bound_exceeded_by_a_later_report_does_not_lower_the_count() -> None:
    incident = _incident(
        ("a", "2024-03-07", "Gunmen took at least 80 pupils, police said.",
         [_f(words="at least 80 pupils", count_text="at least 80", low=80, high=None,
               qualifier="at_least", outcome="abducted", reported_by="police")]),
        ("b", "2024-03-08", "Officials said 137 pupils were taken, not the police's 80.",
         [_f(words="137 pupils were taken", count_text="137", low=137, outcome="abducted",
               reported_by="Officials"),
          _f(words="the police's 80", count_text="80", low=80, outcome="abducted",
               reported_by="police")]),
    )  # fmt: skip
    abducted = incident.counts["abducted"]
    assert abducted.conservative == 137
    stale = [s for s in abducted.history if s.reporter == "police"]
    assert [s.status for s in stale] == ["overtaken", "overtaken"]  # the repeat shares it


def test_exact_figures_of_two_reporters_compete_and_the_lowest_counts() -> None:
    incident = _incident(
        ("a", "2024-06-12", "The army said 29 civilians were killed.",
         [_f(words="29 civilians were killed", count_text="29", low=29, civilian=True,
               group="civilians", reported_by="army")]),
        ("b", "2024-06-13", "The toll has risen to 42 civilians, the administrator said.",
         [_f(words="has risen to 42 civilians", count_text="42", low=42, civilian=True,
               group="civilians", reported_by="administrator")]),
    )  # fmt: skip
    killed = incident.counts["killed"]
    assert (killed.conservative, killed.best, killed.high) == (29, 29, 42)
    assert killed.disagreement == ["army: 29", "administrator: 42"]


def test_an_outlets_own_report_of_a_rise_overtakes_an_earlier_exact_figure() -> None:
    incident = _incident(
        ("a", "2024-06-12", "The army said 29 people were killed.",
         [_f(words="29 people were killed", count_text="29", low=29, reported_by="army")]),
        ("b", "2024-06-13", "The toll has risen to 42, more bodies were found.",
         [_f(words="The toll has risen to 42", count_text="42", low=42)]),
    )  # fmt: skip
    assert incident.fatalities == 42
    assert incident.counts["killed"].history[0].status == "overtaken"


def test_groups_of_people_add_up_and_compete_within() -> None:
    incident = _incident(
        ("a", "2024-07-01", "Nine soldiers were killed and 17 attackers were neutralised.",
         [_f(words="Nine soldiers were killed", count_text="Nine", low=9, group="soldiers",
               civilian=False, reported_by="army"),
          _f(words="17 attackers", count_text="17", low=17, group="attackers",
               civilian=False, reported_by="army")]),
        ("b", "2024-07-02", "The group said it killed 40 soldiers and paramilitaries.",
         [_f(words="killed 40 soldiers", count_text="40", low=40,
               group="soldiers and paramilitaries", civilian=False, reported_by="JNIM")]),
    )  # fmt: skip
    killed = incident.counts["killed"]
    assert killed.conservative == 26
    assert killed.high == 57
    assert {s.group for s in killed.history} == {"soldiers", "attackers"}


def test_sub_figures_and_cumulative_totals_never_add() -> None:
    incident = _incident(
        ("a", "2024-05-02", "At least 17 people died, including five soldiers; 900 since 2020.",
         [_f(words="At least 17 people died", count_text="At least 17", low=17, high=None,
               qualifier="at_least"),
          _f(words="including five soldiers", count_text="five", low=5, part_of="C1",
               group="soldiers"),
          _f(words="900 since 2020", count_text="900", low=900, scope="cumulative")]),
    )  # fmt: skip
    assert incident.fatalities == 17
    assert len(incident.claims) == 3
    assert sum(c.sub_figure for c in incident.claims) == 1


def test_vague_words_count_by_the_table() -> None:
    text = "Dozens of people died in the raid."
    r = result("v", text, events=[event(text, "Dozens of people died in the raid")],
               casualties=[figure(text, "Dozens of people died", "Dozens", 12, high=None,
                                  qualifier="vague")])  # fmt: skip
    acled = build_incident(mentions_of(r), [])
    isaf = build_incident(mentions_of(r, vague_table="isaf"), [])
    assert (acled.fatalities, isaf.fatalities) == (12, 24)


def test_an_incident_known_only_from_background_is_counted_from_it_and_says_so() -> None:
    text = "Last month's attack on a police station in Bannu killed seven policemen."
    r = result("bg", text, published="2024-02-19", events=[
        event(text, "Last month's attack on a police station in Bannu", location="Bannu",
              date_text="Last month's")],
        casualties=[figure(text, "killed seven policemen", "seven", 7)])  # fmt: skip
    incident = build_incident(mentions_of(r), [])
    assert incident.members[0].role == "background"
    assert incident.counts["killed"].basis == "background"
    assert incident.fatalities == 7
    assert incident.date_precision == "month"
