"""The incident gold set is sound, and the scoring counts what it says it counts."""

from __future__ import annotations

import json
import random
from pathlib import Path

from agent.eval.incident_gold import IncidentSuite, gold_results, load_incident_suite
from agent.eval.incidents import score_incidents
from agent.incidents.models import Incident
from agent.incidents.pipeline import link_incidents
from agent.incidents.writers import read_incidents
from tests.helpers import ROOT
from tests.incidents_kit import write_results

GOLD = ROOT / "evals" / "incidents"


def test_the_gold_set_validates_and_has_enough_clusters_and_near_misses() -> None:
    suite = load_incident_suite(GOLD)
    assert suite.problems == []
    clusters = [i for i in suite.incidents if i.kind == "cluster"]
    assert len(clusters) >= 12
    for incident in clusters:
        assert 2 <= len({m.event.split("#")[0] for m in incident.members}) <= 6
        assert "killed" in incident.expected or "abducted" in incident.expected
    assert len([i for i in suite.incidents if i.kind == "distractor"]) >= 8
    assert any(m.role == "background" for i in clusters for m in i.members)


def test_gold_extractions_follow_the_output_contract_with_quotes_in_their_texts() -> None:
    suite = load_incident_suite(GOLD)
    results = gold_results(suite)
    assert len(results) == len(suite.cases)
    for r in results:
        text = suite.cases[r.article.id].text
        quotes = [q for e in r.events for q in e.evidence]
        quotes += [c.evidence for c in r.casualties] + [k.evidence for k in r.causes]
        assert quotes
        assert all(text[q.start : q.end] == q.text for q in quotes), r.article.id


def _linked(suite: IncidentSuite, tmp_path: Path, seed: int) -> tuple[bytes, list[Incident]]:
    results = gold_results(suite)
    random.Random(seed).shuffle(results)
    folder = tmp_path / str(seed)
    folder.mkdir()
    source = write_results(folder / "results.jsonl", results)
    link_incidents([source], folder / "incidents.jsonl", suite.settings)
    return (folder / "incidents.jsonl").read_bytes(), read_incidents(folder / "incidents.jsonl")


def test_gold_extractions_give_the_gold_incidents_in_any_input_order(tmp_path: Path) -> None:
    suite = load_incident_suite(GOLD)
    first, incidents = _linked(suite, tmp_path, 1)
    assert _linked(suite, tmp_path, 2)[0] == first
    report = score_incidents(suite, incidents, label="gold", source="test")
    assert (report.metrics["linking.pairwise_f1"] or 0) >= 0.95
    assert (report.metrics["linking.bcubed_f1"] or 0) >= 0.95
    assert (report.metrics["counts.exact"] or 0) >= 0.9


def test_scoring_counts_a_wrong_merge_and_a_split(tmp_path: Path) -> None:
    suite = load_incident_suite(GOLD)
    _, incidents = _linked(suite, tmp_path, 3)
    by_member = {f"{m.article_id}#{m.event_id}": i for i in incidents for m in i.members}
    ambush = by_member["lpa-2024-03-10-badia-ambush#E1"]  # 4 members: 6 gold pairs
    checkpoint = by_member["easternpost-2024-03-11-sukhnah-checkpoint#E1"]
    # split one member off the ambush and merge it into the near miss
    moved = next(m for m in ambush.members if m.article_id == "easternpost-2024-03-12-syria-army")
    ambush.members.remove(moved)
    checkpoint.members.append(moved)
    report = score_incidents(suite, incidents, label="edited", source="test")
    gold_pairs = sum(len(i.members) * (len(i.members) - 1) // 2 for i in suite.incidents)
    predicted_pairs = gold_pairs - 3 + 1  # three ambush pairs lost, one wrong pair made
    assert report.metrics["linking.pairwise_recall"] == round((gold_pairs - 3) / gold_pairs, 4)
    assert report.metrics["linking.pairwise_precision"] == round(
        (predicted_pairs - 1) / predicted_pairs, 4
    )
    case = next(c for c in report.cases if c.id == "G01-deir-ez-zor-convoy-ambush")
    assert case.outcome == "wrong" and case.split_off == ["easternpost-2024-03-12-syria-army#E1"]


def test_the_readme_example_is_the_gold_of_its_three_articles_and_gives_what_it_says(
    tmp_path: Path,
) -> None:
    suite = load_incident_suite(GOLD)
    example = ROOT / "examples" / "incidents"
    lines = (example / "results.jsonl").read_text(encoding="utf-8").splitlines()
    gold = {r.article.id: r.model_dump_json() for r in gold_results(suite)}
    assert [gold[json.loads(line)["article"]["id"]] for line in lines] == lines
    articles = (example / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    mine = (GOLD / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(articles) == 3 and all(line in mine for line in articles)
    out = tmp_path / "incidents.jsonl"
    link_incidents([example / "results.jsonl"], out)
    (incident,) = read_incidents(out)
    killed = incident.counts["killed"]
    assert incident.id == "inc-9a277124b53e"
    assert (killed.conservative, killed.best, killed.high) == (31, 31, 55)
    assert killed.history_text == "Syrian Observatory for Human Rights: 27+ -> 55+; Syrian army: 31"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## From articles to incidents" in readme and incident.id in readme
