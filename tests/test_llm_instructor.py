"""instructor's per-request work that sitrep does once: the results stay instructor's own."""

from __future__ import annotations

from textwrap import dedent
from typing import Any

import pytest
from instructor.v2.core import templating
from instructor.v2.validation import async_validators
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel

from agent.extractors.llm import extractor as llm


def test_messages_render_as_a_fresh_instructor_environment_renders_them() -> None:
    context: dict[str, Any] = {
        "sitrep_article": "  Clashes in {{ province }}\n  {% raw %} killed 3",
        "n": 3,
    }
    render = vars(templating)["apply_template"]  # the function instructor calls per message
    for text in (
        "{{ sitrep_article }}",
        "    indented\n    {{ n * 2 }}\n",
        "{% for i in range(n) %}{{ i }}{% endfor %} {{ sitrep_article }}",
    ):
        expected = dedent(SandboxedEnvironment().from_string(text).render(**context))
        assert render(text, context) == expected
        assert render(text, context) == expected  # the compiled template, reused


def test_other_response_models_are_still_checked_for_async_validators() -> None:
    class Checked(BaseModel):
        name: str

        @async_validators.async_field_validator("name")
        async def check_name(self, value: str) -> str:
            return value

    with pytest.raises(ValueError, match="async validators are not supported"):
        async_validators.reject_async_validators(Checked)
    async_validators.reject_async_validators(llm.RESPONSE_MODEL)  # checked once, at import
