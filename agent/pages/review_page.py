"""The review page: extraction results shown on their articles, every quote highlighted.

Overlapping quotes are cut into segments, so each piece of text is one `<mark>` listing every
item that quotes it (hover: their labels). Clicking an item's row scrolls to its quote and
flashes it; clicking a highlight selects its rows. An article whose text could not be matched
(`review.match_articles`) keeps its tables and says why its text is not shown.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from agent.pages.markup import Html, attrs, esc, page, table
from agent.pages.review import Review, fits
from agent.schema import ExtractionResult, Quote

KINDS = ("casualty", "cause", "event")
OPEN_AT_MOST = 10  # articles shown unfolded; more start folded, reached from the index


@dataclass(frozen=True)
class Span:
    """One quote to highlight: `item` is the DOM key of the item that quotes it."""

    start: int
    end: int
    kind: str
    item: str
    label: str


@dataclass(frozen=True)
class Segment:
    """A run of text covered by the same spans (none: plain text)."""

    start: int
    end: int
    spans: tuple[Span, ...] = ()


# --- highlighting ------------------------------------------------------------------------------


def spans_of(result: ExtractionResult, text: str, prefix: str) -> list[Span]:
    """Every quote that fits `text`, keyed `<prefix>-c0`, `<prefix>-k0`, `<prefix>-e0`, ..."""
    found: list[tuple[Quote, str, str, str]] = []
    for i, c in enumerate(result.casualties):
        label = f"{c.id} · {c.outcome}: {c.count_text} {c.group}"
        if c.reported_by:
            label += f" (reported by {c.reported_by})"
        found.append((c.evidence, "casualty", f"{prefix}-c{i}", label))
    for i, k in enumerate(result.causes):
        label = f"{k.id} · cause: {k.cause} → {k.effect} ({k.certainty})"
        found.append((k.evidence, "cause", f"{prefix}-k{i}", label))
    for i, e in enumerate(result.events):
        label = f"{e.id} · {e.event_type}: {e.summary}"
        found.extend((q, "event", f"{prefix}-e{i}", label) for q in e.evidence)
    return [
        Span(q.start, q.end, kind, item, label) for q, kind, item, label in found if fits(q, text)
    ]


def segments(length: int, spans: Sequence[Span]) -> list[Segment]:
    """Cut `[0, length)` at every span boundary; each piece lists the spans covering it."""
    cuts = sorted({0, length, *(s.start for s in spans), *(s.end for s in spans)})
    cuts = [c for c in cuts if 0 <= c <= length]
    covering: list[list[Span]] = [[] for _ in cuts[:-1]]
    for span in spans:
        start, end = max(0, span.start), min(length, span.end)
        if start >= end:
            continue
        first = bisect.bisect_left(cuts, start)
        last = bisect.bisect_left(cuts, end)
        for i in range(first, last):
            covering[i].append(span)
    return [
        Segment(cuts[i], cuts[i + 1], tuple(covering[i]))
        for i in range(len(cuts) - 1)
        if cuts[i] < cuts[i + 1]
    ]


def highlight(text: str, spans: Sequence[Span]) -> str:
    """The article as escaped HTML, each covered segment a `<mark>` naming its items."""
    out = []
    for seg in segments(len(text), spans):
        piece = esc(text[seg.start : seg.end])
        if not seg.spans:
            out.append(piece)
            continue
        kinds = [k for k in KINDS if any(s.kind == k for s in seg.spans)]
        items = list(dict.fromkeys(s.item for s in seg.spans))
        labels = list(dict.fromkeys(s.label for s in seg.spans))
        mark_attrs = {
            "class": " ".join(["hl", *(f"k-{k}" for k in kinds)]),
            "data-items": " ".join(items),
            "title": "\n".join(labels),
        }
        out.append(f"<mark{attrs(mark_attrs)}>{piece}</mark>")
    return "".join(out)


# --- the page ----------------------------------------------------------------------------------


def render_review(reviews: Sequence[Review], *, title: str = "sitrep review") -> str:
    """The whole review page: an index, then each article with its highlights and tables."""
    unfolded = len(reviews) <= OPEN_AT_MOST
    totals = [sum(len(_items(r.result, kind)) for r in reviews) for kind in KINDS]
    problems = sum(1 for r in reviews if r.problem is not None)
    counts = " · ".join(f"{name}: {n}" for n, name in zip(totals, _PLURALS, strict=True))
    head = (
        f"<header><h1>{esc(title)}</h1>"
        f'<p class="muted">articles: {len(reviews)} · {esc(counts)}'
        + (
            f' · <span class="bad">text not shown: {problems} (see index)</span>'
            if problems
            else ""
        )
        + "</p>"
        + _LEGEND
        + '<p class="controls"><button type="button" data-fold="open">Unfold all</button> '
        '<button type="button" data-fold="close">Fold all</button></p></header>'
    )
    index = f'<nav class="index"><h3>Articles</h3>{_index(reviews)}</nav>'
    body = "\n".join(article_section(r, n, unfolded=unfolded) for n, r in enumerate(reviews))
    return page(title, f"<main>{head}\n{index}\n{body}</main>", css=CSS, script=SCRIPT)


_PLURALS = ("casualty figures", "stated causes", "events")
_LEGEND = (
    '<p class="legend">Highlights: <mark class="hl k-casualty">casualty figure</mark> '
    '<mark class="hl k-cause">stated cause</mark> <mark class="hl k-event">event</mark> '
    '<span class="muted">· hover a highlight for its items, click a row to find its quote'
    "</span></p>"
)


def _items(result: ExtractionResult, kind: str) -> Sequence[object]:
    if kind == "casualty":
        return result.casualties
    return result.causes if kind == "cause" else result.events


def _index(reviews: Sequence[Review]) -> str:
    rows = []
    for n, r in enumerate(reviews):
        name = r.result.article.title or r.result.article.id
        link = Html(f'<a href="#a{n}">{esc(name)}</a>')
        status = (
            Html(f'<span class="bad">{esc(r.problem.message)}</span>')
            if r.problem is not None
            else (Html(f'<span class="warn">{len(r.notes)} note(s)</span>') if r.notes else "ok")
        )
        rows.append(
            [n + 1, link, r.result.article.id, len(r.result.casualties), len(r.result.causes),
             len(r.result.events), status]
        )  # fmt: skip
    headers = ["#", "article", "id", "figures", "causes", "events", "status"]
    return table(headers, rows, numeric=(0, 3, 4, 5), empty="no results")


def article_section(review: Review, n: int, *, unfolded: bool = True) -> str:
    """One article: a foldable `<details id="a<n>">` with the text beside the item tables."""
    result = review.result
    info = result.article
    prefix = f"a{n}"
    meta = [info.id if info.title else None, result.model, info.source, info.published]
    meta_line = " · ".join(esc(m) for m in meta if m)
    if info.url:
        meta_line += f' · <a href="{esc(info.url)}" rel="noreferrer noopener">source</a>'
    summary = (
        f'<summary><h2>{esc(info.title or info.id)}</h2><span class="meta muted">{meta_line}'
        f" · casualty figures: {len(result.casualties)} · causes: {len(result.causes)} · "
        f"events: {len(result.events)}</span></summary>"
    )
    notes = [*result.warnings, *review.notes]
    notes_html = (
        '<ul class="notes">' + "".join(f"<li>{esc(w)}</li>" for w in notes) + "</ul>"
        if notes
        else ""
    )
    if review.text is None:
        problem = review.problem.message if review.problem else "no article text"
        text_html = f'<p class="problem">Article text not shown: {esc(problem)}</p>' + _quote_list(
            result
        )
    else:
        text_html = highlight(review.text, spans_of(result, review.text, prefix))
    tables = (
        f"<h3>Casualty figures</h3>{casualty_table(result, prefix)}"
        f"<h3>Stated causes</h3>{cause_table(result, prefix)}"
        f"<h3>Events</h3>{event_table(result, prefix)}"
    )
    return (
        f'<details class="article" id="{prefix}"{" open" if unfolded else ""}>{summary}'
        f'{notes_html}<div class="cols"><div class="text">{text_html}</div>'
        f'<aside class="items">{tables}</aside></div></details>'
    )


def _quote_list(result: ExtractionResult) -> str:
    """The result's quotes as a list, for an article whose text is not shown."""
    quotes = [(c.id, c.evidence.text) for c in result.casualties]
    quotes += [(k.id, k.evidence.text) for k in result.causes]
    quotes += [(e.id, q.text) for e in result.events for q in e.evidence]
    if not quotes:
        return ""
    items = "".join(f"<li><b>{esc(i)}</b> “{esc(q)}”</li>" for i, q in quotes)
    return (
        f'<p class="muted">The quotes, as the result gives them:</p><ul class="quotes">{items}</ul>'
    )


