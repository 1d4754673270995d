"""The gold suite: loading cases and checking them with the extraction's own grounding code.

A case is a folder `evals/cases/<id>/` with `article.txt`, `case.json`, `gold.json` and
`notes.md` (see evals/GUIDELINES.md). Gold items have the contract's shapes, quotes without
offsets (the checker finds them), and may be marked `"optional": true`. A suite folder holds
`cases/` and `suite.toml` (its gates, and the split they were measured on).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agent.articles import Article
from agent.errors import UsageError
from agent.grounding import ArticleIndex, Grounder
from agent.items import KINDS, first_error
from agent.schema import ExtractionDraft

REQUIRED_TAGS = (
    "multi_party", "sub_figures", "vague", "number_words", "ranges", "conflicting_figures",
    "force_strength", "cumulative", "toll_revision", "relative_dates", "negated",
    "captured_abducted_missing", "civilians_vs_combatants", "hedged_cause", "denied_cause",
    "claimed_cause", "multi_event", "non_ascii", "no_casualties",
)  # fmt: skip
MIN_CASES_PER_TAG = 3
CASE_FILES = ("article.txt", "case.json", "gold.json", "notes.md")
SPLITS = ("dev", "test", "all")
SUITE_CONFIG = "suite.toml"


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
    """Align every gold quote (filling offsets), validate each item with the contract, then run
    the extraction's own grounding on the gold as a draft: the same checks and messages a
    model's answer gets (quotes, numbers in their quotes, intervals, ids, references)."""
    index = ArticleIndex(case.text)
    models = _gold_models()
    valid = True
    for kind in KINDS:
        for item in case.gold[kind]:
            _align_quotes(item, index)
            body = {k: v for k, v in item.items() if k != "optional"}
            try:
                models[kind].model_validate(body)
            except ValidationError as exc:
                valid = False
                case.problems.append(f"{_where(kind, item)}: {first_error(exc)}")
    if valid:  # grounding needs items of the right shape
        draft = ExtractionDraft.model_validate(as_draft(case.gold))
        found = Grounder(index).problems(draft)
        for (kind, n), problems in sorted(found.items()):
            where = _where(kind, case.gold[kind][n])
            case.problems += [f"{where}: {problem}" for problem in problems]


def _where(kind: str, item: dict[str, Any]) -> str:
    return f"gold.json {kind}[{item.get('id', '?')}]"


def _align_quotes(item: dict[str, Any], index: ArticleIndex) -> None:
    """Fill the offsets of the item's quotes where they occur (grounding names the others)."""
    quotes = item.get("evidence")
    aligned: list[Any] = []
    for quote in quotes if isinstance(quotes, list) else [quotes]:
        qtext = quote.get("text") if isinstance(quote, dict) else None
        span = index.find(qtext) if isinstance(qtext, str) else None
        if span is None:
            aligned.append(quote if isinstance(quote, dict) else {"text": str(qtext)})
            aligned[-1].update(start=0, end=0)
        else:
            aligned.append({"text": span.text, "start": span.start, "end": span.end})
    item["evidence"] = aligned if isinstance(quotes, list) else aligned[0]


def as_draft(gold: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Gold items as a model would fill the draft: quotes as text, no dates, no flags."""
    draft: dict[str, list[dict[str, Any]]] = {}
    for kind in KINDS:
        draft[kind] = []
        for item in gold.get(kind, []):
            body = {k: v for k, v in item.items() if k not in ("optional", "date")}
            quotes = body["evidence"]
            texts = [q["text"] for q in quotes] if isinstance(quotes, list) else None
            body["evidence"] = texts if texts is not None else quotes["text"]
            draft[kind].append(body)
    return draft


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


@dataclass(frozen=True)
class GoldCheck:
    """What `sitrep gold check` found: the cases read and every problem, one line each."""

    cases: int
    problems: list[str]


def check_gold(folder: Path) -> GoldCheck:
    """Every problem of the suite, one line each, prefixed with the case id."""
    if not folder.is_dir():
        return GoldCheck(0, [f"{folder}: not a folder of cases"])
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
    return GoldCheck(len(cases), problems)


def check_suite(folder: Path) -> list[str]:
    """Every problem of the suite (see `check_gold`)."""
    return check_gold(folder).problems


# --- a suite folder: its cases and its settings -------------------------------------------


@dataclass(frozen=True)
class SuiteSettings:
    """`suite.toml`: the gates every model must reach, and the split they were measured on
    (None: they hold on any split)."""

    gates: dict[str, float] = field(default_factory=dict)
    split: str | None = None


@dataclass(frozen=True)
class Suite:
    path: Path  # the folder of cases
    cases: list[EvalCase]
    split: str  # the split selected: dev, test or all
    tags: tuple[str, ...]
    settings: SuiteSettings = field(default_factory=SuiteSettings)

    @property
    def digest(self) -> str:
        return suite_digest(self.cases)


def open_suite(where: Path, split: str | None = None, tags: Iterable[str] = ()) -> Suite:
    """The cases under `where` (an `evals/` folder holding `cases/`, or the cases folder).

    With no `split`, the split `suite.toml` names (the one its gates were measured on), else all.
    """
    cases_dir = where / "cases" if (where / "cases").is_dir() else where
    if not cases_dir.is_dir():
        raise UsageError(f"{where}: no such suite folder")
    settings = read_settings(where, cases_dir)
    split = split or settings.split or "all"
    if split not in SPLITS:
        raise UsageError(f"--split must be dev, test or all, not {split!r}")
    cases = load_suite(cases_dir, split, list(tags))
    if not cases:
        raise UsageError(f"{where}: no case matches split {split!r} and tags {list(tags)}")
    broken = [f"{c.id}: {c.problems[0]}" for c in cases if c.problems]
    if broken:
        raise UsageError(
            f"{len(broken)} gold case(s) do not validate (run `sitrep gold check`): {broken[0]}"
        )
    return Suite(cases_dir, cases, split, tuple(tags), settings)


def read_settings(*folders: Path) -> SuiteSettings:
    """The first `suite.toml` found in `folders` or their parents (none: no gates)."""
    candidates: list[Path] = []
    for folder in folders:
        candidates += [folder / SUITE_CONFIG, folder.parent / SUITE_CONFIG]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        return SuiteSettings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    gates = data.get("gates", {})
    if not isinstance(gates, dict) or not all(isinstance(v, int | float) for v in gates.values()):
        raise UsageError(f"{path}: [gates] must map metric names to numbers")
    table = data.get("suite", {})
    split = table.get("split") if isinstance(table, dict) else None
    if not isinstance(table, dict) or set(table) - {"split"} or split not in (None, *SPLITS):
        raise UsageError(f'{path}: [suite] holds only split = "dev", "test" or "all"')
    return SuiteSettings({str(k): float(v) for k, v in gates.items()}, split)


def suite_digest(cases: list[EvalCase]) -> str:
    """sha256 over every selected case's id, article, metadata and gold file."""
    digest = hashlib.sha256()
    for case in cases:
        digest.update(case.id.encode())
        for name in ("article.txt", "case.json", "gold.json"):
            path = case.path / name
            digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()


def case_article(case: EvalCase) -> Article:
    """The case's article as `sitrep extract` reads it."""
    meta = case.meta
    return Article(
        id=case.id,
        text=case.text,
        title=meta.get("title"),
        source=meta.get("source"),
        published=meta.get("published"),
        url=meta.get("url"),
        origin=str(case.path / "article.txt"),
    )
