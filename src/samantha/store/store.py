"""The async face of storage: every query runs on one dedicated thread, off the event loop.

SQLite connections are not safe to share between threads at once, and a blocking query on the
Textual event loop would freeze the screen; a single-worker executor gives both guarantees.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import TypeVar

from samantha.store import db, migrations
from samantha.store.conversations import ConversationRepository
from samantha.store.keepsakes import KeepsakeRepository
from samantha.store.memories import MemoryRepository
from samantha.store.state import StateRepository

T = TypeVar("T")


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="samantha-db")

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open and migrate synchronously: used once at start-up, before any UI runs."""
        conn = db.connect(path)
        conn.row_factory = sqlite3.Row
        try:
            migrations.migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise db.translate(exc, path) from exc
        return cls(conn, path)

    @property
    def conversations(self) -> ConversationRepository:
        return ConversationRepository(self._conn)

    @property
    def memories(self) -> MemoryRepository:
        return MemoryRepository(self._conn)

    @property
    def state(self) -> StateRepository:
        return StateRepository(self._conn)

    @property
    def keepsakes(self) -> KeepsakeRepository:
        """Keepsakes, her diary and the lines she said first."""
        return KeepsakeRepository(self._conn)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work; ``BEGIN IMMEDIATE`` takes the write lock up front so a
        second process waits (busy_timeout) instead of failing half-way."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise db.translate(exc, self.path) from exc
        try:
            yield self._conn
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise db.translate(exc, self.path) from exc
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def run_sync(self, work: Callable[[Store], T], *, write: bool = False) -> T:
        if write:
            with self.transaction():
                return work(self)
        try:
            return work(self)
        except sqlite3.Error as exc:
            raise db.translate(exc, self.path) from exc

    async def run(self, work: Callable[[Store], T], *, write: bool = False) -> T:
        """Run ``work`` on the database thread; writes are one transaction."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(self.run_sync, work, write=write))

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        with suppress(sqlite3.Error):
            self._conn.execute("PRAGMA optimize")
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
