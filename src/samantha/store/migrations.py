"""Ordered, named schema migrations, tracked by ``PRAGMA user_version``.

A migration is appended, never edited: the index in ``MIGRATIONS`` plus one is the schema version
it leaves behind, so an old database upgrades step by step and a new one runs them all.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run statements one by one: ``executescript`` would commit the migration's transaction.

    Triggers hold semicolons of their own, so a piece is run only once SQLite agrees it is a
    complete statement.
    """
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                conn.execute(pending)
            pending = ""
    if pending.strip(" \n;"):
        conn.execute(pending)


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


def m003_memory(conn: sqlite3.Connection) -> None:
    """The memory stream with provenance, its full-text indexes, vectors, core blocks and
    rolling summaries; plus a full-text index over messages for searching all history."""
    run_script(
        conn,
        """
        CREATE TABLE memories (
            id           INTEGER PRIMARY KEY,
            persona      TEXT NOT NULL,
            kind         TEXT NOT NULL,
            text         TEXT NOT NULL,
            importance   INTEGER NOT NULL CHECK (importance BETWEEN 1 AND 10),
            created_at   TEXT NOT NULL,
            accessed_at  TEXT NOT NULL,
            due_at       TEXT
        );
        CREATE INDEX memories_by_persona ON memories (persona, kind, id);
        CREATE INDEX memories_by_due ON memories (persona, due_at) WHERE due_at IS NOT NULL;
        CREATE TABLE memory_sources (
            memory_id   INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
            message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            PRIMARY KEY (memory_id, message_id)
        ) WITHOUT ROWID;
        CREATE INDEX memory_sources_by_message ON memory_sources (message_id);
        CREATE VIRTUAL TABLE memories_fts USING fts5(
            text, content='memories', content_rowid='id', tokenize='porter unicode61'
        );
        CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
            INSERT INTO memories_fts (rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
            INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        CREATE TRIGGER memories_fts_update AFTER UPDATE OF text ON memories BEGIN
            INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO memories_fts (rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TABLE memory_vectors (
            memory_id  INTEGER PRIMARY KEY REFERENCES memories(id) ON DELETE CASCADE,
            model      TEXT NOT NULL,
            dim        INTEGER NOT NULL,
            vector     BLOB NOT NULL
        );
        CREATE TABLE core_memory (
            persona     TEXT NOT NULL,
            block       TEXT NOT NULL,
            text        TEXT NOT NULL,
            updated_at  TEXT NOT NULL,
            PRIMARY KEY (persona, block)
        );
        CREATE TABLE summaries (
            conversation_id  INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
            text             TEXT NOT NULL,
            upto_message_id  INTEGER NOT NULL,
            updated_at       TEXT NOT NULL
        );
        CREATE TABLE reflection_marks (
            persona        TEXT PRIMARY KEY,
            upto_memory_id INTEGER NOT NULL
        );
        CREATE VIRTUAL TABLE messages_fts USING fts5(
            text, content='messages', content_rowid='id', tokenize='porter unicode61'
        );
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
        END;
        INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')
        """,
    )


def m004_her_words_apart(conn: sqlite3.Connection) -> None:
    """Her own messages become 'reply' episodes, so recall never presents them as the user's."""
    conn.execute(
        "UPDATE memories SET kind = 'reply' WHERE kind = 'episode' AND id IN ("
        " SELECT ms.memory_id FROM memory_sources ms JOIN messages m ON m.id = ms.message_id"
        " WHERE m.role = 'assistant')"
    )


def m005_same_words_index(conn: sqlite3.Connection) -> None:
    """Finding a fact already known (to reinforce it, not store it twice) without a scan."""
    conn.execute("CREATE INDEX memories_by_words ON memories (persona, kind, lower(text))")


def m006_vectors_per_model(conn: sqlite3.Connection) -> None:
    """A memory keeps one vector per embedding model: the backend's and the packaged static
    model's no longer overwrite each other. Every stored vector is kept."""
    run_script(
        conn,
        """
        CREATE TABLE memory_vectors_new (
            memory_id  INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
            model      TEXT NOT NULL,
            dim        INTEGER NOT NULL,
            vector     BLOB NOT NULL,
            PRIMARY KEY (memory_id, model)
        ) WITHOUT ROWID;
        INSERT INTO memory_vectors_new (memory_id, model, dim, vector)
            SELECT memory_id, model, dim, vector FROM memory_vectors;
        DROP TABLE memory_vectors;
        ALTER TABLE memory_vectors_new RENAME TO memory_vectors;
        CREATE INDEX memory_vectors_by_model ON memory_vectors (model, memory_id)
        """,
    )


