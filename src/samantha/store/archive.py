"""Everything the user owns, out (export), gone (wipe) or set aside when damaged (repair).

Export reads the schema rather than a list of tables, so whatever later migrations add
(memories, summaries, ...) is exported without anyone remembering to add it here.
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TextIO

from samantha.config import Paths
from samantha.domain.conversation import Conversation, Message, MessageStatus, Role
from samantha.errors import InputError, StorageError
from samantha.store import Store, db
from samantha.store.memories import TEXT as MEMORY_TEXT

EXPORT_FORMAT = "samantha-export"
EXPORT_VERSION = 1
JSON_NAME = "samantha.json"
TRANSCRIPTS = "conversations"

#: Tables SQLite modules keep for a virtual table ``v`` as ``v_<suffix>`` (FTS5, FTS3/4, R*Tree):
#: internal index structures, not anything a user wrote.
_SHADOW_SUFFIXES = frozenset(
    {"data", "idx", "docsize", "config", "content", "segments", "segdir", "stat"}
    | {"node", "rowid", "parent"}
)
#: An FTS table declared with ``content=`` indexes another table (or nothing): its rows are
#: exported from there, once.
_EXTERNAL_CONTENT = re.compile(r"\bcontent\s*=", re.IGNORECASE)
#: Columns exported as what they mean rather than as stored: a memory that records a message
#: keeps its words there (``said_in``), and the export shows them, as it did when they were
#: copied.
_READ_AS = {("memories", "text"): MEMORY_TEXT}


# -- export ----------------------------------------------------------------------------------


@dataclass
class TableDump:
    name: str
    columns: list[str]
    #: Binary columns (embeddings and the like): derived data, unreadable as text.
    left_out: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ExportSummary:
    folder: Path
    files: list[Path]
    rows: dict[str, int]
    left_out: list[str]
    transcripts: int


def export_database(
    paths: Paths,
    folder: Path,
    *,
    json_file: bool = True,
    markdown: bool = True,
    now: datetime | None = None,
) -> ExportSummary | None:
    """Open the user's database and export it; None when there is none yet (opening would
    create an empty one just to export nothing)."""
    if not paths.db_path.exists():
        return None
    with Store.open(paths.db_path) as store:
        return export(store, folder, json_file=json_file, markdown=markdown, now=now)


def export(
    store: Store,
    folder: Path,
    *,
    json_file: bool = True,
    markdown: bool = True,
    now: datetime | None = None,
) -> ExportSummary:
    """Write every user table as JSON and every conversation as a Markdown transcript.

    Synchronous, for the command line; async front ends run ``read_everything`` through
    ``await store.run(...)`` (the connection is not theirs to share) and then ``write_export``.
    """
    snapshot = store.run_sync(read_everything)
    return write_export(snapshot, folder, json_file=json_file, markdown=markdown, now=now)


Talks = list[tuple[Conversation, list[Message]]]


@dataclass(frozen=True)
class Snapshot:
    source: Path
    schema_version: int
    tables: list[TableDump]
    talks: Talks


def read_everything(store: Store) -> Snapshot:
    """Everything in one transaction, so a samantha talking meanwhile cannot leave the export
    half before and half after her reply; files are written after it ends, so she waits only
    for the reading."""
    with store.transaction() as conn, _tolerant_text(conn):
        tables = [_dump(conn, name, sql) for name, sql in user_tables(conn)]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        talks: Talks = []
        by_name = {t.name: t for t in tables}
        if "conversations" in by_name and "messages" in by_name:
            repo = store.conversations
            for row in by_name["conversations"].rows:
                conversation = repo.get(int(row["id"]))
                if conversation is not None:
                    count = repo.count_messages(conversation.id)
                    talks.append((conversation, repo.recent_messages(conversation.id, count)))
    return Snapshot(store.path, version, tables, talks)


def write_export(
    snapshot: Snapshot,
    folder: Path,
    *,
    json_file: bool = True,
    markdown: bool = True,
    now: datetime | None = None,
) -> ExportSummary:
    """Files only their owner can read, in a folder only they can open; nothing overwritten."""
    _private_folder(folder)
    files: list[Path] = []
    if json_file:
        files.append(_write_json(folder / JSON_NAME, snapshot, now or datetime.now(UTC)))
    transcripts = snapshot.talks if markdown else []
    if transcripts:
        _private_folder(folder / TRANSCRIPTS)
        for conversation, messages in transcripts:
            files.append(_write_transcript(folder / TRANSCRIPTS, conversation, messages))
    return ExportSummary(
        folder=folder,
        files=files,
        rows={t.name: len(t.rows) for t in snapshot.tables},
        left_out=[f"{t.name}.{c}" for t in snapshot.tables for c in t.left_out],
        transcripts=len(transcripts),
    )


@contextmanager
def _tolerant_text(conn: sqlite3.Connection) -> Iterator[None]:
    """Text another tool wrote as invalid UTF-8 must not stop the user getting the rest out."""
    before = conn.text_factory
    conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
    try:
        yield
    finally:
        conn.text_factory = before


def user_tables(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(name, sql) of every table that holds the user's data, in the order they were made."""
    found = conn.execute(
        "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
    ).fetchall()
    virtual = [name for name, sql in found if sql.upper().startswith("CREATE VIRTUAL TABLE")]
    shadows = {f"{v}_{suffix}" for v in virtual for suffix in _SHADOW_SUFFIXES}
    return [
        (name, sql)
        for name, sql in found
        if not name.startswith("sqlite_")
        and name not in shadows
        and not (name in virtual and _EXTERNAL_CONTENT.search(sql))
    ]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _dump(conn: sqlite3.Connection, name: str, sql: str) -> TableDump:
    info = conn.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
    columns = [str(col[1]) for col in info if "BLOB" not in str(col[2]).upper()]
    left_out = [str(col[1]) for col in info if "BLOB" in str(col[2]).upper()]
    dump = TableDump(name=name, columns=columns, left_out=left_out)
    if not columns:
        return dump
    order = "" if "WITHOUT ROWID" in sql.upper() else " ORDER BY m.rowid"
    every = {str(col[1]) for col in info}
    select = ", ".join(
        _READ_AS[(name, c)] if (name, c) in _READ_AS and "said_in" in every else f"m.{_quote(c)}"
        for c in columns
    )
    for row in conn.execute(f"SELECT {select} FROM {_quote(name)} m{order}"):
        dump.rows.append({c: _plain(v) for c, v in zip(columns, row, strict=True)})
    return dump


