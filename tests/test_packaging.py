"""What the wheel carries: every package of agent/ and the files the program reads at run time."""

from __future__ import annotations

import tomllib
from importlib.resources import files

from agent.extractors.prompts import load_prompt
from tests.helpers import ROOT


def test_every_package_of_agent_is_listed_for_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "agent").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found | {"agent.prompts"} == listed
    assert config["tool"]["setuptools"]["package-dir"] == {"agent.prompts": "prompts"}


def test_the_default_prompt_is_read_from_the_package_not_the_checkout() -> None:
    shipped = files("agent.prompts") / "extract.toml"
    prompt = load_prompt()
    assert prompt.path == str(shipped)
    assert prompt.name == "extract"
    assert (ROOT / "prompts" / "extract.toml").read_bytes() == shipped.read_bytes()
