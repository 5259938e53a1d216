"""The glance at her newest messages before she opens: what ``resume`` then ``history`` would
show, or nothing when that cannot be known for sure; never a write to the database."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest

from samantha.config import Paths
from samantha.domain.shown import ShownMessage
from samantha.engine.glance import glance_key, newest_messages
from samantha.store.migrations import MIGRATIONS
from tests.conftest import MakeCompanion


def shown(messages: Sequence[ShownMessage]) -> list[tuple[object, ...]]:
    """What a transcript paints of each message."""
    return [(m.id, m.role, m.status, m.text) for m in messages]


async def test_it_reads_what_the_opened_companion_shows(make_companion: MakeCompanion) -> None:
    companion = make_companion()
    await companion.resume()
    for n in range(5):
        async for _ in companion.turn(f"message {n}"):
            pass
    expected = await companion.history(6)
    # Another persona's newer conversation is not hers to show.
    alan = make_companion(persona="alan")
    await alan.resume()
    async for _ in alan.turn("something for Alan"):
        pass

    assert shown(newest_messages("samantha", 6)) == shown(expected)
    assert shown(newest_messages("Samantha", 6)) == shown(expected)  # her name, in any case
    assert newest_messages("alan", 6)[0].text == "something for Alan"


async def test_her_latest_conversation_only(make_companion: MakeCompanion) -> None:
    companion = make_companion()
    await companion.resume()
    async for _ in companion.turn("in the first conversation"):
        pass
    await companion.new_conversation()
    async for _ in companion.turn("in the second"):
        pass
    assert newest_messages("samantha", 60)[0].text == "in the second"


def test_nothing_and_no_file_when_she_has_never_been_opened(isolated_home: Path) -> None:
    assert newest_messages("samantha", 60) == []
    assert not Paths.from_env().db_path.exists()
    assert not isolated_home.exists()


def test_a_persona_given_as_a_path_is_not_guessed() -> None:
    # Her key is the name inside the file: unknown until it is read.
    assert glance_key("~/personas/ada.yaml") is None
    assert glance_key("./ada") is None
    assert glance_key("Flux the Cat") == "flux the cat"


async def test_a_schema_the_store_would_migrate_or_refuse_is_not_read(
    make_companion: MakeCompanion,
) -> None:
    companion = make_companion()
    await companion.resume()
    async for _ in companion.turn("hello"):
        pass
    assert newest_messages("samantha", 60)
    database = Paths.from_env().db_path
    for version in (len(MIGRATIONS) - 1, len(MIGRATIONS) + 1):
        with sqlite3.connect(database) as conn:
            conn.execute(f"PRAGMA user_version = {version}")
        assert newest_messages("samantha", 60) == []


@pytest.mark.parametrize(
    "content", [b"not a database at all" * 10, b"SQLite format 3\x00" + b"\xff" * 200]
)
def test_a_damaged_file_is_left_alone(isolated_home: Path, content: bytes) -> None:
    database = Paths.from_env().db_path
    database.parent.mkdir(parents=True)
    database.write_bytes(content)
    assert newest_messages("samantha", 60) == []
    assert database.read_bytes() == content
    assert sorted(p.name for p in database.parent.iterdir()) == ["samantha.db"]
