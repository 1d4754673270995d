"""The eval report as one self-contained HTML page: charts per model, every article's items.

Reads the `EvalReport` of `agent.eval.report` (nothing is recomputed here) and
builds the page from `agent.pages.markup` pieces: inline-SVG bar charts (several models side by
side), tables, and one foldable section per article with matched, missed and spurious items
and the fields that differ. No script; nothing is loaded from the network.
"""

from __future__ import annotations

from agent.eval.metrics import FIELD_ORDER
from agent.eval.report import (
    CaseEntry,
    EvalReport,
    Gates,
    KindEntry,
    MatchEntry,
    ModelEntry,
    OptionalMatch,
)
from agent.eval.writers import SUMMARY_METRICS
from agent.items import KINDS
from agent.pages.markup import Html, bar_chart, esc, page, table

FIELD_METRICS = (
    *(f"casualties.{f}" for f in FIELD_ORDER["casualties"]),
    *(f"causes.{f}" for f in FIELD_ORDER["causes"]),
    *(f"events.{f}" for f in FIELD_ORDER["events"]),
    "totals.killed_exact",
    "totals.killed_within_tol",
    "grounding.rate",
)
TAG_METRICS = ("casualties.f1", "causes.f1", "events.f1")

CSS = """
header { padding: 16px 24px; border-bottom: 1px solid var(--line); background: var(--soft); }
section { margin: 18px 0 28px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 8px 32px; }
.gates-ok { color: #1f7a3f; font-weight: 600; }
.gates-bad { color: #b23a48; font-weight: 600; }
details.case { border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; padding: 0 10px; }
details.case > summary { cursor: pointer; padding: 6px 0; }
details.case[open] > summary { border-bottom: 1px solid var(--line); margin-bottom: 6px; }
.badge { display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 0.8rem;
  margin-left: 6px; }
.correct { background: #dff3e6; color: #1f7a3f; }
.wrong { background: #fde8d7; color: #8a4b12; }
.not_scorable { background: #f7d9de; color: #8e1f33; }
tr.matched td:first-child { border-left: 4px solid #2e8b57; }
tr.missed td:first-child { border-left: 4px solid #b23a48; }
tr.spurious td:first-child { border-left: 4px solid #d9822b; }
tr.optional td:first-child { border-left: 4px solid #9aa3af; }
.wide { overflow-x: auto; }
"""


def eval_page(report: EvalReport) -> str:
    """The whole report page."""
    models = report.models
    names = [m.model for m in models]
    suite = report.suite
    title = f"sitrep eval: {', '.join(names)} on {suite.split}"
    body = [
        "<header>",
        f"<h1>{esc(title)}</h1>",
        f'<div class="muted">suite {esc(suite.path)} · split {esc(suite.split)} · '
        f"{suite.cases} cases · digest {esc(suite.digest[:12])} · schema "
        f"{esc(report.schema_version)} · sitrep {esc(report.sitrep_version)} · "
        f"{esc(report.created)}</div>",
        f'<div class="muted">command: <code>{esc(report.command)}</code></div>',
        _gates(report.gates),
        "</header><main>",
        _models_table(models),
        '<section><h2>Metrics</h2><div class="grid">',
        _chart(models, ("events.f1", "casualties.f1", "causes.f1"), "Item F1 per kind"),
        _chart(
            models,
            (
                "events.precision",
                "events.recall",
                "casualties.precision",
                "casualties.recall",
                "causes.precision",
                "causes.recall",
            ),
            "Precision and recall",
        ),
        _chart(models, FIELD_METRICS, "Field accuracy on matched items, totals, grounding"),
        _usage_charts(models),
        "</div></section>",
        _per_tag(models),
        _articles(models),
        "</main>",
    ]
    return page(title, "\n".join(body), css=CSS)


def _gates(gates: Gates | None) -> str:
    if gates is None or (not gates.thresholds and gates.baseline is None):
        return '<div class="muted">no gates</div>'
    failures = gates.failures
    if not failures:
        return f'<div class="gates-ok">gates passed ({len(gates.thresholds)})</div>'
    items = "".join(f"<li>{esc(f)}</li>" for f in failures)
    return f'<div class="gates-bad">{len(failures)} gate(s) failed</div><ul>{items}</ul>'


def _models_table(models: list[ModelEntry]) -> str:
    rows = []
    for m in models:
        prompt = m.prompt
        usage, counts = m.usage, m.counts
        rows.append(
            [
                m.model,
                f"{prompt.name} v{prompt.version} ({prompt.sha256[:12]})" if prompt else "",
                m.source,
                counts.get("articles.correct", 0),
                counts.get("articles.wrong", 0),
                counts.get("articles.not_scorable", 0),
                usage.requests,
                f"{usage.prompt_tokens}/{usage.completion_tokens}",
                f"{usage.cost:.4f}",
                f"{usage.wall_s:.1f}",
            ]
        )
    headers = ["model", "prompt", "source", "correct", "wrong", "not scorable", "requests",
               "tokens (prompt/completion)", "cost", "time (s)"]  # fmt: skip
    return "<section><h2>Models</h2>" + table(headers, rows, numeric=range(3, 10)) + "</section>"


def _chart(models: list[ModelEntry], metrics: tuple[str, ...], title: str) -> str:
    series = {m.model: [m.metrics.get(k) for k in metrics] for m in models}
    return bar_chart(list(metrics), series, title=title, max_value=1.0, value_format="{:.3f}")


