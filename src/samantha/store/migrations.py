"""Ordered, named schema migrations, tracked by ``PRAGMA user_version``.

A migration is appended, never edited: the index in ``MIGRATIONS`` plus one is the schema version
it leaves behind, so an old database upgrades step by step and a new one runs them all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run statements one by one: ``executescript`` would commit the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def m001_conversations_and_messages(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE conversations (
            id          INTEGER PRIMARY KEY,
            title       TEXT NOT NULL DEFAULT '',
            persona     TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            updated_at  TEXT NOT NULL
        );
        CREATE TABLE messages (
            id               INTEGER PRIMARY KEY,
            conversation_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            role             TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
            speaker          TEXT NOT NULL,
            text             TEXT NOT NULL,
            created_at       TEXT NOT NULL,
            status           TEXT NOT NULL DEFAULT 'complete'
                             CHECK (status IN ('complete', 'interrupted', 'error')),
            tokens           INTEGER
        );
        CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
        CREATE INDEX conversations_by_update ON conversations (updated_at);
        """,
    )


def m002_mood_and_relationship(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE state_snapshots (
            id               INTEGER PRIMARY KEY,
            persona          TEXT NOT NULL,
            at               TEXT NOT NULL,
            message_id       INTEGER REFERENCES messages(id) ON DELETE SET NULL,
            pleasure         REAL NOT NULL,
            arousal          REAL NOT NULL,
            dominance        REAL NOT NULL,
            mood_at          TEXT NOT NULL,
            closeness        REAL NOT NULL,
            trust            REAL NOT NULL,
            tension          REAL NOT NULL,
            stage_index      INTEGER NOT NULL,
            stage            TEXT NOT NULL,
            strained         INTEGER NOT NULL,
            relationship_at  TEXT NOT NULL,
            last_contact     TEXT
        );
        CREATE INDEX state_by_persona ON state_snapshots (persona, id);
        CREATE TABLE relationship_events (
            id          INTEGER PRIMARY KEY,
            persona     TEXT NOT NULL,
            at          TEXT NOT NULL,
            kind        TEXT NOT NULL,
            message_id  INTEGER REFERENCES messages(id) ON DELETE SET NULL,
            closeness   REAL NOT NULL,
            trust       REAL NOT NULL,
            tension     REAL NOT NULL,
            note        TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX events_by_persona ON relationship_events (persona, id);
        """,
    )


MIGRATIONS: list[Migration] = [
    m001_conversations_and_messages,
    m002_mood_and_relationship,
]


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date; each step commits with its version, or not at all."""
    version = schema_version(conn)
    for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the write lock.
            if schema_version(conn) >= number:
                conn.execute("COMMIT")
                continue
            migration(conn)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return schema_version(conn)
