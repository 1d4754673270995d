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
