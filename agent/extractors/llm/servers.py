"""Which OpenAI-compatible server answers at an endpoint, and the context window it runs with.

Each server says it in its own place, all read with small GET/POST requests to the endpoint's
origin (a server that lacks the route answers 404, which costs nothing):

- vLLM: `max_model_len` on its entries in `GET /v1/models`;
- llama.cpp's C++ `llama-server`: `GET /props` -> `default_generation_settings.n_ctx` and
  `total_slots` (requests served at once);
- llama-cpp-python's server: `GET /openapi.json` titled "llama.cpp Python API". It reports the
  window nowhere, but refuses a prompt longer than the window with a 400 that names it, before
  evaluating anything (0.2-0.6 s for a 300,000-token prompt). That oversize prompt is sent only
  once the server is known to be llama-cpp-python: another server could start evaluating it;
- Ollama: `POST /api/show` -> `num_ctx` in `parameters` (the model's setting), else the window
  is Ollama's own default, which depends on its version and memory; `model_info` gives the
  model's trained maximum;
- LM Studio: `GET /api/v1/models` -> the context length of the model's loaded instance (older
  versions: `GET /api/v0/models` -> `loaded_context_length`); its trained maximum is
  `max_context_length`.

Nothing here is sent to OpenAI's own endpoint.
"""

from __future__ import annotations

import re
from typing import Any

import openai
from pydantic import BaseModel

METADATA_TIMEOUT_S = 5.0
OVERSIZE_WORDS = 300_000  # tokens ~ words for "hi hi hi ...": larger than any window on a CPU
_WINDOW = re.compile(r"maximum context length is (\d+)")
_NUM_CTX = re.compile(r"^\s*num_ctx\s+(\d+)", re.MULTILINE)
LLAMA_CPP_PYTHON = "llama-cpp-python"
LLAMA_SERVER = "llama.cpp server"
OLLAMA, VLLM, LM_STUDIO = "Ollama", "vLLM", "LM Studio"


class ServerFacts(BaseModel):
    """What the server said about itself (all optional: most servers say little)."""

    kind: str | None = None  # one of the names above
    version: str | None = None
    context_window: int | None = None  # tokens, as the server runs the model now
    context_source: str | None = None  # where that figure came from
    model_max_context: int | None = None  # the model's trained maximum, when it differs
    slots: int | None = None  # requests the server works on at once, when it says
    answers_any_model: bool = False  # serves its one model under any requested name

    @property
    def label(self) -> str:
        if self.kind is None:
            return "unknown (not llama.cpp, llama-cpp-python, Ollama, vLLM or LM Studio)"
        return f"{self.kind} {self.version}" if self.version else self.kind


def origin_of(base_url: str) -> str:
    """`http://host:port` of a base_url such as `http://host:port/v1`."""
    scheme, _, rest = base_url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


async def _get(client: openai.AsyncOpenAI, url: str) -> Any:
    """The JSON at `url`, or None for any error (a route the server does not have)."""
    try:
        return await client.get(url, cast_to=object, options={"timeout": METADATA_TIMEOUT_S})
    except (openai.APIError, ValueError):
        return None


async def _post(client: openai.AsyncOpenAI, url: str, body: dict[str, Any]) -> Any:
    try:
        return await client.post(
            url, cast_to=object, body=body, options={"timeout": METADATA_TIMEOUT_S}
        )
    except (openai.APIError, ValueError):
        return None


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def from_listing(listing: list[dict[str, Any]], model: str) -> ServerFacts | None:
    """vLLM, known from its `/v1/models` entries alone."""
    entries = [e for e in listing if _positive_int(e.get("max_model_len"))]
    if not entries:
        return None
    entry = next((e for e in entries if e.get("id") == model), entries[0])
    return ServerFacts(
        kind=VLLM,
        context_window=_positive_int(entry.get("max_model_len")),
        context_source="max_model_len in /v1/models",
    )


async def _llama_server(client: openai.AsyncOpenAI, origin: str) -> ServerFacts | None:
    props = await _get(client, f"{origin}/props")
    if not isinstance(props, dict) or not isinstance(
        props.get("default_generation_settings"), dict
    ):
        return None
    settings = props["default_generation_settings"]
    build = props.get("build_info")
    return ServerFacts(
        kind=LLAMA_SERVER,
        version=build if isinstance(build, str) else None,
        context_window=_positive_int(settings.get("n_ctx")),
        context_source="/props default_generation_settings.n_ctx",
        slots=_positive_int(props.get("total_slots")),
    )


