"""The review page: segments for overlapping quotes, escaping, matching, and `sitrep view`."""

from __future__ import annotations

import hashlib
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.articles import Article
from agent.cli import app
from agent.pages.markup import Html, bar_chart, esc, page, script_hash, table
from agent.pages.review import article_paths, match_articles, read_results
from agent.pages.review_page import SCRIPT, Span, highlight, render_review, segments
from agent.schema import ArticleInfo, CasualtyFigure, Event, ExtractionResult, Quote, StatedCause
from tests.helpers import EXAMPLE, ROOT

runner = CliRunner()

TEXT = (
    "Shelling hits Kharkiv\n\nAt least 12 people were killed when shelling hit a market, "
    "officials said, blaming the army."
)


def quote(text: str, part: str, nth: int = 0) -> Quote:
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return Quote(text=part, start=start, end=start + len(part))


def make_result(text: str = TEXT, article_id: str = "kharkiv") -> ExtractionResult:
    """A casualty figure inside an event quote, and a cause overlapping both."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return ExtractionResult(
        article=ArticleInfo(id=article_id, title="Shelling hits Kharkiv", sha256=digest),
        model="rules",
        events=[
            Event(
                id="E1",
                event_type="shelling_artillery_missile_attack",
                summary="Shelling of a market.",
                location="Kharkiv",
                evidence=[quote(text, "At least 12 people were killed when shelling hit a market")],
            )
        ],
        casualties=[
            CasualtyFigure(
                id="C1",
                outcome="killed",
                group="people",
                count_text="At least 12",
                low=12,
                high=None,
                qualifier="at_least",
                reported_by="officials",
                evidence=quote(text, "At least 12 people were killed"),
            )
        ],
        causes=[
            StatedCause(
                id="K1",
                cause="shelling",
                effect="people killed",
                claimed_by="officials",
                certainty="asserted",
                evidence=quote(text, "killed when shelling hit a market, officials said"),
            )
        ],
    )


def visible_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


# --- segments and highlighting -----------------------------------------------------------------


def test_overlapping_spans_are_cut_into_segments_listing_every_cover() -> None:
    a = Span(0, 10, "casualty", "a0-c0", "C1")
    b = Span(5, 15, "cause", "a0-k0", "K1")
    c = Span(12, 14, "event", "a0-e0", "E1")
    got = [(s.start, s.end, [x.item for x in s.spans]) for s in segments(20, [a, b, c])]
    assert got == [
        (0, 5, ["a0-c0"]),
        (5, 10, ["a0-c0", "a0-k0"]),
        (10, 12, ["a0-k0"]),
        (12, 14, ["a0-k0", "a0-e0"]),
        (14, 15, ["a0-k0"]),
        (15, 20, []),
    ]


def test_identical_and_empty_spans_make_no_empty_segments() -> None:
    same = [Span(2, 6, "casualty", "x", "C1"), Span(2, 6, "event", "y", "E1")]
    empty = Span(4, 4, "cause", "z", "K1")
    got = segments(8, [*same, empty])
    assert [(s.start, s.end) for s in got] == [(0, 2), (2, 4), (4, 6), (6, 8)]
    assert [len(s.spans) for s in got] == [0, 2, 2, 0]
    past_the_end = segments(5, [Span(3, 9, "event", "e", "E1")])
    assert [(s.start, s.end, len(s.spans)) for s in past_the_end] == [(0, 3, 0), (3, 5, 1)]


def test_highlight_keeps_the_text_and_marks_each_overlap_with_all_its_items() -> None:
    result = make_result()
    page_html = render_review(match_articles([result], [Article(id="kharkiv", text=TEXT)]))
    body = page_html.split('<div class="text">', 1)[1].split("</div>", 1)[0]
    assert visible_text(body) == TEXT
    overlap = re.search(r'<mark class="hl k-casualty k-cause k-event" data-items="([^"]+)"', body)
    assert overlap is not None
    assert set(overlap.group(1).split()) == {"a0-c0", "a0-k0", "a0-e0"}
    assert 'data-item="a0-c0"' in page_html and 'data-item="a0-k0"' in page_html


def test_highlight_title_names_the_items_of_a_segment() -> None:
    spans = [Span(0, 4, "casualty", "a0-c0", "C1 · killed: 4 people")]
    assert highlight("four dead", spans).startswith(
        '<mark class="hl k-casualty" data-items="a0-c0" title="C1 · killed: 4 people">four</mark>'
    )


def test_script_in_article_is_escaped() -> None:
    text = "Attack <b>report</b>\n\n<script>window.pwned=1</script> At least 3 people were killed."
    result = ExtractionResult(
        article=ArticleInfo(
            id="hostile",
            title='<img src=x onerror="window.pwned=2">',
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        ),
        model="rules",
        casualties=[
            CasualtyFigure(
                id="C1",
                outcome="killed",
                group="<people>",
                count_text="At least 3",
                low=3,
                high=None,
                qualifier="at_least",
                evidence=quote(text, "<script>window.pwned=1</script> At least 3"),
            )
        ],
    )
    reviews = match_articles([result], [Article(id="hostile", text=text)])
    out = render_review(reviews)
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in out
    assert "<script>window.pwned" not in out
    assert "<img" not in out and "&lt;img src=x onerror=&quot;window.pwned=2&quot;&gt;" in out
    assert "<b>report" not in out
    assert out.count("<script>") == 1  # the page's own script, allowed by its hash only
    assert script_hash(SCRIPT) in html.unescape(out)
    assert "<td>&lt;people&gt;</td>" in out


# --- matching ----------------------------------------------------------------------------------


def test_results_match_articles_by_id_and_by_case_folder() -> None:
    result = make_result(article_id="c01-kharkiv")
    by_case = Article(id="article", text=TEXT, origin="evals/cases/c01-kharkiv/article.txt")
    [review] = match_articles([result], [Article(id="other", text="x"), by_case])
    assert review.problem is None and review.text == TEXT and review.notes == []


def test_changed_article_is_one_line_naming_it_and_the_others_still_render() -> None:
    changed = make_result(article_id="kharkiv")
    fine = make_result(article_id="kharkiv-2")
    articles = [
        Article(id="kharkiv", text=TEXT + " Updated.", origin="in/kharkiv.txt"),
        Article(id="kharkiv-2", text=TEXT),
    ]
    first, second = match_articles([changed, fine], articles)
    assert first.problem is not None and first.text is None
    line = str(first.problem)
    assert "\n" not in line
    assert line.startswith(
        "article 'kharkiv': text of in/kharkiv.txt differs from the one extracted"
    )
    assert changed.article.sha256[:12] in line
    assert second.problem is None
    out = render_review([first, second])
    assert "Article text not shown" in out and 'data-items="a1-c0' in out


def test_missing_article_is_named() -> None:
    [review] = match_articles([make_result(article_id="nowhere")], [])
    assert str(review.problem) == "article 'nowhere': no article with this id in --articles"


def test_quote_whose_offsets_do_not_fit_is_a_note_not_a_highlight() -> None:
    result = make_result()
    result.casualties[0].evidence = Quote(text="At least 99", start=24, end=35)
    [review] = match_articles([result], [Article(id="kharkiv", text=TEXT)])
    assert review.notes == ["quote of C1 does not match the article at 24-35: not highlighted"]
    assert "k-casualty" not in render_review([review]).split('<div class="text">')[1]


def test_case_folders_become_their_article_files(tmp_path: Path) -> None:
    for case in ("c02-b", "c01-a"):
        (tmp_path / "cases" / case).mkdir(parents=True)
        (tmp_path / "cases" / case / "article.txt").write_text(TEXT, encoding="utf-8")
    got = article_paths([str(tmp_path / "cases"), str(tmp_path / "cases" / "c02-b"), "x.txt"])
    assert got == [
        str(tmp_path / "cases" / "c01-a" / "article.txt"),
        str(tmp_path / "cases" / "c02-b" / "article.txt"),
        str(tmp_path / "cases" / "c02-b" / "article.txt"),
        "x.txt",
    ]


def test_results_file_with_a_bad_line_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    good = make_result().model_dump_json()
    path.write_text(f'{good}\n{{"nope": 1\n\n{good}\n{{"model": "x"}}\n', encoding="utf-8")
    results, problems = read_results(path)
    assert len(results) == 2
    assert [str(p).split(": ")[0] for p in problems] == [f"{path}:2", f"{path}:5"]
    assert "not an extraction result (article: Field required)" in str(problems[1])


def test_pretty_json_result_is_read(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(make_result().model_dump_json(indent=2), encoding="utf-8")
    results, problems = read_results(path)
    assert [r.article.id for r in results] == ["kharkiv"] and problems == []


# --- shared HTML pieces ------------------------------------------------------------------------


def test_esc_escapes_text_and_keeps_built_markup() -> None:
    assert esc('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"
    assert esc(None) == ""
    assert esc(Html("<b>ok</b>")) == "<b>ok</b>"


def test_table_escapes_cells_and_says_when_empty() -> None:
    out = table(["a", "n"], [["<i>", 3]], numeric=(1,))
    assert "<td>&lt;i&gt;</td>" in out and '<td class="num">3</td>' in out
    assert "none" in table(["a"], [], empty="none")


def test_page_allows_only_its_own_script_and_loads_nothing() -> None:
    out = page("<t>", "<p>x</p>", script="let a = 1;")
    assert "<title>&lt;t&gt;</title>" in out
    assert f"script-src {script_hash('let a = 1;')}" in html.unescape(out)
    assert "default-src 'none'" in html.unescape(out)
    assert "http://" not in out.replace("http://www.w3.org", "") and "https://" not in out


def test_bar_chart_scales_bars_and_escapes_labels() -> None:
    svg = bar_chart(["<tag>", "b"], {"m1": [1.0, 0.5], "m2": [None, 0.25]}, title="F1 & more")
    widths = [float(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="([\d.]+)"', svg)]
    bars = widths[2:]  # after the two legend swatches
    # per label, one bar per series: <tag> m1=1.0, m2=n/a; b m1=0.5, m2=0.25
    assert bars[0] == pytest.approx(2 * bars[2]) and bars[1] == 0.0
    assert bars[2] == pytest.approx(2 * bars[3]) and bars[0] > 100
    assert "&lt;tag&gt;" in svg and "<tag>" not in svg and "F1 &amp; more" in svg
    assert "n/a" in svg
    with pytest.raises(ValueError, match="has 1 values for 2 labels"):
        bar_chart(["a", "b"], {"m": [1.0]})


# --- the command -------------------------------------------------------------------------------


def extract_example(tmp_path: Path) -> Path:
    out = tmp_path / "result.json"
    done = runner.invoke(app, ["extract", str(EXAMPLE), "--model", "rules", "-o", str(out)])
    assert done.exit_code == 0, done.output
    return out


def test_view_renders_the_example_with_every_quote_and_table(tmp_path: Path) -> None:
    result_path = extract_example(tmp_path)
    data = json.loads(result_path.read_text(encoding="utf-8"))
    page_path = tmp_path / "page.html"
    done = runner.invoke(
        app, ["view", str(result_path), "--articles", str(EXAMPLE), "-o", str(page_path)]
    )
    assert done.exit_code == 0, done.output
    assert done.stderr.strip() == f"view: {page_path} (1 of 1 article(s) with their text)"
    out = page_path.read_text(encoding="utf-8")
    assert data["casualties"] and data["causes"] and data["events"]
    for i, fig in enumerate(data["casualties"]):
        marks = re.findall(
            rf'<mark [^>]*data-items="[^"]*\ba0-c{i}\b[^"]*"[^>]*>([^<]*)</mark>', out
        )
        assert html.unescape("".join(marks)) == fig["evidence"]["text"]
        assert f"<td>{html.escape(fig['group'])}</td>" in out
    for i in range(len(data["causes"])):
        assert f'data-item="a0-k{i}"' in out
    for i in range(len(data["events"])):
        assert f'data-item="a0-e{i}"' in out
    body = out.split('<div class="text">', 1)[1].split("</div>", 1)[0]
    assert visible_text(body) == EXAMPLE.read_text(encoding="utf-8")


def test_view_with_a_changed_article_names_it_and_exits_3(tmp_path: Path) -> None:
    result_path = extract_example(tmp_path)
    changed = tmp_path / "deir-ez-zor-ambush.txt"
    changed.write_text(EXAMPLE.read_text(encoding="utf-8") + "\nCorrection.\n", encoding="utf-8")
    page_path = tmp_path / "page.html"
    done = runner.invoke(app, ["view", str(result_path), "-a", str(changed), "-o", str(page_path)])
    assert done.exit_code == 3
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith(
        f"sitrep: article 'deir-ez-zor-ambush': text of {changed} differs from the one extracted"
    )
    assert lines[1] == f"view: {page_path} (0 of 1 article(s) with their text)"
    assert "Traceback" not in done.output
    out = page_path.read_text(encoding="utf-8")
    assert "Article text not shown" in out
    assert "The quotes, as the result gives them" in out and "killing at least 27 of them" in out


def test_view_of_jsonl_renders_found_articles_and_names_the_missing(tmp_path: Path) -> None:
    results = tmp_path / "out.jsonl"
    results.write_text(
        make_result().model_dump_json() + "\n" + make_result(article_id="gone").model_dump_json(),
        encoding="utf-8",
    )
    inputs = tmp_path / "in.jsonl"
    inputs.write_text(json.dumps({"id": "kharkiv", "text": TEXT}) + "\n", encoding="utf-8")
    page_path = tmp_path / "page.html"
    done = runner.invoke(
        app, ["view", str(results), "--articles", str(inputs), "-o", str(page_path)]
    )
    assert done.exit_code == 3
    assert "sitrep: article 'gone': no article with this id in --articles" in done.stderr
    out = page_path.read_text(encoding="utf-8")
    assert 'id="a0"' in out and 'id="a1"' in out and 'data-items="a0-' in out


def test_view_reads_eval_case_folders(tmp_path: Path) -> None:
    case = ROOT / "evals" / "cases" / "c01-syria-badia-ambush"
    text = (case / "article.txt").read_text(encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": case.name, "text": text}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    done = runner.invoke(app, ["extract", str(source), "-m", "rules", "-o", str(out), "-q"])
    assert done.exit_code == 0, done.output
    page_path = tmp_path / "page.html"
    done = runner.invoke(
        app, ["view", str(out), "--articles", str(case.parent), "-o", str(page_path)]
    )
    assert done.exit_code == 0, done.output
    assert "Article text not shown" not in page_path.read_text(encoding="utf-8")


def test_view_without_articles_is_a_usage_error(tmp_path: Path) -> None:
    done = runner.invoke(app, ["view", str(extract_example(tmp_path))])
    assert done.exit_code == 2
    assert done.stderr.strip().startswith("sitrep: give the articles the results were extracted")


def test_view_of_a_missing_results_file_is_one_line(tmp_path: Path) -> None:
    done = runner.invoke(app, ["view", str(tmp_path / "nope.jsonl"), "-a", str(EXAMPLE)])
    assert done.exit_code == 1
    assert done.stderr.strip().startswith(f"sitrep: {tmp_path / 'nope.jsonl'}: cannot read results")


def test_view_as_a_subprocess(tmp_path: Path) -> None:
    result_path = extract_example(tmp_path)
    page_path = tmp_path / "page.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "view",
            str(result_path),
            str(EXAMPLE),
            "-o",
            str(page_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert page_path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
