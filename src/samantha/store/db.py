"""The connection factory: the one place that opens the database file.

The file is created with mode 0600 (and its folder 0700) *before* SQLite opens it, so there is
never a moment when someone else's process could read a companion's private history.

A damaged file is refused before SQLite is let near it: a connection may write to whatever it
opens (a checkpoint, a migration), and a damaged history must stay exactly as it was until the
user has been told and has chosen to move it aside (``samantha repair``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import struct
from pathlib import Path

from samantha.errors import DatabaseCorrupt, DatabaseLocked, DatabaseTooNew, StorageError

BUSY_TIMEOUT_MS = 10_000
#: Files SQLite keeps beside the database; they belong to it and move or go with it.
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")

_MAGIC = b"SQLite format 3\x00"
_HEADER = 100
#: Byte of the -shm file on which every open WAL connection holds a shared lock for as long as
#: it lives (the "DMS" slot in SQLite's walformat.html): a free slot means nobody has it open.
_SHM_DMS_BYTE = 128

_FIX_FOLDER = "set SAMANTHA_HOME to a writable folder"


def side_files(path: Path) -> list[Path]:
    """The -wal, -shm and -journal files that exist beside ``path``."""
    return [p for p in (path.with_name(path.name + s) for s in SIDE_SUFFIXES) if p.exists()]


def ensure_private_dir(path: Path) -> None:
    """Make ``path`` (and any folder made on the way to it) a folder only its owner can open.

    ``mkdir``'s mode passes through the umask (``umask 000`` gives 0777), and an existing
    folder keeps whatever mode it had (another command, ``persona import`` say, may have made
    it first): both are tightened here, whichever command comes first.
    """
    missing = [p for p in (path, *path.parents) if not p.exists()]
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise _os_error(exc, path, f"Cannot create the data folder {path}") from exc
    for folder in missing:
        _tighten(folder, 0o700)
    _tighten(path, 0o700)


def _tighten(path: Path, mode: int) -> None:
    """Take group and other bits off a file or folder of ours; someone else's is left alone,
    and read-only media cannot be changed (nor read by anyone new)."""
    try:
        info = path.stat()
        if info.st_mode & 0o077 and info.st_uid == os.getuid():
            os.chmod(path, mode)
    except (OSError, AttributeError):  # AttributeError: no getuid on Windows
        pass


def _create_private_file(path: Path) -> None:
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        try:
            # The umask can only take bits away; fchmod makes 0600 exact whatever it is.
            os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
    except OSError as exc:
        raise _os_error(exc, path, f"Cannot write the database {path}") from exc


def _os_error(exc: OSError, path: Path, what: str) -> StorageError:
    """The sentence for a file-system refusal, with the fix that matches its cause."""
    reason = exc.strerror or str(exc)
    if exc.errno in {errno.ENOSPC, errno.EDQUOT}:
        return StorageError(f"The disk holding {path} is full: free some space and try again.")
    if exc.errno == errno.EROFS:
        return StorageError(f"{what} because its disk is read-only: {_FIX_FOLDER}.")
    return StorageError(f"{what} ({reason}): check the folder's permissions or {_FIX_FOLDER}.")


def damaged(path: Path, reason: str) -> DatabaseCorrupt:
    reason = " ".join(reason.split())  # integrity_check reports span lines
    if len(reason) > 120:
        reason = reason[:119] + "…"
    return DatabaseCorrupt(
        f"The database {path} is damaged ({reason}): run `samantha repair` to move it aside "
        "(nothing is deleted) and start a new one."
    )


def header_problem(path: Path) -> str | None:
    """Why the file cannot be a sound database, judged from its first 100 bytes; None if it
    may be. Cheap enough for every start; a full check is ``integrity_problem``."""
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            header = file.read(_HEADER)
    except OSError as exc:
        raise _os_error(exc, path, f"Cannot read the database {path}") from exc
    if size == 0:
        return None  # created, not yet written: a fresh database
    if size < _HEADER or not header.startswith(_MAGIC):
        return "it is not a SQLite database"
    (raw_page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if raw_page_size == 1 else raw_page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "its header is garbled"
    (changes,) = struct.unpack_from(">I", header, 24)
    (pages,) = struct.unpack_from(">I", header, 28)
    (valid_for,) = struct.unpack_from(">I", header, 92)
    # While a WAL or rollback journal holds changes the file may legitimately be short:
    # SQLite finishes the checkpoint or the rollback on the next open.
    pending = any(_size(p) > 0 for p in side_files(path) if not p.name.endswith("-shm"))
    if pages and changes == valid_for and not pending and size < pages * page_size:
        return f"it is cut short: {size} of {pages * page_size} bytes"
    return None


def _size(path: Path) -> int:
    """0 for a file that vanished meanwhile: another samantha closing deletes its WAL."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` with samantha's pragmas.

    A file that cannot be written (a backup on read-only media, a file made read-only) is
    opened read-only, so it can still be exported and looked at; a write then fails with the
    read-only sentence. A database from a newer samantha is refused before anything is
    written to it.
    """
    ensure_private_dir(path.parent)
    if path.is_dir():
        raise StorageError(
            f"The database {path} is a folder, not a file: move it away or {_FIX_FOLDER}."
        )
    if not path.exists():
        _create_private_file(path)
    else:
        _tighten(path, 0o600)
    problem = header_problem(path)
    if problem is not None:
        raise damaged(path, problem)
    read_only = not _writable(path)
    try:
        conn = _open(path, read_only)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _check_version(conn, path)
        if not read_only:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        # 64 MB of page cache (the default is 2 MB): full-text recall over a large memory
        # reads the same index pages turn after turn.
        conn.execute("PRAGMA cache_size = -65536")
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    if read_only:
        return conn
    # WAL side files inherit the process umask, not the main file's mode; keep them private too.
    for side in side_files(path):
        with contextlib.suppress(FileNotFoundError):  # another samantha closed meanwhile
            os.chmod(side, 0o600)
    return conn


def _writable(path: Path) -> bool:
    """Whether the database file and its folder take writes (root ignores permission bits,
    so this asks the file system rather than the mode)."""
    try:
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return False
    except (OSError, AttributeError):  # AttributeError: no statvfs on Windows
        pass
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError as exc:
        if exc.errno in {errno.EROFS, errno.EACCES, errno.EPERM}:
            return False
        raise _os_error(exc, path, f"Cannot open the database {path}") from exc
    os.close(fd)
    return True


def _open(path: Path, read_only: bool) -> sqlite3.Connection:
    if not read_only:
        return _sqlite(str(path))
    uri = path.resolve().as_uri()
    conn = _sqlite(f"{uri}?mode=ro", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        # A WAL database on read-only media: no -shm can be made beside it, so it is read as
        # the unchanging file it now is.
        conn.close()
        return _sqlite(f"{uri}?immutable=1", uri=True)


def _sqlite(target: str, *, uri: bool = False) -> sqlite3.Connection:
    timeout = BUSY_TIMEOUT_MS / 1000
    if uri:
        return sqlite3.connect(
            target, timeout=timeout, check_same_thread=False, isolation_level=None, uri=True
        )
    return sqlite3.connect(target, timeout=timeout, check_same_thread=False, isolation_level=None)


def _check_version(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a schema this samantha does not know before anything writes to it: a newer one
    (migrations it has never heard of) or an impossible one."""
    from samantha.store.migrations import MIGRATIONS

    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    known = len(MIGRATIONS)
    if version > known:
        conn.close()
        raise DatabaseTooNew(
            f"The database {path} was written by a newer samantha (schema version {version}; "
            f"this one knows up to {known}): upgrade samantha (pip install --upgrade samantha) "
            "to open it; nothing in it was changed."
        )
    if version < 0:
        conn.close()
        raise StorageError(
            f"The database {path} has an impossible schema version ({version}), so another "
            "program changed it or it is damaged: run `samantha export` to save what it holds, "
            f"then move it aside (samantha starts a new one) or {_FIX_FOLDER}."
        )


