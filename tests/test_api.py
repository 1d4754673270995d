"""The Python API (`from agent import extract_text, ...`): the same results as the CLI, no
printing or exiting, safe from threads and processes, cheap to import; the Dask example."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import multiprocessing
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

import agent
from agent import (
    AgentError,
    ExtractionResult,
    aextract_text,
    extract_text,
    load_settings,
    make_extractor,
)
from agent.errors import ConfigError, InputError
from tests.helpers import EXAMPLE, GOOD, ROOT, write_config
from tests.scripted_server import ScriptedServer, answer

TEXT = EXAMPLE.read_text(encoding="utf-8")
FRAMES = ROOT / "examples" / "scale" / "frames.py"


def cli_result(path: Path, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "agent", "extract", str(path), "-q", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data: dict[str, object] = json.loads(done.stdout)
    return data


def test_extract_text_gives_what_the_cli_gives(tmp_path: Path) -> None:
    source = tmp_path / "ex.txt"
    source.write_text(TEXT, encoding="utf-8")
    result = extract_text(TEXT, published="2024-06-11", title=None, article_id="ex")
    assert isinstance(result, ExtractionResult)
    expected = cli_result(source, "-m", "rules", "--published", "2024-06-11")
    got = result.model_dump(mode="json")
    assert got["casualties"] == expected["casualties"]
    assert got["events"] == expected["events"] and got["causes"] == expected["causes"]
    assert result.casualties, "the example reports casualty figures"


def test_published_may_be_a_date_and_the_title_is_kept() -> None:
    result = extract_text(TEXT, published=date(2024, 6, 11), title="Ambush")
    assert result.article.published == "2024-06-11" and result.article.title == "Ambush"
    assert result.article.id == "text"
    as_text = extract_text(TEXT, published="2024-06-11", title="Ambush")
    assert result == as_text


def test_errors_are_raised_never_printed_or_exited(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError, match="whitespace only"):
        extract_text("   \n")
    with pytest.raises(InputError, match="is not a YYYY-MM-DD date"):
        extract_text(TEXT, published="last Sunday")
    with pytest.raises(ConfigError, match="unknown model 'nope'"):
        extract_text(TEXT, model="nope")
    with pytest.raises(AgentError):
        extract_text(TEXT, published=3.5)  # type: ignore[arg-type]
    assert capsys.readouterr() == ("", "")


def test_an_llm_profile_through_the_api(server: ScriptedServer, tmp_path: Path) -> None:
    config = write_config(tmp_path / "sitrep.toml", server, api_key_env="")
    server.responder = lambda request: answer(GOOD)
    result = extract_text(TEXT, model="fake", config=config, published="2024-06-11")
    assert [c.count_text for c in result.casualties] == ["at least 27", "nine", "dozens"]
    assert result.model == "fake/test-model" and result.usage.requests == 1

    async def reuse() -> list[int]:
        extractor = make_extractor("fake", load_settings(config))
        try:
            done = await asyncio.gather(
                *(aextract_text(TEXT, model=extractor, article_id=f"a{n}") for n in range(3))
            )
        finally:
            await extractor.aclose()
        return [len(r.casualties) for r in done]

    assert asyncio.run(reuse()) == [3, 3, 3]
    assert len(server.requests) == 4


def _figures(text: str) -> str:
    return extract_text(text, published="2024-06-11").model_dump_json()


def test_many_threads_and_processes_get_the_same_results() -> None:
    texts = [TEXT.replace("27", str(n)) for n in range(20, 28)]
    alone = [_figures(t) for t in texts]
    with ThreadPoolExecutor(8) as threads:
        assert list(threads.map(_figures, texts)) == alone
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=spawn) as processes:
        assert list(processes.map(_figures, texts)) == alone


def test_importing_agent_and_using_rules_never_imports_openai() -> None:
    probe = (
        "import sys, agent\n"
        "assert 'agent.schema' not in sys.modules, 'import agent loaded the API'\n"
        "r = agent.extract_text(open(sys.argv[1]).read())\n"
        "assert r.casualties\n"
        "assert 'openai' not in sys.modules and 'instructor' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(EXAMPLE)], cwd=ROOT, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-800:]
    assert set(agent.__all__) >= {"extract_text", "aextract_text", "load_settings",
                                  "make_extractor", "ExtractionResult"}  # fmt: skip
    with pytest.raises(AttributeError):
        agent.nothing_here  # noqa: B018


def _frames() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sitrep_frames_example", FRAMES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_shows_the_dataframe_example_as_it_is_tested() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code = FRAMES.read_text(encoding="utf-8")
    start = code.index("def extract_partition")
    assert code[start : code.index("\n\n\nif __name__")] in readme


def test_the_dask_example_on_a_local_cluster_of_processes(tmp_path: Path) -> None:
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("dask.distributed")
    import pandas as pd

    rows: list[dict[str, str | None]] = [
        {"id": f"a{n}", "text": TEXT.replace("27", str(30 + n)), "published": "2024-06-11"}
        for n in range(6)
    ]
    rows[2]["published"] = None
    frames = _frames()
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster):
        done = frames.with_dask(pd.DataFrame(rows), partitions=3)
    assert list(done["id"]) == [r["id"] for r in rows]
    for row, (figures, raw) in zip(rows, zip(done["figures"], done["result"], strict=True),
                                   strict=True):  # fmt: skip
        result = ExtractionResult.model_validate_json(raw)
        expected = extract_text(
            str(row["text"]), published=row["published"], article_id=str(row["id"])
        )
        assert result == expected and figures == len(expected.casualties) > 0
