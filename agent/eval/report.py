"""The eval report (`report.json`) as typed models: what a run measured, written and read back.

`EvalReport` holds the suite it ran on, one `ModelEntry` per model (metrics, counts, per tag,
usage, and a `CaseEntry` per article with a `KindEntry` per item kind: every match, miss and
spurious item and the fields that differ) and the `Gates` it was held to. Every writer (JSON,
Markdown, JUnit, HTML) reads these attributes; `load_report` reads a report back through the
same models (a baseline), refusing a file of another report version.

Metric names are data (`casualties.f1`, ...), so metrics, counts and error sizes are mappings
from a metric name to its value; everything else is a field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)

from agent.errors import UsageError
from agent.schema import PromptInfo

REPORT_VERSION = 1  # bump when a field changes meaning or shape
Outcome = Literal["correct", "wrong", "not_scorable"]
MetricValues = dict[str, float | None]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SuiteInfo(_Model):
    path: str
    digest: str
    split: str
    tags: list[str]
    cases: int


class MatchEntry(_Model):
    """A predicted item matched to a required gold item, and the fields where they differ."""

    gold: str | None
    predicted: str | None
    similarity: float
    differences: list[str]


class OptionalMatch(_Model):
    """A predicted item matched to an optional gold item: neither rewarded nor punished."""

    gold: str | None
    predicted: str | None
    similarity: float


class KindItems(_Model):
    """One line describing each item (by id), gold and predicted."""

    gold: dict[str, str]
    predicted: dict[str, str]


class KindEntry(_Model):
    """One item kind of one article: counts, matches, misses, spurious items, differences."""

    tp: int
    fp: int
    fn: int
    f1: float
    matches: list[MatchEntry]
    optional_matches: list[OptionalMatch]
    missed: list[str | None]
    spurious: list[str | None]
    differences: list[str]
    items: KindItems


class CaseError(_Model):
    kind: str | None
    message: str | None


class CaseTotals(_Model):
    killed_gold: int
    killed_predicted: int


class CaseGrounding(_Model):
    grounded: int
    predicted: int


class CaseEntry(_Model):
    """One article under one model: scored (`kinds`, `totals`, `grounding`) or not (`error`)."""

    id: str
    outcome: Outcome
    tags: list[str]
    error: CaseError | None = None
    kinds: dict[str, KindEntry] | None = None
    totals: CaseTotals | None = None
    grounding: CaseGrounding | None = None

    @model_serializer(mode="wrap")
    def _only_what_applies(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        optional = ("error", "kinds", "totals", "grounding")
        return {k: v for k, v in data.items() if k not in optional or v is not None}

    def differences(self) -> list[str]:
        """Every difference of the article, kind by kind."""
        return [d for kind in (self.kinds or {}).values() for d in kind.differences]


class TagEntry(_Model):
    """The main metrics over the cases carrying one tag (written flat: `cases` beside them)."""

    cases: int
    metrics: MetricValues

    @model_serializer(mode="wrap")
    def _flat(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {"cases": data["cases"], **data["metrics"]}

    @model_validator(mode="before")
    @classmethod
    def _nest(cls, data: Any) -> Any:
        if isinstance(data, dict) and "metrics" not in data:
            return {"cases": data.get("cases"), "metrics": {k: v for k, v in data.items()
                                                           if k != "cases"}}  # fmt: skip
        return data


class ModelUsage(_Model):
    requests: int
    prompt_tokens: int
    completion_tokens: int
    cost: float
    wall_s: float


class ModelEntry(_Model):
    """Everything measured for one model: metrics, per tag, counts, cost, every case."""

    model: str
    source: str
    prompt: PromptInfo | None
    metrics: MetricValues
    counts: dict[str, int]
    errors: MetricValues
    per_tag: dict[str, TagEntry]
    usage: ModelUsage
    cases: list[CaseEntry]


class Gates(_Model):
    """The gates a run was held to and what failed (one line per failed gate and model)."""

    thresholds: dict[str, float]
    baseline: str | None
    max_drop: float | None
    failures: list[str]
    passed: bool


class EvalReport(_Model):
    report_version: int = REPORT_VERSION
    sitrep_version: str
    schema_version: str
    created: str
    command: str
    suite: SuiteInfo
    models: list[ModelEntry]
    gates: Gates | None = None  # None (written `{}`): the run was held to no gates

    @field_serializer("gates")
    def _gates(self, gates: Gates | None) -> dict[str, Any]:
        return gates.model_dump(mode="json") if gates is not None else {}

    @field_validator("gates", mode="before")
    @classmethod
    def _no_gates(cls, value: Any) -> Any:
        return None if value == {} else value


def report_json(report: EvalReport) -> str:
    """The report as written to `report.json` (indented, UTF-8 kept as is)."""
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def load_report(path: Path, *, role: str = "baseline") -> EvalReport:
    """Read a `report.json` back; a one-line `UsageError` when it is not one of this version.

    A report written before `report_version` existed has the version-1 layout and is read.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the {role} ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: the {role} is not a JSON report ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise UsageError(f"{path}: the {role} is not a sitrep eval report (no 'models')")
    version = data.get("report_version", 1)
    if version != REPORT_VERSION:
        raise UsageError(
            f"{path}: the {role} is an eval report of version {version!r}; this sitrep reads "
            f"version {REPORT_VERSION} (make the {role} again with this sitrep)"
        )
    try:
        return EvalReport.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise UsageError(
            f"{path}: the {role} is not a sitrep eval report ({where}: {err['msg']})"
        ) from None
