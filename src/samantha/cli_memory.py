"""`samantha memory ...`: see, search, edit and erase what she remembers."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
