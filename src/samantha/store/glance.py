"""A look at the newest messages before the store is opened: read-only, no migrations, and
nothing if anything about the file is not exactly as this samantha left it.

The chat paints its history from this while the engine opens behind it. Opening the store
properly (the folder's modes, the pragmas, migrations) comes after and may still refuse the
file; a glance never writes, never creates the file and never says why it saw nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from samantha.domain.conversation import Message
from samantha.errors import StorageError
from samantha.store.conversations import ConversationRepository
from samantha.store.db import header_problem
from samantha.store.migrations import MIGRATIONS

#: A writer holding the file (another samantha checkpointing) is not worth waiting for: the
#: engine reads the same messages a moment later.
BUSY_TIMEOUT_S = 0.05


def newest_messages(path: Path, persona: str, limit: int) -> list[Message]:
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
        conn.row_factory = sqlite3.Row
        # An older schema is migrated by the store, a newer one refused: not read here.
        if int(conn.execute("PRAGMA user_version").fetchone()[0]) != len(MIGRATIONS):
            return []
        conversations = ConversationRepository(conn)
        latest = conversations.latest(persona)
        return conversations.recent_messages(latest.id, limit) if latest else []
    except (sqlite3.Error, ValueError):
        return []
    finally:
        conn.close()
