"""`sitrep init`: a commented `sitrep.toml` with a profile for each kind of endpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.cli.options import say
from agent.config import load_settings
from agent.errors import UsageError
from agent.output import atomic_write_text

TEMPLATE = """\
# sitrep configuration: model profiles and run settings.
# Pick a profile with `sitrep extract ... --model NAME`; `sitrep models` lists them and says
# which are usable here. Keys never live in this file: `api_key_env` names the environment
# variable that holds one.

default_model = "auto"   # "auto": OpenAI when OPENAI_API_KEY is set, else the offline rules
vague_table = "acled"    # numbers for vague words: acled (dozens = 12) or isaf (dozens = 24)
concurrency = 8          # articles in flight at once
# max_article_chars = 200000
# cache_path = "~/.cache/sitrep/cache.sqlite"

[models.openai]          # OpenAI's API
model = "gpt-4o-mini"
api_key_env = "OPENAI_API_KEY"
mode = "tools"           # tools | json_schema | json_object_schema | json | md_json
temperature = 0.0
timeout_s = 60
max_reasks = 2
price_input_per_mtok = 0.15    # estimated cost per million tokens (for --max-cost)
price_output_per_mtok = 0.60

[models.ollama]          # Ollama: `ollama serve`, then `ollama pull llama3.1:8b`
model = "llama3.1:8b"
base_url = "http://localhost:11434/v1"
mode = "json_schema"     # constrained decoding: the answer always fits the schema
timeout_s = 120
concurrency = 2          # a local model answers a few requests at a time
context_window = 8192    # what OLLAMA_CONTEXT_LENGTH / num_ctx gives it (Ollama cuts silently)

[models.vllm]            # vLLM: `vllm serve Qwen/Qwen2.5-7B-Instruct`
model = "Qwen/Qwen2.5-7B-Instruct"
base_url = "http://localhost:8000/v1"
mode = "json_schema"     # guided decoding through response_format
timeout_s = 120
# api_key_env = "VLLM_API_KEY"   # when the server was started with --api-key

[models.llamacpp]        # llama.cpp: `llama-server -m model.gguf --port 8080 --ctx-size 8192`
model = "local"          # llama-server answers with the model it loaded, whatever this says
base_url = "http://127.0.0.1:8080/v1"
mode = "json_object_schema"   # llama.cpp's constrained decoding (its Python server refuses
                              # json_schema); `sitrep models --check llamacpp` says what works
context_window = 8192    # what --ctx-size gives it: longer articles are split to fit
timeout_s = 180
concurrency = 1          # it answers one request at a time
# (llama-cpp-python's `python -m llama_cpp.server` listens on http://127.0.0.1:8000/v1)
"""


def init(
    path: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="Where to write the config."),
    ] = Path("sitrep.toml"),
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Write a commented sitrep.toml with OpenAI, Ollama, vLLM and llama.cpp profiles."""
    if path.exists() and not force:
        raise UsageError(f"{path} exists: edit it, or give --force to replace it")
    try:
        atomic_write_text(path, TEMPLATE)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from exc
    settings = load_settings(str(path), env={})  # what was written must load
    say(f"init: wrote {path} with profiles {', '.join(settings.models)}")
    say(f"next: sitrep models --config {path}")
