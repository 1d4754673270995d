"""`sitrep models`: the model profiles and whether each is usable here; with `--check`, what
each profile's endpoint actually supports (probed with a few tiny requests)."""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Annotated

import typer

from agent.cli.options import ConfigOpt, say
from agent.config import AUTO, RULES, ResolvedModel, Settings, load_settings, profile_status
from agent.config import resolve_model as resolve_profile
from agent.errors import CheckFailedError, ConfigError, ModelAuthError, UsageError

if TYPE_CHECKING:
    from agent.extractors.llm.probe import CheckReport, ProfileCheck
    from agent.extractors.llm.trials import TruncationCheck

ProfilesArg = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="PROFILE",
        help="Profiles to --check (default: every profile of the config).",
        show_default=False,
    ),
]
CheckOpt = Annotated[
    bool,
    typer.Option(
        "--check",
        help="Probe each profile's endpoint with tiny requests: reachable, key accepted, "
        "model listed, which modes work, usage, truncation, context window, the mode to use. "
        "Exit 0 when every profile checked is usable, 1 when one is not, 4 on a refused key.",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="With --check: the report as JSON.")]


def models(
    profiles: ProfilesArg = None,
    check: CheckOpt = False,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
) -> None:
    """List the model profiles and whether each is usable here; with --check, probe what each
    profile's endpoint supports (never prints a key)."""
    settings = load_settings(config)
    if not check:
        if profiles or as_json:
            raise UsageError("PROFILE names and --json go with --check")
        _list_profiles(settings)
        return
    resolved = _resolve(settings, profiles or [])
    from agent.extractors.llm.probe import check_profiles  # openai: only when probing

    report = asyncio.run(check_profiles(resolved, note=say))
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
    else:
        for line in render_report(report):
            typer.echo(line)
    _verdict(report)


def _list_profiles(settings: Settings) -> None:
    typer.echo(f"config: {settings.config_path or '(none found; built-in defaults)'}")
    typer.echo(f"default_model: {settings.default_model}")
    typer.echo("rules        usable   offline rule-based extractor (no key, no network)")
    for name, profile in sorted(settings.models.items()):
        ok, why = profile_status(profile, os.environ)
        typer.echo(
            f"{name:<12} {'usable' if ok else 'missing':<8} {profile.model} via "
            f"{profile.endpoint} (mode {profile.mode}; {why})"
        )
    if "OPENAI_API_KEY" in os.environ:
        typer.echo("openai/<id>  usable   ad hoc OpenAI model (key in $OPENAI_API_KEY)")
    else:
        typer.echo("openai/<id>  missing  ad hoc OpenAI model ($OPENAI_API_KEY is not set)")


def _resolve(settings: Settings, names: list[str]) -> list[ResolvedModel]:
    """Every profile named (else every profile of the config), with its key; a key variable
    that is unset stops here, before any request (exit 2)."""
    names = names or sorted(settings.models)
    if not names:
        raise ConfigError(
            "no model profiles to check: add [models.NAME] to the config, or name openai/<model-id>"
        )
    for name in names:
        if name in (RULES, AUTO):
            raise UsageError(f"{name!r} has no endpoint to check: name a profile")
    return [resolve_profile(settings, name, os.environ) for name in names]


def _verdict(report: CheckReport) -> None:
    """Exit 4 when an endpoint refused the key, 1 when a profile is not usable, else 0."""
    for checked in report.profiles:
        if checked.key == "refused":
            raise ModelAuthError(
                checked.problem or "the key was refused",
                profile=checked.profile,
                endpoint=checked.endpoint,
            )
    unusable = [p for p in report.profiles if not p.usable]
    if unusable:
        raise CheckFailedError(
            "not usable: " + "; ".join(f"profile {p.profile!r}: {p.problem}" for p in unusable)
        )


def render_report(report: CheckReport) -> list[str]:
    """The report as readable lines: one block per profile, then the time it all took."""
    lines: list[str] = []
    for checked in report.profiles:
        lines += render_profile(checked)
        lines.append("")
    count = len(report.profiles)
    lines.append(f"checked {count} profile{'s' if count != 1 else ''} in {report.seconds:.1f} s")
    return lines


def render_profile(p: ProfileCheck) -> list[str]:
    def row(label: str, text: str) -> str:
        return f"  {label:<12}{text}"

    lines = [f"{p.profile}: {p.model} at {p.endpoint} (mode {p.mode})"]
    lines.append(row("reachable", "yes" if p.reachable else "no"))
    if p.reachable:
        lines.append(row("server", p.server.label))
        lines.append(row("key", p.key if p.key != "unknown" else "not checked"))
    if p.listed_models is not None:
        listed = "listed" if p.model_listed else f"not listed ({', '.join(p.listed_models)})"
        lines.append(row("model id", listed))
    for i, m in enumerate(p.modes):
        lines.append(
            row("modes" if i == 0 else "", f"{m.mode:<19} {m.summary} ({m.seconds:.1f} s)")
        )
    if p.modes:
        usage = {True: "reported", False: "not reported", None: "unknown"}[p.usage_reported]
        lines.append(row("usage", usage))
    for i, cut in enumerate(p.truncation):
        lines.append(row("truncation" if i == 0 else "", _truncation(cut)))
    if p.reachable and p.key != "refused":
        lines.append(row("context", _context(p)))
        lines.append(row("recommended", f'mode = "{p.recommended_mode}"' if p.recommended_mode
                         else "none: no mode works"))  # fmt: skip
    lines += [row("warning", text) for text in p.warnings]
    lines += [row("advice" if i == 0 else "", text) for i, text in enumerate(p.advice)]
    lines.append(row("usable", "yes" if p.usable else f"no: {p.problem}"))
    lines.append(row("took", f"{p.seconds:.1f} s"))
    return lines


def _truncation(cut: TruncationCheck) -> str:
    if cut.honest:
        return f"{cut.mode}: a cut answer says finish_reason 'length'"
    if cut.honest is False:
        return f"{cut.mode}: a cut answer says {cut.finish_reason!r}, not 'length'"
    if cut.finish_reason is None:
        return f"{cut.mode}: not tested (no reply)"
    return f"{cut.mode}: not tested (the answer ended before max_tokens={cut.max_tokens})"


def _context(p: ProfileCheck) -> str:
    facts = p.server
    if facts.context_window is None:
        text = "unknown"
    else:
        text = f"{facts.context_window} tokens ({facts.context_source})"
    if facts.model_max_context:
        text += f"; the model allows up to {facts.model_max_context}"
    return text
