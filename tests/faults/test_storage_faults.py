"""When the disk is the problem: a damaged database, a read-only or full disk, a busy file.

Each gets one sentence that says what to do; a damaged database is never written to, only
moved aside when the user runs `samantha repair`, and a new one starts after that.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from samantha.backends.base import Chunk, ReplyRequest
from samantha.backends.scripted import ScriptedBackend
from samantha.config import Paths
from samantha.engine import Companion, TurnResult
from samantha.errors import DatabaseCorrupt, DatabaseLocked, SamanthaError, StorageError
from samantha.store import Store, archive, db
from tests.backends.test_openai_compat import assert_one_sentence
from tests.conftest import MakeCompanion, collect
from tests.faults.zygote import Zygote
from tests.test_cli import cli_env

EXIT_STORAGE = 4


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def say(zygote: Zygote, home: Path, text: str = "hello") -> tuple[int, str, str]:
    child = zygote.spawn(["say", text], cli_env(home))
    code = zygote.wait(child)
    return (code, *child.output())


def samantha(zygote: Zygote, home: Path, *argv: str) -> tuple[int, str, str]:
    child = zygote.spawn(list(argv), cli_env(home))
    code = zygote.wait(child)
    return (code, *child.output())


def one_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("samantha: ")
    assert "Traceback" not in err
    return lines[0].removeprefix("samantha: ")


@pytest.fixture
def history(make_companion: MakeCompanion) -> Callable[[], Path]:
    """A database with a few turns in it, closed as a finished `samantha say` leaves it."""

    def make() -> Path:
        companion = make_companion(ScriptedBackend(replies=["Hello.", "I remember."]))
        asyncio.run(collect(companion, "hi, I'm Theo"))
        asyncio.run(collect(companion, "do you remember the sea?"))
        companion.store.close()
        return companion.store.path

    return make


# -- damaged databases -----------------------------------------------------------------------


def random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(16384))


def truncated(path: Path) -> None:
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 2)


def garbled_header(path: Path) -> None:
    with path.open("r+b") as file:
        file.seek(16)
        file.write(b"\x03\x00")  # a page size that is not a power of two


DAMAGES = [
    pytest.param(random_bytes, "not a SQLite database", id="random-bytes"),
    pytest.param(truncated, "cut short", id="truncated"),
    pytest.param(garbled_header, "header", id="garbled-header"),
]


@pytest.mark.parametrize(("damage", "reason"), DAMAGES)
def test_a_damaged_database_is_reported_moved_aside_on_request_and_replaced(
    damage: Callable[[Path], None],
    reason: str,
    history: Callable[[], Path],
    zygote: Zygote,
    isolated_home: Path,
) -> None:
    path = history()
    damage(path)
    before = digest(path)

    with pytest.raises(DatabaseCorrupt) as info:
        Store.open(path)
    text = assert_one_sentence(info.value)
    assert reason in text
    assert "samantha repair" in text
    code, out, err = say(zygote, isolated_home)
    assert code == EXIT_STORAGE
    assert out == ""
    assert one_line(err) == text
    # Told twice, touched never: same bytes, no WAL or journal started beside it.
    assert digest(path) == before
    assert db.side_files(path) == []

    code, out, err = samantha(zygote, isolated_home, "repair")

    assert (code, err) == (0, ""), err
    [aside] = [p for p in isolated_home.iterdir() if ".corrupt-" in p.name]
    assert digest(aside) == before
    assert not path.exists()
    assert f"Moved {path} to {aside}" in out
    assert "Nothing was deleted" in out
    code, out, err = say(zygote, isolated_home, "are you there?")
    assert (code, err) == (0, ""), err
    assert out.strip()
    assert digest(aside) == before


def test_a_damaged_page_found_mid_turn_is_one_sentence_and_repair_finds_it(
    history: Callable[[], Path], make_companion: MakeCompanion, isolated_home: Path
) -> None:
    path = history()
    scribble_on_messages(path)

    companion = make_companion(ScriptedBackend(replies=["..."]))
    with pytest.raises(SamanthaError) as info:
        asyncio.run(collect(companion, "still there?"))
    assert isinstance(info.value, DatabaseCorrupt), info.value
    assert "samantha repair" in assert_one_sentence(info.value)
    companion.store.close()

    result = archive.repair(path)

    assert result.outcome == "moved"
    assert result.moved[-1][0] == path
    assert not path.exists()
    with Store.open(path) as store:
        assert store.conversations.count_messages() == 0


def test_repair_leaves_a_sound_database_where_it_is(
    history: Callable[[], Path], zygote: Zygote, isolated_home: Path
) -> None:
    path = history()
    before = digest(path)
    code, out, err = samantha(zygote, isolated_home, "repair")
    assert (code, err) == (0, ""), err
    assert "is sound" in out
    assert digest(path) == before
    assert [p.name for p in isolated_home.iterdir() if ".corrupt-" in p.name] == []
    assert archive.repair(isolated_home / "nothing.db").outcome == "missing"


# -- a disk that cannot be written -----------------------------------------------------------


def test_a_full_disk_is_one_sentence_before_she_is_asked_and_the_turn_can_be_retried(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend(replies=["Here I am."])
    companion = make_companion(backend)
    asyncio.run(companion.resume())
    # SQLite's own "database or disk is full" (SQLITE_FULL): no page may be added.
    with companion.store.transaction() as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")

    with pytest.raises(StorageError) as info:
        asyncio.run(collect(companion, "a long message " * 5000))

    text = assert_one_sentence(info.value)
    assert "full" in text
    assert "free some space" in text
    assert backend.requests == []  # nothing unsaved was ever shown as sent

    with companion.store.transaction() as conn:
        conn.execute("PRAGMA max_page_count = 1073741823")
    _, result = asyncio.run(collect(companion, "a long message " * 5000))
    assert isinstance(result, TurnResult)
    assert result.user_message.text == "a long message " * 5000


class FillsTheDisk(ScriptedBackend):
    """Speaks, and while speaking the disk fills up: her reply cannot be stored."""

    companion: Companion

    async def stream(self, request: ReplyRequest) -> Any:
        with self.companion.store.transaction() as conn:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
            # The file cannot grow; and since a message is stored once now, a reply can still
            # fit in space the turn frees inside the file, so her reply's own write is the one
            # SQLite refuses, as it words a full disk.
            for event in ("INSERT", "UPDATE"):
                conn.execute(
                    f"CREATE TEMP TRIGGER disk_full_{event.lower()} BEFORE {event} ON messages"
                    " WHEN NEW.role = 'assistant'"
                    " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                )
        yield Chunk(text="word " * 3000)
        yield Chunk(finish_reason="stop")


def test_a_disk_that_fills_during_her_reply_keeps_the_user_message(
    make_companion: MakeCompanion,
) -> None:
    backend = FillsTheDisk()
    companion = make_companion(backend)
    backend.companion = companion
    with pytest.raises(StorageError) as info:
        asyncio.run(collect(companion, "tell me everything"))

    assert "full" in assert_one_sentence(info.value)
    conn = sqlite3.connect(companion.store.path)
    try:
        users = conn.execute("SELECT text FROM messages WHERE role = 'user'").fetchall()
    finally:
        conn.close()
    assert users == [("tell me everything",)]


class _Full(sqlite3.Connection):
    """A connection on a disk with no room: every insert fails the way SQLite says it."""

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:  # type: ignore[override]
        if sql.lstrip().upper().startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args)


def test_a_full_disk_through_the_command_line_is_exit_4(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], isolated_home: Path
) -> None:
    real = sqlite3.connect

    def full(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        return real(*args, factory=_Full, **kwargs)

    monkeypatch.setattr(db.sqlite3, "connect", full)
    monkeypatch.setattr("sys.argv", ["samantha", "say", "hello"])
    from samantha.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main()

    assert exit_info.value.code == EXIT_STORAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    text = one_line(captured.err)
    assert (
        text
        == f"The disk holding {isolated_home / 'samantha.db'} is full: free some space and try again."
    )


@pytest.mark.parametrize(
    ("failure", "words"),
    [
        (errno.ENOSPC, "is full"),
        (errno.EROFS, "read-only"),
        (errno.EACCES, "permissions"),
    ],
    ids=["no-space", "read-only-fs", "permission"],
)
def test_creating_the_database_file_fails_in_one_sentence(
    failure: int, words: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = os.open

    def refuse(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if str(path).endswith("samantha.db"):
            raise OSError(failure, os.strerror(failure), str(path))
        return real(path, flags, *args, **kwargs)

    monkeypatch.setattr(db.os, "open", refuse)
    with pytest.raises(StorageError) as info:
        Store.open(tmp_path / "data" / "samantha.db")
    text = assert_one_sentence(info.value)
    assert words in text
    assert str(tmp_path / "data" / "samantha.db") in text


def test_a_read_only_database_is_one_sentence(
    history: Callable[[], Path], monkeypatch: pytest.MonkeyPatch, make_companion: MakeCompanion
) -> None:
    path = history()
    real = sqlite3.connect

    def read_only(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        # What SQLite does when the file or its folder may not be written.
        return real(f"{Path(database).as_uri()}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(db.sqlite3, "connect", read_only)
    companion = make_companion()
    with pytest.raises(StorageError) as info:
        asyncio.run(collect(companion, "can you hear me?"))
    text = assert_one_sentence(info.value)
    assert "read-only" in text
    assert str(path) in text


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write whatever the file modes say")
def test_a_data_folder_without_write_permission_is_one_sentence(
    history: Callable[[], Path], zygote: Zygote, isolated_home: Path
) -> None:
    history()
    os.chmod(isolated_home, 0o500)
    try:
        code, _, err = say(zygote, isolated_home)
    finally:
        os.chmod(isolated_home, 0o700)
    assert code == EXIT_STORAGE
    assert "SAMANTHA_HOME" in one_line(err)


# -- a database busy in another process ------------------------------------------------------


@pytest.fixture
def short_busy_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten seconds is right for people, too long for a test."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)


def test_a_database_held_too_long_by_another_writer_is_one_sentence_then_works(
    make_companion: MakeCompanion, short_busy_wait: None
) -> None:
    companion = make_companion(ScriptedBackend(replies=["Yes.", "Here."]))
    asyncio.run(companion.resume())
    other = sqlite3.connect(companion.store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseLocked) as info:
            asyncio.run(collect(companion, "are you busy?"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "another samantha window" in assert_one_sentence(info.value)

    _, result = asyncio.run(collect(companion, "are you busy?"))
    assert isinstance(result, TurnResult)


def scribble_on_messages(path: Path) -> None:
    """Damage the messages table's page; the header, size and schema still look fine."""
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'messages'").fetchone()
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with path.open("r+b") as file:
        file.seek((root[0] - 1) * page_size)
        file.write(b"\xff" * 64)


def test_repair_will_not_move_a_database_another_samantha_has_open(
    history: Callable[[], Path],
) -> None:
    path = history()
    scribble_on_messages(path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            " c.execute('SELECT count(*) FROM conversations').fetchone();"
            " print('open', flush=True); sys.stdin.read()",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "open\n"
        with pytest.raises(StorageError) as info:
            archive.repair(path)
        assert "open in another samantha window" in assert_one_sentence(info.value)
        assert path.exists()
    finally:
        holder.communicate("", timeout=10)
    assert archive.repair(path).outcome == "moved"


def test_wipe_deletes_a_database_too_damaged_to_open(
    history: Callable[[], Path], isolated_home: Path
) -> None:
    path = history()
    random_bytes(path)
    plan = archive.plan_wipe(Paths.from_env())
    assert archive.wipe(plan) == [path]
    assert not path.exists()
