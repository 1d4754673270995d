"""Shared fixtures: no test can reach a real API, and the scripted server is one fixture away."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeserver import FakeServer, closed_port

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "article.txt"
EXAMPLE = ROOT / "examples" / "deir-ez-zor-ambush.txt"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Point the default endpoint at a closed port; keep user config and keys out of tests."""
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port()}/v1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("SITREP_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        yield srv


def write_config(path: Path, server: FakeServer, **profile: object) -> Path:
    """A sitrep.toml with one profile, `fake`, pointing at the scripted server."""
    options = {
        "model": "test-model",
        "base_url": server.base_url,
        "api_key_env": "FAKE_KEY",
        "mode": "tools",
        "max_reasks": 1,
        "max_attempts": 3,
        "timeout_s": 5,
        "max_retry_wait_s": 5,
        **profile,
    }
    lines = ["[models.fake]"]
    for key, value in options.items():
        lines.append(f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def fake_config(tmp_path: Path, server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FAKE_KEY", "sk-test-canary-0123456789abcdef")
    return write_config(tmp_path / "sitrep.toml", server)
