"""Profiles are checked when the config loads, and a missing key stops the run before any
request: setup errors fail fast (exit 2) with the value and the fix named."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from tests.helpers import EXAMPLE, write_config
from tests.scripted_server import ScriptedServer, answer

runner = CliRunner()


def extract(config: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["extract", str(EXAMPLE), "-m", "fake", "--config", str(config)])
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ({"base_url": "localhost:11434/v1"}, "write http://localhost:11434/v1"),
        ({"base_url": "ftp://models.example/v1"}, "not an http:// or https:// URL"),
        ({"timeout_s": 0}, "timeout_s: Input should be greater than 0"),
        ({"max_output_tokens": 0}, "max_output_tokens: Input should be greater than"),
        ({"temperature": 7.5}, "temperature: Input should be less than or equal to 2"),
        ({"api_key_env": "sk-live-abcdef0123"}, "keys never live in the config"),
    ],
)
def test_bad_profile_values_are_refused_when_the_config_loads(
    server: ScriptedServer, tmp_path: Path, setting: dict[str, object], says: str
) -> None:
    config = write_config(tmp_path / "sitrep.toml", server, **setting)
    code, err = extract(config)
    assert code == 2, err
    assert len(err.splitlines()) == 1
    assert says in err
    assert "sk-live-abcdef0123" not in err
    assert server.requests == []


def test_unset_key_variable_stops_before_any_request(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FAKE_KEY", raising=False)
    code, err = extract(write_config(tmp_path / "sitrep.toml", server))
    assert code == 2
    assert err.strip() == (
        "sitrep: profile 'fake' needs an API key: $FAKE_KEY is not set (export it, or name "
        "another variable in api_key_env; --model rules works offline)"
    )
    assert server.requests == []


def test_openai_without_a_key_is_a_setup_error_not_a_network_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result = runner.invoke(app, ["extract", str(EXAMPLE), "-m", "openai/gpt-4o-mini"])
    assert result.exit_code == 2
    assert "$OPENAI_API_KEY is not set" in result.stderr


def test_a_local_profile_never_receives_the_users_openai_key(
    server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import GOOD

    monkeypatch.setenv("OPENAI_API_KEY", "sk-users-own-openai-key-0000")
    config = tmp_path / "sitrep.toml"
    config.write_text(
        f'[models.fake]\nmodel = "m"\nbase_url = "{server.base_url}"\n', encoding="utf-8"
    )
    server.script(answer(GOOD))
    code, err = extract(config)
    assert code == 0, err
    assert "sk-users-own-openai-key-0000" not in server.requests[0].headers.get("Authorization", "")


def test_eval_against_a_dead_endpoint_stops_at_once_instead_of_scoring_every_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.helpers import ROOT
    from tests.scripted_server import closed_port

    config = tmp_path / "sitrep.toml"
    config.write_text(
        f'[models.dead]\nmodel = "m"\nbase_url = "http://127.0.0.1:{closed_port()}/v1"\n',
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["eval", str(ROOT / "evals"), "-m", "dead", "--config", str(config), "--no-cache"]
    )
    assert result.exit_code == 4
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("sitrep: cannot connect to profile 'dead'")
    assert "not scorable" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["extract", str(EXAMPLE), "-m", "rules"],
        ["gold", "check"],
        ["models"],
    ],
    ids=["help", "rules", "gold-check", "models"],
)
def test_offline_commands_never_import_openai(args: list[str], tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.helpers import ROOT

    probe = (
        "import sys\n"
        "from agent.cli import app\n"
        "try:\n"
        f"    app({args!r}, prog_name='sitrep')\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'openai' not in sys.modules and 'instructor' not in sys.modules, 'imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-500:]
