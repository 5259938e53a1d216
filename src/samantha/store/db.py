"""The connection factory: the one place that opens the database file.

The file is created with mode 0600 (and its folder 0700) *before* SQLite opens it, so there is
never a moment when someone else's process could read a companion's private history.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from samantha.errors import DatabaseCorrupt, DatabaseLocked, StorageError

BUSY_TIMEOUT_MS = 10_000


def ensure_private_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StorageError(
            f"Cannot create the data folder {path} ({exc.strerror or exc}): "
            "check its permissions or set SAMANTHA_HOME to a writable folder."
        ) from exc


def _create_private_file(path: Path) -> None:
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
    except OSError as exc:
        raise StorageError(
            f"Cannot write the database {path} ({exc.strerror or exc}): "
            "check the folder's permissions or set SAMANTHA_HOME to a writable folder."
        ) from exc


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` with samantha's pragmas."""
    ensure_private_dir(path.parent)
    if not path.exists():
        _create_private_file(path)
    try:
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise translate(exc, path) from exc
    # WAL side files inherit the process umask, not the main file's mode; keep them private too.
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.chmod(side, 0o600)
    return conn


def translate(exc: sqlite3.Error, path: Path) -> StorageError:
    """Turn SQLite's exceptions into the sentence a user should read."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return DatabaseLocked(
            f"The database {path} is busy in another samantha window: "
            "wait a moment and try again, or close the other window."
        )
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return DatabaseCorrupt(
            f"The database {path} is damaged: move it aside (it is not deleted) "
            "and samantha will start a new one."
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return StorageError(
            f"Cannot write the database {path}: check the folder's permissions "
            "or set SAMANTHA_HOME to a writable folder."
        )
    if "disk" in text and "full" in text:
        return StorageError(f"The disk holding {path} is full: free some space and try again.")
    return StorageError(f"The database {path} failed ({exc}): try again, or run `samantha doctor`.")
