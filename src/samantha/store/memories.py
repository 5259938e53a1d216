"""Memories and their provenance, the full-text index over them, vectors, core blocks, summaries.

Plain synchronous SQL like the other repositories; ``Store`` runs it on its own thread.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from functools import cached_property

from samantha.domain.memory import EPISODE_KINDS, Memory, MemoryKind
from samantha.store.memory_search import MAX_SKIPPED, MemorySearch, forget_counts
from samantha.store.vector_blobs import decode_to_float32, encode_float32

#: Characters of a message an episode records (``MemoryStream.add_message`` keeps these).
EPISODE_CHARS = 4000
#: A memory's words: its own, or those of the message it records (``said_in``), which are
#: then not stored twice (migration m010; the view ``memory_texts`` reads the same).
TEXT = (
    f"coalesce((SELECT substr(said.text, 1, {EPISODE_CHARS}) FROM messages said"
    " WHERE said.id = m.said_in), m.text)"
)
_COLUMNS = (
    f"m.id, m.persona, m.kind, {TEXT} AS text, m.importance, m.created_at, m.accessed_at,"
    " m.due_at, m.superseded_at"
)
#: The same columns plus each memory's source messages, read in the same statement.
_WITH_SOURCES = (
    f"{_COLUMNS}, (SELECT group_concat(ms.message_id) FROM memory_sources ms"
    " WHERE ms.memory_id = m.id) AS sources"
)
#: Ids are passed as one JSON array (``IN (SELECT value FROM json_each(?))``), not as one
#: placeholder each: the statement text is then the same for any number of ids, so SQLite
#: prepares it once per connection. With a placeholder per id, nearly every recall wrote a
#: new statement, and parsing it cost more than running it.
_ID_LIST = "(SELECT value FROM json_each(?))"


#: Every field of ``Memory``: a row sets them all.
_FIELDS = frozenset(Memory.model_fields)


def _id_list(ids: Iterable[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


def _utc(at: datetime) -> str:
    """Due dates are compared as text in SQL, so they are all stored in one zone."""
    return at.astimezone(UTC).isoformat()


#: Kinds by their stored value: a dict lookup, not an enum call, for each row read.
_KINDS = {kind.value: kind for kind in MemoryKind}
_parse = datetime.fromisoformat


def _memory(row: sqlite3.Row, sources: list[int]) -> Memory:
    """A stored row (``_COLUMNS``, by position) as a model, built without validation: the row
    was validated on its way in, and a recall reads over a hundred of them. Columns are read
    by position, which costs half what reading them by name did."""
    due, gone = row[7], row[8]
    memory = Memory.__new__(Memory)
    # What ``model_construct`` does, without its per-field loop over defaults and aliases
    # (a quarter of a recall's time went there); every field is given here.
    object.__setattr__(
        memory,
        "__dict__",
        {
            "id": row[0],
            "persona": row[1],
            "kind": _KINDS[row[2]],
            "text": row[3],
            "importance": row[4],
            "created_at": _parse(row[5]),
            "accessed_at": _parse(row[6]),
            "due_at": _parse(due) if due else None,
            "source_ids": sources,
            "superseded_at": _parse(gone) if gone else None,
        },
    )
    object.__setattr__(memory, "__pydantic_fields_set__", set(_FIELDS))
    object.__setattr__(memory, "__pydantic_extra__", None)
    object.__setattr__(memory, "__pydantic_private__", None)
    return memory


def _sourced(rows: list[sqlite3.Row]) -> list[Memory]:
    """Rows read with ``_WITH_SOURCES`` (their sources last) as models."""
    return [_memory(r, sorted(map(int, r[9].split(","))) if r[9] else []) for r in rows]


class MemoryRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @cached_property
    def searcher(self) -> MemorySearch:
        """Made on first use: a repository is made for every ``Store.memories`` access, and
        making a searcher asks the connection which file it is."""
        return MemorySearch(self._conn, self._owned)

    # -- writing ---------------------------------------------------------------------------

    def add(
        self,
        persona: str,
        kind: MemoryKind,
        text: str,
        importance: int,
        at: datetime,
        sources: Iterable[int] = (),
        due_at: datetime | None = None,
    ) -> Memory:
        stamp = at.isoformat()
        source_ids = sorted(set(sources))
        said = self._said_in(kind, text, source_ids)
        cur = self._conn.execute(
            "INSERT INTO memories (persona, kind, text, importance, created_at, accessed_at,"
            " due_at, said_in) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                persona,
                kind.value,
                "" if said else text,
                importance,
                stamp,
                stamp,
                _utc(due_at) if due_at else None,
                said,
            ),
        )
        assert cur.lastrowid is not None
        self._conn.executemany(
            "INSERT OR IGNORE INTO memory_sources (memory_id, message_id) VALUES (?, ?)",
            [(cur.lastrowid, s) for s in source_ids],
        )
        return Memory(
            id=cur.lastrowid,
            persona=persona,
            kind=kind,
            text=text,
            importance=importance,
            created_at=at,
            accessed_at=at,
            due_at=due_at,
            source_ids=source_ids,
        )

    def _said_in(self, kind: MemoryKind, text: str, sources: list[int]) -> int | None:
        """The message whose words these are, when the memory records one whole message word
        for word: its text is then read from there, not stored again, and the message is
        searched through this memory (migration m011). A message longer than an episode
        keeps is not: its last words would be searchable nowhere."""
        if kind not in EPISODE_KINDS or len(sources) != 1:
            return None
        row = self._conn.execute("SELECT text FROM messages WHERE id = ?", (sources[0],)).fetchone()
        return sources[0] if row is not None and row[0] == text else None

    def add_sources(self, memory_id: int, sources: Iterable[int]) -> None:
        self._conn.executemany(
            "INSERT OR IGNORE INTO memory_sources (memory_id, message_id) VALUES (?, ?)",
            [(memory_id, s) for s in sources],
        )

    def touch(self, memory_ids: Sequence[int], at: datetime) -> None:
        """Being recalled refreshes a memory's recency, as remembering does for people."""
        self._conn.executemany(
            "UPDATE memories SET accessed_at = ? WHERE id = ?",
            [(at.isoformat(), i) for i in memory_ids],
        )

    def update(
        self, memory_id: int, *, text: str | None = None, importance: int | None = None
    ) -> None:
        if text is not None:
            forget_counts(self._conn)
            # Edited words are the memory's own: it no longer reads its message's.
            self._conn.execute(
                "UPDATE memories SET text = ?, said_in = NULL WHERE id = ?", (text, memory_id)
            )
        if importance is not None:
            self._conn.execute(
                "UPDATE memories SET importance = ? WHERE id = ?", (importance, memory_id)
            )

    def supersede(self, memory_ids: Sequence[int], at: datetime, by: int) -> None:
        """Mark facts no longer true: kept, with when they stopped being true and why."""
        self._conn.executemany(
            "UPDATE memories SET superseded_at = ?, superseded_by = ? WHERE id = ?",
            [(at.isoformat(), by, i) for i in memory_ids],
        )

    def current_texts(self, persona: str, kinds: Collection[MemoryKind]) -> list[tuple[int, str]]:
        """(id, words) of the current memories of ``kinds``, oldest first: cheap enough to
        read them all when a fact might supersede one."""
        wanted = [k.value for k in kinds]
        rows = self._conn.execute(
            f"SELECT m.id, {TEXT} FROM memories m WHERE m.persona = ?"
            f" AND m.superseded_at IS NULL AND m.kind IN ({','.join('?' * len(wanted))})"
            " ORDER BY m.id",
            [persona, *wanted],
        ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def reflections_from(self, persona: str, message_ids: Sequence[int]) -> list[Memory]:
        """Reflections drawn (in part) from memories of these messages."""
        if not message_ids:
            return []
        marks = ",".join("?" * len(message_ids))
        rows = self._conn.execute(
            f"SELECT DISTINCT {_COLUMNS} FROM memories m JOIN memory_sources ms"
            " ON ms.memory_id = m.id WHERE m.persona = ? AND m.kind = 'reflection'"
            f" AND ms.message_id IN ({marks})",
            [persona, *message_ids],
        ).fetchall()
        return self._hydrate(rows)

    def only_outdated_from(self, message_ids: Sequence[int]) -> list[int]:
        """Of these messages, the ones every fact drawn from has been superseded: their
        episodes tell only what is no longer so."""
        out = []
        for message_id in message_ids:
            row = self._conn.execute(
                "SELECT sum(m.superseded_at IS NULL), count(*) FROM memory_sources ms"
                " JOIN memories m ON m.id = ms.memory_id WHERE ms.message_id = ?"
                " AND m.kind NOT IN ('episode', 'reply', 'reflection')",
                (message_id,),
            ).fetchone()
            if row[1] and not row[0]:
                out.append(message_id)
        return out

    def messages_said(self, message_ids: Sequence[int]) -> list[tuple[int, str]]:
        """(conversation, words) of messages: what a forgotten fact came from, so a summary
        that retells it can be found."""
        if not message_ids:
            return []
        marks = ",".join("?" * len(message_ids))
        rows = self._conn.execute(
            f"SELECT conversation_id, text FROM messages WHERE id IN ({marks})", list(message_ids)
        ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def delete(self, memory_ids: Sequence[int]) -> int:
        forget_counts(self._conn)
        cur = self._conn.executemany(
            "DELETE FROM memories WHERE id = ?", [(i,) for i in memory_ids]
        )
        return cur.rowcount

    def derived_only_from(self, conversation_id: int) -> list[int]:
        """Memories all of whose sources lie in this conversation: they go when it goes."""
        rows = self._conn.execute(
            "SELECT ms.memory_id FROM memory_sources ms JOIN messages msg ON msg.id = ms.message_id"
            " GROUP BY ms.memory_id"
            " HAVING sum(msg.conversation_id = ?) > 0 AND sum(msg.conversation_id != ?) = 0",
            (conversation_id, conversation_id),
        ).fetchall()
        return [r[0] for r in rows]

    def derived_only_from_message(self, message_id: int) -> list[int]:
        """Memories whose only source is this message: they go when it is edited away."""
        rows = self._conn.execute(
            "SELECT memory_id FROM memory_sources GROUP BY memory_id"
            " HAVING sum(message_id = ?) > 0 AND sum(message_id != ?) = 0",
            (message_id, message_id),
        ).fetchall()
        return [r[0] for r in rows]

    def episodes_of(self, message_ids: Sequence[int]) -> list[int]:
        if not message_ids:
            return []
        marks = ",".join("?" * len(message_ids))
        rows = self._conn.execute(
            "SELECT DISTINCT ms.memory_id FROM memory_sources ms JOIN memories m"
            f" ON m.id = ms.memory_id WHERE m.kind IN ('episode', 'reply') AND ms.message_id IN ({marks})",
            list(message_ids),
        ).fetchall()
        return [r[0] for r in rows]

    # -- reading ---------------------------------------------------------------------------

    def _sources(self, memory_ids: Sequence[int]) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {i: [] for i in memory_ids}
        if not memory_ids:
            return found
        for memory_id, message_id in self._conn.execute(
            f"SELECT memory_id, message_id FROM memory_sources WHERE memory_id IN {_ID_LIST}"
            " ORDER BY message_id",
            (_id_list(memory_ids),),
        ):
            found[memory_id].append(message_id)
        return found

    def _hydrate(self, rows: list[sqlite3.Row]) -> list[Memory]:
        sources = self._sources([r["id"] for r in rows])
        return [_memory(r, sources[r["id"]]) for r in rows]

    def conversations_of(self, memories: Sequence[Memory]) -> dict[int, int]:
        """The conversation of each memory's first source message (memory id -> conversation)."""
        first = {m.id: m.source_ids[0] for m in memories if m.source_ids}
        found = self.message_conversations(list(first.values()))
        return {i: found[m] for i, m in first.items() if m in found}

    def message_conversations(self, message_ids: Sequence[int]) -> dict[int, int]:
        """Message id -> its conversation id."""
        if not message_ids:
            return {}
        rows = self._conn.execute(
            f"SELECT id, conversation_id FROM messages WHERE id IN {_ID_LIST}",
            (_id_list(set(message_ids)),),
        ).fetchall()
        return {int(r[0]): int(r[1]) for r in rows}

    def get(self, memory_id: int) -> Memory | None:
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM memories m WHERE m.id = ?", (memory_id,)
        ).fetchall()
        found = self._hydrate(rows)
        return found[0] if found else None

    def many(self, memory_ids: Sequence[int]) -> list[Memory]:
        if not memory_ids:
            return []
        rows = self._conn.execute(
            f"SELECT {_WITH_SOURCES} FROM memories m WHERE m.id IN {_ID_LIST}",
            (_id_list(memory_ids),),
        ).fetchall()
        by_id = {m.id: m for m in _sourced(rows)}
        return [by_id[i] for i in memory_ids if i in by_id]

    def current_of(self, memory_ids: Sequence[int], kinds: list[str] | None = None) -> set[int]:
        """Of these memories, the ones still true (and of ``kinds``, if given): what a
        candidate needs to count, without reading it."""
        if not memory_ids:
            return set()
        sql = f"SELECT m.id FROM memories m WHERE m.id IN {_ID_LIST} AND m.superseded_at IS NULL"
        params: list[object] = [_id_list(memory_ids)]
        if kinds is not None:
            sql += " AND m.kind IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(kinds)))
        return {int(r[0]) for r in self._conn.execute(sql, params).fetchall()}

    def listing(
        self,
        persona: str,
        *,
        kinds: Iterable[MemoryKind] | None = None,
        limit: int = 200,
        after_id: int = 0,
    ) -> list[Memory]:
        """Newest first; ``after_id`` keeps only memories added since a mark."""
        sql = f"SELECT {_COLUMNS} FROM memories m WHERE m.persona = ? AND m.id > ?"
        params: list[object] = [persona, after_id]
        if kinds is not None:
            wanted = [k.value for k in kinds]
            sql += f" AND m.kind IN ({','.join('?' * len(wanted))})"
            params.extend(wanted)
        sql += " ORDER BY m.id DESC LIMIT ?"
        params.append(limit)
        return self._hydrate(self._conn.execute(sql, params).fetchall())

    def count(self, persona: str, kinds: Iterable[MemoryKind] | None = None) -> int:
        if kinds is None:
            return int(
                self._conn.execute(
                    "SELECT count(*) FROM memories WHERE persona = ?", (persona,)
                ).fetchone()[0]
            )
        wanted = [k.value for k in kinds]
        return int(
            self._conn.execute(
                "SELECT count(*) FROM memories WHERE persona = ?"
                f" AND kind IN ({','.join('?' * len(wanted))})",
                [persona, *wanted],
            ).fetchone()[0]
        )

    def find_same(self, persona: str, kind: MemoryKind, text: str) -> Memory | None:
        """An existing memory with the same words, so saying a thing twice reinforces it.

        Memories with words of their own are found through ``memories_by_words`` (which
        names ``said_in IS NULL`` so the query may use it); episodes that read their
        message's words, only when an episode kind is asked for."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM memories m WHERE m.persona = ? AND m.kind = ?"
            " AND m.said_in IS NULL AND lower(m.text) = lower(?) LIMIT 1",
            (persona, kind.value, text),
        ).fetchall()
        if not rows and kind in EPISODE_KINDS:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM memories m WHERE m.persona = ? AND m.kind = ?"
                f" AND m.said_in IS NOT NULL AND lower({TEXT}) = lower(?) LIMIT 1",
                (persona, kind.value, text),
            ).fetchall()
        found = self._hydrate(rows)
        return found[0] if found else None

    def search(
        self,
        persona: str,
        match: str,
        limit: int,
        kinds: Iterable[MemoryKind] | None = None,
        *,
        skip_messages: Collection[int] = (),
    ) -> list[tuple[Memory, float]]:
        """Full-text matches with their BM25 rank (lower is better), best first
        (``memory_search``: ranked by their rarest words, so a search costs what they cost).

        ``skip_messages``: messages already in the prompt; their episodes take no place among
        the candidates (in a long chat they were most of them, and recall could never
        offer them anyway).
        """
        wanted = [k.value for k in kinds] if kinds is not None else None
        skipped = self.episodes_of(list(skip_messages)[:MAX_SKIPPED])
        return self.searcher.search(persona, match, limit, wanted, skipped)

    def _owned(
        self, memory_ids: list[int], persona: str, kinds: list[str] | None
    ) -> dict[int, Memory]:
        """The persona's memories (of ``kinds``) among ``memory_ids``, with their sources, in
        one statement that is prepared once per connection."""
        if not memory_ids:
            return {}
        sql = f"SELECT {_WITH_SOURCES} FROM memories m WHERE m.persona = ? AND m.id IN {_ID_LIST}"
        params: list[object] = [persona, _id_list(memory_ids)]
        if kinds is not None:
            sql += " AND m.kind IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(kinds)))
        return {m.id: m for m in _sourced(self._conn.execute(sql, params).fetchall())}

    def due_between(self, persona: str, start: datetime, end: datetime) -> list[Memory]:
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM memories m WHERE m.persona = ? AND m.due_at IS NOT NULL"
            " AND m.superseded_at IS NULL AND m.due_at >= ? AND m.due_at <= ? ORDER BY m.due_at",
            (persona, _utc(start), _utc(end)),
        ).fetchall()
        return self._hydrate(rows)

    def importance_since(self, persona: str, after_id: int) -> tuple[int, int]:
        """Summed importance of non-episode memories after ``after_id``, and the newest id."""
        row = self._conn.execute(
            "SELECT coalesce(sum(importance), 0), coalesce(max(id), ?) FROM memories"
            " WHERE persona = ? AND id > ? AND kind NOT IN ('episode', 'reply', 'reflection')",
            (after_id, persona, after_id),
        ).fetchone()
        return int(row[0]), int(row[1])

    # -- vectors ---------------------------------------------------------------------------

    def _model_id(self, model: str) -> int:
        """The number vectors of ``model`` are stored under (a name per row took 25 bytes)."""
        self._conn.execute("INSERT OR IGNORE INTO embedding_models (name) VALUES (?)", (model,))
        row = self._conn.execute(
            "SELECT id FROM embedding_models WHERE name = ?", (model,)
        ).fetchone()
        return int(row[0])

    def set_vector(self, memory_id: int, model: str, vector: bytes, dim: int) -> None:
        """``vector``: float32 bytes (``<f4``) of ``dim`` values; kept compact
        (``vector_blobs``), read back as float32."""
        self.set_vectors(model, [(memory_id, vector)], dim)

    def set_vectors(self, model: str, rows: Sequence[tuple[int, bytes]], dim: int) -> None:
        if not rows:
            return
        model_id = self._model_id(model)
        self._conn.executemany(
            "INSERT OR REPLACE INTO memory_embeddings (memory_id, model_id, vector)"
            " VALUES (?, ?, ?)",
            [(memory_id, model_id, encode_float32(vector, dim)) for memory_id, vector in rows],
        )

    def vectors(self, persona: str, model: str, after_id: int = 0) -> list[tuple[int, bytes]]:
        """(memory id, float32 bytes) of the persona's vectors of ``model``, by id."""
        # CROSS JOIN keeps the vectors the outer loop: a recall asks only for those past the
        # newest it holds, and statistics from a small database led SQLite to walk every
        # memory of the persona instead (5.3 ms against 0.01 at 10k memories, each recall).
        rows = self._conn.execute(
            "SELECT v.memory_id, v.vector FROM memory_embeddings v CROSS JOIN memories m"
            " ON m.id = v.memory_id WHERE m.persona = ? AND v.memory_id > ? AND v.model_id ="
            " (SELECT id FROM embedding_models WHERE name = ?) ORDER BY v.memory_id",
            (persona, after_id, model),
        ).fetchall()
        blobs = decode_to_float32([r[1] for r in rows])
        return [(int(r[0]), blob) for r, blob in zip(rows, blobs, strict=True)]

    def without_vector(
        self, persona: str, model: str, limit: int, before_id: int | None = None
    ) -> list[Memory]:
        """The newest ``limit`` memories without a vector of ``model`` (older than
        ``before_id``: a backlog is walked batch by batch, not rescanned from the top)."""
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM memories m WHERE m.persona = ? AND m.id < ? AND NOT EXISTS"
            " (SELECT 1 FROM memory_embeddings v WHERE v.memory_id = m.id AND v.model_id ="
            " (SELECT id FROM embedding_models WHERE name = ?))"
            " ORDER BY m.id DESC LIMIT ?",
            (persona, before_id if before_id is not None else 2**63 - 1, model, limit),
        ).fetchall()
        return self._hydrate(rows)

    # -- core blocks, summaries, reflection marks ------------------------------------------

    def core(self, persona: str) -> dict[str, str]:
        rows = self._conn.execute(
            "SELECT block, text FROM core_memory WHERE persona = ?", (persona,)
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def set_core(self, persona: str, block: str, text: str, at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO core_memory (persona, block, text, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (persona, block) DO UPDATE SET text = excluded.text,"
            " updated_at = excluded.updated_at",
            (persona, block, text, at.isoformat()),
        )

    def summary(self, conversation_id: int) -> tuple[str, int] | None:
        row = self._conn.execute(
            "SELECT text, upto_message_id FROM summaries WHERE conversation_id = ?",
            (conversation_id,),
        ).fetchone()
        return (row[0], int(row[1])) if row else None

    def set_summary(self, conversation_id: int, text: str, upto: int, at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO summaries (conversation_id, text, upto_message_id, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (conversation_id) DO UPDATE SET"
            " text = excluded.text, upto_message_id = excluded.upto_message_id,"
            " updated_at = excluded.updated_at",
            (conversation_id, text, upto, at.isoformat()),
        )

    def reflected_upto(self, persona: str) -> int:
        row = self._conn.execute(
            "SELECT upto_memory_id FROM reflection_marks WHERE persona = ?", (persona,)
        ).fetchone()
        return int(row[0]) if row else 0

    def mark_reflected(self, persona: str, upto: int) -> None:
        self._conn.execute(
            "INSERT INTO reflection_marks (persona, upto_memory_id) VALUES (?, ?)"
            " ON CONFLICT (persona) DO UPDATE SET upto_memory_id = excluded.upto_memory_id",
            (persona, upto),
        )
