"""Saved news pages in six site styles (tests/pages, written for these tests and checked by
hand): the main text without site furniture, the title without the site's name, the page's
own publication date, and no casualty figure from a ticker, a related-links box, a widget or a
comment."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.articles import Article, read_inputs
from agent.cli import app
from tests.helpers import ROOT

runner = CliRunner()
PAGES = ROOT / "tests" / "pages"


@dataclass(frozen=True)
class Page:
    """What a page must give: its metadata, figures only from its main text, no furniture."""

    title: str
    published: str
    source: str
    url: str
    author: str | None
    figures: frozenset[str]  # every number phrase of the main text and headline
    must_find: str  # the main toll, which the offline extractor finds
    furniture: tuple[str, ...]  # text of the site around the article, never in its text


EXPECTED = {
    "wire.html": Page(
        title="Drone strike on fuel depot kills four near Idlib, monitor says",
        published="2024-05-14",
        source="Levant Press Agency",
        url="https://www.levantpress.example/world/2024/05/14/drone-strike-fuel-depot-idlib",
        author="Lina Haddad",
        figures=frozenset({"four", "at least four", "nine", "Two", "seven"}),
        must_find="at least four",
        furniture=(
            "3 killed in bus crash",
            "Five sailors",
            "Dozens dead",
            "At least 30",
            "Shelling kills 12",
            "Six soldiers",
            "We use cookies",
            "Advertisement",
            "READ MORE",
            "Subscribe",
        ),
    ),
    "broadsheet.html": Page(
        title="Eleven soldiers killed as militants storm border post in Sinai",
        published="2024-02-21",
        source="The Gulf Ledger",
        url="https://gulfledger.example/middle-east/2024/feb/21/sinai-border-post-attack",
        author="Karim Mansour",
        figures=frozenset({"Eleven", "11", "at least 30", "seven", "two"}),
        must_find="11",
        furniture=(
            "Dozens dead after storm",
            "Two dead in Yemen",
            "Three killed in bus",
            "At least 45 dead",
            "Eight injured",
            "50 soldiers died",
            "143 partners",
            "Most viewed",
            "Comments (214)",
        ),
    ),
    "blog.html": Page(
        title="Why the Kharkiv toll keeps changing",
        published="2024-06-03",
        source="Frontline Notes",
        url="https://frontlinenotes.example/2024/06/03/why-the-kharkiv-toll-keeps-changing/",
        author="Olena M",
        figures=frozenset({"two", "12", "19", "more than 40", "several", "2"}),
        must_find="19",
        furniture=(
            "Five killed in Odesa",
            "25 were killed",
            "Seven dead in Kherson",
            "Dozens wounded",
            "312 readers",
            "Leave a Reply",
            "Proudly powered",
        ),
    ),
    "press-release.html": Page(
        title="Two service members killed in attack on patrol in Kidal region",
        published="2024-03-08",
        source="Ministry of Defence and Veterans",
        url="https://defence.gov.example/news/press-releases/214-2024",
        author=None,
        figures=frozenset({"Two", "two", "three", "four"}),
        must_find="four",
        furniture=(
            "7 militants neutralised",
            "Five soldiers wounded",
            "At least 12 terrorists",
            "Skip to main content",
            "official website",
            "Accessibility",
        ),
    ),
    "monitor-report.html": Page(
        title="Daily report: airstrikes on Khan Younis kill 23, including 9 children",
        published="2024-01-17",
        source="Civil Casualty Monitor",
        url="https://casualtymonitor.example/reports/daily/2024-01-17",
        author=None,
        figures=frozenset(
            {"23", "9", "nine", "five", "At least 41", "Fourteen", "six", "three", "two"}
        ),
        must_find="At least 41",
        furniture=(
            "1,245",
            "3,870",
            "31 killed in Rafah",
            "school kills 17",
            "Donate",
            "Receive our reports",
        ),
    ),
    "related-tolls.html": Page(
        title="Houthi missile strikes tanker in Red Sea, crew of 22 evacuated",
        published="2024-04-24",
        source="The Gulf Ledger",
        url="https://gulfledger.example/world/2024/apr/24/red-sea-tanker-missile",
        author="Sara Qasim",
        figures=frozenset({"One", "22", "21"}),
        must_find="One",
        furniture=(
            "3 killed in bus crash",
            "Five sailors killed",
            "Dozens dead",
            "At least 30 killed",
            "Three killed in bus crash",
            "Two fishermen missing",
            "Eight soldiers wounded",
            "Hundreds flee",
            "uses cookies",
        ),
    ),
}


def test_every_page_fixture_is_checked() -> None:
    assert sorted(p.name for p in PAGES.glob("*.html")) == sorted(EXPECTED)


def _article(name: str) -> Article:
    [article] = read_inputs([str(PAGES / name)], max_chars=200_000)
    assert isinstance(article, Article), article
    return article


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_gives_its_main_text_and_metadata_without_site_furniture(name: str) -> None:
    page, article = EXPECTED[name], _article(name)
    assert (article.title, article.published, article.source, article.url, article.author) == (
        page.title,
        page.published,
        page.source,
        page.url,
        page.author,
    )
    assert article.notes == []  # the main text was found: no fallback
    assert article.text.splitlines()[0] == page.title or page.title in article.text[:300]
    for piece in page.furniture:
        assert piece not in article.text, piece


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_figures_come_only_from_its_main_text(name: str) -> None:
    page = EXPECTED[name]
    result = runner.invoke(app, ["extract", str(PAGES / name), "-m", "rules", "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    text = _article(name).text
    found = {c["count_text"] for c in data["casualties"]}
    assert page.must_find in found
    assert found <= page.figures, found - page.figures
    for c in data["casualties"]:
        quote = c["evidence"]
        assert text[quote["start"] : quote["end"]] == quote["text"]


def test_relative_date_resolves_against_the_page_date() -> None:
    result = runner.invoke(app, ["extract", str(PAGES / "broadsheet.html"), "-m", "rules", "-q"])
    data = json.loads(result.stdout)
    assert data["article"]["published"] == "2024-02-21"
    assert "2024-02-21" in {e["date"] for e in data["events"]}  # "early on Wednesday"


def test_published_flag_wins_over_the_page_date() -> None:
    args = ["extract", str(PAGES / "wire.html"), "-m", "rules", "-q", "--published", "2024-05-20"]
    data = json.loads(runner.invoke(app, args).stdout)
    assert data["article"]["published"] == "2024-05-20"


def test_page_without_main_text_falls_back_to_the_visible_text_with_a_warning(
    tmp_path: Path,
) -> None:
    page = tmp_path / "odd.html"
    page.write_text(
        "<html><head><title>Raid on Tal Afar</title></head><body><aside><p>Ten soldiers were "
        "killed in the raid on Tuesday.</p></aside><nav>Home</nav></body></html>",
        encoding="utf-8",
    )
    article = _article_at(page)
    assert "Ten soldiers were killed in the raid on Tuesday." in article.text
    assert article.notes == [
        "no main text found in the page: its whole visible text was used (navigation, related "
        "links and other site furniture may be in it)"
    ]
    result = runner.invoke(app, ["extract", str(page), "-m", "rules"])
    assert "note: odd: 1 warning(s) in 'warnings'" in result.stderr


def _article_at(path: Path) -> Article:
    [article] = read_inputs([str(path)])
    assert isinstance(article, Article), article
    return article


def test_review_page_shows_the_extracted_text(tmp_path: Path) -> None:
    source = PAGES / "related-tolls.html"
    out, page = tmp_path / "r.json", tmp_path / "view.html"
    assert (
        runner.invoke(app, ["extract", str(source), "-m", "rules", "-o", str(out)]).exit_code == 0
    )
    done = runner.invoke(app, ["view", str(out), "--articles", str(source), "-o", str(page)])
    assert done.exit_code == 0, done.output
    html = page.read_text(encoding="utf-8")
    assert "One crew member was injured" in html
    assert "Five sailors killed" not in html and "uses cookies" not in html


def test_markdown_headline_drops_its_hashes(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("# Twelve killed in Hajin clashes\n\nAt least 12 soldiers were killed.\n")
    assert _article_at(path).title == "Twelve killed in Hajin clashes"


def test_a_headline_toll_is_found_alike_from_text_and_json_lines(tmp_path: Path) -> None:
    headline, body = "Strike kills 14 in Kherson", "Officials said the market was hit at noon."
    (tmp_path / "a.txt").write_text(f"{headline}\n\n{body}\n", encoding="utf-8")
    record = {"id": "a", "title": headline, "text": body}
    (tmp_path / "a.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    counts = []
    for name in ("a.txt", "a.jsonl"):
        out = runner.invoke(app, ["extract", str(tmp_path / name), "-m", "rules", "-f", "jsonl"])
        result = json.loads(out.stdout)
        counts.append([c["count_text"] for c in result["casualties"]])
        assert result["article"]["title"] == headline
    assert counts[0] == counts[1] == ["14"]
    [from_jsonl] = read_inputs([str(tmp_path / "a.jsonl")])
    assert isinstance(from_jsonl, Article)
    assert from_jsonl.text == f"{headline}\n\n{body}"  # offsets index this text