def _row_attrs(
    prefix: str, letter: str, count: int, quotes: Sequence[str]
) -> list[dict[str, object]]:
    return [
        {"class": "item", "data-item": f"{prefix}-{letter}{i}", "tabindex": "0", "title": quotes[i]}
        for i in range(count)
    ]


def casualty_table(result: ExtractionResult, prefix: str) -> str:
    headers = ["id", "group", "outcome", "count", "low–high", "qualifier", "reported by",
               "part of", "scope", "civilian"]  # fmt: skip
    rows = [
        [c.id, c.group, c.outcome, c.count_text, _bounds(c.low, c.high), c.qualifier,
         c.reported_by, c.part_of, c.scope, _yes_no(c.civilian)]
        for c in result.casualties
    ]  # fmt: skip
    quotes = [c.evidence.text for c in result.casualties]
    extra = _row_attrs(prefix, "c", len(rows), quotes)
    return table(headers, rows, row_attrs=extra, numeric=(4,), cls="casualty")


def cause_table(result: ExtractionResult, prefix: str) -> str:
    headers = ["id", "cause → effect", "claimed by", "certainty"]
    rows = [
        [k.id, Html(f"{esc(k.cause)} <b>→</b> {esc(k.effect)}"), k.claimed_by, k.certainty]
        for k in result.causes
    ]
    extra = _row_attrs(prefix, "k", len(rows), [k.evidence.text for k in result.causes])
    return table(headers, rows, row_attrs=extra, cls="cause")


