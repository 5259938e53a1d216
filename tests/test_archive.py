"""Export, wipe and repair: everything the user owns, out, gone or set aside, and nothing else.

Exports are checked against the database itself (every row of every user table), so a table a
later migration adds is covered without this file changing.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from samantha.backends.scripted import ScriptedBackend
from samantha.cli.main import app
from samantha.config import Paths
from samantha.engine import Companion
from samantha.errors import InputError, StorageError
from samantha.store import Store, archive
from tests.conftest import MakeCompanion, collect

HOSTILE = "tab\there, NUL\x00byte, \x1b[31mred\x1b[0m, [bold red]markup[/], עברית\u202e, e\u0301"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A permissive umask: the modes must come from samantha, not from the environment."""
    before = os.umask(0)
    try:
        yield
    finally:
        os.umask(before)


async def seed(companion: Companion) -> None:
    """Two conversations, a complete and an interrupted reply, mood and relationship rows."""
    backend = companion.backend
    assert isinstance(backend, ScriptedBackend)
    backend.queue("Hello Theo, it's good to meet you.", "Tell me about the studio.")
    await collect(companion, "Hi, I'm Theo. You're wonderful.")
    await collect(companion, HOSTILE)
    await companion.new_conversation("Late night: the sea")
    backend.queue("I was thinking about the sea and")
    backend.fail_after = 3
    with pytest.raises(Exception, match="cut off"):
        await collect(companion, "what were you thinking about?")
    backend.fail_after = None


def table_rows(path: Path) -> dict[str, int]:
    """Rows of every ordinary table, found the way SQLite itself classifies tables (virtual
    and shadow tables are indexes here), independently of how the export finds them."""
    conn = sqlite3.connect(path)
    try:
        names = [
            row[1]
            for row in conn.execute("PRAGMA table_list")
            if row[0] == "main" and row[2] == "table" and not row[1].startswith("sqlite_")
        ]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


def load(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / archive.JSON_NAME).read_text(encoding="utf-8"))
    return data


# -- export ----------------------------------------------------------------------------------


async def test_export_holds_every_row_of_every_table_and_readable_transcripts(
    make_companion: MakeCompanion, tmp_path: Path, open_umask: None
) -> None:
    companion = make_companion()
    await seed(companion)
    folder = tmp_path / "out" / "export"

    summary = archive.export(companion.store, folder, now=datetime(2026, 3, 3, 10, 0, tzinfo=UTC))

    data = load(folder)
    assert data["format"] == "samantha-export"
    assert data["schema_version"] >= 2
    expected = table_rows(companion.store.path)
    assert {name: len(t["rows"]) for name, t in data["tables"].items()} == expected
    assert summary.rows == expected
    for name in ("conversations", "messages", "state_snapshots", "relationship_events"):
        assert data["tables"][name]["rows"], f"{name} was not exported"
    messages = data["tables"]["messages"]["rows"]
    assert [m["text"] for m in messages if m["role"] == "user"] == [
        "Hi, I'm Theo. You're wonderful.",
        HOSTILE,
        "what were you thinking about?",
    ]
    assert [m["status"] for m in messages if m["role"] == "assistant"] == [
        "complete",
        "complete",
        "interrupted",
    ]

    transcripts = sorted((folder / "conversations").iterdir())
    assert [p.name for p in transcripts] == [
        "0001-samantha-2026-03-02.md",
        "0002-late-night-the-sea.md",
    ]
    first, second = (p.read_text(encoding="utf-8") for p in transcripts)
    assert "**you** · " in first
    assert "**Samantha** · " in first
    assert HOSTILE in first
    assert "Hello Theo, it's good to meet you." in first
    local_day = datetime(2026, 3, 2, 9, 30, tzinfo=UTC).astimezone().strftime("%Y-%m-%d")
    assert local_day in first
    assert second.startswith("# Late night: the sea\n")
    assert "interrupted" in second
    assert "I was thinking " in second

    # Private, even though this process's umask would have allowed anyone to read them.
    assert mode(folder) == 0o700
    assert mode(folder / "conversations") == 0o700
    for path in summary.files:
        assert mode(path) == 0o600, path
    assert len(summary.files) == 3


