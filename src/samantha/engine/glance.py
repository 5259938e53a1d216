"""Her newest messages, read before she is opened: a front end paints them at once, and the
companion (the persona, the backend, the database with its migrations) opens behind them.

What a glance shows is what ``Companion.resume`` then ``history`` would give, when it shows
anything: the same query on her latest conversation, as ``Glimpse``s (the fields a transcript
paints) rather than models. It imports none of the engine and no pydantic, so a front end can
call it right after its first frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from samantha.config.paths import Paths

if TYPE_CHECKING:
    from samantha.domain.shown import Glimpse

#: The persona setting when neither a flag, the environment nor the config file names one.
DEFAULT_PERSONA = "samantha"


def glance_key(persona: str) -> str | None:
    """The key her conversations are stored under, when the persona setting says it without
    her file being read: a name (a shipped or user persona is found by its name, and keyed by
    it in lower case). A path says nothing until the file is read: None."""
    name = persona.strip()
    if not name or "/" in name or "\\" in name or Path(name).suffix:
        return None
    return name.lower()


def newest_messages(persona: str, limit: int, paths: Paths | None = None) -> list[Glimpse]:
    """Up to ``limit`` of the newest messages of her latest conversation, oldest first; empty
    when there are none or they cannot be read this early (the engine says why later)."""
    key = glance_key(persona)
    if key is None:
        return []
    from samantha.store.glance import newest_messages as read

    return read((paths or Paths.from_env()).db_path, key, limit)