def _plain(value: object) -> object:
    """A JSON-safe value: bytes in an untyped column are left out like BLOB columns."""
    if isinstance(value, bytes):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def _write_json(path: Path, snapshot: Snapshot, now: datetime) -> Path:
    document = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": now.isoformat(),
        "database": str(snapshot.source),
        "schema_version": snapshot.schema_version,
        "tables": {
            t.name: {"columns": t.columns, "left_out": t.left_out, "rows": t.rows}
            for t in snapshot.tables
        },
    }
    with _private_file(path) as out:
        # json.dump writes piece by piece: a long history is never one giant string.
        json.dump(document, out, ensure_ascii=False, allow_nan=False, indent=1)
        out.write("\n")
    return path


def _write_transcript(folder: Path, conversation: Conversation, messages: list[Message]) -> Path:
    started = _when(conversation.created_at)
    slug = re.sub(r"[^a-z0-9]+", "-", conversation.title.lower()).strip("-")[:40]
    slug = slug or f"{conversation.persona}-{conversation.created_at:%Y-%m-%d}"
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", slug)
    path = folder / f"{conversation.id:04d}-{slug}.md"
    title = conversation.title or f"Conversation {conversation.id} with {conversation.persona}"
    with _private_file(path) as out:
        count = f"{len(messages)} message{'' if len(messages) == 1 else 's'}"
        out.write(f"# {title}\n\nStarted {started}; {count}.\n")
        for message in messages:
            _write_message(out, message)
    return path


def _write_message(out: TextIO, message: Message) -> None:
    notes = [_when(message.created_at)]
    if message.status is not MessageStatus.COMPLETE:
        notes.append(message.status.value)
    who = message.speaker or ("you" if message.role is Role.USER else message.role.value)
    out.write(f"\n**{who}** · {' · '.join(notes)}\n\n{message.text}\n")


