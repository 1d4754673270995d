"""Running the incident eval and writing its reports (terminal, JSON, Markdown, JUnit XML).

`run_incident_eval` is what `sitrep eval --incidents` calls: the gold extractions (a perfect
extractor) or the given predictions are linked with the gold set's `[linking]` settings,
scored (`agent.eval.incidents`) and gated: the gold extractions on `[gates]`, predictions
on `[prediction_gates]`, each plus any `--fail-under`.
Predictions are either extraction results (`sitrep extract` output: they are linked here)
or incidents (`sitrep incidents` output: scored as they are).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from xml.etree import ElementTree as ET

from agent.errors import UsageError
from agent.eval.incident_gold import IncidentSuite, gold_results, load_incident_suite
from agent.eval.incidents import IncidentCase, IncidentReport, check_gates, score_incidents
from agent.incidents.models import Incident
from agent.incidents.pipeline import link_incidents
from agent.incidents.writers import looks_like_incidents, read_incidents
from agent.output import atomic_write_text
from agent.schema import ExtractionResult

MAIN = (
    "linking.pairwise_f1", "linking.pairwise_precision", "linking.pairwise_recall",
    "linking.bcubed_f1", "linking.bcubed_precision", "linking.bcubed_recall",
    "mentions.recall", "mentions.precision", "background.accuracy",
    "counts.exact", "counts.within_tol", "counts.killed_exact", "counts.killed_within_tol",
    "counts.n", "incidents.gold", "incidents.predicted", "incidents.correct_rate",
)  # fmt: skip


def run_incident_eval(
    folder: Path,
    predictions: list[Path] | None = None,
    *,
    thresholds: dict[str, float] | None = None,
    use_suite_gates: bool = True,
    command: str = "",
) -> list[IncidentReport]:
    """One report per source: the gold extractions when no predictions are given."""
    suite = load_incident_suite(folder)
    if suite.problems:
        raise UsageError(
            f"{len(suite.problems)} problem(s) in the incident gold set: {suite.problems[0]}"
        )
    gates = dict(suite.gates) if use_suite_gates else {}
    gates.update(thresholds or {})
    prediction_gates = dict(suite.prediction_gates) if use_suite_gates else {}
    prediction_gates.update(thresholds or {})
    reports = []
    if not predictions:
        incidents = _link(suite, gold_results(suite))
        reports.append(_scored(suite, incidents, "gold extractions", "gold", command, gates))
    for path in predictions or []:
        if looks_like_incidents(path):
            incidents = read_incidents(path)
            label = _model_of(incidents)
        else:
            incidents, label = _link_file(suite, path)
        reports.append(_scored(suite, incidents, str(path), label, command, prediction_gates))
    return reports


def _scored(
    suite: IncidentSuite,
    incidents: list[Incident],
    source: str,
    label: str,
    command: str,
    gates: dict[str, float],
) -> IncidentReport:
    report = score_incidents(suite, incidents, label=label, source=source, command=command)
    failures = check_gates(report, gates)
    report.gates = {"thresholds": gates, "failures": failures, "passed": not failures}
    return report


def _model_of(incidents: list[Incident]) -> str:
    models = sorted({m.model for i in incidents for m in i.members})
    return ", ".join(models) or "incidents"


def _link(suite: IncidentSuite, results: list[ExtractionResult]) -> list[Incident]:
    with tempfile.TemporaryDirectory(prefix="sitrep-incident-eval-") as tmp:
        source = Path(tmp) / "results.jsonl"
        source.write_text("".join(r.model_dump_json() + "\n" for r in results), encoding="utf-8")
        return _link_paths(suite, [source], Path(tmp))


def _link_file(suite: IncidentSuite, path: Path) -> tuple[list[Incident], str]:
    with tempfile.TemporaryDirectory(prefix="sitrep-incident-eval-") as tmp:
        incidents = _link_paths(suite, [path], Path(tmp))
    return incidents, _model_of(incidents)


def _link_paths(suite: IncidentSuite, paths: list[Path], tmp: Path) -> list[Incident]:
    out = tmp / "incidents.jsonl"
    run = link_incidents(paths, out, suite.settings, workdir=tmp)
    if run.problems:
        raise UsageError(f"{len(run.problems)} unreadable result(s): {run.problems[0]}")
    return read_incidents(out)


# --- writers --------------------------------------------------------------------------------


def _num(value: float | None) -> str:
    if value is None:
        return "n/a"
    return str(int(value)) if float(value).is_integer() and value > 1 else f"{value:.3f}"


def terminal_table(reports: list[IncidentReport]) -> str:
    header = ["metric", *(r.label for r in reports)]
    rows = [header] + [[m, *(_num(r.metrics.get(m)) for r in reports)] for m in MAIN]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    suite = reports[0].suite if reports else {}
    lines.append("")
    lines.append(
        f"incident suite {suite.get('path')}: {suite.get('articles')} article(s), "
        f"{suite.get('incidents')} incident(s) ({suite.get('clusters')} clusters), "
        f"digest {str(suite.get('digest'))[:12]}"
    )
    return "\n".join(lines) + "\n"


def summary_markdown(reports: list[IncidentReport]) -> str:
    lines = ["# Incident eval", ""]
    lines.append("| metric | " + " | ".join(r.label for r in reports) + " |")
    lines.append("|---|" + "---|" * len(reports))
    for m in MAIN:
        lines.append(f"| `{m}` | " + " | ".join(_num(r.metrics.get(m)) for r in reports) + " |")
    for r in reports:
        lines += ["", f"## {r.label} ({r.source})", ""]
        failures = r.gates.get("failures", [])
        gates = r.gates.get("thresholds", {})
        lines.append(
            f"Gates: {len(gates)} checked, " + ("all passed." if not failures else "FAILED:")
        )
        lines += [f"- {f}" for f in failures]
        wrong = [c for c in r.cases if c.outcome == "wrong"]
        lines += ["", f"Incidents not reproduced exactly: {len(wrong)} of {len(r.cases)}", ""]
        for c in wrong:
            lines.append(f"- `{c.id}`: {_differences(c)}")
        lines += ["", f"Command: `{r.command}`  ", f"Suite digest: `{r.suite.get('digest')}`"]
    return "\n".join(lines) + "\n"


def _differences(case: IncidentCase) -> str:
    parts = []
    if case.missed:
        parts.append("missed " + ", ".join(case.missed))
    if case.split_off:
        parts.append("split off " + ", ".join(case.split_off))
    if case.extra:
        parts.append("wrongly joined " + ", ".join(case.extra))
    for outcome, (expected, predicted) in case.counts.items():
        if expected != predicted:
            parts.append(f"{outcome} expected {expected}, got {predicted}")
    return "; ".join(parts) or "differs"


def junit_xml(reports: list[IncidentReport]) -> str:
    root = ET.Element("testsuites", name="sitrep incidents")
    for r in reports:
        failures = [c for c in r.cases if c.outcome == "wrong"]
        suite = ET.SubElement(
            root, "testsuite", name=f"incidents[{r.label}]", tests=str(len(r.cases)),
            failures=str(len(failures) + len(r.gates.get("failures", []))),
        )  # fmt: skip
        for c in r.cases:
            case = ET.SubElement(suite, "testcase", classname=c.kind, name=c.id)
            if c.outcome == "wrong":
                ET.SubElement(case, "failure", message=_differences(c))
        for line in r.gates.get("failures", []):
            case = ET.SubElement(suite, "testcase", classname="gates", name=line.split(":")[0])
            ET.SubElement(case, "failure", message=line)
    return ET.tostring(root, encoding="unicode") + "\n"


def write_incident_reports(reports: list[IncidentReport], folder: Path) -> list[Path]:
    """report.json (a list of reports), summary.md and junit.xml in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    body = "[\n" + ",\n".join(r.model_dump_json(indent=2) for r in reports) + "\n]\n"
    for name, text in (
        ("report.json", body),
        ("summary.md", summary_markdown(reports)),
        ("junit.xml", junit_xml(reports)),
    ):
        atomic_write_text(folder / name, text)
        written.append(folder / name)
    return written
