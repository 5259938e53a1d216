"""Mood and relationship history: a snapshot per turn and every relationship event."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from samantha.domain.conversation import EventRecord, StateSnapshot

_COLUMNS = (
    "persona, at, message_id, pleasure, arousal, dominance, mood_at, closeness, trust, tension,"
    " stage_index, stage, strained, relationship_at, last_contact"
)


def _snapshot(row: sqlite3.Row) -> StateSnapshot:
    # Column names match the model's fields; pydantic parses the ISO times and the 0/1 flag.
    return StateSnapshot.model_validate(dict(row))


class StateRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def save(self, snap: StateSnapshot) -> None:
        self._conn.execute(
            f"INSERT INTO state_snapshots ({_COLUMNS}) VALUES ({', '.join('?' * 15)})",
            (
                snap.persona,
                snap.at.isoformat(),
                snap.message_id,
                snap.pleasure,
                snap.arousal,
                snap.dominance,
                snap.mood_at.isoformat(),
                snap.closeness,
                snap.trust,
                snap.tension,
                snap.stage_index,
                snap.stage,
                int(snap.strained),
                snap.relationship_at.isoformat(),
                snap.last_contact.isoformat() if snap.last_contact else None,
            ),
        )

    def latest(self, persona: str) -> StateSnapshot | None:
        row = self._conn.execute(
            "SELECT * FROM state_snapshots WHERE persona = ? ORDER BY id DESC LIMIT 1", (persona,)
        ).fetchone()
        return _snapshot(row) if row else None

    def history(
        self, persona: str, since: datetime | None = None, limit: int = 500
    ) -> list[StateSnapshot]:
        """Snapshots oldest first, for trend lines."""
        rows = self._conn.execute(
            "SELECT * FROM state_snapshots WHERE persona = ? AND at >= ? ORDER BY id DESC LIMIT ?",
            (persona, since.isoformat() if since else "", limit),
        ).fetchall()
        return [_snapshot(r) for r in reversed(rows)]

    def add_event(
        self,
        persona: str,
        at: datetime,
        kind: str,
        message_id: int | None,
        closeness: float,
        trust: float,
        tension: float,
        note: str,
    ) -> None:
        self._conn.execute(
            "INSERT INTO relationship_events"
            " (persona, at, kind, message_id, closeness, trust, tension, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (persona, at.isoformat(), kind, message_id, closeness, trust, tension, note),
        )

    def events(self, persona: str, limit: int = 50) -> list[EventRecord]:
        """The newest ``limit`` events, oldest first."""
        rows = self._conn.execute(
            "SELECT * FROM relationship_events WHERE persona = ? ORDER BY id DESC LIMIT ?",
            (persona, limit),
        ).fetchall()
        return [EventRecord.model_validate(dict(r)) for r in reversed(rows)]
