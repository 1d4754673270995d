"""Settings and model profiles, built once at the edge from file + environment + flags.

The TOML config holds named profiles (`[models.NAME]`); keys never live in it, only the NAME of
the environment variable that holds one (`api_key_env`).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from agent.errors import ConfigError
from agent.items import first_error

Mode = Literal["tools", "json_schema", "json_object_schema", "json", "md_json"]
MODES: tuple[str, ...] = ("tools", "json_schema", "json_object_schema", "json", "md_json")
RULES = "rules"
AUTO = "auto"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
OPENAI_URL = "https://api.openai.com/v1"


@dataclass(frozen=True)
class Prices:
    """Estimated cost per million tokens (the profile's `price_*_per_mtok`)."""

    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (
            prompt_tokens * self.input_per_mtok + completion_tokens * self.output_per_mtok
        ) / 1e6


class ModelProfile(BaseModel):
    """One way to reach a model. `name` is the profile's key in the config."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    provider: Literal["openai"] = "openai"
    model: str = Field(min_length=1)
    base_url: str | None = None
    # The NAME of the environment variable holding the key. Unset: OPENAI_API_KEY for OpenAI's
    # endpoint, no key for any other (a local server gets a placeholder, never the user's
    # OpenAI key). "" means no key.
    api_key_env: str | None = None
    mode: Mode = "tools"
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    # the answer's token budget; unset: sized to each article (see output_budget)
    max_output_tokens: int | None = Field(default=None, ge=16)
    # the model's context window in tokens, when known: long articles are split to fit it
    context_window: int | None = Field(default=None, ge=256)
    timeout_s: float = Field(default=60.0, gt=0)  # one attempt, from request to last byte
    # one article, every attempt, re-ask and wait together; unset: see `article_deadline`
    deadline_s: float | None = Field(default=None, gt=0)
    max_reasks: int = Field(default=2, ge=0, le=10)
    # transport retries (429, 5xx, timeouts, connection errors)
    max_attempts: int = Field(default=4, ge=1, le=20)
    max_retry_wait_s: float = Field(default=60.0, gt=0)
    max_total_wait_s: float = Field(default=180.0, gt=0)
    # estimated cost, in the user's currency per million tokens
    price_input_per_mtok: float = 0.0
    price_output_per_mtok: float = 0.0
    concurrency: int | None = Field(default=None, ge=1, le=512)

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = urlparse(value.strip())
        if url.scheme not in ("http", "https") or not url.hostname:
            hint = f"; write http://{value.strip()}" if "://" not in value else ""
            raise ValueError(f"base_url {value!r} is not an http:// or https:// URL{hint}")
        return value.strip()

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(
                f"api_key_env names an environment variable (such as OPENAI_API_KEY), not "
                f"{value[:4]}...: keys never live in the config"
            )
        return value

    @property
    def article_deadline(self) -> float:
        """Seconds one article may take in all: `deadline_s`, else every attempt at its
        timeout plus the longest total wait for retries."""
        if self.deadline_s is not None:
            return self.deadline_s
        return (self.max_reasks + 1) * self.timeout_s + self.max_total_wait_s

    @property
    def endpoint(self) -> str:
        return self.base_url or OPENAI_URL

    @property
    def key_env(self) -> str | None:
        """The variable the key is read from, if any (see `api_key_env`)."""
        if self.api_key_env is not None:
            return self.api_key_env or None
        return "OPENAI_API_KEY" if self.endpoint == OPENAI_URL else None

    @property
    def label(self) -> str:
        """The resolved model name written into every output."""
        return f"{self.name}/{self.model}" if self.name != self.model else self.model

    @property
    def prices(self) -> Prices:
        return Prices(self.price_input_per_mtok, self.price_output_per_mtok)


class Settings(BaseModel):
    """Everything a run needs to know, resolved once."""

    model_config = ConfigDict(extra="forbid")

    default_model: str = AUTO
    vague_table: Literal["acled", "isaf"] = "acled"
    concurrency: int = Field(default=8, ge=1, le=512)
    max_article_chars: int = Field(default=200_000, ge=1000)
    cache_path: str | None = None
    models: dict[str, ModelProfile] = Field(default_factory=dict)
    config_path: str | None = None
    looked_for: list[str] = Field(default_factory=list)  # the config files searched, in order


class ResolvedModel(BaseModel):
    """A profile chosen for a run, with its key (if any) read from the environment."""

    profile: ModelProfile | None  # None: the offline rule-based extractor
    api_key: SecretStr | None = None
    note: str | None = None  # said on stderr: why this model was chosen

    @property
    def label(self) -> str:
        return RULES if self.profile is None else self.profile.label


def config_candidates(explicit: str | None, env: Mapping[str, str]) -> list[Path]:
    """Where the config is looked for, in order."""
    if explicit:
        return [Path(explicit)]
    if env.get("SITREP_CONFIG"):
        return [Path(env["SITREP_CONFIG"])]
    base = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return [Path("sitrep.toml"), base / "sitrep" / "config.toml"]


def load_settings(explicit: str | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the config file (if any) into Settings; a missing default file is no error."""
    env = os.environ if env is None else env
    candidates = config_candidates(explicit, env)
    for path in candidates:
        if not path.exists():
            if explicit or env.get("SITREP_CONFIG"):
                raise ConfigError("config file not found", source=str(path))
            continue
        try:
            data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config: {exc}", source=str(path)) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"not valid TOML: {exc}", source=str(path)) from None
        settings = parse_settings(data, source=str(path))
        return settings.model_copy(update={"looked_for": [str(c.absolute()) for c in candidates]})
    return Settings(looked_for=[str(c.absolute()) for c in candidates])


def parse_settings(data: dict[str, Any], source: str = "config") -> Settings:
    models = data.get("models", {})
    if not isinstance(models, dict):
        raise ConfigError("[models] must be a table of profiles", source=source)
    for name, profile in models.items():
        if isinstance(profile, dict):
            profile.setdefault("name", name)
            if any(k in profile for k in ("api_key", "key", "token")):
                raise ConfigError(
                    f"[models.{name}] holds a key: put it in an environment variable and name "
                    "that variable in api_key_env",
                    source=source,
                )
    try:
        settings = Settings.model_validate({**data, "config_path": source})
    except ValidationError as exc:
        raise ConfigError(first_error(exc, "config"), source=source) from exc
    return settings


def resolve_model(
    settings: Settings,
    name: str | None,
    env: Mapping[str, str],
    *,
    base_url: str | None = None,
    mode: str | None = None,
) -> ResolvedModel:
    """Turn `--model NAME` (or the default) into a profile with its key."""
    chosen = name or settings.default_model
    note = None
    if chosen == AUTO:
        if env.get("OPENAI_API_KEY"):
            chosen = f"openai/{DEFAULT_OPENAI_MODEL}"
            note = f"model: {chosen} (auto: OPENAI_API_KEY is set)"
        else:
            chosen = RULES
            note = "model: rules (auto: no OPENAI_API_KEY and no default_model; offline extractor)"
    if chosen == RULES:
        if base_url or mode:
            raise ConfigError("--base-url and --mode apply to LLM profiles, not to 'rules'")
        return ResolvedModel(profile=None, note=note)
    if chosen in settings.models:
        profile = settings.models[chosen].model_copy()
    elif chosen.startswith("openai/") and len(chosen) > len("openai/"):
        model_id = chosen.split("/", 1)[1]
        profile = ModelProfile(
            name="openai",
            model=model_id,
            base_url=env.get("OPENAI_BASE_URL") or None,
            api_key_env="OPENAI_API_KEY",
        )
    else:
        known = ", ".join(sorted([RULES, AUTO, *settings.models])) or RULES
        raise ConfigError(
            f"unknown model {chosen!r}: use a profile name ({known}) or openai/<model-id>; "
            + _where_profiles_come_from(settings)
        )
    updates: dict[str, Any] = {}
    if base_url:
        updates["base_url"] = base_url
    if mode:
        if mode not in MODES:
            raise ConfigError(f"unknown mode {mode!r}: {', '.join(MODES)}")
        updates["mode"] = mode
    if updates:
        profile = profile.model_copy(update=updates)
    variable = profile.key_env
    key = env.get(variable) if variable else None
    if variable and not key:
        raise ConfigError(
            f"profile {profile.name!r} needs an API key: ${variable} is not set (export it, "
            "or name another variable in api_key_env; --model rules works offline)"
        )
    return ResolvedModel(profile=profile, api_key=SecretStr(key) if key else None, note=note)


def _where_profiles_come_from(settings: Settings) -> str:
    if settings.config_path:
        return f"profiles come from {settings.config_path}"
    looked = ", ".join(settings.looked_for) or "none"
    return f"no config file found (looked for {looked}): `sitrep init` writes one"


def profile_status(profile: ModelProfile, env: Mapping[str, str]) -> tuple[bool, str]:
    """Whether a profile is usable here, and why; never shows the key itself."""
    variable = profile.key_env
    if variable is None:
        return True, "no key needed"
    if env.get(variable):
        return True, f"key in ${variable}"
    return False, f"${variable} is not set"


CHARS_PER_TOKEN = 3.5  # a cautious estimate for news prose (measured 3.4-4.4 on the gold suite)
BUDGET_BASE, BUDGET_PER_ARTICLE_TOKEN, BUDGET_FLOOR, BUDGET_CAP = 400, 3, 512, 8192


def estimate_tokens(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN) + 1


def output_budget(profile: ModelProfile, text: str) -> int:
    """The answer's token budget for one article: the profile's `max_output_tokens`, else
    400 + 3 x the article's tokens (which covered every answer of the gold suite, pretty-printed,
    at ~120 tokens an item), at least 512 and at most 8192."""
    if profile.max_output_tokens is not None:
        return profile.max_output_tokens
    sized = BUDGET_BASE + BUDGET_PER_ARTICLE_TOKEN * estimate_tokens(text)
    return max(BUDGET_FLOOR, min(BUDGET_CAP, sized))