async def test_a_table_added_later_is_exported_without_its_index_or_binary_columns(
    make_companion: MakeCompanion, tmp_path: Path
) -> None:
    companion = make_companion()
    await collect(companion, "remember that I love the sea")
    with companion.store.transaction() as conn:
        conn.execute(
            "CREATE TABLE scrapbook (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL,"
            " weight REAL, embedding BLOB)"
        )
        conn.execute(
            "CREATE VIRTUAL TABLE scrapbook_fts USING fts5(text, content='scrapbook', "
            "content_rowid='id')"
        )
        conn.execute("CREATE VIRTUAL TABLE notes USING fts5(body)")
        conn.execute("CREATE TABLE tags (name TEXT PRIMARY KEY, uses INTEGER) WITHOUT ROWID")
        conn.execute(
            "INSERT INTO scrapbook (text, weight, embedding) VALUES (?, ?, ?), (?, ?, ?)",
            ("loves the sea", 0.8, b"\x00\x01" * 8, "has a sister", 0.5, b"\x02" * 16),
        )
        conn.execute("INSERT INTO scrapbook_fts (rowid, text) SELECT id, text FROM scrapbook")
        conn.execute("INSERT INTO notes (body) VALUES ('a note only the index holds')")
        conn.execute("INSERT INTO tags VALUES ('sea', 2)")

    summary = archive.export(companion.store, tmp_path / "export", markdown=False)

    tables = load(tmp_path / "export")["tables"]
    scrapbook = tables["scrapbook"]
    assert scrapbook["columns"] == ["id", "text", "weight"]
    assert scrapbook["left_out"] == ["embedding"]
    assert scrapbook["rows"] == [
        {"id": 1, "text": "loves the sea", "weight": 0.8},
        {"id": 2, "text": "has a sister", "weight": 0.5},
    ]
    assert tables["notes"]["rows"] == [{"body": "a note only the index holds"}]
    assert tables["tags"]["rows"] == [{"name": "sea", "uses": 2}]
    # An index over another table, shadow tables and SQLite's own bookkeeping are not data.
    assert "scrapbook_fts" not in tables
    assert not [n for n in tables if n.startswith(("scrapbook_fts_", "notes_", "sqlite_"))]
    assert "scrapbook.embedding" in summary.left_out
    assert all(
        column in tables[name]["left_out"]
        for name, column in (c.split(".") for c in summary.left_out)
    )
    assert summary.transcripts == 0
    assert not (tmp_path / "export" / "conversations").exists()


async def test_unreadable_text_does_not_stop_the_export(
    make_companion: MakeCompanion, tmp_path: Path
) -> None:
    companion = make_companion()
    await collect(companion, "hello")
    with companion.store.transaction() as conn:
        # Another tool wrote bytes that are not UTF-8 into a text column.
        conn.execute("UPDATE messages SET text = CAST(X'68C3FF21' AS TEXT) WHERE role = 'user'")

    archive.export(companion.store, tmp_path / "export")

    rows = load(tmp_path / "export")["tables"]["messages"]["rows"]
    assert rows[0]["text"] == "h\ufffd\ufffd!"
    # The store still reads text strictly afterwards.
    assert companion.store.path.exists()


async def test_export_never_overwrites_and_never_creates_a_database(
    make_companion: MakeCompanion, tmp_path: Path
) -> None:
    paths = Paths.from_env()
    assert archive.export_database(paths, tmp_path / "nothing") is None
    assert not paths.db_path.exists()
    assert not (tmp_path / "nothing").exists()

    companion = make_companion()
    await collect(companion, "hello")
    archive.export(companion.store, tmp_path / "export")
    before = (tmp_path / "export" / archive.JSON_NAME).read_bytes()
    with pytest.raises(InputError, match="already exists"):
        archive.export(companion.store, tmp_path / "export")
    assert (tmp_path / "export" / archive.JSON_NAME).read_bytes() == before


# -- the commands ----------------------------------------------------------------------------


def make_history(make_companion: MakeCompanion) -> Paths:
    companion = make_companion()
    asyncio.run(seed(companion))
    companion.store.close()  # as a finished `samantha say` would
    return Paths.from_env()


