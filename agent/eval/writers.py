"""Eval report writers: a terminal table, JSON, a Markdown summary, JUnit XML.

All of them read the `EvalReport` built by `agent.eval.evaluate`; none computes a metric of its
own.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from agent.eval.metrics import FIELD_ORDER
from agent.eval.report import CaseEntry, CaseError, EvalReport, ModelEntry, report_json
from agent.items import KINDS
from agent.output import atomic_write_text

ROWS = (
    ("events", ("f1", "precision", "recall", "f1_article_mean", *FIELD_ORDER["events"])),
    ("casualties", ("f1", "precision", "recall", "f1_article_mean", *FIELD_ORDER["casualties"])),
    ("causes", ("f1", "precision", "recall", "f1_article_mean", *FIELD_ORDER["causes"])),
    ("totals", ("killed_exact", "killed_within_tol")),
    ("grounding", ("rate",)),
    ("articles", ("scorable_rate",)),
)
SUMMARY_METRICS = ("events.f1", "casualties.f1", "causes.f1", "casualties.interval_exact",
                   "casualties.reported_by", "causes.certainty", "totals.killed_exact",
                   "grounding.rate")  # fmt: skip


def _num(value: float | None) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def metric_rows(report: EvalReport) -> list[list[str]]:
    """[metric, value per model...] rows, then usage and case outcomes."""
    models = report.models
    rows: list[list[str]] = []
    for group, names in ROWS:
        for name in names:
            key = f"{group}.{name}"
            rows.append([key, *(_num(m.metrics.get(key)) for m in models)])
    for outcome in ("correct", "wrong", "not_scorable"):
        key = f"articles.{outcome}"
        rows.append([key, *(str(m.counts.get(key, 0)) for m in models)])
    rows.append(["requests", *(str(m.usage.requests) for m in models)])
    rows.append(
        [
            "tokens (prompt/completion)",
            *(f"{m.usage.prompt_tokens}/{m.usage.completion_tokens}" for m in models),
        ]
    )
    rows.append(["cost (estimated)", *(f"{m.usage.cost:.4f}" for m in models)])
    rows.append(["time (s)", *(f"{m.usage.wall_s:.1f}" for m in models)])
    return rows


def terminal_table(report: EvalReport) -> str:
    """A plain-text table: one row per metric, one column per model."""
    header = ["metric", *(m.model for m in report.models)]
    rows = [header, *metric_rows(report)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:], widths[1:],
                                                                         strict=True))]  # fmt: skip
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    suite = report.suite
    lines.append("")
    lines.append(
        f"suite {suite.path} split {suite.split}: {suite.cases} case(s), digest {suite.digest[:12]}"
    )
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_markdown(report: EvalReport, *, worst: int = 5) -> str:
    """A summary fit for a pull-request comment."""
    suite = report.suite
    out = [
        "## sitrep eval",
        "",
        f"Suite `{suite.path}` (split `{suite.split}`, {suite.cases} cases, digest "
        f"`{suite.digest[:12]}`), schema {report.schema_version}, sitrep "
        f"{report.sitrep_version}, {report.created}.",
        "",
    ]
    if report.gates is not None:
        failures = report.gates.failures
        out.append(
            "**Gates: passed.**"
            if not failures
            else f"**Gates: {len(failures)} failed.**\n\n" + "\n".join(f"- {f}" for f in failures)
        )
        out.append("")
    header = ["metric", *(_md_cell(m.model) for m in report.models)]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---|" * len(header))
    for row in metric_rows(report):
        out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
    out.append("")
    for model in report.models:
        out += _model_section(model, worst=worst)
    out.append(f"Command: `{report.command}`")
    return "\n".join(out) + "\n"


def _model_section(model: ModelEntry, *, worst: int) -> list[str]:
    """A model's figures per tag and the articles with the most differences."""
    prompt = model.prompt
    described = (
        f"prompt {prompt.name} v{prompt.version} (`{prompt.sha256[:12]}`)"
        if prompt
        else "no prompt"
    )
    out = [f"### {_md_cell(model.model)}: {described}", ""]
    out.append("| tag | cases | " + " | ".join(SUMMARY_METRICS[:4]) + " |")
    out.append("|---|---|" + "---|" * 4)
    for tag, values in model.per_tag.items():
        cells = [_num(values.metrics.get(k)) for k in SUMMARY_METRICS[:4]]
        out.append(f"| {tag} | {values.cases} | " + " | ".join(cells) + " |")
    out.append("")
    ranked = sorted(
        (c for c in model.cases if c.outcome != "correct"),
        key=lambda c: -len(c.differences()),
    )
    if ranked:
        out.append(f"Articles with the most differences (of {len(ranked)} not perfect):")
        out.append("")
        for case in ranked[:worst]:
            out.append(f"- `{case.id}`: {_case_line(case)}")
        out.append("")
    return out


def _case_line(case: CaseEntry) -> str:
    if case.error is not None:
        return f"not scorable ({case.error.kind}: {case.error.message})"
    diffs = case.differences()
    shown = "; ".join(_md_cell(d) for d in diffs[:3])
    more = f" (+{len(diffs) - 3} more)" if len(diffs) > 3 else ""
    return shown + more


def junit_xml(report: EvalReport) -> str:
    """JUnit XML: one test case per article and item kind, per model."""
    suites = ET.Element("testsuites", name="sitrep eval")
    for model in report.models:
        suite = ET.SubElement(suites, "testsuite", name=f"sitrep eval {model.model}")
        failures = errors = 0
        for case in model.cases:
            for kind in KINDS:
                test = ET.SubElement(
                    suite, "testcase", classname=f"{model.model}.{case.id}", name=kind
                )
                if case.error is not None or case.kinds is None:
                    errors += 1
                    error = case.error or CaseError(kind=None, message=None)
                    ET.SubElement(test, "error", type=str(error.kind), message=str(error.message))
                    continue
                diffs = case.kinds[kind].differences
                if diffs:
                    failures += 1
                    node = ET.SubElement(
                        test, "failure", type="mismatch", message=f"{len(diffs)} difference(s)"
                    )
                    node.text = "\n".join(diffs)
        suite.set("tests", str(len(model.cases) * len(KINDS)))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def write_reports(report: EvalReport, folder: Path) -> list[Path]:
    """report.json, summary.md and junit.xml in `folder` (created); the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (
        ("report.json", report_json(report)),
        ("summary.md", summary_markdown(report)),
        ("junit.xml", junit_xml(report)),
    ):
        path = folder / name
        atomic_write_text(path, text)
        written.append(path)
    return written
