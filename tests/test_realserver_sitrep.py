"""sitrep through a real llama.cpp server (llama-cpp-python 0.3.36, SmolLM2-135M), in real
processes: `sitrep models --check`, and one extraction per mode.

The model is weak: these tests check conformance, not quality. Every extraction either gives a
result whose quotes are all grounded and whose usage is recorded, or fails with a named kind in
the failure ledger and one line on stderr; nothing ungrounded reaches the output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.realserver import ARTICLE, REALSERVER_KEY, RealServer

pytestmark = pytest.mark.realserver
CANARY = "sk-canary-realserver-0123456789"


@dataclass
class Run:
    """One `sitrep` process: its exit code, output, and what it wrote."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    results: list[dict[str, Any]]
    ledger: list[dict[str, Any]]


def write_config(tmp_path: Path, server: RealServer, mode: str, **profile: Any) -> Path:
    settings = {"max_reasks": 1, "timeout_s": 300, **profile}
    lines = [
        "[models.real]",
        f'model = "{server.model}"',
        f'base_url = "{server.base_url}"',
        f'mode = "{mode}"',
        *(f"{key} = {json.dumps(value)}" for key, value in settings.items()),
    ]
    config = tmp_path / "sitrep.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def sitrep(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    """`python -m agent ARGS` in `tmp_path` (bounded at 10 minutes)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "agent", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), **(env or {})},
    )
    out = tmp_path / "out.jsonl"
    ledger = tmp_path / "out.jsonl.failures.jsonl"
    return Run(
        code=done.returncode,
        stdout=done.stdout,
        stderr=done.stderr,
        seconds=time.monotonic() - started,
        results=_lines(out),
        ledger=_lines(ledger),
    )


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def extract(tmp_path: Path, server: RealServer, mode: str, **profile: Any) -> Run:
    """`sitrep extract` of the tier's article through `server` in `mode`, into out.jsonl."""
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    config = write_config(tmp_path, server, mode, **profile)
    args = ["extract", "article.txt", "-m", "real", "--config", str(config), "--no-cache"]
    return sitrep(tmp_path, *args, "-o", "out.jsonl", "--format", "jsonl", "--quiet")


def quotes(result: dict[str, Any]) -> list[dict[str, Any]]:
    found = [q for event in result["events"] for q in event["evidence"]]
    return found + [item["evidence"] for key in ("casualties", "causes") for item in result[key]]


def assert_conforms(run: Run, kinds: set[str]) -> None:
    """A grounded result with its usage, or one failure of a named kind: never anything else."""
    assert "Traceback" not in run.stderr
    if run.code == 0:
        (result,) = run.results
        assert run.ledger == []
        for quote in quotes(result):
            assert ARTICLE[quote["start"] : quote["end"]] == quote["text"]
        assert result["usage"]["requests"] >= 1 and result["usage"]["prompt_tokens"] > 0
    else:
        # 3: this article failed; 4: the run stopped, as no article could get past the error
        stops = {"unsupported_mode", "unreachable", "auth"}
        assert run.code == (4 if kinds <= stops else 3), run.stderr
        assert run.results == []
        (failure,) = run.ledger
        assert failure["kind"] in kinds, failure
        assert "\n" not in failure["message"] and failure["attempts"] >= 1
        assert failure["message"] in run.stderr


# -- sitrep models --check -----------------------------------------------------------------------


def test_models_check_prints_what_works_and_what_does_not(
    tmp_path: Path, realserver: RealServer
) -> None:
    config = write_config(tmp_path, realserver, "json_object_schema")
    run = sitrep(tmp_path, "models", "--check", "--config", str(config))
    print(run.stdout)  # shown with -s: the figures quoted in the README
    assert run.code == 0, run.stderr
    out = run.stdout
    assert "server      llama-cpp-python 0.3.36" in out
    assert (
        "json_schema         refused (HTTP 500): response_format.type: "
        "Input should be 'text' or 'json_object'" in out
    )
    assert "json_object_schema  works, constrained to the schema" in out
    assert "tools               works, constrained to the schema" in out
    assert "usage       reported" in out
    assert "tools: a cut answer says 'tool_calls', not 'length'" in out
    assert "json_object_schema: a cut answer says finish_reason 'length'" in out
    assert "context     4096 tokens (the 400 for an oversize prompt)" in out
    assert 'recommended mode = "json_object_schema"' in out
    assert "concurrency = 1" in out and "usable      yes" in out
    assert run.seconds < 120