def m007_superseded_facts(conn: sqlite3.Connection) -> None:
    """A fact a newer one made untrue ("I live in Porto" after "I moved to Lisbon") is kept
    for history with when it stopped being true and what replaced it."""
    conn.execute("ALTER TABLE memories ADD COLUMN superseded_at TEXT")
    conn.execute(
        "ALTER TABLE memories ADD COLUMN superseded_by INTEGER"
        " REFERENCES memories(id) ON DELETE SET NULL"
    )


def m008_keepsakes_diary_nudges(conn: sqlite3.Connection) -> None:
    """What she makes (keepsakes, every version kept, with the memories each drew on), her
    diary (one entry a day, its memory pointing at the day's messages) and the lines she said
    first, with why."""
    run_script(
        conn,
        """
        CREATE TABLE keepsakes (
            id          INTEGER PRIMARY KEY,
            persona     TEXT NOT NULL,
            form        TEXT NOT NULL,
            request     TEXT NOT NULL,
            text        TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            origin      INTEGER NOT NULL,
            version     INTEGER NOT NULL DEFAULT 1,
            how         TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX keepsakes_by_persona ON keepsakes (persona, origin, id);
        CREATE TABLE keepsake_sources (
            keepsake_id  INTEGER NOT NULL REFERENCES keepsakes(id) ON DELETE CASCADE,
            memory_id    INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
            PRIMARY KEY (keepsake_id, memory_id)
        ) WITHOUT ROWID;
        CREATE TABLE diary (
            id             INTEGER PRIMARY KEY,
            persona        TEXT NOT NULL,
            day            TEXT NOT NULL,
            text           TEXT NOT NULL,
            created_at     TEXT NOT NULL,
            edited_at      TEXT,
            memory_id      INTEGER REFERENCES memories(id) ON DELETE SET NULL,
            message_count  INTEGER NOT NULL DEFAULT 0,
            UNIQUE (persona, day)
        );
        CREATE TABLE nudges (
            message_id  INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
            persona     TEXT NOT NULL,
            at          TEXT NOT NULL,
            reason      TEXT NOT NULL,
            memory_id   INTEGER REFERENCES memories(id) ON DELETE SET NULL
        );
        CREATE INDEX nudges_by_persona ON nudges (persona, at)
        """,
    )


def m009_withheld_messages(conn: sqlite3.Connection) -> None:
    """Messages whose facts were forgotten: kept in the transcript, never sent to a model again."""
    run_script(
        conn,
        """
        CREATE TABLE withheld_messages (
            message_id  INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE
        )
        """,
    )


#: The words of a memory: its own, or (``said_in``) the first 4,000 characters of the message
#: it records. Frozen here as this migration wrote it; ``memories.py`` reads with the same.
_M010_TEXT = (
    "coalesce((SELECT substr(said.text, 1, 4000) FROM messages said"
    " WHERE said.id = {row}.said_in), {row}.text)"
)


