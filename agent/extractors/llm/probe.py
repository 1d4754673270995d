"""`sitrep models --check`: what a profile's endpoint supports, found with a few tiny requests.

Per profile, in order (each step small: a 2-sentence text, a 2-field schema, at most
PROBE_MAX_TOKENS tokens an answer, a short timeout):
1. `GET /models`: reachable? key accepted (401/403 stop here)? model id listed?
2. which server it is and its context window (`servers.identify_server`);
3. one request per mode, the way extraction sends it (instructor, `modes.request_options`):
   accepted, or refused with the server's reason; the answer parsed and fitting the schema;
   finish_reason; usage reported;
4. a cut answer (max_tokens=4) in tools mode and in the recommended mode: is it reported as
   `length`, or (llama-cpp-python in tools mode) as a finished tool call?
The result is typed (`CheckReport`) so the CLI can print it or dump it as JSON.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

import openai
from pydantic import BaseModel, Field

from agent.config import OPENAI_URL, ResolvedModel
from agent.extractors.llm.modes import PREFERENCE
from agent.extractors.llm.reasons import redact, server_reason
from agent.extractors.llm.servers import ServerFacts, identify_server
from agent.extractors.llm.trials import (
    CONSTRAINING,
    ModeCheck,
    Target,
    TruncationCheck,
    try_mode,
    try_truncation,
)

REPORT_VERSION = 1
NO_KEY = "sitrep-no-key"  # local servers accept any key; the openai client insists on one
PROBE_MAX_TOKENS = 120
PROBE_TIMEOUT_S = 60.0  # a local server may load the model on the first request
CONNECT_TIMEOUT_S = 3.0
LISTING_TIMEOUT_S = 10.0
# tokens of context an article needs in one piece (measured with llama-cpp-python and
# SmolLM2: prompt ~1,400 + 4 x the article's tokens); 4096 holds the median gold article
WINDOW_BASE, WINDOW_PER_ARTICLE_TOKEN, COMFORTABLE_WINDOW = 1400, 4, 4096
WINDOW_FLAGS = {
    "llama-cpp-python": "start the server with --n_ctx 8192",
    "llama.cpp server": "start llama-server with --ctx-size 8192",
    "Ollama": "set num_ctx 8192 (Modelfile PARAMETER) or OLLAMA_CONTEXT_LENGTH=8192",
    "vLLM": "start vLLM with a larger --max-model-len",
    "LM Studio": "load the model with a larger context length",
}


class ProfileCheck(BaseModel):
    """What `--check` found for one profile."""

    profile: str
    model: str
    endpoint: str
    mode: str  # the profile's mode
    reachable: bool = False
    key: Literal["accepted", "refused", "unknown"] = "unknown"
    listed_models: list[str] | None = None  # None: the server lists none
    model_listed: bool | None = None
    server: ServerFacts = Field(default_factory=ServerFacts)
    modes: list[ModeCheck] = Field(default_factory=list)
    usage_reported: bool | None = None
    truncation: list[TruncationCheck] = Field(default_factory=list)
    recommended_mode: str | None = None
    usable: bool = False
    problem: str | None = None  # why the profile is not usable as configured
    warnings: list[str] = Field(default_factory=list)
    advice: list[str] = Field(default_factory=list)
    seconds: float = 0.0

    def mode_check(self, mode: str) -> ModeCheck | None:
        return next((m for m in self.modes if m.mode == mode), None)


class CheckReport(BaseModel):
    """Every checked profile, and the time the whole check took."""

    report_version: int = REPORT_VERSION
    profiles: list[ProfileCheck]
    seconds: float

    @property
    def usable(self) -> bool:
        return all(p.usable for p in self.profiles)


def make_client(resolved: ResolvedModel) -> openai.AsyncOpenAI:
    assert resolved.profile is not None
    secret = resolved.api_key.get_secret_value() if resolved.api_key else None
    return openai.AsyncOpenAI(
        api_key=secret or NO_KEY,
        base_url=resolved.profile.endpoint,
        timeout=openai.Timeout(PROBE_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
        max_retries=0,  # a probe reports what happened; it does not retry
    )


async def check_profile(resolved: ResolvedModel) -> ProfileCheck:
    """Probe one profile's endpoint (see the module docstring)."""
    assert resolved.profile is not None
    profile = resolved.profile
    started = time.monotonic()
    check = ProfileCheck(
        profile=profile.name, model=profile.model, endpoint=profile.endpoint, mode=profile.mode
    )
    secret = resolved.api_key.get_secret_value() if resolved.api_key else None
    async with make_client(resolved) as client:
        listing = await _list_models(client, check, secret)
        if check.reachable and check.key != "refused":
            if profile.endpoint != OPENAI_URL:
                check.server = await identify_server(
                    client, profile.endpoint, profile.model, listing
                )
            target = Target(client, profile.model, profile.temperature, secret, PROBE_TIMEOUT_S)
            await _try_modes(target, check)
    _conclude(check, resolved)
    check.seconds = round(time.monotonic() - started, 2)
    return check