def test_models_check_exits_4_on_a_refused_key(
    tmp_path: Path, realserver_keyed: RealServer
) -> None:
    config = write_config(tmp_path, realserver_keyed, "tools", api_key_env="REALSERVER_KEY")
    run = sitrep(
        tmp_path, "models", "--check", "--config", str(config), env={"REALSERVER_KEY": CANARY}
    )
    assert run.code == 4, run.stderr
    assert "HTTP 401: Invalid API key" in run.stderr and "$REALSERVER_KEY" in run.stderr
    assert CANARY not in run.stdout + run.stderr
    right = sitrep(
        tmp_path, "models", "--check", "--config", str(config), "--json",
        env={"REALSERVER_KEY": REALSERVER_KEY},
    )  # fmt: skip
    assert right.code == 0, right.stderr
    assert json.loads(right.stdout)["profiles"][0]["key"] == "accepted"


# -- extraction, mode by mode --------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["tools", "json_object_schema"])
def test_constrained_modes_give_a_grounded_result_or_a_named_failure(
    tmp_path: Path, realserver: RealServer, mode: str
) -> None:
    run = extract(tmp_path, realserver, mode, max_output_tokens=700)
    assert_conforms(run, {"invalid_response", "truncated"})


def test_json_schema_mode_is_refused_at_once_with_the_servers_reason(
    tmp_path: Path, realserver: RealServer
) -> None:
    run = extract(tmp_path, realserver, "json_schema")
    assert_conforms(run, {"unsupported_mode"})
    (failure,) = run.ledger
    assert "Input should be 'text' or 'json_object'" in failure["message"]
    assert failure["attempts"] == 1


def test_an_answer_cut_with_finish_reason_length_is_truncated_and_not_reasked(
    tmp_path: Path, realserver: RealServer
) -> None:
    # json_object_schema: the schema is not in the prompt, so sitrep's prompt fits the window
    # (with md_json and json it alone fills 4096 tokens: those fail as context_length)
    run = extract(tmp_path, realserver, "json_object_schema", max_output_tokens=16)
    assert_conforms(run, {"truncated"})
    (failure,) = run.ledger
    assert failure["attempts"] == 1 and "max_output_tokens" in failure["message"]


def test_tools_cut_answer_is_truncated_although_the_server_says_tool_calls(
    tmp_path: Path, realserver: RealServer
) -> None:
    run = extract(tmp_path, realserver, "tools", max_output_tokens=16)
    assert_conforms(run, {"truncated"})
    (failure,) = run.ledger
    assert failure["attempts"] == 1 and "max_output_tokens" in failure["message"]


@pytest.mark.parametrize("mode", ["tools", "json_object_schema", "json", "md_json"])
def test_a_prompt_over_the_window_fails_as_context_length(
    tmp_path: Path, realserver_small: RealServer, mode: str
) -> None:
    run = extract(tmp_path, realserver_small, mode)
    assert_conforms(run, {"context_length"})
    assert "context window" in run.ledger[0]["message"]


def test_context_length_message_carries_the_servers_figures(
    tmp_path: Path, realserver_small: RealServer
) -> None:
    run = extract(tmp_path, realserver_small, "tools")
    assert_conforms(run, {"context_length"})
    assert "512" in run.ledger[0]["message"]  # the window the server named in its 400


def test_a_refused_key_stops_the_run_with_exit_4(
    tmp_path: Path, realserver_keyed: RealServer
) -> None:
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    config = write_config(tmp_path, realserver_keyed, "tools", api_key_env="REALSERVER_KEY")
    run = sitrep(
        tmp_path, "extract", "article.txt", "-m", "real", "--config", str(config), "--no-cache",
        env={"REALSERVER_KEY": CANARY},
    )  # fmt: skip
    assert run.code == 4, run.stderr
    assert "authentication failed (HTTP 401)" in run.stderr and "$REALSERVER_KEY" in run.stderr
    assert CANARY not in run.stdout + run.stderr
    assert run.seconds < 30
