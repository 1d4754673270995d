"""The extractor a run uses, chosen from config + environment + flags.

The LLM extractor (and with it openai and instructor, ~1-6 s to import) is imported only when
a model profile is chosen: offline commands never pay for it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

from agent.config import Settings, resolve_model
from agent.errors import UsageError
from agent.extractors.base import Extractor


def make_extractor(
    settings: Settings,
    model: str | None,
    *,
    base_url: str | None = None,
    mode: str | None = None,
    prompt_path: str | None = None,
    vague_table: str | None = None,
    note: Callable[[str], None] | None = None,
    strict: bool = False,
) -> Extractor:
    """`note` receives the one-line explanation of an `auto` choice; `strict` makes a prompt
    the server truncated a failure instead of a warning."""
    resolved = resolve_model(settings, model, os.environ, base_url=base_url, mode=mode)
    if resolved.note and note is not None:
        note(resolved.note)
    table = vague_table or settings.vague_table
    if resolved.profile is None:
        if prompt_path:
            raise UsageError("--prompt applies to LLM profiles; 'rules' uses no prompt")
        from agent.extractors.rules.extractor import RulesExtractor

        return RulesExtractor(vague_table=table)
    from agent.extractors.llm.extractor import LLMExtractor
    from agent.extractors.prompts import load_prompt

    return LLMExtractor(resolved, load_prompt(prompt_path), vague_table=table, strict=strict)


def worker_factory(extractor: Extractor) -> Callable[[], Extractor] | None:
    """A picklable way to make `extractor` again in a worker process, for extractors that
    need the CPU rather than the network (the offline rules); None for the others."""
    from agent.extractors.rules.extractor import RulesExtractor

    if isinstance(extractor, RulesExtractor):
        return functools.partial(RulesExtractor, vague_table=extractor.vague_table)
    return None
