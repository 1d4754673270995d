"""The incident gold set (`evals/incidents/`): loading and checking it.

A folder with `articles.jsonl` (the articles, as `sitrep extract` reads them),
`gold/<article id>.json` (each article's gold extraction, quotes without offsets, as in
`evals/cases`, grounded here with the extraction's own code), `incidents.json` (the gold
incidents: member events as `<article id>#<event id>`, each `primary` or `background`, and
the expected conservative count per outcome) and `suite.toml` (`[linking]` settings;
`[gates]` for the run on the gold extractions, which gates the linker itself;
`[prediction_gates]` for runs on a model's extractions). Every gold event must be in exactly
one incident; there must be at least 12 clusters of 2-6 articles.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.articles import Article, InputProblem, read_inputs
from agent.errors import UsageError
from agent.eval.suite import EvalCase, ground_gold
from agent.incidents.similarity import LinkSettings
from agent.items import KINDS
from agent.schema import ArticleInfo, ExtractionResult

MIN_CLUSTERS = 12
CLUSTER_SIZE = (2, 6)


class GoldMember(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: str  # "<article id>#<event id>"
    role: Literal["primary", "background"] = "primary"


class GoldIncident(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    kind: Literal["cluster", "distractor"]
    members: list[GoldMember]
    expected: dict[str, int] = Field(default_factory=dict)
    note: str = ""


@dataclass
class IncidentSuite:
    folder: Path
    cases: dict[str, EvalCase]  # article id -> article text, metadata and grounded gold
    incidents: list[GoldIncident]
    gates: dict[str, float]  # for the gold extractions (a perfect extractor)
    settings: LinkSettings
    problems: list[str] = field(default_factory=list)
    prediction_gates: dict[str, float] = field(default_factory=dict)  # for --predictions

    @property
    def digest(self) -> str:
        digest = hashlib.sha256()
        for name in ("articles.jsonl", "incidents.json", "suite.toml"):
            path = self.folder / name
            digest.update(path.read_bytes() if path.is_file() else b"")
        for article_id in sorted(self.cases):
            digest.update((self.folder / "gold" / f"{article_id}.json").read_bytes())
        return digest.hexdigest()


# --- the gold set --------------------------------------------------------------------------


def load_incident_suite(folder: Path) -> IncidentSuite:
    """Read the gold set; what is wrong with it is collected in `problems`."""
    if not (folder / "incidents.json").is_file():
        raise UsageError(f"{folder}: no incidents.json (not an incident gold set)")
    problems: list[str] = []
    cases: dict[str, EvalCase] = {}
    for item in read_inputs([str(folder / "articles.jsonl")]):
        if isinstance(item, InputProblem):
            problems.append(f"articles.jsonl: {item}")
            continue
        cases[item.id] = _case(folder, item, problems)
    try:
        raw = json.loads((folder / "incidents.json").read_text(encoding="utf-8"))
        incidents = [GoldIncident.model_validate(i) for i in raw["incidents"]]
    except (OSError, ValueError, KeyError, ValidationError) as exc:
        raise UsageError(f"{folder}/incidents.json: {exc}") from None
    gates, prediction_gates, settings = _config(folder)
    suite = IncidentSuite(folder, cases, incidents, gates, settings, problems, prediction_gates)
    problems.extend(_partition_problems(suite))
    return suite


def _case(folder: Path, article: Article, problems: list[str]) -> EvalCase:
    meta = {"title": article.title, "source": article.source, "published": article.published}
    case = EvalCase(article.id, folder, article.text, meta, {k: [] for k in KINDS})
    path = folder / "gold" / f"{article.id}.json"
    try:
        gold = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        problems.append(f"{article.id}: gold/{article.id}.json: {exc}")
        return case
    case.gold = {k: list(gold.get(k, [])) for k in KINDS}
    ground_gold(case)
    problems.extend(f"{article.id}: {p}" for p in case.problems)
    return case


def _config(folder: Path) -> tuple[dict[str, float], dict[str, float], LinkSettings]:
    path = folder / "suite.toml"
    if not path.is_file():
        return {}, {}, LinkSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    tables = {}
    for name in ("gates", "prediction_gates"):
        table = data.get(name, {})
        if not isinstance(table, dict) or not all(
            isinstance(v, int | float) for v in table.values()
        ):
            raise UsageError(f"{path}: [{name}] must map metric names to numbers")
        tables[name] = {str(k): float(v) for k, v in table.items()}
    try:
        settings = LinkSettings(**data.get("linking", {}))
    except TypeError as exc:
        raise UsageError(f"{path}: [linking]: {exc}") from None
    return tables["gates"], tables["prediction_gates"], settings


def _partition_problems(suite: IncidentSuite) -> list[str]:
    """Every gold event in exactly one incident; clusters of 2-6 articles; enough of them."""
    problems: list[str] = []
    events = {f"{aid}#{e['id']}" for aid, case in suite.cases.items() for e in case.gold["events"]}
    seen: Counter[str] = Counter(m.event for i in suite.incidents for m in i.members)
    for key in sorted(events - set(seen)):
        problems.append(f"incidents.json: gold event {key} is in no incident")
    for key in sorted(set(seen) - events):
        problems.append(f"incidents.json: member {key} is no gold event")
    for key, n in sorted(seen.items()):
        if n > 1:
            problems.append(f"incidents.json: {key} is in {n} incidents")
    clusters = [i for i in suite.incidents if i.kind == "cluster"]
    for i in clusters:
        articles = {m.event.split("#")[0] for m in i.members}
        if not CLUSTER_SIZE[0] <= len(articles) <= CLUSTER_SIZE[1]:
            problems.append(f"incidents.json: {i.id} has {len(articles)} articles (2-6)")
    if len(clusters) < MIN_CLUSTERS:
        problems.append(f"incidents.json: {len(clusters)} clusters, {MIN_CLUSTERS} required")
    return problems


def gold_results(suite: IncidentSuite) -> list[ExtractionResult]:
    """The gold extractions as results of a perfect extractor (the output contract)."""
    results = []
    for aid in sorted(suite.cases):
        case = suite.cases[aid]
        strip = {k: [_without_optional(i) for i in case.gold[k]] for k in KINDS}
        results.append(
            ExtractionResult.model_validate(
                {
                    "article": ArticleInfo(
                        id=aid,
                        title=case.meta.get("title"),
                        source=case.meta.get("source"),
                        published=case.meta.get("published"),
                        sha256=hashlib.sha256(case.text.encode("utf-8")).hexdigest(),
                    ).model_dump(),
                    "model": "gold",
                    **strip,
                }
            )
        )
    return results


def _without_optional(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != "optional"}
