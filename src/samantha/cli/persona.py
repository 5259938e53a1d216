"""`samantha persona ...`: list, show, check, schema, import and export companions.

Every command is thin: the work is in ``samantha.persona``; failures are PersonaErrors, which
``cli.main`` prints as one sentence. Imports happen inside commands to keep start-up fast.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from samantha.cli.safe_output import echo

persona_app = typer.Typer(
    help="List, check, import and export companions (persona files and Character Cards).",
    no_args_is_help=True,
)

CARD_SUFFIXES = {".json", ".png", ".charx"}


class CardFormat(StrEnum):
    v2 = "v2"
    v3 = "v3"


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.add_typer(persona_app, name="persona")


def _user_dir() -> Path:
    from samantha.config import Paths

    return Paths.from_env().personas_dir


@persona_app.command("list")
def list_personas() -> None:
    """Every companion you can choose with --persona (by the file name or her name), where it
    comes from, and its tagline."""
    from samantha.errors import PersonaError
    from samantha.persona import load_persona, persona_files

    files = persona_files(_user_dir())
    rows: list[tuple[str, str, str, str]] = []
    for found in files:
        try:
            persona = load_persona(found.path)
            name, tagline = persona.name, persona.tagline
        except PersonaError:
            name, tagline = f"(invalid: run samantha persona check {found.path})", ""
        rows.append((found.stem, found.source, name, tagline))
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    for stem, source, name, tagline in rows:
        echo(f"{stem:<{widths[0]}}  {source:<{widths[1]}}  {name:<{widths[2]}}  {tagline}".rstrip())
    echo(f"(your own personas go in {_user_dir()})")


@persona_app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="A persona's name or a path to its file.")],
    full: Annotated[bool, typer.Option("--full", help="Include every default value.")] = False,
) -> None:
    """Print a persona as samantha reads it: the file, resolved and validated."""
    from samantha.persona import find_persona, load_persona
    from samantha.persona.writer import persona_yaml

    path = find_persona(name, _user_dir())
    persona = load_persona(path)
    header = [f"{persona.name}, from {path}"]
    echo(persona_yaml(persona, header, full=full), nl=False)


@persona_app.command("check")
def check(
    files: Annotated[
        list[Path], typer.Argument(help="Persona files, card files or persona names to check.")
    ],
) -> None:
    """Validate persona files without chatting: 'ok' or the problem, one line per file."""
    from samantha.errors import PersonaError
    from samantha.persona import find_persona, load_persona
    from samantha.persona.cards import load_card

    failed = 0
    for given in files:
        path = given
        try:
            if not path.exists() and not path.suffix and len(path.parts) == 1:
                path = find_persona(str(given), _user_dir())  # a name, as --persona takes
            is_card = path.suffix.lower() in CARD_SUFFIXES
            persona = load_card(path) if is_card else load_persona(path)
        except PersonaError as exc:
            failed += 1
            echo(str(exc))
        else:
            echo(f"ok: {path} ({persona.name})")
    if failed:
        raise typer.Exit(2)


@persona_app.command("schema")
def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write it to this file.")
    ] = None,
) -> None:
    """Print the JSON Schema of persona files, for editors to validate and complete them."""
    from samantha.persona.writer import schema_json

    text = schema_json()
    if output is None:
        echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    echo(f"Wrote the persona schema to {output}.")


@persona_app.command("import")
def import_card(
    file: Annotated[Path, typer.Argument(help="A Character Card: .json, .png or .charx.")],
    name: Annotated[str | None, typer.Option("--name", help="Her name here.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a persona of that name.")] = False,
) -> None:
    """Turn a Character Card (V1, V2 or V3) into a persona file in your personas folder."""
    from samantha.errors import PersonaError
    from samantha.persona import parse_persona, shipped_personas_dir
    from samantha.persona.cards import load_card_noting
    from samantha.persona.writer import persona_yaml, slug, write_private
    from samantha.store.db import ensure_private_dir

    persona, notes = load_card_noting(file, name)
    stem = slug(persona.name)
    if not stem:
        raise PersonaError(
            f"The name '{persona.name}' makes no usable file name: pass --name with letters or "
            "digits in it."
        )
    target = _user_dir() / f"{stem}.yaml"
    header = [
        f"Imported from {file.name} by `samantha persona import`; edit freely.",
        f"Check it with: samantha persona check {target}",
    ]
    text = persona_yaml(persona, header)
    parse_persona(text, str(target))  # what is written must load: fail here, not at chat time
    # Her folders may be made here first: private from the start, whatever the umask.
    ensure_private_dir(target.parent.parent)
    ensure_private_dir(target.parent)
    write_private(target, text, force=force)
    echo(f"Imported {persona.name} to {target}.")
    for note in notes:
        echo(f"Note: {note}")
    if any(shipped_personas_dir().glob(f"{stem}.y*ml")):
        echo(f"It takes the place of the shipped persona '{stem}' (delete it to undo).")
    echo(f"Chat: samantha --persona {stem}")


@persona_app.command("export")
def export_card(
    name: Annotated[str, typer.Argument(help="A persona's name or a path to its file.")],
    card: Annotated[CardFormat, typer.Option("--card", help="Card version.")] = CardFormat.v2,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write .json, .png or .charx (else print JSON)."),
    ] = None,
) -> None:
    """Write a persona as a Character Card other apps can import."""
    import json

    from samantha.persona import find_persona, load_persona
    from samantha.persona.cardfile import charx_with_card, png_with_card
    from samantha.persona.cards import persona_to_card
    from samantha.persona.writer import write_private

    persona = load_persona(find_persona(name, _user_dir()))
    data = persona_to_card(persona, card.value)
    if output is None:
        echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    suffix = output.suffix.lower()
    content: str | bytes
    if suffix == ".png":
        chunks = {b"chara": persona_to_card(persona, "v2")}
        if card is CardFormat.v3:
            chunks[b"ccv3"] = data
        content = png_with_card(chunks)
    elif suffix == ".charx":
        content = charx_with_card(persona_to_card(persona, "v3"))
    else:
        content = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    write_private(output, content, force=True)
    echo(f"Wrote {persona.name} as a {card.value} card to {output}.")
