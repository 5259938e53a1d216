"""Conversations and their messages: the history that must never be lost."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from samantha.domain.conversation import (
    Conversation,
    ConversationSummary,
    Message,
    MessageStatus,
    Role,
)


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"],
        title=row["title"],
        persona=row["persona"],
        created_at=datetime.fromisoformat(row["created_at"]),
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


def _message(row: sqlite3.Row) -> Message:
    return Message(
        id=row["id"],
        conversation_id=row["conversation_id"],
        role=Role(row["role"]),
        speaker=row["speaker"],
        text=row["text"],
        created_at=datetime.fromisoformat(row["created_at"]),
        status=MessageStatus(row["status"]),
        tokens=row["tokens"],
    )


class ConversationRepository:
    """Plain synchronous SQL; the async ``Store`` runs it on its own thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def create(self, persona: str, at: datetime, title: str = "") -> Conversation:
        stamp = at.isoformat()
        cur = self._conn.execute(
            "INSERT INTO conversations (title, persona, created_at, updated_at) VALUES (?, ?, ?, ?)",
            (title, persona, stamp, stamp),
        )
        assert cur.lastrowid is not None
        return Conversation(
            id=cur.lastrowid, title=title, persona=persona, created_at=at, updated_at=at
        )

    def get(self, conversation_id: int) -> Conversation | None:
        row = self._conn.execute(
            "SELECT * FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        return _conversation(row) if row else None

    def latest(self, persona: str) -> Conversation | None:
        row = self._conn.execute(
            "SELECT * FROM conversations WHERE persona = ? ORDER BY updated_at DESC, id DESC LIMIT 1",
            (persona,),
        ).fetchone()
        return _conversation(row) if row else None

    def list_recent(self, limit: int = 100) -> list[Conversation]:
        rows = self._conn.execute(
            "SELECT * FROM conversations ORDER BY updated_at DESC, id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [_conversation(r) for r in rows]

    def add_message(
        self,
        conversation_id: int,
        role: Role,
        speaker: str,
        text: str,
        at: datetime,
        status: MessageStatus = MessageStatus.COMPLETE,
        tokens: int | None = None,
    ) -> Message:
        stamp = at.isoformat()
        cur = self._conn.execute(
            "INSERT INTO messages (conversation_id, role, speaker, text, created_at, status, tokens)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (conversation_id, role.value, speaker, text, stamp, status.value, tokens),
        )
        self._conn.execute(
            "UPDATE conversations SET updated_at = ? WHERE id = ?", (stamp, conversation_id)
        )
        assert cur.lastrowid is not None
        return Message(
            id=cur.lastrowid,
            conversation_id=conversation_id,
            role=role,
            speaker=speaker,
            text=text,
            created_at=at,
            status=status,
            tokens=tokens,
        )

    def recent_messages(self, conversation_id: int, limit: int) -> list[Message]:
        """The last ``limit`` messages, oldest first: the index makes this cheap at any size."""
        rows = self._conn.execute(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?",
            (conversation_id, limit),
        ).fetchall()
        return [_message(r) for r in reversed(rows)]

    def messages_after(self, conversation_id: int, after_id: int, limit: int) -> list[Message]:
        """Messages newer than ``after_id``, oldest first (including other processes' writes)."""
        rows = self._conn.execute(
            "SELECT * FROM messages WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?",
            (conversation_id, after_id, limit),
        ).fetchall()
        return [_message(r) for r in rows]

    def withhold(self, message_ids: list[int]) -> list[int]:
        """Never send these messages, nor her replies to them, to a model again (what they
        said was forgotten, and her answer would say it back)."""
        found = set(message_ids)
        for message_id in message_ids:
            rows = self._conn.execute(
                "SELECT id, role FROM messages WHERE conversation_id = "
                "(SELECT conversation_id FROM messages WHERE id = ?) AND id > ? ORDER BY id LIMIT 8",
                (message_id, message_id),
            ).fetchall()
            for row in rows:
                if row[1] != Role.ASSISTANT.value:
                    break
                found.add(int(row[0]))
        self._conn.executemany(
            "INSERT OR IGNORE INTO withheld_messages (message_id) VALUES (?)",
            [(i,) for i in sorted(found)],
        )
        return sorted(found)

    def withheld(self, message_ids: list[int]) -> set[int]:
        """Which of these messages are withheld from the prompt."""
        if not message_ids:
            return set()
        low, high = min(message_ids), max(message_ids)
        rows = self._conn.execute(
            "SELECT message_id FROM withheld_messages WHERE message_id BETWEEN ? AND ?",
            (low, high),
        ).fetchall()
        return {int(r[0]) for r in rows}

    def messages_before(self, conversation_id: int, before_id: int, limit: int) -> list[Message]:
        rows = self._conn.execute(
            "SELECT * FROM messages WHERE conversation_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
            (conversation_id, before_id, limit),
        ).fetchall()
        return [_message(r) for r in reversed(rows)]

    def count_messages(self, conversation_id: int | None = None) -> int:
        if conversation_id is None:
            return int(self._conn.execute("SELECT count(*) FROM messages").fetchone()[0])
        return int(
            self._conn.execute(
                "SELECT count(*) FROM messages WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()[0]
        )

    def last_message_at(self, persona: str) -> datetime | None:
        """The last word from either side: her greeting counts as contact too."""
        row = self._conn.execute(
            "SELECT m.created_at FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.persona = ? ORDER BY m.id DESC LIMIT 1",
            (persona,),
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def last_user_message_at(self, persona: str, before_id: int | None = None) -> datetime | None:
        row = self._conn.execute(
            "SELECT m.created_at FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.persona = ? AND m.role = 'user' AND m.id < ? ORDER BY m.id DESC LIMIT 1",
            (persona, before_id if before_id is not None else 2**62),
        ).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def message(self, message_id: int) -> Message | None:
        row = self._conn.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
        return _message(row) if row else None

    def summaries(self, persona: str, limit: int) -> list[ConversationSummary]:
        """Each conversation with its size and last words, newest first, in one query."""
        rows = self._conn.execute(
            "SELECT c.*, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS n,"
            " (SELECT text FROM messages m WHERE m.conversation_id = c.id"
            "  ORDER BY m.id DESC LIMIT 1) AS last_text,"
            " (SELECT created_at FROM messages m WHERE m.conversation_id = c.id"
            "  ORDER BY m.id DESC LIMIT 1) AS last_at"
            " FROM conversations c WHERE c.persona = ? ORDER BY c.updated_at DESC, c.id DESC"
            " LIMIT ?",
            (persona, limit),
        ).fetchall()
        return [
            ConversationSummary(
                conversation=_conversation(r),
                message_count=r["n"],
                last_text=(r["last_text"] or "")[:200],
                last_at=datetime.fromisoformat(r["last_at"]) if r["last_at"] else None,
            )
            for r in rows
        ]

    def rename(self, conversation_id: int, title: str) -> None:
        self._conn.execute(
            "UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id)
        )

    def delete(self, conversation_id: int) -> None:
        self._conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def delete_message(self, message_id: int) -> None:
        self._conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))

    def set_status(self, message_id: int, status: MessageStatus) -> None:
        self._conn.execute(
            "UPDATE messages SET status = ? WHERE id = ?", (status.value, message_id)
        )

    def edit_message(self, message_id: int, text: str) -> None:
        self._conn.execute("UPDATE messages SET text = ? WHERE id = ?", (text, message_id))

    def search(self, persona: str, match: str, limit: int) -> list[Message]:
        """A message's words are indexed once (migration m011): through the memory that
        reads them, else in ``messages_fts``; both are asked."""
        rows = self._conn.execute(
            "SELECT m.* FROM (SELECT id, min(rank) AS rank FROM ("
            " SELECT rowid AS id, bm25(messages_fts) AS rank FROM messages_fts"
            " WHERE messages_fts MATCH ?1 UNION ALL"
            " SELECT mem.said_in, bm25(memories_fts) FROM memories_fts"
            " JOIN memories mem ON mem.id = memories_fts.rowid"
            " WHERE memories_fts MATCH ?1 AND mem.said_in IS NOT NULL) GROUP BY id) hits"
            " JOIN messages m ON m.id = hits.id JOIN conversations c ON c.id = m.conversation_id"
            " WHERE c.persona = ?2 ORDER BY hits.rank LIMIT ?3",
            (match, persona, limit),
        ).fetchall()
        return [_message(r) for r in rows]
