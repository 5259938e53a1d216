"""`samantha persona ...`: list, check, schema, import and export companions."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
