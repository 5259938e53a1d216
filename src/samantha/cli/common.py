"""What every subcommand shares: the common options, settings from flags, an offline companion.

Subcommands live in their own ``cli_*`` modules and register themselves on the root app.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

BackendOpt = Annotated[
    str | None,
    typer.Option(
        "--backend",
        "-b",
        help="offline, openai, ollama, vllm, llamacpp, lmstudio, custom (env SAMANTHA_BACKEND).",
    ),
]
ModelOpt = Annotated[
    str | None, typer.Option("--model", "-m", help="Model name (env SAMANTHA_MODEL).")
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help="OpenAI-compatible server URL (env SAMANTHA_BASE_URL)."),
]
PersonaOpt = Annotated[
    str | None, typer.Option("--persona", "-p", help="Companion name or persona file.")
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")]


def settings_from(ctx: typer.Context | None, **flags: Any) -> Any:
    """Flags given to the subcommand win over those given before it (no context: none
    were given)."""
    from samantha.config import load_settings
    from samantha.config.model import config_notes

    merged = dict((ctx.obj if ctx is not None else None) or {})
    merged.update({k: v for k, v in flags.items() if v is not None})
    settings = load_settings(**merged)
    for note in config_notes():
        typer.echo(f"samantha: {note}", err=True)
    return settings


def with_companion(settings: Any, view: Any) -> list[str]:
    """Open her (offline: no model is needed to look at her state), run ``view``, close."""
    from samantha.engine import build_companion

    async def run() -> list[str]:
        companion = build_companion(settings.model_copy(update={"backend": "offline"}))
        try:
            result: list[str] = await view(companion)
            return result
        finally:
            await companion.aclose()

    return asyncio.run(run())
