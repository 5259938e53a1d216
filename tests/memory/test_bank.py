"""The public memory API: import with dates, recall with score parts and sources, cues of who
and when, vectors kept across sessions, and an old database brought up to date."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from samantha.domain.conversation import Role
from samantha.domain.memory import MemoryKind
from samantha.memory import Line, MemoryBank, open_memory
from samantha.memory.cues import read_cues
from samantha.memory.embedding import MODEL_NAME, local_embedder
from samantha.store import migrations
from samantha.store.db import connect

START = datetime(2024, 5, 1, 20, 0, tzinfo=UTC)

needs_model = pytest.mark.skipif(local_embedder() is None, reason="wordllama is not installed")


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[MemoryBank]:
    with open_memory(tmp_path / "memory.db") as memory:
        yield memory


def test_an_imported_log_keeps_its_dates_and_recall_points_back_to_messages(
    bank: MemoryBank,
) -> None:
    lines = [
        Line(text="I adopted a grey cat called Miso.", speaker="Theo", at=START),
        Line(text="What a lovely name!", speaker="Sam", role=Role.ASSISTANT, at=START),
        Line(text="My train to work was late again.", speaker="Theo", at=START + timedelta(days=3)),
    ]
    imported = bank.import_log(lines)
    assert len(imported.message_ids) == 3
    hits = bank.recall("what is my cat called?", k=3, now=START + timedelta(days=30))
    assert hits
    top = hits[0]
    assert "Miso" in top.memory.text
    assert top.memory.source_ids == [imported.message_ids[0]]
    assert top.memory.created_at == START
    assert top.relevance == pytest.approx(1.0)
    assert top.score == pytest.approx(
        bank.stream.settings.recall.recency_weight * top.recency
        + bank.stream.settings.recall.importance_weight * top.importance
        + bank.stream.settings.recall.relevance_weight * top.relevance
    )
    assert bank.messages_for("what is my cat called?", k=1) == [imported.message_ids[0]]


def test_add_edit_and_forget(bank: MemoryBank) -> None:
    message = bank.add("My sister Anna lives in Lisbon.", speaker="Theo", at=START)
    episode = next(m for m in bank.listing() if m.kind is MemoryKind.EPISODE)
    assert episode.source_ids == [message]
    bank.edit(episode.id, "My sister Anna lives in Porto.")
    texts = [h.memory.text for h in bank.recall("Porto", now=START)]
    assert "My sister Anna lives in Porto." in texts
    assert all("Lisbon" not in t for t in texts if "Porto" not in t)
    assert bank.forget([episode.id]) >= 1
    assert all(h.memory.id != episode.id for h in bank.recall("sister Porto", now=START))


def test_a_question_about_what_she_said_prefers_her_words(bank: MemoryBank) -> None:
    bank.import_log(
        [
            Line(text="I need a hotel in Kyoto.", speaker="Theo", at=START),
            Line(
                text="A good hotel in Kyoto is the Ryokan Sawaya, near the river.",
                speaker="Sam",
                role=Role.ASSISTANT,
                at=START,
            ),
        ],
        learn=False,
    )
    hers = bank.recall("Which hotel in Kyoto did you recommend?", k=2, now=START)
    assert hers[0].memory.kind is MemoryKind.REPLY
    theirs = bank.recall("Which hotel in Kyoto do I need?", k=2, now=START)
    assert theirs[0].memory.kind is MemoryKind.EPISODE


def test_the_question_cues_name_the_speaker_and_the_time() -> None:
    now = datetime(2023, 6, 1, 12, 0, tzinfo=UTC)
    assert read_cues("What did you suggest for dinner?", now).her_words
    assert not read_cues("Can you suggest something for dinner?", now).her_words
    ago = read_cues("Which book did I start two weeks ago?", now)
    assert ago.within(now - timedelta(days=14))
    assert not ago.within(now - timedelta(days=60))
    may = read_cues("What did I buy in May?", now)
    assert may.within(datetime(2023, 5, 15, tzinfo=UTC))
    assert not may.within(datetime(2023, 3, 15, tzinfo=UTC))
    assert not read_cues("What is my cat called?", now).dated


def test_a_named_time_lifts_what_was_said_then(tmp_path: Path) -> None:
    from samantha.memory.bank import QUESTION_SETTINGS

    settings = QUESTION_SETTINGS.model_copy(update={"time_boost": 1.5, "recency_weight": 0.0})
    with open_memory(tmp_path / "m.db", settings=settings, semantic=False) as bank:
        now = datetime(2023, 6, 1, tzinfo=UTC)
        old = bank.add("I bought running shoes.", speaker="Theo", at=now - timedelta(days=120))
        recent = bank.add("I bought running shoes.", speaker="Theo", at=now - timedelta(days=14))
        found = bank.messages_for("Which running shoes did I buy two weeks ago?", k=2, now=now)
        assert found[0] == recent
        found = bank.messages_for("Which running shoes did I buy four months ago?", k=2, now=now)
        assert found[0] == old


@needs_model
def test_meaning_finds_what_no_word_shares(bank: MemoryBank) -> None:
    bank.import_log(
        [
            Line(text="I adopted a kitten last week.", speaker="Theo", at=START),
            Line(text="The quarterly tax forms are due.", speaker="Theo", at=START),
        ],
        learn=False,
    )
    hits = bank.recall("my cat", k=1, now=START)
    assert hits
    assert "kitten" in hits[0].memory.text


@needs_model
def test_vectors_are_stored_once_and_reused_after_reopening(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    with open_memory(path) as bank:
        bank.import_log(
            [Line(text=f"Note {i} about gardening.", speaker="T", at=START) for i in range(5)]
        )
        assert bank.stream.embed_backlog() == 0  # embedded as they were stored
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT count(*) FROM memory_vectors WHERE model = ?", (MODEL_NAME,)
        ).fetchone()[0]
    assert rows == 5
    with open_memory(path) as bank:
        assert bank.stream.embed_backlog() == 0  # nothing rebuilt on reopening
        assert bank.recall("gardening", k=5, now=START)


@needs_model
def test_an_old_database_gets_vectors_for_what_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "memory.db"
    with open_memory(path, semantic=False) as bank:
        bank.import_log([Line(text="I grow tomatoes on the balcony.", speaker="T", at=START)])
    with open_memory(path) as bank:  # warm() embeds the backlog once
        assert bank.stream.embed_backlog() == 0
        assert bank.recall("vegetables in my garden", k=1, now=START)


def _version_5_database(path: Path) -> None:
    conn = connect(path)
    for migration in migrations.MIGRATIONS[:5]:
        conn.execute("BEGIN")
        migration(conn)
        conn.execute("COMMIT")
    conn.execute("PRAGMA user_version = 5")
    conn.execute("INSERT INTO conversations VALUES (1, '', 'samantha', '2024', '2024')")
    conn.execute(
        "INSERT INTO messages (id, conversation_id, role, speaker, text, created_at)"
        " VALUES (1, 1, 'user', 'T', 'I love jazz.', '2024-05-01T20:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO memories VALUES (1, 'samantha', 'episode', 'I love jazz.', 2,"
        " '2024-05-01T20:00:00+00:00', '2024-05-01T20:00:00+00:00', NULL)"
    )
    conn.execute("INSERT INTO memory_sources VALUES (1, 1)")
    conn.execute("INSERT INTO memory_vectors VALUES (1, 'backend-model', 2, ?)", (b"\0" * 8,))
    conn.commit()
    conn.close()


def test_migrating_an_old_database_keeps_its_vectors_and_adds_room_for_more(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    _version_5_database(path)
    with open_memory(path) as bank:
        assert bank.recall("jazz", k=1, now=START)[0].memory.source_ids == [1]
        bank.stream.set_vectors("backend-model", [(1, [1.0, 0.0])])
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(migrations.MIGRATIONS)
        models = {r[0] for r in conn.execute("SELECT model FROM memory_vectors")}
    assert "backend-model" in models
    if local_embedder() is not None:
        assert MODEL_NAME in models  # the two models' vectors no longer overwrite each other


def test_the_last_places_go_to_talks_not_yet_covered(tmp_path: Path) -> None:
    with open_memory(tmp_path / "m.db", semantic=False) as bank:
        first = [
            Line(text=f"Guitar lesson {i}: guitar scales and guitar chords.", speaker="T", at=START)
            for i in range(4)
        ]
        other = Line(
            text="Bought a guitar strap.",
            speaker="T",
            at=START + timedelta(days=9),
            conversation="b",
        )
        ids = bank.import_log([*first, other], learn=False).message_ids
        assert ids[-1] not in bank.messages_for("guitar", k=3, spread=0)
        spread = bank.messages_for("guitar", k=3, spread=1)
        assert spread[-1] == ids[-1]
        assert spread[:2] == bank.messages_for("guitar", k=2, spread=0)


def test_warming_up_recalls_nothing_into_memory(tmp_path: Path) -> None:
    """Opening a memory and importing a log run a throwaway recall (so the first question
    costs what every other does); it must leave no trace: no recency renewed, nothing added."""
    path = tmp_path / "memory.db"
    lines = [
        Line(text="Warm up the words: my meanings are up in the attic.", speaker="Theo", at=START),
        Line(text="Up in the attic, warm and dry?", speaker="Sam", role=Role.ASSISTANT, at=START),
    ]
    with open_memory(path) as memory:
        memory.import_log(lines, learn=False)
        before = memory.listing()
    with open_memory(path) as memory:
        after = memory.listing()
    assert len(before) == 2
    assert after == before
    assert all(m.accessed_at == START for m in after)