def _usage_charts(models: list[ModelEntry]) -> str:
    out = []
    for label, fmt, values in (
        ("Time (s)", "{:.1f}", {m.model: [m.usage.wall_s] for m in models}),
        ("Cost (est.)", "{:.4f}", {m.model: [m.usage.cost] for m in models}),
        ("Requests", "{:.0f}", {m.model: [float(m.usage.requests)] for m in models}),
    ):
        out.append(bar_chart([label], values, title=label, value_format=fmt))
    return "".join(out)


def _tag_metric(model: ModelEntry, tag: str, metric: str) -> float | None:
    entry = model.per_tag.get(tag)
    return entry.metrics.get(metric) if entry is not None else None


def _per_tag(models: list[ModelEntry]) -> str:
    tags = sorted({t for m in models for t in m.per_tag})
    if not tags:
        return ""
    charts = []
    for metric in TAG_METRICS:
        series = {m.model: [_tag_metric(m, t, metric) for t in tags] for m in models}
        charts.append(
            bar_chart(tags, series, title=f"{metric} per tag", max_value=1.0, value_format="{:.2f}")
        )
    rows = []
    for tag in tags:
        for m in models:
            entry = m.per_tag.get(tag)
            rows.append([tag, m.model, entry.cases if entry else 0,
                         *(_num(_tag_metric(m, tag, k)) for k in SUMMARY_METRICS)])  # fmt: skip
    headers = ["tag", "model", "cases", *SUMMARY_METRICS]
    return (
        '<section><h2>Per tag</h2><div class="grid">' + "".join(charts) + "</div>"
        + '<div class="wide">' + table(headers, rows, numeric=range(2, 3 + len(SUMMARY_METRICS)))
        + "</div></section>"
    )  # fmt: skip


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _articles(models: list[ModelEntry]) -> str:
    ids = [c.id for c in models[0].cases] if models else []
    by_model = [{c.id: c for c in m.cases} for m in models]
    parts = ["<section><h2>Articles</h2>",
             '<p class="muted">Each article: per model and kind, the gold and predicted items, '
             "matched (green), missed (red), spurious (orange), matched to an optional gold item "
             "(grey), and the fields that differ.</p>"]  # fmt: skip
    for case_id in ids:
        cases = [(m.model, lookup[case_id]) for m, lookup in zip(models, by_model, strict=True)]
        badges = "".join(
            f'<span class="badge {esc(c.outcome)}">{esc(name)}: '
            f"{esc(c.outcome.replace('_', ' '))}</span>"
            for name, c in cases
        )
        tags = ", ".join(cases[0][1].tags)
        inner = "".join(_case_model(name, case) for name, case in cases)
        parts.append(
            f'<details class="case" id="case-{esc(case_id)}"><summary><strong>{esc(case_id)}'
            f'</strong>{badges} <span class="muted">{esc(tags)}</span></summary>{inner}</details>'
        )
    parts.append("</section>")
    return "\n".join(parts)


def _case_model(name: str, case: CaseEntry) -> str:
    head = f"<h3>{esc(name)}</h3>"
    if case.error is not None or case.kinds is None or case.totals is None:
        error = case.error
        why = f"not scorable: {error.kind}: {error.message}" if error else "not scorable"
        return f'{head}<p class="gates-bad">{esc(why)}</p>'
    totals = case.totals
    out = [head, f'<p class="muted">killed in the article: gold {totals.killed_gold}, '
                 f"predicted {totals.killed_predicted}</p>"]  # fmt: skip
    for kind in KINDS:
        out.append(f"<h3>{esc(kind)}</h3>" + _kind_table(kind, case.kinds[kind]))
    return "".join(out)


def _kind_table(kind: str, data: KindEntry) -> str:
    gold_items = data.items.gold
    pred_items = data.items.predicted
    rows: list[list[object]] = []
    classes: list[dict[str, object]] = []
    for pair in data.matches:
        gid, pid = str(pair.gold), str(pair.predicted)
        prefix = f"{kind}[{gid}]."  # each line names the item; the row already does
        differing = [d.removeprefix(prefix) for d in pair.differences]
        shown = Html("<br>".join(esc(d) for d in differing)) if differing else "—"
        rows.append(["matched", *_pair_cells(gid, pid, gold_items, pred_items, pair), shown])
        classes.append({"class": "matched"})
    for optional in data.optional_matches:
        gid, pid = str(optional.gold), str(optional.predicted)
        rows.append(
            ["optional", *_pair_cells(gid, pid, gold_items, pred_items, optional), "not scored"]
        )
        classes.append({"class": "optional"})
    for missed in data.missed:
        rows.append(["missed", f"{missed}: {gold_items.get(str(missed), '')}", "", "", ""])
        classes.append({"class": "missed"})
    for spurious in data.spurious:
        rows.append(["spurious", "", f"{spurious}: {pred_items.get(str(spurious), '')}", "", ""])
        classes.append({"class": "spurious"})
    headers = ["", "gold", "predicted", "similarity", "differing fields"]
    return table(headers, rows, row_attrs=classes, numeric=(3,), empty="no items either side")


def _pair_cells(
    gid: str,
    pid: str,
    gold: dict[str, str],
    pred: dict[str, str],
    pair: MatchEntry | OptionalMatch,
) -> list[object]:
    return [
        f"{gid}: {gold.get(gid, '')}",
        f"{pid}: {pred.get(pid, '')}",
        f"{pair.similarity:.2f}",
    ]