def _when(moment: datetime) -> str:
    """Local time, as the user lived it."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z").strip()


def _private_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file: choose a folder for the export with -o.")
    if not folder.exists():
        try:
            folder.mkdir(parents=True, mode=0o700)
            os.chmod(folder, 0o700)  # mkdir's mode passes through the umask
        except OSError as exc:
            raise _cannot_write(folder, exc) from exc


@contextmanager
def _private_file(path: Path) -> Iterator[TextIO]:
    """A new file only its owner can read; an existing one is never overwritten.

    It is written under a temporary name beside ``path`` and given its name only once every
    byte is on disk, so a full disk or a crash leaves no empty or half-written export behind.
    """
    if path.exists():
        raise InputError(
            f"{path} already exists: export to a new folder with -o, or move the old export."
        )
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        _claim(Path(temp), path)
    except OSError as exc:
        _discard(Path(temp))
        raise _cannot_write(path, exc) from exc
    except BaseException:
        _discard(Path(temp))
        raise


def _claim(temp: Path, path: Path) -> None:
    """Give the finished file its name, never replacing one that appeared meanwhile."""
    try:
        os.link(temp, path)
    except FileExistsError as exc:
        raise InputError(
            f"{path} already exists: export to a new folder with -o, or move the old export."
        ) from exc
    except OSError:
        # File systems without hard links (FAT, some network shares): a rename, checked first.
        if path.exists():
            raise InputError(
                f"{path} already exists: export to a new folder with -o, or move the old export."
            ) from None
        os.replace(temp, path)
        return
    temp.unlink()


def _discard(temp: Path) -> None:
    with suppress(OSError):
        temp.unlink()


def _cannot_write(path: Path, exc: OSError) -> StorageError:
    if exc.errno in {errno.ENOSPC, errno.EDQUOT}:
        return StorageError(
            f"The disk holding {path} is full: nothing was written there; free some space and "
            "export again."
        )
    return StorageError(
        f"Cannot write {path} ({exc.strerror or exc}): choose another folder with -o."
    )


# -- wipe ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WipePlan:
    database: Path
    #: Existing files to delete. A WAL holds a database's newest messages, so it goes too, and
    #: first: a wipe stopped half-way leaves a database the next wipe finds, not a lone WAL.
    doomed: list[Path]
    #: What wipe never touches: the user wrote these, they hold no history.
    kept: list[Path]


def plan_wipe(paths: Paths) -> WipePlan:
    """What ``wipe`` would delete: the database, damaged copies set aside, the log."""
    database = paths.db_path
    doomed = [*db.side_files(database)]
    # Her memory's vector index, kept beside a large database between sessions
    # (``MemoryStream.persist``): drawn from her memories, it goes with them.
    doomed += sorted(database.parent.glob(f"{database.name}-vectors-*.idx"))
    # ... and one a crash left half-written (``VectorIndex.save`` writes ``.<pid>.tmp`` first).
    doomed += sorted(database.parent.glob(f"{database.name}-vectors-*.idx.*.tmp"))
    if database.exists():
        doomed.append(database)
    copies = sorted(database.parent.glob(f"{database.name}.corrupt-*"))
    doomed += [p for p in copies if p.name.endswith(db.SIDE_SUFFIXES)]
    doomed += [p for p in copies if not p.name.endswith(db.SIDE_SUFFIXES)]
    if paths.log_file.exists():
        doomed.append(paths.log_file)
    return WipePlan(database=database, doomed=doomed, kept=[paths.config_file, paths.personas_dir])


def wipe(plan: WipePlan) -> list[Path]:
    """Delete what the plan lists; refuses while a samantha still has the database open."""
    if db.in_use(plan.database):
        raise StorageError(
            f"The database {plan.database} is open in another samantha window: close it, "
            "then run `samantha wipe` again."
        )
    deleted: list[Path] = []
    for path in plan.doomed:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(
                f"Cannot delete {path} ({exc.strerror or exc}): check its folder's "
                "permissions and run `samantha wipe` again."
            ) from exc
        deleted.append(path)
    return deleted


# -- repair ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repair:
    outcome: Literal["missing", "sound", "moved"]
    reason: str = ""
    #: (from, to) for the database and each side file, in the order they were moved.
    moved: list[tuple[Path, Path]] = field(default_factory=list)


def repair(path: Path, now: datetime | None = None) -> Repair:
    """Check every page; move a damaged database aside (never delete, never write to it) so
    the next start creates a new one. A sound database is left exactly where it is."""
    if not path.exists():
        return Repair("missing")
    reason = db.integrity_problem(path)
    if reason is None:
        return Repair("sound")
    if db.in_use(path):
        raise StorageError(
            f"The database {path} is open in another samantha window: close it, then run "
            "`samantha repair` again."
        )
    stamp = (now or datetime.now(UTC)).astimezone().strftime("%Y%m%d-%H%M%S")
    target = _free_name(path, stamp)
    # The WAL holds the newest changes: it moves with the database, and first, because a new
    # database started beside it would throw it away as stale.
    moves = [
        (side, target.with_name(target.name + side.name[len(path.name) :]))
        for side in db.side_files(path)
    ]
    moves.append((path, target))
    for source, destination in moves:
        try:
            os.rename(source, destination)
        except OSError as exc:
            raise StorageError(
                f"Cannot move {source} aside ({exc.strerror or exc}): check its folder's "
                "permissions and run `samantha repair` again."
            ) from exc
    return Repair("moved", " ".join(reason.split()), moves)


def _free_name(path: Path, stamp: str) -> Path:
    for attempt in range(1, 1000):
        suffix = f".corrupt-{stamp}" + (f"-{attempt}" if attempt > 1 else "")
        target = path.with_name(path.name + suffix)
        taken = [target, *(target.with_name(target.name + s) for s in db.SIDE_SUFFIXES)]
        if not any(p.exists() for p in taken):
            return target
    raise StorageError(f"Cannot find a free name beside {path}: tidy its folder and try again.")
