"""`samantha duet`: two companions talk to each other."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from samantha.cli.common import DebugOpt, settings_from


def duet(
    ctx: typer.Context,
    first: Annotated[str, typer.Argument(help="The companion who speaks first.")],
    second: Annotated[str, typer.Argument(help="The one who answers.")],
    turns: Annotated[int, typer.Option("--turns", "-t", help="Lines in all, both sides.")] = 12,
    topic: Annotated[str, typer.Option("--topic", help="What they talk about.")] = "",
    backend_a: Annotated[
        str | None, typer.Option("--backend-a", help="Backend of the first (default: yours).")
    ] = None,
    model_a: Annotated[str | None, typer.Option("--model-a", help="Model of the first.")] = None,
    backend_b: Annotated[
        str | None, typer.Option("--backend-b", help="Backend of the second (default: yours).")
    ] = None,
    model_b: Annotated[str | None, typer.Option("--model-b", help="Model of the second.")] = None,
    debug: DebugOpt = False,
) -> None:
    """Let two companions talk, streamed as it happens and saved: each remembers the other."""
    settings = (
        settings_from(ctx, persona=first, backend=backend_a, model=model_a),
        settings_from(ctx, persona=second, backend=backend_b, model=model_b),
    )
    asyncio.run(_duet(settings, topic, turns))


async def _duet(settings: tuple[Any, Any], topic: str, turns: int) -> None:
    from rich.console import Console
    from rich.text import Text

    from samantha.cli.safe_output import shown
    from samantha.engine.duet import Duet, DuetEnded, LineDone, Spoken

    console = Console(highlight=False)
    duet = Duet.open(*settings)
    colours = {
        side.persona.name: side.persona.accent_color or default
        for side, default in zip(duet.sides, ("magenta", "cyan"), strict=True)
    }
    speaking: str | None = None
    try:
        events = duet.run(topic, turns)
        async for event in events:
            if isinstance(event, Spoken):
                if speaking != event.speaker:
                    console.print(
                        Text(f"{shown(event.speaker)}: ", style=f"bold {colours[event.speaker]}"),
                        end="",
                    )
                    speaking = event.speaker
                # Text(), never markup: what a model says is shown as it is.
                console.print(Text(shown(event.text)), end="")
            elif isinstance(event, LineDone):
                console.print()
                speaking = None
            elif isinstance(event, DuetEnded):
                console.print(Text(f"(ended: {event.reason}; saved)", style="dim"))
    finally:
        await duet.aclose()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("duet")(duet)
