"""instructor's per-request work that sitrep does once: applied only to the instructor version
it was written for, and the results stay instructor's own."""

from __future__ import annotations

from collections.abc import Iterator
from textwrap import dedent
from typing import Any

import pytest
from instructor.v2.core import patch, templating
from instructor.v2.validation import async_validators
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel

from agent.extractors.llm import speedups
from agent.extractors.llm.extractor import RESPONSE_MODEL


class Checked(BaseModel):
    name: str

    @async_validators.async_field_validator("name")
    async def check_name(self, value: str) -> str:
        return value


def _render() -> Any:
    return vars(templating)["apply_template"]  # what instructor calls per message


def _reject() -> Any:
    return vars(patch)["reject_async_validators"]  # what instructor calls per request


@pytest.fixture
def pristine() -> Iterator[Any]:
    """instructor's own functions during the test, and the state before it afterwards."""
    was_applied = speedups.applied()
    speedups.restore()
    original = _render()
    yield original
    speedups.restore()
    if was_applied:
        speedups.apply(RESPONSE_MODEL)


def test_templates_render_as_a_fresh_instructor_environment_renders_them() -> None:
    context: dict[str, Any] = {
        "sitrep_article": "  Clashes in {{ province }}\n  {% raw %} killed 3",
        "n": 3,
    }
    for text in (
        "{{ sitrep_article }}",
        "    indented\n    {{ n * 2 }}\n",
        "{% for i in range(n) %}{{ i }}{% endfor %} {{ sitrep_article }}",
    ):
        expected = dedent(SandboxedEnvironment().from_string(text).render(**context))
        assert speedups.render_template(text, context) == expected
        assert speedups.render_template(text, context) == expected  # compiled once, reused


def test_speedups_apply_on_the_instructor_version_they_were_written_for(pristine: Any) -> None:
    assert speedups.apply(RESPONSE_MODEL, version="1.17.0") is True
    assert _render() is speedups.render_template
    assert _reject() is async_validators.reject_async_validators
    _reject()(RESPONSE_MODEL)  # checked once, at apply: no walk now
    with pytest.raises(ValueError, match="async validators are not supported"):
        _reject()(Checked)  # other models are still checked
    speedups.restore()
    assert _render() is pristine


def test_speedups_change_nothing_on_another_instructor_version(pristine: Any) -> None:
    assert speedups.apply(RESPONSE_MODEL, version="1.18.0") is False
    assert speedups.applied() is False
    assert _render() is pristine
    with pytest.raises(ValueError, match="async validators are not supported"):
        _reject()(Checked)


def test_the_installed_instructor_is_the_one_the_speedups_were_written_for() -> None:
    from importlib.metadata import version

    assert speedups.applies_to(version("instructor")), (
        "instructor was upgraded: check agent/extractors/llm/speedups.py against its internals "
        "and update WRITTEN_FOR (or drop the speed-ups)"
    )
