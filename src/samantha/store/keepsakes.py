"""What she made for the user and kept for herself: keepsakes (letters, poems, toasts, each
version kept), her diary, and the times she spoke first (nudges) with the reason she did.

Plain synchronous SQL like the other repositories; ``Store`` runs it on its own thread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from samantha.domain.conversation import Message

#: Times are stored in the zone they were made in: a text window this much wider is safe.
_MARGIN = timedelta(days=1)


def _utc(at: datetime) -> str:
    """Times are compared as text in SQL, so they are all stored in one zone."""
    return at.astimezone(UTC).isoformat()


class Keepsake(BaseModel):
    """One version of a piece she wrote: what was asked, in which form, from which memories."""

    model_config = ConfigDict(frozen=True)

    id: int
    persona: str
    form: str
    request: str
    text: str
    created_at: datetime
    #: The first version's id: every revision of a piece shares it.
    origin: int
    version: int = Field(ge=1)
    #: What the user asked for when revising ("make it shorter"); empty for a first version.
    how: str = ""
    #: The memories it drew on that she still keeps (a forgotten one drops out).
    memory_ids: list[int] = Field(default_factory=list)


class DiaryEntry(BaseModel):
    """Her entry for one day, and whether a message it drew on has since been forgotten."""

    model_config = ConfigDict(frozen=True)

    id: int
    persona: str
    day: date
    text: str
    created_at: datetime
    edited_at: datetime | None = None
    memory_id: int | None = None
    message_count: int = 0
    #: A message it was written from was deleted (or its memory forgotten).
    marked: bool = False


class Nudge(BaseModel):
    """A line she said first, unprompted, and why."""

    model_config = ConfigDict(frozen=True)

    message_id: int
    persona: str
    at: datetime
    reason: str
    memory_id: int | None = None


#: An entry is marked when its memory is gone, a message it drew on was deleted, or one was
#: withheld because a fact in it was forgotten.
_DIARY = (
    "SELECT d.*, (d.memory_id IS NULL OR (SELECT COUNT(*) FROM memory_sources ms"
    " WHERE ms.memory_id = d.memory_id) < d.message_count OR EXISTS (SELECT 1 FROM"
    " memory_sources ms JOIN withheld_messages w ON w.message_id = ms.message_id"
    " WHERE ms.memory_id = d.memory_id)) AS marked FROM diary d"
)


def _diary(row: sqlite3.Row) -> DiaryEntry:
    return DiaryEntry.model_validate(dict(row))


class KeepsakeRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # -- keepsakes ---------------------------------------------------------------------------

    def add(
        self,
        persona: str,
        form: str,
        request: str,
        text: str,
        at: datetime,
        memory_ids: Sequence[int],
        *,
        revision_of: Keepsake | None = None,
        how: str = "",
    ) -> Keepsake:
        version = revision_of.version + 1 if revision_of else 1
        cur = self._conn.execute(
            "INSERT INTO keepsakes (persona, form, request, text, created_at, origin, version, how)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                persona,
                form,
                request,
                text,
                _utc(at),
                revision_of.origin if revision_of else 0,
                version,
                how,
            ),
        )
        made = cur.lastrowid
        assert made is not None
        if revision_of is None:
            self._conn.execute("UPDATE keepsakes SET origin = id WHERE id = ?", (made,))
        self._conn.executemany(
            "INSERT OR IGNORE INTO keepsake_sources (keepsake_id, memory_id)"
            " SELECT ?, id FROM memories WHERE id = ?",
            [(made, m) for m in dict.fromkeys(memory_ids)],
        )
        found = self.get(made)
        assert found is not None
        return found

    def get(self, keepsake_id: int) -> Keepsake | None:
        rows = self._conn.execute("SELECT * FROM keepsakes WHERE id = ?", (keepsake_id,)).fetchall()
        found = self._hydrate(rows)
        return found[0] if found else None

    def listing(self, persona: str, limit: int = 200) -> list[Keepsake]:
        """The newest version of each piece, newest first."""
        rows = self._conn.execute(
            "SELECT * FROM keepsakes k WHERE persona = ? AND id = (SELECT MAX(id) FROM keepsakes"
            " WHERE origin = k.origin) ORDER BY id DESC LIMIT ?",
            (persona, limit),
        ).fetchall()
        return self._hydrate(rows)

    def versions(self, origin: int) -> list[Keepsake]:
        """Every version of one piece, oldest first."""
        rows = self._conn.execute(
            "SELECT * FROM keepsakes WHERE origin = ? ORDER BY version, id", (origin,)
        ).fetchall()
        return self._hydrate(rows)

    def delete(self, keepsake_id: int) -> int:
        """A piece with all its versions; how many versions went."""
        found = self.get(keepsake_id)
        if found is None:
            return 0
        cur = self._conn.execute("DELETE FROM keepsakes WHERE origin = ?", (found.origin,))
        return cur.rowcount

    def _hydrate(self, rows: list[sqlite3.Row]) -> list[Keepsake]:
        if not rows:
            return []
        ids = [r["id"] for r in rows]
        marks = ",".join("?" * len(ids))
        sources: dict[int, list[int]] = {i: [] for i in ids}
        for keepsake_id, memory_id in self._conn.execute(
            f"SELECT keepsake_id, memory_id FROM keepsake_sources WHERE keepsake_id IN ({marks})"
            " ORDER BY memory_id",
            ids,
        ):
            sources[keepsake_id].append(memory_id)
        return [Keepsake.model_validate({**dict(r), "memory_ids": sources[r["id"]]}) for r in rows]

    # -- her diary --------------------------------------------------------------------------

    def add_entry(
        self,
        persona: str,
        day: date,
        text: str,
        at: datetime,
        memory_id: int | None,
        message_count: int,
    ) -> DiaryEntry | None:
        """Her entry for ``day``; ``None`` when that day already has one (one a day)."""
        cur = self._conn.execute(
            "INSERT OR IGNORE INTO diary (persona, day, text, created_at, memory_id, message_count)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (persona, day.isoformat(), text, _utc(at), memory_id, message_count),
        )
        if not cur.rowcount:
            return None
        assert cur.lastrowid is not None
        return self.entry(cur.lastrowid)

    def entry(self, entry_id: int) -> DiaryEntry | None:
        row = self._conn.execute(f"{_DIARY} WHERE d.id = ?", (entry_id,)).fetchone()
        return _diary(row) if row else None

    def entry_for(self, persona: str, day: date) -> DiaryEntry | None:
        row = self._conn.execute(
            f"{_DIARY} WHERE d.persona = ? AND d.day = ?", (persona, day.isoformat())
        ).fetchone()
        return _diary(row) if row else None

    def entries(self, persona: str, limit: int = 200) -> list[DiaryEntry]:
        """Newest day first."""
        rows = self._conn.execute(
            f"{_DIARY} WHERE d.persona = ? ORDER BY d.day DESC LIMIT ?", (persona, limit)
        ).fetchall()
        return [_diary(r) for r in rows]

    def edit_entry(self, entry_id: int, text: str, at: datetime) -> None:
        self._conn.execute(
            "UPDATE diary SET text = ?, edited_at = ? WHERE id = ?", (text, _utc(at), entry_id)
        )

    def delete_entry(self, entry_id: int) -> None:
        self._conn.execute("DELETE FROM diary WHERE id = ?", (entry_id,))

    def messages_between(self, persona: str, start: datetime, end: datetime) -> list[Message]:
        """Her conversations' messages in [start, end), oldest first, whatever zone each was
        stored in (the text window is widened by a day, the exact cut made on the times).
        Messages withheld because a fact in them was forgotten are left out: her diary must
        not retell them."""
        rows = self._conn.execute(
            "SELECT m.id, m.conversation_id, m.role, m.speaker, m.text, m.created_at, m.status,"
            " m.tokens FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.persona = ? AND m.created_at >= ? AND m.created_at < ?"
            " AND m.id NOT IN (SELECT message_id FROM withheld_messages) ORDER BY m.id",
            (persona, _utc(start - _MARGIN), _utc(end + _MARGIN)),
        ).fetchall()
        found = [Message.model_validate(dict(r)) for r in rows]
        return [m for m in found if start <= m.created_at < end]

    # -- when she spoke first ---------------------------------------------------------------

    def add_nudge(
        self, message_id: int, persona: str, at: datetime, reason: str, memory_id: int | None
    ) -> None:
        self._conn.execute(
            "INSERT INTO nudges (message_id, persona, at, reason, memory_id)"
            " SELECT ?, ?, ?, ?, (SELECT id FROM memories WHERE id = ?)",
            (message_id, persona, _utc(at), reason, memory_id),
        )

    def nudges_since(self, persona: str, since: datetime) -> list[Nudge]:
        rows = self._conn.execute(
            "SELECT * FROM nudges WHERE persona = ? AND at >= ? ORDER BY at",
            (persona, _utc(since)),
        ).fetchall()
        return [Nudge.model_validate(dict(r)) for r in rows]

    def nudge_ids(self, message_ids: Sequence[int]) -> set[int]:
        """Which of these messages were her speaking first."""
        if not message_ids:
            return set()
        marks = ",".join("?" * len(message_ids))
        rows = self._conn.execute(
            f"SELECT message_id FROM nudges WHERE message_id IN ({marks})", list(message_ids)
        )
        return {r[0] for r in rows}
