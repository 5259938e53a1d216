"""`samantha write ...` (a piece she makes for you), `samantha keepsakes ...` (list, show,
revise, export, delete them) and `samantha diary ...` (read, edit and delete her diary)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from samantha.cli.common import (
    BackendOpt,
    BaseUrlOpt,
    DebugOpt,
    ModelOpt,
    PersonaOpt,
    settings_from,
    with_companion,
)
from samantha.cli.safe_output import counted, echo, shown, write

keepsakes_app = typer.Typer(
    help="The letters, poems, songs, toasts and notes she wrote for you.", no_args_is_help=True
)
diary_app = typer.Typer(help="Her diary: one entry for each day you talked.", no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(help="The id (from the list).")]


def _write(
    ctx: typer.Context,
    what: Annotated[
        str,
        typer.Argument(
            help="What to write: 'a letter to my sister for her wedding', 'a poem about us'."
        ),
    ],
    backend: BackendOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """She writes a piece for you from what she knows of you, prints it as it comes and
    keeps it (see `samantha keepsakes`)."""
    settings = settings_from(ctx, backend=backend, model=model, base_url=base_url, persona=persona)
    asyncio.run(_stream(settings, lambda c: c.write(what)))


async def _stream(settings: Any, start: Any) -> None:
    from contextlib import aclosing

    from samantha.engine import Companion, ReplyChunk

    companion = Companion.open(settings)
    out = sys.stdout
    try:
        events = start(companion)
        async with aclosing(events):
            async for event in events:
                if isinstance(event, ReplyChunk):
                    write(shown(event.text), out)
                else:
                    out.write("\n")
                    out.flush()
                    kept = event.keepsake
                    echo(
                        f"(kept as keepsake #{kept.id}, {kept.form}, version {kept.version}; "
                        f"drawn from {counted(len(event.memories), 'memory', 'memories')})",
                        err=True,
                    )
    finally:
        await companion.aclose()


def _line(keepsake: Any) -> str:
    first = " ".join(keepsake.text.split())[:60]
    version = f" v{keepsake.version}" if keepsake.version > 1 else ""
    return (
        f"#{keepsake.id:<5} {keepsake.form:<7}{version:<4} {keepsake.created_at.astimezone():%Y-%m-%d}"
        f"  {shown(keepsake.request)}  — {shown(first)}"
    )


def _show(ctx: typer.Context, persona: str | None, view: Any) -> None:
    for line in with_companion(settings_from(ctx, persona=persona), view):
        echo(line)


@keepsakes_app.command("list")
def keepsakes_list(ctx: typer.Context, persona: PersonaOpt = None, debug: DebugOpt = False) -> None:
    """Every piece (its newest version), newest first."""

    async def view(companion: Any) -> list[str]:
        found = await companion.keepsakes()
        if not found:
            return ["She hasn't written anything for you yet: try `samantha write a poem for me`."]
        return [_line(k) for k in found]

    _show(ctx, persona, view)


@keepsakes_app.command("show")
def keepsakes_show(
    ctx: typer.Context, keepsake_id: IdArg, persona: PersonaOpt = None, debug: DebugOpt = False
) -> None:
    """One piece in full, with its versions and the memories it drew on."""

    async def view(companion: Any) -> list[str]:
        kept = await companion.keepsake(keepsake_id)
        versions = await companion.keepsake_versions(keepsake_id)
        memories = await companion.keepsake_memories(kept)
        lines = [
            f"{kept.form.capitalize()} for “{shown(kept.request)}”, version {kept.version} of "
            f"{len(versions)}, {kept.created_at.astimezone():%Y-%m-%d %H:%M}"
            + (f" (asked: {shown(kept.how)})" if kept.how else ""),
            "",
            shown(kept.text),
            "",
        ]
        if len(versions) > 1:
            lines.append("Versions: " + ", ".join(f"#{v.id} (v{v.version})" for v in versions))
        lines.append(
            "Drawn from: " + ("; ".join(f"#{m.id} {shown(m.text)}" for m in memories) or "nothing")
        )
        return lines

    _show(ctx, persona, view)


@keepsakes_app.command("revise")
def keepsakes_revise(
    ctx: typer.Context,
    keepsake_id: IdArg,
    how: Annotated[str, typer.Argument(help="How to change it: 'make it shorter', 'warmer'.")],
    backend: BackendOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """A new version of a piece, as you ask; the old one is kept."""
    settings = settings_from(ctx, backend=backend, model=model, base_url=base_url, persona=persona)
    asyncio.run(_stream(settings, lambda c: c.revise_keepsake(keepsake_id, how)))


@keepsakes_app.command("export")
def keepsakes_export(
    ctx: typer.Context,
    keepsake_ids: Annotated[
        list[int] | None, typer.Argument(help="Ids to export (all of them when none are given).")
    ] = None,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Folder to write the Markdown files in.")
    ] = Path("keepsakes"),
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Each piece as a Markdown file (written whole or not at all)."""

    async def view(companion: Any) -> list[str]:
        ids = keepsake_ids or [k.id for k in await companion.keepsakes()]
        if not ids:
            return ["There is nothing to export yet."]
        return [f"Wrote {await companion.export_keepsake(i, output)}" for i in ids]

    _show(ctx, persona, view)


