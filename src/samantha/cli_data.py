"""`samantha export` and `samantha wipe`: everything the user owns, out or gone."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