def integrity_problem(path: Path) -> str | None:
    """Why the database is damaged after a full check of every page, or None if it is sound.

    Opens read-only: a read-write connection could checkpoint a WAL into a damaged file on
    close, and the point of checking is to leave a damaged file exactly as it is.
    """
    problem = header_problem(path)
    if problem is not None:
        return problem
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    try:
        rows = conn.execute("PRAGMA integrity_check(5)").fetchall()
    except sqlite3.DatabaseError as exc:
        if _code(exc) in {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}:
            return str(exc)
        raise translate(exc, path) from exc
    finally:
        conn.close()
    findings = [str(row[0]) for row in rows]
    return None if findings == ["ok"] else "; ".join(findings)


def in_use(path: Path) -> bool:
    """Whether another process has the database open (before moving or deleting it).

    Call it with no connection to ``path`` open in this process: POSIX locks belong to the
    process, so closing the probe's descriptor would drop SQLite's own locks on the file.
    """
    try:
        import fcntl
    except ImportError:  # Windows: an open file cannot be moved or deleted there anyway
        return False
    shm = path.with_name(path.name + "-shm")
    try:
        fd = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        return False  # WAL connections cannot exist without it
    except OSError as exc:
        raise _os_error(exc, shm, f"Cannot check whether {path} is in use") from exc
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_BYTE)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _SHM_DMS_BYTE)
        return False
    finally:
        os.close(fd)


def _code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code, when the exception carries one (Python 3.11+)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def translate(exc: sqlite3.Error, path: Path) -> StorageError:
    """Turn SQLite's exceptions into the sentence a user should read.

    The result code decides when there is one; the message text is the fallback for errors
    raised without it (and for SQLite builds that phrase things differently).
    """
    code, text = _code(exc), str(exc).lower()
    if code in {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED} or "locked" in text or "busy" in text:
        return DatabaseLocked(
            f"The database {path} is busy in another samantha window: "
            "wait a moment and try again, or close the other window."
        )
    if (
        code in {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
        or "not a database" in text
        or "malformed" in text
        or "corrupt" in text
    ):
        return damaged(path, str(exc))
    if code == sqlite3.SQLITE_FULL or ("disk" in text and "full" in text):
        return StorageError(f"The disk holding {path} is full: free some space and try again.")
    if code in {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM} or "readonly" in text:
        return StorageError(
            f"Cannot write the database {path}, it is read-only: check the permissions of "
            f"the file and its folder, or {_FIX_FOLDER}."
        )
    if code == sqlite3.SQLITE_CANTOPEN or "unable to open" in text:
        return StorageError(
            f"Cannot open the database {path}: check that you may write to its folder, "
            f"or {_FIX_FOLDER}."
        )
    if any(s in text for s in ("no such table", "no such column", "already exists")):
        return StorageError(
            f"The database {path} does not hold the tables its schema version promises ({exc}), "
            "so another program changed it or it is damaged: run `samantha export` to save "
            f"what it holds, then move it aside (samantha starts a new one) or {_FIX_FOLDER}."
        )
    if code == sqlite3.SQLITE_IOERR or "disk i/o" in text:
        return StorageError(
            f"The disk holding {path} reported an error ({exc}): check the disk and its free "
            "space, then try again."
        )
    return StorageError(f"The database {path} failed ({exc}): try again, or run `samantha doctor`.")