def m010_memories_reference_messages(conn: sqlite3.Connection) -> None:
    """Every message was stored twice: as the message and again, word for word, as the
    episode (or reply) memory that records it, with a third copy in an index of lower-cased
    words; and each memory's vector took 1 KB (float32) spilling into a page of its own.

    Now an episode whose words are its message's keeps ``said_in`` (the message id) and an
    empty ``text``; the full-text index over memories reads its content through the view
    ``memory_texts``, so it indexes the message's words without copying them. A message
    deleted or edited first gives its words back to the memories that referenced it, as
    they were (they kept a copy before). The same-words index skips referencing episodes.
    Vectors become int8 with a float32 scale (``store/vector_blobs.py``), in
    ``memory_embeddings`` keyed by a model number; ``memory_vectors`` stays as a view of
    the old shape. Nothing is dropped: a memory whose words differ from its message's keeps
    them, and every vector is converted.
    """
    from samantha.store.vector_blobs import encode_float32

    old_text, new_text = _M010_TEXT.format(row="old"), _M010_TEXT.format(row="new")
    run_script(
        conn,
        f"""
        DROP TRIGGER memories_fts_insert;
        DROP TRIGGER memories_fts_delete;
        DROP TRIGGER memories_fts_update;
        DROP TABLE memories_fts;
        DROP INDEX memories_by_words;
        ALTER TABLE memories ADD COLUMN said_in INTEGER;
        UPDATE memories SET said_in = (
            SELECT ms.message_id FROM memory_sources ms WHERE ms.memory_id = memories.id
        ), text = ''
        WHERE kind IN ('episode', 'reply')
          AND (SELECT count(*) FROM memory_sources ms WHERE ms.memory_id = memories.id) = 1
          AND text = (
            SELECT substr(msg.text, 1, 4000) FROM memory_sources ms
            JOIN messages msg ON msg.id = ms.message_id WHERE ms.memory_id = memories.id
          );
        CREATE INDEX memories_by_words ON memories (persona, kind, lower(text))
            WHERE said_in IS NULL;
        CREATE VIEW memory_texts AS
            SELECT m.id AS id, {_M010_TEXT.format(row="m")} AS text FROM memories m;
        CREATE VIRTUAL TABLE memories_fts USING fts5(
            text, content='memory_texts', content_rowid='id', tokenize='porter unicode61'
        );
        INSERT INTO memories_fts (memories_fts) VALUES ('rebuild');
        CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
            INSERT INTO memories_fts (rowid, text) VALUES (new.id, {new_text});
        END;
        CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
            INSERT INTO memories_fts (memories_fts, rowid, text)
                VALUES ('delete', old.id, {old_text});
        END;
        CREATE TRIGGER memories_fts_update AFTER UPDATE OF text, said_in ON memories BEGIN
            INSERT INTO memories_fts (memories_fts, rowid, text)
                VALUES ('delete', old.id, {old_text});
            INSERT INTO memories_fts (rowid, text) VALUES (new.id, {new_text});
        END;
        CREATE TRIGGER messages_give_words_back BEFORE DELETE ON messages BEGIN
            UPDATE memories SET text = substr(old.text, 1, 4000), said_in = NULL
            WHERE said_in = old.id
              AND id IN (SELECT memory_id FROM memory_sources WHERE message_id = old.id);
        END;
        CREATE TRIGGER messages_keep_words BEFORE UPDATE OF text ON messages BEGIN
            UPDATE memories SET text = substr(old.text, 1, 4000), said_in = NULL
            WHERE said_in = old.id
              AND id IN (SELECT memory_id FROM memory_sources WHERE message_id = old.id);
        END;
        CREATE TABLE embedding_models (
            id    INTEGER PRIMARY KEY,
            name  TEXT NOT NULL UNIQUE
        );
        CREATE TABLE memory_embeddings (
            memory_id  INTEGER NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
            model_id   INTEGER NOT NULL REFERENCES embedding_models(id),
            vector     BLOB NOT NULL,
            PRIMARY KEY (memory_id, model_id)
        ) WITHOUT ROWID;
        INSERT INTO embedding_models (name)
            SELECT DISTINCT model FROM memory_vectors ORDER BY model
        """,
    )
    models = dict(conn.execute("SELECT name, id FROM embedding_models").fetchall())
    rows = conn.execute("SELECT memory_id, model, dim, vector FROM memory_vectors")
    while batch := rows.fetchmany(2000):
        conn.executemany(
            "INSERT INTO memory_embeddings (memory_id, model_id, vector) VALUES (?, ?, ?)",
            [
                (memory_id, models[name], encode_float32(blob))
                for memory_id, name, _dim, blob in batch
                # Not float32 bytes at all: nothing a vector can be read from (the model
                # embeds that memory again, as for any memory without a vector).
                if isinstance(blob, bytes) and len(blob) % 4 == 0
            ],
        )
    run_script(
        conn,
        """
        DROP TABLE memory_vectors;
        CREATE VIEW memory_vectors AS
            SELECT v.memory_id AS memory_id, e.name AS model, length(v.vector) - 4 AS dim,
                   v.vector AS vector
            FROM memory_embeddings v JOIN embedding_models e ON e.id = v.model_id
        """,
    )


#: "No memory reads its words from message ``{msg}``": every such memory has the message among
#: its sources, so the index on sources finds them without an index on ``said_in``.
_M011_ALONE = (
    "NOT EXISTS (SELECT 1 FROM memory_sources ref JOIN memories mem ON mem.id = ref.memory_id"
    " WHERE ref.message_id = {msg} AND mem.said_in = {msg}{besides})"
)