def test_export_command_writes_what_was_asked(
    make_companion: MakeCompanion, tmp_path: Path
) -> None:
    make_history(make_companion)
    runner = CliRunner()

    done = runner.invoke(app, ["export", "-o", str(tmp_path / "md"), "--format", "markdown"])
    assert done.exit_code == 0, done.output
    assert "2 transcripts" in done.output
    assert not (tmp_path / "md" / archive.JSON_NAME).exists()
    assert len(list((tmp_path / "md" / "conversations").iterdir())) == 2

    done = runner.invoke(app, ["export", "-o", str(tmp_path / "js"), "--format", "json"])
    assert done.exit_code == 0, done.output
    tables = len(load(tmp_path / "js")["tables"])
    assert f"samantha.json: {tables} tables" in done.output
    assert not (tmp_path / "js" / "conversations").exists()


def test_wipe_asks_first_and_keeps_config_and_personas(
    make_companion: MakeCompanion, isolated_home: Path
) -> None:
    paths = make_history(make_companion)
    config = paths.config_file
    config.write_text('persona = "samantha"\n', encoding="utf-8")
    persona = paths.personas_dir / "mine.yaml"
    persona.parent.mkdir(parents=True, exist_ok=True)
    persona.write_text("name: Mine\n", encoding="utf-8")
    aside = isolated_home / "samantha.db.corrupt-20260101-000000"
    aside.write_bytes(b"an old damaged copy")
    runner = CliRunner()

    for answer in ("n\n", "", "maybe\n\n"):
        declined = runner.invoke(app, ["wipe"], input=answer)
        assert declined.exit_code == 1, declined.output
        assert "Nothing was deleted." in declined.output
        assert paths.db_path.exists()

    done = runner.invoke(app, ["wipe"], input="y\n")

    assert done.exit_code == 0, done.output
    assert f"Deleted {paths.db_path}" in done.output
    assert f"Deleted {aside}" in done.output
    assert str(config) in done.output
    assert str(paths.personas_dir) in done.output
    assert not paths.db_path.exists()
    assert not aside.exists()
    assert not [p for p in isolated_home.iterdir() if p.name.startswith("samantha.db")]
    assert config.read_text(encoding="utf-8") == 'persona = "samantha"\n'
    assert persona.read_text(encoding="utf-8") == "name: Mine\n"
    with Store.open(paths.db_path) as store:
        assert store.conversations.count_messages() == 0


def test_wipe_yes_deletes_side_files_before_the_database(
    make_companion: MakeCompanion,
) -> None:
    paths = make_history(make_companion)
    # A crash leaves the WAL beside the database, holding the newest messages: they go too.
    for suffix in ("-wal", "-shm"):
        paths.db_path.with_name(paths.db_path.name + suffix).write_bytes(b"x")
    plan = archive.plan_wipe(paths)
    assert plan.doomed[-1] == paths.db_path
    assert {p.name for p in plan.doomed[:-1]} == {"samantha.db-wal", "samantha.db-shm"}

    done = CliRunner().invoke(app, ["wipe", "--yes"])

    assert done.exit_code == 0, done.output
    assert "Delete them?" not in done.output
    assert not [p for p in paths.data_dir.iterdir() if p.name.startswith("samantha.db")]
    nothing = CliRunner().invoke(app, ["wipe", "--yes"])
    assert nothing.exit_code == 0
    assert "Nothing to wipe" in nothing.output


def test_wipe_refuses_while_another_samantha_has_the_database_open(
    make_companion: MakeCompanion,
) -> None:
    paths = make_history(make_companion)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            " c.execute('SELECT count(*) FROM messages').fetchone();"
            " print('open', flush=True); sys.stdin.read()",
            str(paths.db_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "open\n"
        with pytest.raises(StorageError, match="open in another samantha window"):
            archive.wipe(archive.plan_wipe(paths))
        assert paths.db_path.exists()
    finally:
        holder.communicate("", timeout=10)
    deleted = archive.wipe(archive.plan_wipe(paths))
    assert paths.db_path in deleted
    assert not paths.db_path.exists()


def test_data_commands_are_listed_in_help() -> None:
    done = CliRunner().invoke(app, ["--help"])
    for command in ("export", "wipe", "repair"):
        assert command in done.output