async def _list_models(
    client: openai.AsyncOpenAI, check: ProfileCheck, secret: str | None
) -> list[dict[str, Any]]:
    """GET /models: reachability, the key, the listed ids (raw entries, for vLLM's window)."""
    try:
        listing = await client.get(
            "/models", cast_to=object, options={"timeout": LISTING_TIMEOUT_S}
        )
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        check.reachable = True
        _refused(check, exc.status_code, server_reason(exc, secret))
        return []
    except openai.APIStatusError:
        check.reachable = True  # no listing here (404 and the like); the modes will tell
        return []
    except openai.APITimeoutError:
        check.problem = f"no answer from {check.endpoint} within {LISTING_TIMEOUT_S:g} s"
        return []
    except openai.APIError as exc:
        cause = redact(str(exc.__cause__ or exc), secret)[:160]
        check.problem = (
            f"cannot connect to {check.endpoint} ({cause}): is the server running? "
            "(--model rules works offline)"
        )
        return []
    check.reachable, check.key = True, "accepted"
    data = listing.get("data") if isinstance(listing, dict) else None
    entries = [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []
    check.listed_models = [str(e.get("id")) for e in entries if e.get("id") is not None]
    check.model_listed = check.model in check.listed_models
    return entries


def _refused(check: ProfileCheck, status: int, reason: str | None) -> None:
    check.key = "refused"
    check.problem = (
        f"the server refused the key (HTTP {status}: {reason}) for profile {check.profile!r} "
        f"at {check.endpoint}"
    )


async def _try_modes(target: Target, check: ProfileCheck) -> None:
    """One request per mode, then the cut-answer requests for tools and the recommended mode.
    A request that gets no HTTP answer at all (timeout, connection) ends the probing: the next
    would wait as long."""
    for mode in PREFERENCE:
        result = await try_mode(target, mode, PROBE_MAX_TOKENS)
        check.modes.append(result)
        if result.http_status in (401, 403):
            _refused(check, result.http_status, result.reason)
            return
        if result.accepted and check.key == "unknown":
            check.key = "accepted"
        if not result.accepted and result.http_status is None:
            break
    reported = [m.usage for m in check.modes if m.accepted and m.usage is not None]
    check.usage_reported = any(reported) if reported else None
    check.recommended_mode = recommend(check.modes)
    for mode in dict.fromkeys(m for m in ("tools", check.recommended_mode) if m):
        tried = check.mode_check(mode)
        if tried is not None and tried.works:
            check.truncation.append(await try_truncation(target, mode))


def recommend(modes: list[ModeCheck]) -> str | None:
    """The first mode of `PREFERENCE` that works and is constrained, else the first that works."""
    working = [m for m in modes if m.works]
    constrained = [m for m in working if m.constrained]
    ranked = sorted(constrained or working, key=lambda m: PREFERENCE.index(m.mode))
    return ranked[0].mode if ranked else None


def _conclude(check: ProfileCheck, resolved: ResolvedModel) -> None:
    """Usable or not (with the one-line problem), warnings and advice."""
    assert resolved.profile is not None
    profile = resolved.profile
    own = check.mode_check(profile.mode)
    if check.key == "refused" and check.problem:
        variable = profile.key_env
        check.problem += f": check ${variable}" if variable else ": no key was sent (api_key_env)"
    if check.problem is None:
        if own is not None and own.works:
            check.usable = True
        elif own is not None:
            fix = f'; use mode = "{check.recommended_mode}"' if check.recommended_mode else ""
            check.problem = f"mode {profile.mode} does not work here: {own.summary}{fix}"
        elif check.modes:  # probing stopped before the profile's own mode
            last = check.modes[-1]
            check.problem = f"probing stopped at mode {last.mode}, which {last.summary}"
    _warn(check)
    _advise(check, resolved)


def _warn(check: ProfileCheck) -> None:
    if check.model_listed is False:
        listed = ", ".join(check.listed_models or []) or "nothing"
        if check.server.answers_any_model:
            check.warnings.append(
                f"model id {check.model!r} is not listed (the server lists {listed}); this "
                "server answers any name with the model it has loaded"
            )
        else:
            check.warnings.append(f"model id {check.model!r} is not listed (it lists {listed})")
    if check.usage_reported is False:
        check.warnings.append(
            "the server reports no token usage: --max-tokens and --max-cost cannot count"
        )
    for cut in check.truncation:
        if cut.honest is False:
            check.warnings.append(
                f"{cut.mode} mode reports a cut answer as {cut.finish_reason!r}, not 'length': "
                "sitrep detects it from the token count"
            )
    if check.recommended_mode and check.recommended_mode not in CONSTRAINING:
        check.warnings.append(
            "no mode constrains the answer to the schema here: answers may not fit it"
        )


def _advise(check: ProfileCheck, resolved: ResolvedModel) -> None:
    assert resolved.profile is not None
    profile = resolved.profile
    name = f"[models.{profile.name}]"
    if check.recommended_mode and check.recommended_mode != profile.mode:
        check.advice.append(f'mode = "{check.recommended_mode}" in {name}')
    window = check.server.context_window
    if window is not None:
        if profile.context_window != window:
            check.advice.append(
                f"context_window = {window} in {name} (longer articles are split to fit)"
            )
        if window < COMFORTABLE_WINDOW:
            fits = max(0, (window - WINDOW_BASE) // WINDOW_PER_ARTICLE_TOKEN)
            flag = WINDOW_FLAGS.get(check.server.kind or "", "give the model a larger context")
            check.advice.append(
                f"a {window}-token window holds articles up to ~{fits} tokens (~{fits * 7 // 10} "
                f"words) in one piece: {flag}"
            )
    slots = check.server.slots
    if slots is not None and (profile.concurrency or 0) != slots:
        one = "one request at a time" if slots == 1 else f"{slots} requests at once"
        check.advice.append(f"concurrency = {slots} in {name} (the server answers {one})")


async def check_profiles(
    resolved: list[ResolvedModel], note: Callable[[str], None] | None = None
) -> CheckReport:
    """Probe each profile in turn (one at a time: local servers often serve one request);
    `note` hears which profile is being checked."""
    started = time.monotonic()
    checks = []
    for one in resolved:
        assert one.profile is not None
        if note is not None:
            note(f"checking {one.profile.name} ({one.profile.model} at {one.profile.endpoint})")
        checks.append(await check_profile(one))
    return CheckReport(profiles=checks, seconds=round(time.monotonic() - started, 2))