@keepsakes_app.command("delete")
def keepsakes_delete(
    ctx: typer.Context,
    keepsake_id: IdArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Delete a piece and every version of it."""
    if not yes:
        typer.confirm(f"Delete keepsake #{keepsake_id} and all its versions?", abort=True)

    async def view(companion: Any) -> list[str]:
        gone = await companion.delete_keepsake(keepsake_id)
        return [f"Deleted keepsake #{keepsake_id} ({counted(gone, 'version')})."]

    _show(ctx, persona, view)


def _entry_line(entry: Any) -> str:
    mark = "  (a message it drew on was deleted)" if entry.marked else ""
    edited = "  (edited)" if entry.edited_at else ""
    first = " ".join(entry.text.split())[:70]
    return f"#{entry.id:<4} {entry.day:%Y-%m-%d}  {shown(first)}{edited}{mark}"


@diary_app.command("list")
def diary_list(ctx: typer.Context, persona: PersonaOpt = None, debug: DebugOpt = False) -> None:
    """Her entries, newest day first (she writes one for each day you talked, when the chat
    first starts after it ends, or when you type /diary)."""

    async def view(companion: Any) -> list[str]:
        found = await companion.diary_entries()
        return [_entry_line(e) for e in found] or ["Her diary is empty: talk to her for a day."]

    _show(ctx, persona, view)


@diary_app.command("show")
def diary_show(
    ctx: typer.Context, entry_id: IdArg, persona: PersonaOpt = None, debug: DebugOpt = False
) -> None:
    """One entry in full."""

    async def view(companion: Any) -> list[str]:
        entry = await companion.diary_entry(entry_id)
        lines = [f"{entry.day:%A %d %B %Y}", "", shown(entry.text)]
        if entry.edited_at:
            lines.append(f"(edited {entry.edited_at.astimezone():%Y-%m-%d %H:%M})")
        if entry.marked:
            lines.append("(a message this entry drew on has since been deleted)")
        return lines

    _show(ctx, persona, view)


@diary_app.command("edit")
def diary_edit(
    ctx: typer.Context,
    entry_id: IdArg,
    text: Annotated[str, typer.Argument(help="What the entry should say instead.")],
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Change an entry (her memory of that day changes with it)."""

    async def view(companion: Any) -> list[str]:
        return [_entry_line(await companion.edit_diary(entry_id, text))]

    _show(ctx, persona, view)


@diary_app.command("delete")
def diary_delete(
    ctx: typer.Context,
    entry_id: IdArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
    persona: PersonaOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Delete an entry and her memory of it."""
    if not yes:
        typer.confirm(f"Delete diary entry #{entry_id}?", abort=True)

    async def view(companion: Any) -> list[str]:
        await companion.delete_diary(entry_id)
        return [f"Deleted diary entry #{entry_id}."]

    _show(ctx, persona, view)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("write")(_write)
    app.add_typer(keepsakes_app, name="keepsakes")
    app.add_typer(diary_app, name="diary")
