"""`sitrep models --check` against the scripted server: what it reports, and its exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.extractors.llm import probe
from agent.extractors.llm.probe import CheckReport
from tests.helpers import CANARY_KEY, ROOT, write_config
from tests.scripted_server import Reply, ScriptedServer, budgeted, closed_port, error

runner = CliRunner()
FACTS = {"place": "Kupiansk", "killed": 4}  # what the probe asks for, answered
LLAMA_CPP_PYTHON_500 = {
    "error": {
        "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', "
        "'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\"}\n\n"
        '  File "/srv/venv/lib/python3.11/site-packages/llama_cpp/server/app.py", line 376',
        "type": "internal_server_error",
    }
}
MODES = ("json_schema", "json_object_schema", "tools", "md_json", "json")


@pytest.fixture
def config(tmp_path: Path, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FAKE_KEY", CANARY_KEY)
    return write_config(tmp_path / "sitrep.toml", server)


def check(config: Path, *extra: str) -> Any:
    return runner.invoke(app, ["models", "--check", "--config", str(config), *extra])


def rebuilt(reply: Reply, change: Callable[[dict[str, Any]], object]) -> Reply:
    """`reply` with its body changed in place by `change` (for quirks of real servers)."""
    build = reply.body
    assert callable(build)

    def body(request: dict[str, Any]) -> dict[str, Any]:
        built: dict[str, Any] = build(request)
        change(built)
        return built

    return Reply(body=body)


def like_llama_cpp_python(server: ScriptedServer, n_ctx: int = 2048) -> None:
    """The scripted server behaving as llama-cpp-python 0.3.36 was measured to."""
    server.pages["/openapi.json"] = Reply(
        body={"openapi": "3.1.0", "info": {"title": "🦙 llama.cpp Python API", "version": "0.3.36"}}
    )
    honest = budgeted(FACTS)

    def respond(request: dict[str, Any]) -> Reply:
        prompt = len(json.dumps(request.get("messages"))) // 4
        if prompt > n_ctx:
            message = f"This model's maximum context length is {n_ctx} tokens. However, ..."
            return Reply(status=400, body={"error": {"message": message, "code": "c"}})
        if (request.get("response_format") or {}).get("type") == "json_schema":
            return Reply(status=500, body=LLAMA_CPP_PYTHON_500)
        reply = honest(request)
        if request.get("tools"):  # a cut tool call says tool_calls, as measured
            return rebuilt(
                reply, lambda body: body["choices"][0].update(finish_reason="tool_calls")
            )
        return reply

    server.responder = respond


def test_every_mode_works_against_the_scripted_server(server: ScriptedServer, config: Path) -> None:
    server.responder = budgeted(FACTS)
    result = check(config)
    assert result.exit_code == 0, result.output
    for mode in MODES:
        assert f"{mode:<19} works" in result.stdout
    assert 'recommended mode = "json_schema"' in result.stdout
    assert "usage       reported" in result.stdout
    assert "a cut answer says finish_reason 'length'" in result.stdout
    assert "context     unknown" in result.stdout
    assert "usable      yes" in result.stdout
    assert "checked 1 profile in" in result.stdout
    assert "checking fake (test-model at" in result.stderr
    # never an oversize prompt to a server that was not identified as llama-cpp-python
    assert all(len(json.dumps(r.body)) < 5000 for r in server.requests)
    assert CANARY_KEY not in result.output


def test_json_report_is_typed_and_complete(server: ScriptedServer, config: Path) -> None:
    server.responder = budgeted(FACTS)
    result = check(config, "--json")
    assert result.exit_code == 0, result.output
    report = CheckReport.model_validate_json(result.stdout)
    (profile,) = report.profiles
    assert [m.mode for m in profile.modes] == list(MODES)
    assert all(m.works and m.usage for m in profile.modes)
    assert [m.constrained for m in profile.modes] == [True, True, True, False, False]
    assert profile.key == "accepted" and profile.model_listed is True
    assert profile.truncation and all(t.honest for t in profile.truncation)
    assert report.seconds > 0 and profile.usable


def test_llama_cpp_python_is_identified_and_its_window_found(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_KEY", CANARY_KEY)
    config = write_config(
        tmp_path / "sitrep.toml", server, mode="json_schema", model="other", temperature=0.2
    )
    like_llama_cpp_python(server, n_ctx=2048)
    result = check(config)
    out = result.stdout
    chats = [r.body for r in server.requests if r.path == "/v1/chat/completions"]
    oversize = [body for body in chats if len(json.dumps(body)) > 100_000]
    assert len(oversize) == 1 and oversize[0]["max_tokens"] == 1
    assert all(body["temperature"] == 0.2 for body in chats if body not in oversize)
    assert result.exit_code == 1, result.output
    assert "server      llama-cpp-python 0.3.36" in out
    assert (
        "json_schema         refused (HTTP 500): response_format.type: "
        "Input should be 'text' or 'json_object'" in out
    )
    assert "/srv/venv" not in result.output  # the server's traceback stays out
    assert 'recommended mode = "json_object_schema"' in out
    assert "context     2048 tokens (the 400 for an oversize prompt)" in out
    assert "tools: a cut answer says 'tool_calls', not 'length'" in out
    assert "model id 'other' is not listed" in out and "answers any name" in out
    assert "--n_ctx 8192" in out and "concurrency = 1" in out
    assert result.stderr.strip().endswith(
        "mode json_schema does not work here: refused (HTTP 500): response_format.type: Input "
        "should be 'text' or 'json_object'; use mode = \"json_object_schema\""
    )


@pytest.mark.parametrize(
    ("path", "body", "context", "advice"),
    [
        (
            "/props",
            {"default_generation_settings": {"n_ctx": 8192}, "total_slots": 4, "build_info": "b1"},
            "8192 tokens (/props default_generation_settings.n_ctx)",
            "concurrency = 4",
        ),
        (
            "/api/show",
            {"model_info": {"llama.context_length": 131072}, "parameters": "num_ctx 2048\nstop x"},
            "2048 tokens (num_ctx in /api/show parameters); the model allows up to 131072",
            "OLLAMA_CONTEXT_LENGTH=8192",
        ),
        (
            "/v1/models",
            {"object": "list", "data": [{"id": "test-model", "max_model_len": 32768}]},
            "32768 tokens (max_model_len in /v1/models)",
            "context_window = 32768",
        ),
        (
            "/api/v1/models",
            {
                "models": [
                    {
                        "key": "test-model",
                        "max_context_length": 32768,
                        "loaded_instances": [
                            {"id": "test-model", "config": {"context_length": 8192}}
                        ],
                    }
                ]
            },
            "8192 tokens (loaded_instances context_length in /api/v1/models); the model allows "
            "up to 32768",
            "context_window = 8192",
        ),
        (
            "/api/v0/models",
            {
                "data": [
                    {"id": "test-model", "max_context_length": 8192, "loaded_context_length": 4096}
                ]
            },
            "4096 tokens (loaded_context_length in /api/v0/models); the model allows up to 8192",
            "context_window = 4096",
        ),
    ],
    ids=["llama-server", "ollama", "vllm", "lm-studio", "lm-studio-v0"],
)
def test_context_window_is_read_where_each_server_reports_it(
    server: ScriptedServer, config: Path, path: str, body: Any, context: str, advice: str
) -> None:
    server.responder = budgeted(FACTS)
    server.pages[path] = Reply(body=body)
    result = check(config)
    assert result.exit_code == 0, result.output
    assert f"context     {context}" in result.stdout
    assert advice in result.stdout


def test_refused_key_exits_4_naming_the_variable_not_the_key(
    server: ScriptedServer, config: Path
) -> None:
    server.pages["/v1/models"] = Reply(status=401, body={"detail": "Invalid API key"})
    result = check(config)
    assert result.exit_code == 4, result.output
    assert "key         refused" in result.stdout
    assert "the server refused the key (HTTP 401: Invalid API key)" in result.stderr
    assert "$FAKE_KEY" in result.stderr
    assert CANARY_KEY not in result.output
    assert [r.path for r in server.requests] == ["/v1/models"]  # nothing after the refusal


def test_unreachable_endpoint_exits_1_with_a_hint(tmp_path: Path) -> None:
    config = tmp_path / "sitrep.toml"
    config.write_text(
        f'[models.dead]\nmodel = "m"\nbase_url = "http://127.0.0.1:{closed_port()}/v1"\n'
    )
    result = check(config)
    assert result.exit_code == 1, result.output
    assert "reachable   no" in result.stdout
    assert "is the server running?" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # "checking ..." and the verdict


def test_unset_key_variable_is_exit_2_before_any_request(
    server: ScriptedServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "sitrep.toml", server, api_key_env="UNSET_PROBE_KEY")
    result = check(config)
    assert result.exit_code == 2
    assert "$UNSET_PROBE_KEY is not set" in result.stderr
    assert server.requests == []


def test_only_the_profiles_named_are_checked(
    server: ScriptedServer, config: Path, tmp_path: Path
) -> None:
    server.responder = budgeted(FACTS)
    text = (
        config.read_text()
        + f'\n[models.dead]\nmodel = "m"\nbase_url = "http://127.0.0.1:{closed_port()}/v1"\n'
    )
    config.write_text(text)
    assert check(config, "fake").exit_code == 0
    assert check(config).exit_code == 1  # both: the dead one is not usable
    result = check(config, "nosuch")
    assert result.exit_code == 2 and "unknown model 'nosuch'" in result.stderr


def test_answers_that_do_not_fit_and_missing_usage_are_reported(
    server: ScriptedServer, config: Path
) -> None:
    def respond(request: dict[str, Any]) -> Reply:
        return rebuilt(budgeted({"title": "wrong shape"})(request), lambda b: b.pop("usage"))

    server.responder = respond
    result = check(config)
    assert result.exit_code == 1
    assert (
        "accepted, but the answer does not fit the schema (place: Field required)" in result.stdout
    )
    assert "usage       not reported" in result.stdout
    assert "recommended none: no mode works" in result.stdout


def test_refused_mode_does_not_hide_the_others(server: ScriptedServer, config: Path) -> None:
    honest = budgeted(FACTS)
    server.responder = lambda request: (
        error(400, "tools are not supported by this model")
        if request.get("tools")
        else honest(request)
    )
    result = check(config)
    assert result.exit_code == 1  # the profile's own mode (tools) is refused
    assert (
        "tools               refused (HTTP 400): tools are not supported by this model"
        in result.stdout
    )
    assert 'use mode = "json_schema"' in result.stderr


def test_models_check_in_a_real_process(server: ScriptedServer, config: Path) -> None:
    server.responder = budgeted(FACTS)
    done = subprocess.run(
        [sys.executable, "-m", "agent", "models", "--check", "--config", str(config), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "FAKE_KEY": CANARY_KEY},
    )
    assert done.returncode == 0, done.stderr
    report = CheckReport.model_validate_json(done.stdout)
    assert report.usable and report.profiles[0].recommended_mode == "json_schema"
    assert "Traceback" not in done.stderr and CANARY_KEY not in done.stdout + done.stderr


def test_profile_names_and_json_need_check(config: Path) -> None:
    result = runner.invoke(app, ["models", "fake", "--config", str(config)])
    assert result.exit_code == 2 and "go with --check" in result.stderr
    listing = runner.invoke(app, ["models", "--config", str(config)])
    assert listing.exit_code == 0 and "fake" in listing.stdout


def test_a_server_that_never_answers_is_probed_once_not_per_mode(
    server: ScriptedServer, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(probe, "PROBE_TIMEOUT_S", 0.5)
    slow = budgeted(FACTS)
    server.responder = lambda request: Reply(body=slow(request).body, delay=1.5)
    result = check(config)
    assert result.exit_code == 1
    assert "json_schema         failed: no answer within 0.5 s" in result.stdout
    assert len([r for r in server.requests if r.path.endswith("/chat/completions")]) == 1
    assert "probing stopped at mode json_schema, which failed: no answer within 0.5 s" in (
        result.stderr
    )
