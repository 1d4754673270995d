"""Eval report writers: a terminal table, JSON, a Markdown summary, JUnit XML.

All of them read the report dict built by `agent.eval.evaluate.build_report`; none computes a
metric of its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from agent.eval.scoring import FIELD_ORDER, KINDS
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


def _num(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def metric_rows(report: dict[str, Any]) -> list[list[str]]:
    """[metric, value per model...] rows, then usage and case outcomes."""
    models = report["models"]
    rows: list[list[str]] = []
    for group, names in ROWS:
        for name in names:
            key = f"{group}.{name}"
            rows.append([key, *(_num(m["metrics"].get(key)) for m in models)])
    for outcome in ("correct", "wrong", "not_scorable"):
        key = f"articles.{outcome}"
        rows.append([key, *(str(m["counts"].get(key, 0)) for m in models)])
    rows.append(["requests", *(str(m["usage"]["requests"]) for m in models)])
    rows.append(
        [
            "tokens (prompt/completion)",
            *(f"{m['usage']['prompt_tokens']}/{m['usage']['completion_tokens']}" for m in models),
        ]
    )
    rows.append(["cost (estimated)", *(f"{m['usage']['cost']:.4f}" for m in models)])
    rows.append(["time (s)", *(f"{m['usage']['wall_s']:.1f}" for m in models)])
    return rows


def terminal_table(report: dict[str, Any]) -> str:
    """A plain-text table: one row per metric, one column per model."""
    header = ["metric", *(m["model"] for m in report["models"])]
    rows = [header, *metric_rows(report)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:], widths[1:],
                                                                         strict=True))]  # fmt: skip
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    suite = report["suite"]
    lines.append("")
    lines.append(
        f"suite {suite['path']} split {suite['split']}: {suite['cases']} case(s), "
        f"digest {suite['digest'][:12]}"
    )
    return "\n".join(lines) + "\n"


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_markdown(report: dict[str, Any], *, worst: int = 5) -> str:
    """A summary fit for a pull-request comment."""
    models = report["models"]
    suite = report["suite"]
    out = [
        "## sitrep eval",
        "",
        f"Suite `{suite['path']}` (split `{suite['split']}`, {suite['cases']} cases, digest "
        f"`{suite['digest'][:12]}`), schema {report['schema_version']}, sitrep "
        f"{report['sitrep_version']}, {report['created']}.",
        "",
    ]
    gates = report.get("gates") or {}
    if gates:
        failures = gates.get("failures", [])
        out.append(
            "**Gates: passed.**"
            if not failures
            else f"**Gates: {len(failures)} failed.**\n\n" + "\n".join(f"- {f}" for f in failures)
        )
        out.append("")
    header = ["metric", *(_md_cell(m["model"]) for m in models)]
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "---|" * len(header))
    for row in metric_rows(report):
        out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
    out.append("")
    for model in models:
        prompt = model.get("prompt")
        described = (
            f"prompt {prompt['name']} v{prompt['version']} (`{prompt['sha256'][:12]}`)"
            if prompt
            else "no prompt"
        )
        out.append(f"### {_md_cell(model['model'])}: {described}")
        out.append("")
        out.append("| tag | cases | " + " | ".join(SUMMARY_METRICS[:4]) + " |")
        out.append("|---|---|" + "---|" * 4)
        for tag, values in model["per_tag"].items():
            cells = [_num(values.get(k)) for k in SUMMARY_METRICS[:4]]
            out.append(f"| {tag} | {values['cases']} | " + " | ".join(cells) + " |")
        out.append("")
        ranked = sorted(
            (c for c in model["cases"] if c["outcome"] != "correct"),
            key=lambda c: -sum(len(k["differences"]) for k in c.get("kinds", {}).values()),
        )
        if ranked:
            out.append(f"Articles with the most differences (of {len(ranked)} not perfect):")
            out.append("")
            for case in ranked[:worst]:
                out.append(f"- `{case['id']}`: {_case_line(case)}")
            out.append("")
    out.append(f"Command: `{report['command']}`")
    return "\n".join(out) + "\n"


def _case_line(case: dict[str, Any]) -> str:
    if case["outcome"] == "not_scorable":
        error = case["error"]
        return f"not scorable ({error['kind']}: {error['message']})"
    diffs = [d for k in KINDS for d in case["kinds"][k]["differences"]]
    shown = "; ".join(_md_cell(d) for d in diffs[:3])
    more = f" (+{len(diffs) - 3} more)" if len(diffs) > 3 else ""
    return shown + more


def junit_xml(report: dict[str, Any]) -> str:
    """JUnit XML: one test case per article and item kind, per model."""
    suites = ET.Element("testsuites", name="sitrep eval")
    for model in report["models"]:
        cases = model["cases"]
        suite = ET.SubElement(suites, "testsuite", name=f"sitrep eval {model['model']}")
        failures = errors = 0
        for case in cases:
            for kind in KINDS:
                test = ET.SubElement(
                    suite, "testcase", classname=f"{model['model']}.{case['id']}", name=kind
                )
                if case["outcome"] == "not_scorable":
                    errors += 1
                    error = case["error"]
                    ET.SubElement(
                        test, "error", type=str(error["kind"]), message=str(error["message"])
                    )
                    continue
                diffs = case["kinds"][kind]["differences"]
                if diffs:
                    failures += 1
                    node = ET.SubElement(
                        test, "failure", type="mismatch", message=f"{len(diffs)} difference(s)"
                    )
                    node.text = "\n".join(diffs)
        suite.set("tests", str(len(cases) * len(KINDS)))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def write_reports(report: dict[str, Any], folder: Path) -> list[Path]:
    """report.json, summary.md and junit.xml in `folder` (created); the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (
        ("report.json", to_json(report)),
        ("summary.md", summary_markdown(report)),
        ("junit.xml", junit_xml(report)),
    ):
        path = folder / name
        atomic_write_text(path, text)
        written.append(path)
    return written
