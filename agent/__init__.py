"""sitrep: grounded extraction of conflict events, casualty figures and stated causes.

The Python API (these names are a contract; see `agent.api`):

    from agent import extract_text
    result = extract_text(text, model="rules", published="2024-06-11")
    for figure in result.casualties:
        print(figure.outcome, figure.low, figure.high, figure.evidence.text)

`extract_text`, `aextract_text`, `load_settings`, `make_extractor`, the result models
(`ExtractionResult`, `Event`, `CasualtyFigure`, `StatedCause`, `Quote`, `Actor`,
`ArticleInfo`, `PromptInfo`, `Usage`), `Settings`, `Extractor` and `AgentError`. They are
loaded on first use, so `import agent` (and every command of the CLI) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from agent.api import aextract_text, extract_text, load_settings, make_extractor
    from agent.config import Settings
    from agent.errors import AgentError
    from agent.extractors.base import Extractor
    from agent.schema import (
        Actor,
        ArticleInfo,
        CasualtyFigure,
        Event,
        ExtractionResult,
        PromptInfo,
        Quote,
        StatedCause,
        Usage,
    )

_EXPORTS = {
    "extract_text": "agent.api",
    "aextract_text": "agent.api",
    "load_settings": "agent.api",
    "make_extractor": "agent.api",
    "Settings": "agent.config",
    "AgentError": "agent.errors",
    "Extractor": "agent.extractors.base",
    "ExtractionResult": "agent.schema",
    "Event": "agent.schema",
    "CasualtyFigure": "agent.schema",
    "StatedCause": "agent.schema",
    "Quote": "agent.schema",
    "Actor": "agent.schema",
    "ArticleInfo": "agent.schema",
    "PromptInfo": "agent.schema",
    "Usage": "agent.schema",
}

__all__ = [
    "Actor",
    "AgentError",
    "ArticleInfo",
    "CasualtyFigure",
    "Event",
    "ExtractionResult",
    "Extractor",
    "PromptInfo",
    "Quote",
    "Settings",
    "StatedCause",
    "Usage",
    "__version__",
    "aextract_text",
    "extract_text",
    "load_settings",
    "make_extractor",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'agent' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
