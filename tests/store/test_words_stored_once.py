"""Memories read their message's words instead of copying them (migration m010), and lose
nothing on the way: an old database migrates with every memory, source, search result and
vector intact, and forgetting, editing and exporting keep every index true."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from samantha.domain.conversation import Role
from samantha.domain.memory import MemoryKind
from samantha.store import Store, archive, db, migrations
from samantha.store.vector_blobs import decode_to_float32, encode_float32

AT = "2026-03-02T09:30:00+00:00"
LONG = "word " * 900 + "tailword at the very end"  # over 4,000 characters
#: (id, role, text) of the old database's messages.
MESSAGES = [
    (1, "user", "My sister Anna moved to Porto last spring."),
    (2, "assistant", "Porto! Does she like the river there?"),
    (3, "user", "She loves it, and the pastel de nata."),
    (4, "user", LONG),
    (5, "user", "I adopted a cat called Miso."),
]
#: (id, kind, text, sources): what version 9 stored, each text copied.
MEMORIES = [
    (1, "episode", MESSAGES[0][2], [1]),
    (2, "reply", MESSAGES[1][2], [2]),
    (3, "episode", MESSAGES[2][2], [3]),
    (4, "episode", LONG[:4000], [4]),
    (5, "episode", "I adopted a kitten called Miso.", [5]),  # edited on the memory screen
    (6, "fact", "Their sister Anna lives in Porto.", [1, 3]),
    (7, "reflection", "They care about family far away.", [1, 2, 3]),
]
QUERIES = ['"porto"', '"anna" OR "river"', '"kitten"', '"cat"', '"tailword"', '"nata" OR "word"']
MODELS = {"wordllama-l2-supercat-256": 8, "backend-model": 5}


def _vector(memory_id: int, model: str, dim: int) -> np.ndarray:
    rng = np.random.default_rng(memory_id * 31 + len(model))
    return rng.normal(size=dim).astype("<f4")


def _version_9(path: Path) -> None:
    """A database as samantha wrote it at schema version 9, with real rows."""
    conn = db.connect(path)
    for number, migration in enumerate(migrations.MIGRATIONS[:9], start=1):
        conn.execute("BEGIN")
        migration(conn)
        conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO conversations VALUES (1, 'Anna', 'samantha', ?, ?)", (AT, AT))
    for mid, role, text in MESSAGES:
        conn.execute(
            "INSERT INTO messages (id, conversation_id, role, speaker, text, created_at)"
            " VALUES (?, 1, ?, ?, ?, ?)",
            (mid, role, "Theo" if role == "user" else "samantha", text, AT),
        )
    for mid, kind, text, sources in MEMORIES:
        conn.execute(
            "INSERT INTO memories (id, persona, kind, text, importance, created_at, accessed_at)"
            " VALUES (?, 'samantha', ?, ?, ?, ?, ?)",
            (mid, kind, text, 3, AT, AT),
        )
        conn.executemany("INSERT INTO memory_sources VALUES (?, ?)", [(mid, s) for s in sources])
        for model, dim in MODELS.items():
            conn.execute(
                "INSERT INTO memory_vectors VALUES (?, ?, ?, ?)",
                (mid, model, dim, _vector(mid, model, dim).tobytes()),
            )
    conn.execute("COMMIT")
    conn.close()


def _searches(conn: sqlite3.Connection) -> dict[str, list[tuple[int, float]]]:
    return {
        q: [
            (int(r[0]), round(float(r[1]), 9))
            for r in conn.execute(
                "SELECT rowid, bm25(memories_fts) FROM memories_fts WHERE memories_fts MATCH ?"
                " ORDER BY rank",
                (q,),
            )
        ]
        for q in QUERIES
    }


def _index_is_true(conn: sqlite3.Connection) -> None:
    """FTS5 compares its index with the content it reads (through ``memory_texts``)."""
    conn.execute("INSERT INTO memories_fts (memories_fts, rank) VALUES ('integrity-check', 1)")
    conn.execute("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)")


def test_an_old_database_migrates_losing_nothing(tmp_path: Path) -> None:
    path = tmp_path / "samantha.db"
    _version_9(path)
    with sqlite3.connect(path) as conn:
        searches_before = _searches(conn)
        found_before = {
            q: sorted(
                r[0]
                for r in conn.execute(
                    "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?", (q,)
                )
            )
            for q in QUERIES
        }
    # The cat is only in the message (the episode was edited to a kitten); the long
    # message's last word lies past what its episode holds.
    assert [q for q, hits in searches_before.items() if not hits] == ['"cat"', '"tailword"']

    with Store.open(path) as store:
        memories = store.run_sync(lambda s: s.memories.many([m[0] for m in MEMORIES]))
        vectors = {
            model: dict(store.run_sync(lambda s, m=model: s.memories.vectors("samantha", m)))
            for model in MODELS
        }
        found_after = {
            q: sorted(
                m.id
                for m in store.run_sync(lambda s, q=q: s.conversations.search("samantha", q, 50))
            )
            for q in QUERIES
        }

    assert [(m.id, m.kind.value, m.text, m.source_ids) for m in memories] == MEMORIES
    # Searching the conversations finds the same messages, whichever index holds their words.
    assert found_after == found_before
    assert found_after['"tailword"'] == [4]
    assert found_after['"cat"'] == [5]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
    assert _searches(conn) == searches_before
    _index_is_true(conn)
    # The episodes and the reply that were their message's words now read them from there;
    # the edited one and the one holding the start of a long message keep their own words.
    stored = dict(conn.execute("SELECT id, text FROM memories WHERE said_in IS NOT NULL"))
    assert stored == {1: "", 2: "", 3: ""}
    assert conn.execute("SELECT text FROM memories WHERE id = 5").fetchone()[0] == MEMORIES[4][2]
    assert conn.execute("SELECT text FROM memories WHERE id = 4").fetchone()[0] == LONG[:4000]
    # Each message's words are indexed once: the messages no memory reads, in messages_fts.
    alone = conn.execute("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'cat OR word'")
    assert sorted(r[0] for r in alone) == [4, 5]
    assert conn.execute("SELECT count(*) FROM memory_vectors").fetchone()[0] == 14
    conn.close()
    for model, dim in MODELS.items():
        assert sorted(vectors[model]) == [m[0] for m in MEMORIES]
        for memory_id, blob in vectors[model].items():
            kept = np.frombuffer(blob, dtype="<f4")
            original = _vector(memory_id, model, dim)
            assert kept.shape == (dim,)
            assert np.abs(kept - original).max() <= np.abs(original).max() / 254 + 1e-7


def test_a_migrated_file_gives_the_space_back(tmp_path: Path) -> None:
    path = tmp_path / "samantha.db"
    _version_9(path)
    conn = sqlite3.connect(path)
    vector = _vector(1, "m", 256).tobytes()
    for i in range(100, 400):  # a few hundred lines, as a week of talk leaves
        conn.execute(
            "INSERT INTO messages (id, conversation_id, role, speaker, text, created_at)"
            " VALUES (?, 1, 'user', 'Theo', ?, ?)",
            (i, f"Line {i} of a long week, with its coffee and its rain.", AT),
        )
        conn.execute(
            "INSERT INTO memories (id, persona, kind, text, importance, created_at, accessed_at)"
            " SELECT id, 'samantha', 'episode', text, 2, ?, ? FROM messages WHERE id = ?",
            (AT, AT, i),
        )
        conn.execute("INSERT INTO memory_sources VALUES (?, ?)", (i, i))
        conn.execute("INSERT INTO memory_vectors VALUES (?, 'm', 256, ?)", (i, vector))
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    Store.open(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
    assert conn.execute("PRAGMA page_count").fetchone()[0] < before / 2
    conn.close()


def _store_with_talk(path: Path) -> tuple[Store, list[int]]:
    store = Store.open(path)
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

    def talk(s: Store) -> list[int]:
        conversation = s.conversations.create("samantha", at)
        ids = []
        for role, text in [
            (Role.USER, "The lighthouse keeper waved at me."),
            (Role.ASSISTANT, "A lighthouse keeper! What was the sea like?"),
        ]:
            message = s.conversations.add_message(conversation.id, role, "Theo", text, at)
            kind = MemoryKind.EPISODE if role is Role.USER else MemoryKind.REPLY
            s.memories.add("samantha", kind, text, 2, at, [message.id])
            ids.append(message.id)
        s.memories.add("samantha", MemoryKind.FACT, "Theo met a lighthouse keeper.", 5, at, ids)
        vector = np.ones(4, dtype="<f4").tobytes()
        s.memories.set_vectors("m", [(i, vector) for i in (1, 2, 3)], 4)
        return ids

    return store, store.run_sync(talk, write=True)


def _found(store: Store, match: str) -> list[str]:
    return [m.text for m, _ in store.run_sync(lambda s: s.memories.search("samantha", match, 10))]


def test_new_episodes_read_their_message_and_are_found(tmp_path: Path) -> None:
    store, ids = _store_with_talk(tmp_path / "samantha.db")
    with store:
        alone = store.run_sync(
            lambda s: s._conn.execute(
                "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'lighthouse'"
            ).fetchone()[0]
        )
        assert alone == 0  # indexed once, through their memories
        said = store.run_sync(lambda s: s.conversations.search("samantha", '"lighthouse"', 9))
        assert sorted(m.id for m in said) == ids
        raw = store.run_sync(
            lambda s: s._conn.execute("SELECT kind, text, said_in FROM memories").fetchall()
        )
        assert [(r[0], r[1], r[2] is not None) for r in raw] == [
            ("episode", "", True),
            ("reply", "", True),
            ("fact", "Theo met a lighthouse keeper.", False),
        ]
        assert sorted(_found(store, '"lighthouse"')) == sorted(
            [
                "The lighthouse keeper waved at me.",
                "A lighthouse keeper! What was the sea like?",
                "Theo met a lighthouse keeper.",
            ]
        )
        same = store.run_sync(
            lambda s: s.memories.find_same(
                "samantha", MemoryKind.EPISODE, "the lighthouse keeper waved at me."
            )
        )
        assert same is not None
        assert same.kind is MemoryKind.EPISODE
        store.run_sync(lambda s: _index_is_true(s._conn))


def test_a_forgotten_message_leaves_every_index(tmp_path: Path) -> None:
    store, ids = _store_with_talk(tmp_path / "samantha.db")
    with store:

        def forget(s: Store) -> None:
            s.memories.delete(s.memories.derived_only_from_message(ids[0]))
            s.memories.delete(s.memories.episodes_of([ids[0]]))
            s.conversations.delete_message(ids[0])

        store.run_sync(forget, write=True)
        assert _found(store, '"waved"') == []
        assert store.run_sync(lambda s: s.conversations.search("samantha", '"waved"', 9)) == []
        conn = store.run_sync(lambda s: s._conn)
        hits = conn.execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'waved'")
        assert hits.fetchone()[0] == 0
        left = store.run_sync(lambda s: s.memories.vectors("samantha", "m"))
        assert [memory_id for memory_id, _ in left] == [2, 3]  # her reply and the fact
        store.run_sync(lambda s: _index_is_true(s._conn))


def test_a_message_deleted_first_gives_its_words_back_to_its_episode(tmp_path: Path) -> None:
    store, ids = _store_with_talk(tmp_path / "samantha.db")
    with store:
        store.run_sync(lambda s: s.conversations.delete_message(ids[0]), write=True)
        assert _found(store, '"waved"') == ["The lighthouse keeper waved at me."]
        store.run_sync(lambda s: _index_is_true(s._conn))
        # A whole conversation deleted at once (its messages go by cascade): the same.
        conversation = store.run_sync(
            lambda s: s._conn.execute("SELECT id FROM conversations").fetchone()[0]
        )
        store.run_sync(lambda s: s.conversations.delete(conversation), write=True)
        assert sorted(_found(store, '"sea"')) == ["A lighthouse keeper! What was the sea like?"]
        store.run_sync(lambda s: _index_is_true(s._conn))


def test_edits_on_either_side_keep_the_other_as_it_was(tmp_path: Path) -> None:
    store, ids = _store_with_talk(tmp_path / "samantha.db")
    with store:
        episode = store.run_sync(lambda s: s.memories.episodes_of([ids[0]]))[0]
        store.run_sync(
            lambda s: s.memories.update(episode, text="The harbour master waved at me."),
            write=True,
        )
        assert _found(store, '"harbour"') == ["The harbour master waved at me."]
        assert "The lighthouse keeper waved at me." not in _found(store, '"lighthouse"')
        # The message is still found by its own words, now from messages_fts.
        said = store.run_sync(lambda s: s.conversations.search("samantha", '"lighthouse"', 9))
        assert [m.id for m in said] == ids
        store.run_sync(lambda s: _index_is_true(s._conn))
        reply = store.run_sync(lambda s: s.memories.episodes_of([ids[1]]))[0]
        store.run_sync(
            lambda s: s.conversations.edit_message(ids[1], "What was the weather like?"),
            write=True,
        )
        kept = store.run_sync(lambda s: s.memories.get(reply))
        assert kept is not None
        assert kept.text == "A lighthouse keeper! What was the sea like?"
        said = store.run_sync(lambda s: s.conversations.search("samantha", '"weather"', 9))
        assert [m.id for m in said] == [ids[1]]
        store.run_sync(lambda s: _index_is_true(s._conn))


def test_the_export_shows_each_memory_s_words(tmp_path: Path) -> None:
    store, _ids = _store_with_talk(tmp_path / "samantha.db")
    with store:
        archive.export(store, tmp_path / "out", markdown=False)
    data = json.loads((tmp_path / "out" / archive.JSON_NAME).read_text(encoding="utf-8"))
    texts = [row["text"] for row in data["tables"]["memories"]["rows"]]
    assert texts == [
        "The lighthouse keeper waved at me.",
        "A lighthouse keeper! What was the sea like?",
        "Theo met a lighthouse keeper.",
    ]


@pytest.mark.parametrize("dim", [1, 3, 256])
def test_vectors_come_back_as_float32_within_one_step(dim: int) -> None:
    rng = np.random.default_rng(dim)
    originals = [rng.normal(size=dim).astype("<f4") for _ in range(4)] + [
        np.zeros(dim, dtype="<f4")
    ]
    blobs = [encode_float32(v.tobytes(), dim) for v in originals]
    assert all(len(b) == dim + 4 for b in blobs)
    for original, back in zip(originals, decode_to_float32(blobs), strict=True):
        values = np.frombuffer(back, dtype="<f4")
        assert values.shape == (dim,)
        assert np.abs(values - original).max() <= np.abs(original).max() / 254 + 1e-7


def test_a_vector_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ValueError, match="not 4"):
        encode_float32(np.zeros(3, dtype="<f4").tobytes(), 4)
