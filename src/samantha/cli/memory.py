"""`samantha memory ...` (see, search, edit and erase what she remembers) and `samantha prompt`
(what a message would send, section by section)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer

from samantha.cli.common import BackendOpt, DebugOpt, PersonaOpt, settings_from, with_companion
from samantha.cli.safe_output import counted, echo

memory_app = typer.Typer(
    help="See, search, edit and erase what she remembers about you.", no_args_is_help=True
)

LimitOpt = Annotated[int, typer.Option("--limit", "-n", help="How many to show.")]


def _line(memory: Any) -> str:
    due = f"  due {memory.due_at:%Y-%m-%d}" if memory.due_at else ""
    sources = ",".join(str(i) for i in memory.source_ids) or "-"
    return (
        f"#{memory.id:<5} {memory.kind.value:<10} {memory.importance:>2}  "
        f"{memory.created_at:%Y-%m-%d}  {memory.text}{due}  (from messages {sources})"
    )


@memory_app.command("list")
def memory_list(
    ctx: typer.Context, limit: LimitOpt = 50, persona: PersonaOpt = None, debug: DebugOpt = False
) -> None:
    """What she remembers, newest first: id, kind, importance, date, text, source messages."""

    async def view(companion: Any) -> list[str]:
        found = await companion.memories(limit=limit)
        if not found:
            return ["She doesn't remember anything about you yet."]
        return [_line(m) for m in found]

    _show(ctx, persona, view)


@memory_app.command("search")
def memory_search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words to look for.")],
    limit: LimitOpt = 20,
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Memories matching some words, best first."""

    async def view(companion: Any) -> list[str]:
        found = await companion.memories(query, limit=limit)
        return [_line(m) for m in found] or [f"Nothing she remembers matches “{query}”."]

    _show(ctx, persona, view)


@memory_app.command("show")
def memory_show(
    ctx: typer.Context,
    memory_id: Annotated[int, typer.Argument(help="The memory's id (from memory list).")],
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """One memory with the messages it came from (its provenance)."""
    from samantha.errors import InputError

    async def view(companion: Any) -> list[str]:
        memory = await companion.memory_item(memory_id)
        if memory is None:
            raise InputError(f"There is no memory {memory_id}: run `samantha memory list`.")
        lines = [_line(memory), f"last recalled {memory.accessed_at:%Y-%m-%d %H:%M}"]
        for source in memory.source_ids:
            message = await companion.message(source)
            if message is not None:
                lines.append(
                    f"  from message {message.id} in conversation {message.conversation_id}, "
                    f"{message.created_at:%Y-%m-%d %H:%M}, {message.speaker}: {message.text[:300]}"
                )
        return lines

    _show(ctx, persona, view)


@memory_app.command("edit")
def memory_edit(
    ctx: typer.Context,
    memory_id: Annotated[int, typer.Argument(help="The memory's id.")],
    text: Annotated[str, typer.Argument(help="What it should say instead.")],
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Correct what she remembers."""

    async def view(companion: Any) -> list[str]:
        return [_line(await companion.edit_memory(memory_id, text))]

    _show(ctx, persona, view)


@memory_app.command("forget")
def memory_forget(
    ctx: typer.Context,
    memory_ids: Annotated[list[int], typer.Argument(help="Ids of the memories to erase.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Erase memories (and the episodes of the messages they came from); the conversations
    themselves are kept."""
    if not yes:
        typer.confirm(
            f"Forget {counted(len(memory_ids), 'memory', 'memories')} for good?", abort=True
        )

    async def view(companion: Any) -> list[str]:
        for memory_id in memory_ids:
            await companion.forget(memory_id)
        return [f"Forgotten: {', '.join(f'#{i}' for i in memory_ids)}."]

    _show(ctx, persona, view)


@memory_app.command("export")
def memory_export(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="JSON file to write.")] = Path(
        "memories.json"
    ),
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Write her memories and core blocks as JSON (mode 0600). No settings or keys go in."""
    from samantha.memory.transfer import MemoryExport
    from samantha.persona.writer import write_private

    async def view(companion: Any) -> list[str]:
        memories = await companion.memories(limit=1_000_000)
        core = await companion.core_memory()
        document = MemoryExport(
            persona=companion.persona.key,
            exported_at=companion.clock.now(),
            core=core,
            memories=memories,
        )
        write_private(output, document.model_dump_json(indent=2), force=True)
        return [f"Wrote {counted(len(memories), 'memory', 'memories')} to {output}."]

    _show(ctx, persona, view)


@memory_app.command("import")
def memory_import(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="A JSON file from `samantha memory export`.")],
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Add memories from a JSON export (facts she already has are reinforced, not doubled)."""
    from samantha.memory.transfer import read_export

    document = read_export(source)

    async def view(companion: Any) -> list[str]:
        for memory in document.memories:
            await companion.remember(
                memory.text,
                kind=memory.kind,
                importance=memory.importance,
                due_at=memory.due_at,
            )
        core = await companion.core_memory()
        if document.core.about_user and document.core.about_user not in core.about_user:
            joined = "\n".join(t for t in (core.about_user, document.core.about_user) if t)
            await companion.set_core_memory("about_user", joined)
        if document.core.user_name and not core.user_name:
            await companion.set_user_name(document.core.user_name)
        return [f"Imported {counted(len(document.memories), 'memory', 'memories')} from {source}."]

    _show(ctx, persona, view)


def _show(ctx: typer.Context, persona: str | None, view: Any) -> None:
    """Run ``view`` on her (offline: looking needs no model) and print its lines."""
    for line in with_companion(settings_from(ctx, persona=persona), view):
        echo(line)


def prompt(
    ctx: typer.Context,
    message: Annotated[str, typer.Argument(help="The message to preview.")],
    backend: BackendOpt = None,
    persona: PersonaOpt = None,
    full: Annotated[bool, typer.Option("--full", help="Print every section's text.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Print the prompt this message would send, with each section's token count; nothing
    is sent or stored."""
    from samantha.engine import Companion

    settings = settings_from(ctx, backend=backend, persona=persona)

    async def run() -> list[str]:
        # Counting needs the configured model's name and window, not a connection: nothing
        # is sent, so opening the real backend's adapter costs nothing.
        companion = Companion.open(settings)
        try:
            built = await companion.preview_prompt(message)
        finally:
            await companion.aclose()
        lines = [
            f"{'section':<20}{'tokens':>8}{'budget':>8}",
            *(
                f"{s.name:<20}{s.tokens:>8}{s.budget if s.budget is not None else '-':>8}"
                + ("  (left out: over budget)" if s.dropped else "")
                for s in built.sections
            ),
            f"{'total':<20}{built.tokens:>8}  of {built.budget} ({built.accuracy})",
        ]
        if full:
            for section in built.sections:
                if section.name != "history" and not section.dropped:
                    lines += ["", f"── {section.name} ──", section.text]
            lines += ["", "── as sent, after the lead system message ──"]
            for chat in built.messages[1:]:
                if chat.role == "system":
                    # Its sections are printed above; here is only where it stands.
                    lines += ["", "── system: the moment (mood, time, memories...) ──"]
                else:
                    lines += ["", f"── {chat.role} ──", chat.content]
        return lines

    for line in asyncio.run(run()):
        echo(line)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(memory_app, name="memory")
    app.command("prompt")(prompt)