def event_table(result: ExtractionResult, prefix: str) -> str:
    headers = ["id", "type", "date", "location", "summary"]
    rows = [
        [e.id, e.event_type, e.date or e.date_text, e.location, e.summary] for e in result.events
    ]
    quotes = [" … ".join(q.text for q in e.evidence) for e in result.events]
    extra = _row_attrs(prefix, "e", len(rows), quotes)
    return table(headers, rows, row_attrs=extra, cls="event")


def _bounds(low: int | None, high: int | None) -> str:
    """`27–?` (at least 27), `?–30` (at most 30), `9–9`; `–` when neither is known."""
    if low is None and high is None:
        return "–"
    return f"{'?' if low is None else low}–{'?' if high is None else high}"


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


CSS = """
header { margin-bottom: 12px; }
.legend mark { padding: 0 4px; }
.controls button { font: inherit; font-size: 0.85rem; padding: 2px 10px;
  border: 1px solid var(--line); background: var(--soft); border-radius: 4px; cursor: pointer; }
.bad { color: #b3261e; }
.warn { color: #8a5a00; }
nav.index { max-height: 40vh; overflow: auto; border: 1px solid var(--line); border-radius: 6px;
  padding: 0 8px 8px; margin-bottom: 20px; }
nav.index table { width: auto; min-width: 50%; }
nav.index h3 { position: sticky; top: 0; background: var(--bg); margin: 0; padding: 8px 0 4px; }
details.article { border-top: 2px solid var(--line); padding: 10px 0 20px; }
details.article:not([open]) { padding-bottom: 8px; }
details.article > summary { cursor: pointer; list-style-position: outside; margin-left: 1.1em; }
details.article > summary h2 { display: inline; }
details.article > summary .meta { display: block; font-size: 0.85rem; }
.notes { margin: 6px 0 0; font-size: 0.85rem; color: #8a5a00; }
.cols { display: grid; grid-template-columns: minmax(0, 62ch) minmax(0, 1fr); gap: 28px;
  align-items: start; margin-top: 10px; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font: 16px/1.65 Georgia, "Times New Roman",
  serif; }
.items { position: sticky; top: 0; max-height: 100vh; overflow: auto; padding-bottom: 12px; }
.items h3:first-child { margin-top: 0; }
.items th { top: 0; z-index: 1; }
.items table { font-size: 0.8rem; }
.items td, .items th { padding: 3px 6px; }
table.casualty td:nth-child(5) { white-space: nowrap; }
tr.item { cursor: pointer; }
tr.item:hover td { background: #eef3fd; }
tr.item.selected td { background: #dce7fb; }
tr.item:focus { outline: 2px solid var(--accent); outline-offset: -2px; }
table.casualty tr.item td:first-child { border-left: 4px solid #e8864f; }
table.cause tr.item td:first-child { border-left: 4px solid #4d8fe0; }
table.event tr.item td:first-child { border-left: 4px solid #3f9b5b; }
mark.hl { color: inherit; background: transparent; border-radius: 2px; }
mark.k-event { background: #e3f3e6; box-shadow: inset 0 -2px 0 #3f9b5b; }
mark.k-cause { background: #dbe8fb; }
mark.k-casualty { background: #fcd9c4; }
mark.k-cause.k-casualty { background: linear-gradient(#dbe8fb 50%, #fcd9c4 50%); }
mark.k-event.k-cause { box-shadow: inset 0 -2px 0 #3f9b5b; }
mark.k-event.k-casualty { box-shadow: inset 0 -2px 0 #3f9b5b; }
mark.active { outline: 2px solid #1f4fbf; outline-offset: 1px; }
mark.flash { animation: flash 1.6s ease-out; }
@keyframes flash { 0%, 40% { background: #ffe45c; } 100% { } }
ul.quotes { white-space: normal; padding-left: 1.2em; }
ul.quotes li { margin-bottom: 6px; }
.problem { background: #fdecea; color: #b3261e; padding: 8px 12px; border-radius: 4px;
  white-space: normal; font: 15px/1.5 system-ui, sans-serif; }
@media (max-width: 1100px) { .cols { grid-template-columns: minmax(0, 1fr); }
  .items { position: static; max-height: none; } }
@media (prefers-reduced-motion: reduce) { mark.flash { animation: none; } }
"""

