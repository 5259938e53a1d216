"""The database file: private, migrated, and durable across reopen."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from samantha.clock import FixedClock
from samantha.domain.conversation import MessageStatus, Role
from samantha.errors import DatabaseCorrupt, StorageError
from samantha.store import Store
from samantha.store.migrations import MIGRATIONS, schema_version


def test_database_is_private_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "data" / "samantha.db"
    with Store.open(path) as store:
        assert store.run_sync(lambda s: schema_version(s._conn)) == len(MIGRATIONS)
        mode = store.run_sync(lambda s: s._conn.execute("PRAGMA journal_mode").fetchone()[0])
        assert mode == "wal"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_messages_survive_reopen_in_order(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "samantha.db"
    with Store.open(path) as store:
        conversation = store.run_sync(
            lambda s: s.conversations.create("samantha", clock.now()), write=True
        )
        for index in range(5):
            store.run_sync(
                lambda s, i=index: s.conversations.add_message(
                    conversation.id, Role.USER, "you", f"message {i}", clock.now()
                ),
                write=True,
            )
    with Store.open(path) as store:
        recent = store.run_sync(lambda s: s.conversations.recent_messages(conversation.id, 3))
    assert [m.text for m in recent] == ["message 2", "message 3", "message 4"]
    assert all(m.status is MessageStatus.COMPLETE for m in recent)


def test_failed_transaction_rolls_back(tmp_path: Path, clock: FixedClock) -> None:
    with Store.open(tmp_path / "samantha.db") as store:
        conversation = store.run_sync(
            lambda s: s.conversations.create("samantha", clock.now()), write=True
        )

        def half_done(s: Store) -> None:
            s.conversations.add_message(conversation.id, Role.USER, "you", "lost?", clock.now())
            raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            store.run_sync(half_done, write=True)
        assert store.run_sync(lambda s: s.conversations.count_messages(conversation.id)) == 0


def test_reopening_an_old_schema_upgrades_it(tmp_path: Path) -> None:
    path = tmp_path / "samantha.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()


def test_a_file_that_is_not_a_database_gives_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "samantha.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(DatabaseCorrupt) as caught:
        Store.open(path)
    assert "damaged" in str(caught.value)
    assert path.read_bytes().startswith(b"this is not sqlite")  # never overwritten


def test_unwritable_data_dir_gives_one_sentence(tmp_path: Path) -> None:
    # A file where the folder should be: fails for root too, unlike a chmod.
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError) as caught:
        Store.open(blocker / "sub" / "samantha.db")
    assert "SAMANTHA_HOME" in str(caught.value)
