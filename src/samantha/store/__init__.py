"""Storage: one SQLite file per user, opened by a factory, changed only through migrations.

``Store`` loads on first use: a glance at the newest messages (``store.glance``) needs only
the conversations' repository, not every table's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from samantha.store.store import Store as Store

__all__ = ["Store"]


def __getattr__(name: str) -> Any:
    if name != "Store":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from samantha.store.store import Store

    globals()["Store"] = Store
    return Store
