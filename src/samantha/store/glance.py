"""A look at the newest messages before the store is opened: read-only, no migrations, and
nothing if anything about the file is not exactly as this samantha left it.

The chat paints its history from this while the engine opens behind it. Opening the store
properly (the folder's modes, the pragmas, migrations) comes after and may still refuse the
file; a glance never writes, never creates the file and never says why it saw nothing. Its
rows become ``Glimpse``s, not models: pydantic loads with the engine, after the paint. The
queries are the conversations repository's ``latest`` and ``recent_messages``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from samantha.domain.shown import Glimpse, MessageStatus, Role
from samantha.errors import StorageError
from samantha.store.db import header_problem
from samantha.store.migrations import MIGRATIONS

#: A writer holding the file (another samantha checkpointing) is not worth waiting for: the
#: engine reads the same messages a moment later.
BUSY_TIMEOUT_S = 0.05


_LATEST = "SELECT id FROM conversations WHERE persona = ? ORDER BY updated_at DESC, id DESC LIMIT 1"
_NEWEST = (
    "SELECT id, role, status, text FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?"
)


def newest_messages(path: Path, persona: str, limit: int) -> list[Glimpse]:
    """The last ``limit`` messages of ``persona``'s latest conversation, oldest first, as the
    store would give them once open; empty when there is none or the file is in any doubt."""
    try:
        if not path.is_file() or header_problem(path) is not None:
            return []
    except (OSError, StorageError):
        return []
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S
        )
    except sqlite3.Error:
        return []
    try:
        # An older schema is migrated by the store, a newer one refused: not read here.
        if int(conn.execute("PRAGMA user_version").fetchone()[0]) != len(MIGRATIONS):
            return []
        latest = conn.execute(_LATEST, (persona,)).fetchone()
        if latest is None:
            return []
        rows = conn.execute(_NEWEST, (latest[0], limit)).fetchall()
        return [
            Glimpse(message_id, Role(role), MessageStatus(status), text)
            for message_id, role, status, text in reversed(rows)
        ]
    except (sqlite3.Error, ValueError):
        return []
    finally:
        conn.close()
