"""Linking event mentions into incidents: what links, what never does, and why."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from agent.incidents.models import Incident
from agent.incidents.pipeline import link_incidents
from agent.incidents.similarity import LinkSettings
from agent.incidents.writers import read_incidents
from tests.incidents_kit import (
    AMBUSH_1,
    ambush_results,
    event,
    figure,
    read_jsonl,
    result,
    write_results,
)


def _link(tmp_path: Path, results: list, **settings: object) -> list[Incident]:  # type: ignore[type-arg]
    source = write_results(tmp_path / "results.jsonl", results)
    out = tmp_path / "incidents.jsonl"
    link_incidents([source], out, LinkSettings(**settings), links=tmp_path / "links.jsonl")  # type: ignore[arg-type]
    return read_incidents(out)


def _groups(incidents: list[Incident]) -> set[frozenset[str]]:
    return {frozenset(f"{m.article_id}#{m.event_id}" for m in i.members) for i in incidents}


def test_three_reports_and_a_background_mention_are_one_incident_and_the_near_miss_is_not(
    tmp_path: Path,
) -> None:
    incidents = _link(tmp_path, ambush_results())
    assert _groups(incidents) == {
        frozenset({"a1#E1", "a2#E1", "a3#E1", "a4#E1"}),
        frozenset({"a5#E1"}),
    }
    ambush = next(i for i in incidents if len(i.members) == 4)
    roles = {m.article_id: m.role for m in ambush.members}
    assert roles == {"a1": "primary", "a2": "primary", "a3": "primary", "a4": "background"}


def test_ids_and_output_do_not_depend_on_input_order_or_files(tmp_path: Path) -> None:
    results = ambush_results()
    first = tmp_path / "one"
    first.mkdir()
    expected = (_link(first, results), (first / "incidents.jsonl").read_bytes())
    shuffled = list(results)
    random.Random(7).shuffle(shuffled)
    second = tmp_path / "two"
    second.mkdir()
    a = write_results(second / "a.jsonl", shuffled[:2])
    b = write_results(second / "b.jsonl", shuffled[2:])
    link_incidents([b, a], second / "incidents.jsonl", links=second / "links.jsonl")
    assert (second / "incidents.jsonl").read_bytes() == expected[1]
    assert (second / "links.jsonl").read_bytes() == (first / "links.jsonl").read_bytes()


def test_the_incident_id_survives_a_later_report_joining(tmp_path: Path) -> None:
    results = ambush_results()
    early = _link(tmp_path, results[:2])
    later = _link(tmp_path, results)
    assert early[0].id in {i.id for i in later}


def _pair(day_b: str, place_b: str = "near Kabajib", **b_fields: object) -> list:  # type: ignore[type-arg]
    text = "Militants ambushed a convoy near Kabajib, killing 12 soldiers."
    other = "Militants attacked troops, killing 12 soldiers."
    ev_a = event(
        text,
        "Militants ambushed a convoy near Kabajib",
        location="near Kabajib",
        country="Syria",
        date="2024-03-10",
    )
    ev_b = event(other, "Militants attacked troops", location=place_b, country="Syria", date=day_b)
    ev_b.update(b_fields)
    return [
        result("x", text, events=[ev_a], casualties=[
            figure(text, "killing 12 soldiers", "12", 12, group="soldiers")]),
        result("y", other, source="Other Wire", events=[ev_b], casualties=[
            figure(other, "killing 12 soldiers", "12", 12, group="soldiers")]),
    ]  # fmt: skip


def test_an_adjacent_day_links_and_three_days_apart_never_does(tmp_path: Path) -> None:
    assert len(_link(tmp_path, _pair("2024-03-11"))) == 1
    assert len(_link(tmp_path, _pair("2024-03-13"))) == 2
    assert len(_link(tmp_path, _pair("2024-03-13"), window_days=3)) == 1


def test_different_countries_or_places_keep_incidents_apart(tmp_path: Path) -> None:
    assert len(_link(tmp_path, _pair("2024-03-10", country="Iraq"))) == 2
    assert len(_link(tmp_path, _pair("2024-03-10", place_b="Hama"))) == 2


def test_one_place_inside_another_links(tmp_path: Path) -> None:
    inside = _pair("2024-03-10", place_b="Kabajib, Deir ez-Zor province")
    assert len(_link(tmp_path, inside)) == 1


def test_events_of_one_article_are_never_one_incident(tmp_path: Path) -> None:
    text = "Militants ambushed a convoy near Kabajib. Later militants ambushed a bus near Kabajib."
    kw = {"location": "near Kabajib", "country": "Syria", "date": "2024-03-10"}
    one = result("same", text, events=[
        event(text, "Militants ambushed a convoy near Kabajib", **kw),
        event(text, "militants ambushed a bus near Kabajib", id="E2", **kw),
    ])  # fmt: skip
    assert len(_link(tmp_path, [one])) == 2


def test_an_undated_report_needs_the_same_place(tmp_path: Path) -> None:
    same_place = _pair("2024-03-10")
    same_place[1].events[0].date = None
    assert len(_link(tmp_path, same_place)) == 1
    elsewhere = _pair("2024-03-10", place_b="Hama")
    elsewhere[1].events[0].date = None
    assert len(_link(tmp_path, elsewhere)) == 2


def test_a_chain_whose_ends_conflict_is_not_glued_through_its_middle(tmp_path: Path) -> None:
    texts = {
        "p": "Gunmen attacked Kabajib, killing 12 people.",
        "q": "Gunmen attacked a village in Deir ez-Zor, Kabajib and Hajin were hit, killing 12.",
        "r": "Gunmen attacked Hajin, killing 12 people.",
    }
    places = {"p": "Kabajib", "q": "Deir ez-Zor", "r": "Hajin"}
    results = []
    for key, text in texts.items():
        words = text.rstrip(".") if key == "q" else text.split(",")[0]
        results.append(result(key, text, source=key, events=[
            event(text, words, location=places[key], country="Syria", date="2024-03-10",
                  event_type="attack")],
            casualties=[figure(text, "killing 12", "12", 12)]))  # fmt: skip
    incidents = _link(tmp_path, results)
    groups = _groups(incidents)
    assert frozenset({"p#E1", "r#E1"}) not in groups
    assert all(not {"p#E1", "r#E1"} <= g for g in groups)
    log = read_jsonl(tmp_path / "links.jsonl")
    assert any(r["decision"] == "refused" and "conflict" in r["why"] for r in log)


def test_every_pair_above_the_floor_is_in_the_links_log_with_its_evidence(
    tmp_path: Path,
) -> None:
    _link(tmp_path, ambush_results())
    log = read_jsonl(tmp_path / "links.jsonl")
    assert log, "the log is empty"
    assert all(r["score"] >= 0.25 for r in log)
    linked = [r for r in log if r["decision"] == "linked"]
    assert len(linked) == 3  # four mentions joined by three links
    assert all(r["incident"] and r["evidence"] and "place" in r["features"] for r in linked)


def test_blocking_compares_far_fewer_pairs_than_all(tmp_path: Path) -> None:
    rng = random.Random(3)
    results = []
    for n in range(300):
        day = (date(2024, 1, 1) + timedelta(days=n // 5)).isoformat()
        place = "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(4))
        text = f"Gunmen attacked {place.title()}, killing {n % 9 + 1} people."
        country = ["Mali", "Niger", "Chad"][n % 3]
        found = event(text, f"Gunmen attacked {place.title()}", location=place.title(),
                      country=country, date=day, event_type="attack")  # fmt: skip
        results.append(result(f"r{n}", text, published=day, events=[found]))
    source = write_results(tmp_path / "many.jsonl", results)
    run = link_incidents([source], tmp_path / "out.jsonl")
    assert run.sweep.mentions == 300
    assert 0 < run.sweep.compared < 300 * 299 / 2 / 20
    assert run.sweep.max_active < 30
    assert run.incidents == 300


def test_an_unreadable_line_is_named_and_the_rest_is_linked(tmp_path: Path) -> None:
    source = write_results(tmp_path / "r.jsonl", ambush_results())
    with source.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
        handle.write('{"article": {"id": "z"}}\n')
    run = link_incidents([source], tmp_path / "out.jsonl")
    assert len(run.problems) == 2
    assert "r.jsonl:6" in run.problems[0] and "r.jsonl:7" in run.problems[1]
    assert run.incidents == 2


def test_a_result_given_twice_is_used_once(tmp_path: Path) -> None:
    results = ambush_results()
    run = link_incidents(
        [write_results(tmp_path / "a.jsonl", results), write_results(tmp_path / "b.jsonl",
                                                                       results[:1])],
        tmp_path / "out.jsonl",
    )  # fmt: skip
    assert run.replaced == ["a1"]
    assert run.incidents == 2
    assert AMBUSH_1 not in (tmp_path / "out.jsonl").read_text()  # quotes only, not the text
