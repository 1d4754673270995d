"""The gold suite: loading cases and checking them with the extraction's own grounding code.

A case is a folder `evals/cases/<id>/` with `article.txt`, `case.json`, `gold.json` and
`notes.md` (see evals/GUIDELINES.md). Gold items have the contract's shapes, quotes without
offsets (the checker finds them), and may be marked `"optional": true`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.grounding import ArticleIndex, interval_problem, number_problem

REQUIRED_TAGS = (
    "multi_party", "sub_figures", "vague", "number_words", "ranges", "conflicting_figures",
    "force_strength", "cumulative", "toll_revision", "relative_dates", "negated",
    "captured_abducted_missing", "civilians_vs_combatants", "hedged_cause", "denied_cause",
    "claimed_cause", "multi_event", "non_ascii", "no_casualties",
)  # fmt: skip
MIN_CASES_PER_TAG = 3
CASE_FILES = ("article.txt", "case.json", "gold.json", "notes.md")
KINDS = ("events", "casualties", "causes")


@dataclass
class EvalCase:
    id: str
    path: Path
    text: str
    meta: dict[str, Any]
    gold: dict[str, list[dict[str, Any]]]
    problems: list[str] = field(default_factory=list)

    @property
    def split(self) -> str:
        return str(self.meta.get("split", ""))

    @property
    def tags(self) -> list[str]:
        return [str(t) for t in self.meta.get("tags", [])]


def _gold_models() -> dict[str, Any]:
    from agent.schema import CasualtyFigure, Event, StatedCause

    return {"events": Event, "casualties": CasualtyFigure, "causes": StatedCause}


def load_case(folder: Path) -> EvalCase:
    """Read one case; what is wrong with it is collected in `problems`, never raised."""
    problems: list[str] = []
    missing = [name for name in CASE_FILES if not (folder / name).is_file()]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    text = meta = gold = None
    try:
        text = (folder / "article.txt").read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"article.txt: cannot read as UTF-8 ({exc})")
    for name in ("case.json", "gold.json"):
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            problems.append(f"{name}: not valid JSON ({exc})")
            continue
        if name == "case.json":
            meta = data
        else:
            gold = data
    case = EvalCase(folder.name, folder, text or "", meta or {}, {k: [] for k in KINDS}, problems)
    if isinstance(gold, dict):
        case.gold = {k: list(gold.get(k, [])) for k in KINDS}
        unknown = set(gold) - set(KINDS)
        if unknown:
            problems.append(f"gold.json: unknown keys {sorted(unknown)}")
    if text is not None and gold is not None:
        ground_gold(case)
    return case


def ground_gold(case: EvalCase) -> None:
    """Align every gold quote (filling offsets) and validate items with the contract."""
    index = ArticleIndex(case.text)
    models = _gold_models()
    for kind in KINDS:
        seen: set[str] = set()
        for item in case.gold[kind]:
            where = f"gold.json {kind}[{item.get('id', '?')}]"
            if item.get("id") in seen:
                case.problems.append(f"{where}: duplicate id")
            seen.add(str(item.get("id")))
            quotes = item.get("evidence")
            quote_list = quotes if isinstance(quotes, list) else [quotes]
            aligned: list[dict[str, Any]] = []
            for quote in quote_list:
                qtext = quote.get("text") if isinstance(quote, dict) else None
                span = index.find(qtext) if isinstance(qtext, str) else None
                if span is None:
                    case.problems.append(f"{where}: quote does not occur in the article: {qtext!r}")
                    aligned.append({"text": str(qtext), "start": 0, "end": 0})
                else:
                    aligned.append({"text": span.text, "start": span.start, "end": span.end})
            item["evidence"] = aligned if isinstance(quotes, list) else aligned[0]
            body = {k: v for k, v in item.items() if k != "optional"}
            try:
                models[kind].model_validate(body)
            except ValidationError as exc:
                err = exc.errors()[0]
                loc = ".".join(str(p) for p in err["loc"])
                case.problems.append(f"{where}: {loc}: {err['msg']}")
            if kind == "casualties":
                problem = interval_problem(
                    item.get("low"), item.get("high"), item.get("qualifier", "")
                )
                if problem is None and aligned[0]["end"]:
                    problem = number_problem(
                        aligned[0]["text"],
                        count_text=str(item.get("count_text", "")),
                        low=item.get("low"),
                        high=item.get("high"),
                        qualifier=str(item.get("qualifier")),
                    )
                if problem:
                    case.problems.append(f"{where}: {problem}")
    event_ids = {e.get("id") for e in case.gold["events"]}
    figure_ids = {c.get("id") for c in case.gold["casualties"]}
    for kind in ("casualties", "causes"):
        for item in case.gold[kind]:
            ref = item.get("event_id")
            if ref is not None and ref not in event_ids:
                case.problems.append(
                    f"gold.json {kind}[{item.get('id')}]: event_id {ref!r} dangles"
                )
    for item in case.gold["casualties"]:
        ref = item.get("part_of")
        if ref is not None and (ref not in figure_ids or ref == item.get("id")):
            case.problems.append(f"gold.json casualties[{item.get('id')}]: part_of {ref!r} dangles")


def load_suite(
    folder: Path, split: str | None = None, tags: list[str] | None = None
) -> list[EvalCase]:
    """Every case under `folder` (sorted), optionally of one split and carrying all `tags`."""
    cases = [load_case(p) for p in sorted(folder.iterdir()) if p.is_dir()]
    if split and split != "all":
        cases = [c for c in cases if c.split == split]
    if tags:
        cases = [c for c in cases if all(t in c.tags for t in tags)]
    return cases


def check_suite(folder: Path) -> list[str]:
    """Every problem of the suite, one line each, prefixed with the case id."""
    if not folder.is_dir():
        return [f"{folder}: not a folder of cases"]
    cases = load_suite(folder)
    problems = [f"{c.id}: {p}" for c in cases for p in c.problems]
    for case in cases:
        meta = case.meta
        if meta.get("id") != case.id:
            problems.append(f"{case.id}: case.json id {meta.get('id')!r} is not the folder name")
        if case.split not in ("dev", "test"):
            problems.append(f"{case.id}: case.json split {case.split!r} is not dev or test")
        for tag in case.tags:
            if tag not in REQUIRED_TAGS:
                problems.append(f"{case.id}: unknown tag {tag!r}")
    counts = Counter(t for c in cases for t in c.tags)
    for tag in REQUIRED_TAGS:
        if counts[tag] < MIN_CASES_PER_TAG:
            problems.append(
                f"suite: tag {tag!r} is on {counts[tag]} case(s); at least {MIN_CASES_PER_TAG} "
                "are required"
            )
    return problems
