"""The eval report as one self-contained HTML page: charts per model, every article's items.

Reads the report dict of `agent.eval.evaluate.build_report` (nothing is recomputed here) and
builds the page from `agent.pages.markup` pieces: inline-SVG bar charts (several models side by
side), tables, and one foldable section per article with matched, missed and spurious items
and the fields that differ. No script; nothing is loaded from the network.
"""

from __future__ import annotations

from typing import Any

from agent.eval.report import SUMMARY_METRICS
from agent.eval.scoring import FIELD_ORDER, KINDS
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


def eval_page(report: dict[str, Any]) -> str:
    """The whole report page."""
    models = report["models"]
    names = [m["model"] for m in models]
    suite = report["suite"]
    title = f"sitrep eval: {', '.join(names)} on {suite['split']}"
    body = [
        "<header>",
        f"<h1>{esc(title)}</h1>",
        f'<div class="muted">suite {esc(suite["path"])} · split {esc(suite["split"])} · '
        f"{suite['cases']} cases · digest {esc(suite['digest'][:12])} · schema "
        f"{esc(report['schema_version'])} · sitrep {esc(report['sitrep_version'])} · "
        f"{esc(report['created'])}</div>",
        f'<div class="muted">command: <code>{esc(report["command"])}</code></div>',
        _gates(report.get("gates") or {}),
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


def _gates(gates: dict[str, Any]) -> str:
    if not gates or (not gates.get("thresholds") and gates.get("baseline") is None):
        return '<div class="muted">no gates</div>'
    failures = gates.get("failures", [])
    if not failures:
        return f'<div class="gates-ok">gates passed ({len(gates["thresholds"])})</div>'
    items = "".join(f"<li>{esc(f)}</li>" for f in failures)
    return f'<div class="gates-bad">{len(failures)} gate(s) failed</div><ul>{items}</ul>'


def _models_table(models: list[dict[str, Any]]) -> str:
    rows = []
    for m in models:
        prompt = m.get("prompt")
        usage, counts = m["usage"], m["counts"]
        rows.append(
            [
                m["model"],
                f"{prompt['name']} v{prompt['version']} ({prompt['sha256'][:12]})"
                if prompt
                else "",
                m.get("source", "model"),
                counts.get("articles.correct", 0),
                counts.get("articles.wrong", 0),
                counts.get("articles.not_scorable", 0),
                usage["requests"],
                f"{usage['prompt_tokens']}/{usage['completion_tokens']}",
                f"{usage['cost']:.4f}",
                f"{usage['wall_s']:.1f}",
            ]
        )
    headers = ["model", "prompt", "source", "correct", "wrong", "not scorable", "requests",
               "tokens (prompt/completion)", "cost", "time (s)"]  # fmt: skip
    return "<section><h2>Models</h2>" + table(headers, rows, numeric=range(3, 10)) + "</section>"


def _chart(models: list[dict[str, Any]], metrics: tuple[str, ...], title: str) -> str:
    series = {m["model"]: [m["metrics"].get(k) for k in metrics] for m in models}
    return bar_chart(list(metrics), series, title=title, max_value=1.0, value_format="{:.3f}")


def _usage_charts(models: list[dict[str, Any]]) -> str:
    out = []
    for key, label, fmt in (("wall_s", "Time (s)", "{:.1f}"), ("cost", "Cost (est.)", "{:.4f}"),
                            ("requests", "Requests", "{:.0f}")):  # fmt: skip
        values = {m["model"]: [float(m["usage"][key])] for m in models}
        out.append(bar_chart([label], values, title=label, value_format=fmt))
    return "".join(out)


def _per_tag(models: list[dict[str, Any]]) -> str:
    tags = sorted({t for m in models for t in m["per_tag"]})
    if not tags:
        return ""
    charts = []
    for metric in TAG_METRICS:
        series = {m["model"]: [m["per_tag"].get(t, {}).get(metric) for t in tags] for m in models}
        charts.append(
            bar_chart(tags, series, title=f"{metric} per tag", max_value=1.0, value_format="{:.2f}")
        )
    rows = []
    for tag in tags:
        for m in models:
            values = m["per_tag"].get(tag, {})
            rows.append([tag, m["model"], values.get("cases", 0),
                         *(_num(values.get(k)) for k in SUMMARY_METRICS)])  # fmt: skip
    headers = ["tag", "model", "cases", *SUMMARY_METRICS]
    return (
        '<section><h2>Per tag</h2><div class="grid">' + "".join(charts) + "</div>"
        + '<div class="wide">' + table(headers, rows, numeric=range(2, 3 + len(SUMMARY_METRICS)))
        + "</div></section>"
    )  # fmt: skip


def _num(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _articles(models: list[dict[str, Any]]) -> str:
    ids = [c["id"] for c in models[0]["cases"]] if models else []
    by_model = [{c["id"]: c for c in m["cases"]} for m in models]
    parts = ["<section><h2>Articles</h2>",
             '<p class="muted">Each article: per model and kind, the gold and predicted items, '
             "matched (green), missed (red), spurious (orange), matched to an optional gold item "
             "(grey), and the fields that differ.</p>"]  # fmt: skip
    for case_id in ids:
        cases = [(m["model"], lookup[case_id]) for m, lookup in zip(models, by_model, strict=True)]
        badges = "".join(
            f'<span class="badge {esc(c["outcome"])}">{esc(name)}: '
            f"{esc(c['outcome'].replace('_', ' '))}</span>"
            for name, c in cases
        )
        tags = ", ".join(cases[0][1].get("tags", []))
        inner = "".join(_case_model(name, case) for name, case in cases)
        parts.append(
            f'<details class="case" id="case-{esc(case_id)}"><summary><strong>{esc(case_id)}'
            f'</strong>{badges} <span class="muted">{esc(tags)}</span></summary>{inner}</details>'
        )
    parts.append("</section>")
    return "\n".join(parts)


def _case_model(name: str, case: dict[str, Any]) -> str:
    head = f"<h3>{esc(name)}</h3>"
    if case["outcome"] == "not_scorable":
        error = case["error"]
        why = f"not scorable: {error['kind']}: {error['message']}"
        return f'{head}<p class="gates-bad">{esc(why)}</p>'
    totals = case["totals"]
    out = [head, f'<p class="muted">killed in the article: gold {totals["killed_gold"]}, '
                 f"predicted {totals['killed_predicted']}</p>"]  # fmt: skip
    for kind in KINDS:
        out.append(f"<h3>{esc(kind)}</h3>" + _kind_table(kind, case["kinds"][kind]))
    return "".join(out)


def _kind_table(kind: str, data: dict[str, Any]) -> str:
    gold_items = data["items"]["gold"]
    pred_items = data["items"]["predicted"]
    rows: list[list[object]] = []
    classes: list[dict[str, object]] = []
    for pair in data["matches"]:
        gid, pid = str(pair["gold"]), str(pair["predicted"])
        prefix = f"{kind}[{gid}]."  # each line names the item; the row already does
        differing = [d.removeprefix(prefix) for d in pair.get("differences", [])]
        shown = Html("<br>".join(esc(d) for d in differing)) if differing else "—"
        rows.append(["matched", *_pair_cells(gid, pid, gold_items, pred_items, pair), shown])
        classes.append({"class": "matched"})
    for pair in data["optional_matches"]:
        gid, pid = str(pair["gold"]), str(pair["predicted"])
        rows.append(
            ["optional", *_pair_cells(gid, pid, gold_items, pred_items, pair), "not scored"]
        )
        classes.append({"class": "optional"})
    for gid in data["missed"]:
        rows.append(["missed", f"{gid}: {gold_items.get(str(gid), '')}", "", "", ""])
        classes.append({"class": "missed"})
    for pid in data["spurious"]:
        rows.append(["spurious", "", f"{pid}: {pred_items.get(str(pid), '')}", "", ""])
        classes.append({"class": "spurious"})
    headers = ["", "gold", "predicted", "similarity", "differing fields"]
    return table(headers, rows, row_attrs=classes, numeric=(3,), empty="no items either side")


def _pair_cells(
    gid: str, pid: str, gold: dict[str, str], pred: dict[str, str], pair: dict[str, Any]
) -> list[object]:
    return [
        f"{gid}: {gold.get(gid, '')}",
        f"{pid}: {pred.get(pid, '')}",
        f"{pair['similarity']:.2f}",
    ]
