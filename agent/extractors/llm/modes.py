"""How each `mode` of a profile asks a server for structured output.

- `tools`: a forced, named tool call (instructor TOOLS); constrained by OpenAI, vLLM and
  llama.cpp servers (which report a cut answer as `tool_calls`: sitrep checks the token count).
- `json_schema`: `response_format: {type: json_schema}` (instructor JSON_SCHEMA); constrained by
  OpenAI, vLLM and Ollama >= 0.5.
- `json_object_schema`: `response_format: {type: json_object, schema: ...}`, llama.cpp's own
  constrained decoding.
- `json`: `response_format: {type: json_object}` with the schema in the prompt: any JSON object.
- `md_json`: plain text with the schema in the prompt; fenced JSON is read. Nothing constrained.

`json_object_schema` is llama.cpp's own way to constrain output (its Python server refuses
`json_schema`): instructor's JSON_SCHEMA mode parses the answer, and the request's
`response_format` is replaced through `extra_body` (the openai client lets `extra_body` win).
"""

from __future__ import annotations

from typing import Any

import instructor
from pydantic import BaseModel

INSTRUCTOR_MODES: dict[str, instructor.Mode] = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json_object_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
# the order `sitrep models --check` recommends them in: constrained decoding first
PREFERENCE = ("json_schema", "json_object_schema", "tools", "md_json", "json")


def request_options(mode: str, response_model: type[BaseModel]) -> dict[str, Any]:
    """Keyword arguments a request in `mode` needs beyond what instructor sends."""
    if mode == "json_object_schema":
        schema = response_model.model_json_schema()
        return {"extra_body": {"response_format": {"type": "json_object", "schema": schema}}}
    return {}
