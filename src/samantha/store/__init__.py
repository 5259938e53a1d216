"""Storage: one SQLite file per user, opened by a factory, changed only through migrations."""

from samantha.store.store import Store

__all__ = ["Store"]