async def _llama_cpp_python(
    client: openai.AsyncOpenAI, origin: str, model: str
) -> ServerFacts | None:
    spec = await _get(client, f"{origin}/openapi.json")
    info = spec.get("info") if isinstance(spec, dict) else None
    if not isinstance(info, dict) or "llama.cpp Python API" not in str(info.get("title", "")):
        return None
    version = info.get("version")
    window = await _oversize_probe(client, model)
    return ServerFacts(
        kind=LLAMA_CPP_PYTHON,
        version=version if isinstance(version, str) else None,
        context_window=window,
        context_source="the 400 for an oversize prompt" if window else None,
        slots=1,  # one model, one request at a time (a global lock)
        answers_any_model=True,
    )


async def _oversize_probe(client: openai.AsyncOpenAI, model: str) -> int | None:
    """The window named in llama-cpp-python's 400 for a prompt longer than it."""
    try:
        await client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": "hi " * OVERSIZE_WORDS}],
            max_tokens=1,
            timeout=10.0,
        )
    except openai.BadRequestError as exc:
        found = _WINDOW.search(str(exc.body) + exc.message)
        return int(found.group(1)) if found else None
    except openai.APIError:
        return None
    return None


async def _ollama(client: openai.AsyncOpenAI, origin: str, model: str) -> ServerFacts | None:
    shown = await _post(client, f"{origin}/api/show", {"model": model})
    if not isinstance(shown, dict) or not isinstance(shown.get("model_info"), dict):
        return None
    trained = next(
        (
            _positive_int(v)
            for k, v in shown["model_info"].items()
            if str(k).endswith(".context_length")
        ),
        None,
    )
    found = _NUM_CTX.search(str(shown.get("parameters") or ""))
    return ServerFacts(
        kind=OLLAMA,
        context_window=int(found.group(1)) if found else None,
        context_source="num_ctx in /api/show parameters" if found else None,
        model_max_context=trained,
    )


async def _lm_studio(client: openai.AsyncOpenAI, origin: str, model: str) -> ServerFacts | None:
    """LM Studio's REST API: `/api/v1/models` (loaded instances and their context length), or
    the older `/api/v0/models` (`loaded_context_length`)."""
    listing = await _get(client, f"{origin}/api/v1/models")
    entries = listing.get("models") if isinstance(listing, dict) else None
    if isinstance(entries, list) and entries:
        entry = _lm_studio_entry(entries, model)
        loaded = [i for i in entry.get("loaded_instances") or [] if isinstance(i, dict)]
        config = loaded[0].get("config") if loaded else None
        window = _positive_int(config.get("context_length")) if isinstance(config, dict) else None
        source = "loaded_instances context_length in /api/v1/models"
    else:
        listing = await _get(client, f"{origin}/api/v0/models")
        entries = listing.get("data") if isinstance(listing, dict) else None
        if not isinstance(entries, list) or not entries:
            return None
        entry = _lm_studio_entry(entries, model)
        window = _positive_int(entry.get("loaded_context_length"))
        source = "loaded_context_length in /api/v0/models"
    if not any(isinstance(e, dict) and "max_context_length" in e for e in entries):
        return None  # not LM Studio's listing
    return ServerFacts(
        kind=LM_STUDIO,
        context_window=window,
        context_source=source if window else None,
        model_max_context=_positive_int(entry.get("max_context_length")),
    )


def _lm_studio_entry(entries: list[Any], model: str) -> dict[str, Any]:
    """The listing's entry for `model` (by id, key, or a loaded instance's id), else {}."""
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        instances = [
            i.get("id") for i in entry.get("loaded_instances") or [] if isinstance(i, dict)
        ]
        if model in (entry.get("id"), entry.get("key"), *instances):
            return entry
    return {}


async def identify_server(
    client: openai.AsyncOpenAI, base_url: str, model: str, listing: list[dict[str, Any]]
) -> ServerFacts:
    """The first server kind that recognises itself, else an unknown server."""
    origin = origin_of(base_url)
    return (
        from_listing(listing, model)
        or await _llama_server(client, origin)
        or await _llama_cpp_python(client, origin, model)
        or await _ollama(client, origin, model)
        or await _lm_studio(client, origin, model)
        or ServerFacts()
    )