def m011_one_index_of_message_words(conn: sqlite3.Connection) -> None:
    """The words of a message were indexed twice: in ``messages_fts`` and, through its
    episode, in ``memories_fts``. Now ``messages_fts`` holds only the messages no memory reads
    its words from (whose episode was forgotten or edited, say): searching the conversations
    asks both indexes. Triggers move a message in or out as memories start or stop reading
    it. A message longer than an episode keeps (4,000 characters) stops being read by its
    episode, which keeps its own copy again, so every word of it stays searchable."""
    alone_new = _M011_ALONE.format(msg="new.said_in", besides=" AND mem.id != new.id")
    alone_old = _M011_ALONE.format(msg="old.said_in", besides=" AND mem.id != old.id")
    text_of = "(SELECT text FROM messages WHERE id = {msg})"
    run_script(
        conn,
        f"""
        UPDATE memories SET text = (
            SELECT substr(msg.text, 1, 4000) FROM messages msg WHERE msg.id = memories.said_in
        ), said_in = NULL
        WHERE said_in IS NOT NULL
          AND (SELECT length(msg.text) FROM messages msg WHERE msg.id = memories.said_in) > 4000;
        DROP TRIGGER messages_fts_insert;
        DROP TRIGGER messages_fts_delete;
        DROP TRIGGER messages_fts_update;
        DROP TABLE messages_fts;
        CREATE VIEW message_texts_alone AS
            SELECT msg.id AS id, msg.text AS text FROM messages msg
            WHERE {_M011_ALONE.format(msg="msg.id", besides="")};
        CREATE VIRTUAL TABLE messages_fts USING fts5(
            text, content='message_texts_alone', content_rowid='id', tokenize='porter unicode61'
        );
        INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER messages_fts_read_by_memory AFTER INSERT ON memories
        WHEN new.said_in IS NOT NULL AND {alone_new} BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text)
                VALUES ('delete', new.said_in, {text_of.format(msg="new.said_in")});
        END;
        CREATE TRIGGER messages_fts_unread_by_memory AFTER DELETE ON memories
        WHEN old.said_in IS NOT NULL AND {alone_old}
            AND EXISTS (SELECT 1 FROM messages WHERE id = old.said_in) BEGIN
            INSERT INTO messages_fts (rowid, text)
                VALUES (old.said_in, {text_of.format(msg="old.said_in")});
        END;
        CREATE TRIGGER messages_fts_memory_reads_other AFTER UPDATE OF said_in ON memories
        WHEN old.said_in IS NOT new.said_in BEGIN
            INSERT INTO messages_fts (rowid, text)
                SELECT old.said_in, {text_of.format(msg="old.said_in")}
                WHERE old.said_in IS NOT NULL AND {alone_old}
                  AND EXISTS (SELECT 1 FROM messages WHERE id = old.said_in);
            INSERT INTO messages_fts (messages_fts, rowid, text)
                SELECT 'delete', new.said_in, {text_of.format(msg="new.said_in")}
                WHERE new.said_in IS NOT NULL AND {alone_new};
        END
        """,
    )


MIGRATIONS: list[Migration] = [
    m001_conversations_and_messages,
    m002_mood_and_relationship,
    m003_memory,
    m004_her_words_apart,
    m005_same_words_index,
    m006_vectors_per_model,
    m007_superseded_facts,
    m008_keepsakes_diary_nudges,
    m009_withheld_messages,
    m010_memories_reference_messages,
    m011_one_index_of_message_words,
]


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


#: Versions after which much of an existing file is free pages: it is rewritten once (VACUUM)
#: so the space goes back to the disk; SQLite reuses free pages but never returns them itself.
SHRINKING = frozenset({10, 11})


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date; each step commits with its version, or not at all."""
    version = schema_version(conn)
    _migrate(conn, version)
    after = schema_version(conn)
    if version and any(version < number <= after for number in SHRINKING):
        # Only a smaller file is at stake (a full disk, another window reading): the data
        # is migrated and committed whether or not this succeeds.
        with contextlib.suppress(sqlite3.Error):
            conn.execute("VACUUM")
    return after


def _migrate(conn: sqlite3.Connection, version: int) -> None:
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