SCRIPT = """
(function () {
  "use strict";
  var smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function marksOf(key) {
    return document.querySelectorAll('mark[data-items~="' + CSS.escape(key) + '"]');
  }
  function clear(selector, cls) {
    document.querySelectorAll(selector).forEach(function (el) { el.classList.remove(cls); });
  }
  function showItem(row) {
    var marks = marksOf(row.getAttribute("data-item"));
    clear("tr.item.selected", "selected");
    clear("mark.active", "active");
    row.classList.add("selected");
    if (!marks.length) { return; }
    marks.forEach(function (m) {
      m.classList.add("active");
      m.classList.remove("flash");
      void m.offsetWidth;
      m.classList.add("flash");
    });
    marks[0].scrollIntoView({block: "center", behavior: smooth ? "smooth" : "auto"});
  }
  function showRows(mark) {
    clear("tr.item.selected", "selected");
    var first = null;
    (mark.getAttribute("data-items") || "").split(" ").forEach(function (key) {
      var row = document.querySelector('tr[data-item="' + CSS.escape(key) + '"]');
      if (row) { row.classList.add("selected"); first = first || row; }
    });
    if (first) { first.scrollIntoView({block: "nearest"}); }
  }
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === "DETAILS") { el.open = true; el.scrollIntoView(); }
  }
  document.addEventListener("click", function (ev) {
    var row = ev.target.closest("tr[data-item]");
    if (row) { showItem(row); return; }
    var mark = ev.target.closest("mark[data-items]");
    if (mark) { showRows(mark); return; }
    var fold = ev.target.closest("button[data-fold]");
    if (fold) {
      var open = fold.getAttribute("data-fold") === "open";
      document.querySelectorAll("details.article").forEach(function (d) { d.open = open; });
    }
  });
  document.addEventListener("keydown", function (ev) {
    var row = ev.target.closest && ev.target.closest("tr[data-item]");
    if (row && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); showItem(row); }
  });
  document.addEventListener("animationend", function (ev) {
    ev.target.classList.remove("flash");
  });
  window.addEventListener("hashchange", openTarget);
  openTarget();
})();
"""
