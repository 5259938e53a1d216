"""`samantha export`, `samantha wipe` and `samantha repair`: everything the user owns, out,
gone, or set aside when damaged. The work is in ``samantha.store.archive``; this only talks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from samantha.cli.common import DebugOpt
from samantha.cli.safe_output import counted, echo


class ExportFormat(StrEnum):
    JSON = "json"
    MARKDOWN = "markdown"
    BOTH = "both"


def export(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Folder to write into (made private); default ./samantha-export-<time>.",
        ),
    ] = None,
    format: Annotated[
        ExportFormat,
        typer.Option("--format", "-f", help="json (every table), markdown (transcripts), both."),
    ] = ExportFormat.BOTH,
    debug: DebugOpt = False,
) -> None:
    """Write out everything she keeps about you: conversations, mood, relationship, memories."""
    from samantha.config import Paths
    from samantha.store.archive import export_database

    paths = Paths.from_env()
    folder = output or Path.cwd() / f"samantha-export-{datetime.now():%Y%m%d-%H%M%S}"
    summary = export_database(
        paths,
        folder,
        json_file=format is not ExportFormat.MARKDOWN,
        markdown=format is not ExportFormat.JSON,
    )
    if summary is None:
        echo(f"Nothing to export yet: there is no database at {paths.db_path}.")
        return
    echo(f"Exported to {summary.folder}:")
    if format is not ExportFormat.MARKDOWN:
        rows = sum(summary.rows.values())
        line = f"  samantha.json: {counted(len(summary.rows), 'table')}, {counted(rows, 'row')}"
        if summary.left_out:
            line += f" (binary columns left out: {', '.join(summary.left_out)})"
        echo(line)
    if format is not ExportFormat.JSON:
        count = summary.transcripts
        echo(f"  conversations/: {counted(count, 'transcript')} in Markdown")
    echo("Only you can read these files; keep them somewhere safe.")


def wipe(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Delete her database: every conversation, mood and memory. Config and personas stay."""
    from samantha.config import Paths
    from samantha.store.archive import plan_wipe
    from samantha.store.archive import wipe as delete

    plan = plan_wipe(Paths.from_env())
    config, personas = plan.kept
    kept = f"Left alone: your config file {config} and your personas in {personas}."
    if not plan.doomed:
        echo(f"Nothing to wipe: there is no database at {plan.database}.")
        echo(kept)
        return
    echo("This deletes, for good:")
    for path in plan.doomed:
        echo(f"  {path}")
    echo(kept)
    if not yes:
        try:
            sure = typer.confirm("Delete them? (`samantha export` first keeps a copy)")
        except typer.Abort:
            sure = False  # no answer (end of input) is not a yes
        if not sure:
            echo("Nothing was deleted.")
            raise typer.Exit(1)
    for path in delete(plan):
        echo(f"Deleted {path}")
    echo("The next start begins a new, empty database.")


def repair(debug: DebugOpt = False) -> None:
    """Check the database page by page; move a damaged one aside so a new one can start."""
    from samantha.config import Paths
    from samantha.store.archive import repair as check

    path = Paths.from_env().db_path
    result = check(path)
    if result.outcome == "missing":
        echo(f"There is no database at {path} yet: nothing to repair.")
        return
    if result.outcome == "sound":
        echo(f"The database {path} is sound (every page checked): nothing was moved.")
        return
    echo(f"The database {path} was damaged ({result.reason}).")
    for source, target in result.moved:
        echo(f"Moved {source} to {target}")
    aside = result.moved[-1][1]
    echo("Nothing was deleted; the next start begins a new, empty database.")
    echo(f"To try to rescue what it held: sqlite3 {aside} .recover > rescued.sql")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("export")(export)
    app.command("wipe")(wipe)
    app.command("repair")(repair)
