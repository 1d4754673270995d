"""The incidents page: each incident with its claims side by side, linked to the quotes.

One self-contained page (no script: plain anchors do the navigation). Per incident: what,
when, where, the counts (conservative, low / best / high, the revision history per reporter
and who disagrees), every claim with the articles that carried it, the statements behind
the counts with their status, the member events and the stated causes. Every quote links to
its place in its article, shown below with all the incident quotes highlighted; an article
whose text was not given (or changed since) is named and its quotes are listed instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agent.incidents.models import Incident, OutcomeCount
from agent.pages.markup import Html, esc, page, table
from agent.pages.review_page import Span, segments
from agent.schema import Quote

CSS = """
section.incident { border-top: 2px solid var(--line); padding: 12px 0 18px; }
section.incident h2 { margin-bottom: 2px; }
.counts { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 8px 0; }
.counts b { font-size: 1.2rem; }
.disagree { color: #b3261e; }
.status-current { color: #1e6b35; }
.status-revised, .status-overtaken { color: var(--muted); text-decoration: line-through; }
.bg { color: var(--muted); font-style: italic; }
article.source { border-top: 1px solid var(--line); padding: 10px 0; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 75ch;
  font: 16px/1.6 Georgia, "Times New Roman", serif; }
mark.hl { background: #ffe8a3; }
mark.hl:target, a.q:target + mark.hl { outline: 2px solid var(--accent); }
nav.index { margin-bottom: 16px; }
.problem { color: #b3261e; }
"""


def quote_anchor(article_id: str, quote: Quote) -> str:
    return f"q-{_slug(article_id)}-{quote.start}-{quote.end}"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def _quote_link(article_id: str, quote: Quote, texts: Mapping[str, str]) -> Html:
    shown = esc(quote.text)
    if article_id not in texts:
        return Html(f"“{shown}”")
    return Html(f'<a href="#{quote_anchor(article_id, quote)}">“{shown}”</a>')


def _counts(count: OutcomeCount) -> str:
    parts = [
        f"<span>{esc(count.outcome)}: <b>{esc(count.conservative)}</b> conservative</span>",
        f"<span>low / best / high: {esc(count.low)} / {esc(count.best)} / {esc(count.high)}</span>",
    ]
    if count.basis == "background":
        parts.append('<span class="bg">from background mentions only</span>')
    if count.history_text:
        parts.append(f"<span>history: {esc(count.history_text)}</span>")
    if count.disagreement:
        parts.append(
            f'<span class="disagree">disagree: {esc("; ".join(count.disagreement))}</span>'
        )
    return '<div class="counts">' + "".join(parts) + "</div>"


def _claims_table(incident: Incident, texts: Mapping[str, str]) -> str:
    rows = []
    for c in incident.claims:
        carriers = Html(
            "<br>".join(
                f"{esc(k.outlet or k.article_id)} ({esc(k.published or 'undated')}): "
                f"{_quote_link(k.article_id, k.quote, texts)}"
                for k in c.carriers
            )
        )
        who = c.reported_by + ("" if c.attributed else " (outlet's own)")
        role = Html('<span class="bg">background</span>') if c.role == "background" else ""
        kind = "sub-figure" if c.sub_figure else c.scope
        rows.append([c.id, c.outcome, c.count_text, c.group, who, kind, role, carriers])
    headers = ["claim", "outcome", "figure", "group", "reported by", "kind", "", "carried by"]
    return table(headers, rows, empty="no casualty figures")


def _statements_table(incident: Incident) -> str:
    rows = []
    for count in incident.counts.values():
        for s in count.history:
            status = Html(f'<span class="status-{esc(s.status)}">{esc(s.status)}</span>')
            rows.append([
                count.outcome, s.published or "", s.reporter, s.group, s.text, s.low,
                status, s.why or "", ", ".join(s.claims),
            ])  # fmt: skip
    headers = ["outcome", "published", "reporter", "group", "said", "counts as", "status",
               "why", "claims"]  # fmt: skip
    return table(headers, rows, numeric=(5,), empty="no statements")


def _members_table(incident: Incident, texts: Mapping[str, str]) -> str:
    rows = []
    for m in incident.members:
        article = (
            Html(f'<a href="#a-{_slug(m.article_id)}">{esc(m.article_id)}</a>')
            if m.article_id in texts
            else m.article_id
        )
        role = (
            Html(f'<span class="bg">background: {esc(m.background_why)}</span>')
            if m.role == "background"
            else "primary"
        )
        rows.append([article, m.outlet or "", m.published or "", m.event_id, m.event_type,
                     m.date or m.date_text or "", m.location or "", role, m.summary])  # fmt: skip
    headers = ["article", "outlet", "published", "event", "type", "date", "place", "role",
               "summary"]  # fmt: skip
    return table(headers, rows)


def _causes_table(incident: Incident, texts: Mapping[str, str]) -> str:
    rows = []
    for k in incident.causes:
        quotes = Html("<br>".join(
            f"{esc(c.outlet or c.article_id)}: {_quote_link(c.article_id, c.quote, texts)}"
            for c in k.carriers
        ))  # fmt: skip
        rows.append([k.cause, k.effect, k.claimed_by or "(the article)", k.certainty, quotes])
    return table(["cause", "effect", "claimed by", "certainty", "stated in"], rows,
                 empty="no stated causes")  # fmt: skip


def incident_section(incident: Incident, texts: Mapping[str, str]) -> str:
    when = incident.date or (
        f"{incident.date_start} to {incident.date_end}" if incident.date_start else "undated"
    )
    where = ", ".join(p for p in (incident.place, incident.country) if p) or "place unknown"
    head = (
        f"<h2>{esc(incident.event_type)} · {esc(when)} · {esc(where)}</h2>"
        f'<p class="muted">{esc(incident.id)} · {len(incident.articles)} article(s) · '
        f"first reported {esc(incident.first_reported or 'n/a')} · actors: "
        f"{esc(', '.join(f'{a.name} ({a.role})' for a in incident.actors) or 'unknown')}</p>"
    )
    counts = "".join(_counts(c) for c in incident.counts.values())
    return (
        f'<section class="incident" id="{esc(incident.id)}">{head}{counts}'
        f"<h3>Claims</h3>{_claims_table(incident, texts)}"
        f"<h3>Statements behind the counts</h3>{_statements_table(incident)}"
        f"<h3>Reports (member events)</h3>{_members_table(incident, texts)}"
        f"<h3>Stated causes</h3>{_causes_table(incident, texts)}</section>"
    )


def _article_spans(incidents: Sequence[Incident]) -> dict[str, dict[tuple[int, int], str]]:
    found: dict[str, dict[tuple[int, int], str]] = {}
    for i in incidents:
        for m in i.members:
            for q in m.evidence:
                found.setdefault(m.article_id, {})[(q.start, q.end)] = f"{i.id}: event {m.event_id}"
        for c in i.claims:
            for k in c.carriers:
                label = f"{i.id}: {c.id} {c.count_text} ({c.reported_by})"
                found.setdefault(k.article_id, {})[(k.quote.start, k.quote.end)] = label
        for cause in i.causes:
            for kc in cause.carriers:
                label = f"{i.id}: cause {cause.cause}"
                found.setdefault(kc.article_id, {})[(kc.quote.start, kc.quote.end)] = label
    return found


def article_block(article_id: str, text: str, spans: Mapping[tuple[int, int], str]) -> str:
    """An article's text with the quotes highlighted, each quote start an anchor."""
    items = [
        Span(start, end, "quote", f"{start}-{end}", label)
        for (start, end), label in sorted(spans.items())
        if 0 <= start < end <= len(text)
    ]
    starts = {s.start: s for s in items}
    out = []
    for seg in segments(len(text), items):
        if seg.start in starts:
            quote = Quote(text=text[seg.start : starts[seg.start].end], start=seg.start,
                          end=starts[seg.start].end)  # fmt: skip
            out.append(f'<a class="q" id="{quote_anchor(article_id, quote)}"></a>')
        piece = esc(text[seg.start : seg.end])
        if seg.spans:
            labels = "\n".join(dict.fromkeys(s.label for s in seg.spans))
            out.append(f'<mark class="hl" title="{esc(labels)}">{piece}</mark>')
        else:
            out.append(piece)
    return (
        f'<article class="source" id="a-{_slug(article_id)}"><h3>{esc(article_id)}</h3>'
        f'<div class="text">{"".join(out)}</div></article>'
    )


def render_incidents(
    incidents: Sequence[Incident],
    texts: Mapping[str, str],
    *,
    problems: Sequence[str] = (),
    title: str = "sitrep incidents",
) -> str:
    """The whole page: an index, every incident, then the articles with their quotes."""
    rows = []
    for i in incidents:
        link = Html(f'<a href="#{esc(i.id)}">{esc(i.id)}</a>')
        rows.append([link, i.event_type, i.date or i.date_start or "", i.place or "",
                     i.country or "", i.fatalities, len(i.articles), len(i.claims)])  # fmt: skip
    headers = ["incident", "type", "date", "place", "country", "killed (conservative)",
               "articles", "claims"]  # fmt: skip
    index = table(headers, rows, numeric=(5, 6, 7), empty="no incidents")
    notes = "".join(f'<p class="problem">{esc(p)}</p>' for p in problems)
    spans = _article_spans(incidents)
    articles = "".join(article_block(aid, texts[aid], spans.get(aid, {})) for aid in sorted(texts))
    body = (
        f'<main><header><h1>{esc(title)}</h1><p class="muted">{len(incidents)} incident(s) '
        f"from {len({a for i in incidents for a in i.articles})} article(s)</p>{notes}</header>"
        f'<nav class="index">{index}</nav>'
        + "".join(incident_section(i, texts) for i in incidents)
        + (f"<h2>Articles</h2>{articles}" if articles else "")
        + "</main>"
    )
    return page(title, body, css=CSS)
