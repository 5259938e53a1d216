"""The engine: one turn from the user's words to her stored reply (docs/architecture.md).

The names below load on first use (``__getattr__``), not when the package is imported: the
companion brings in most of samantha (memory, state, persona, prompting), and the chat reads
its newest messages through ``samantha.engine.glance`` before any of that is wanted."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from samantha.engine.companion import Companion as Companion
    from samantha.engine.factory import build_companion as build_companion
    from samantha.engine.results import Greeting as Greeting
    from samantha.engine.results import ReplyChunk as ReplyChunk
    from samantha.engine.results import Timings as Timings
    from samantha.engine.results import TurnEvent as TurnEvent
    from samantha.engine.results import TurnResult as TurnResult
    from samantha.engine.streaming import CHARS_PER_TOKEN_CAP as CHARS_PER_TOKEN_CAP
    from samantha.engine.text import clean_text as clean_text

#: Where each public name lives.
_HOMES = {
    "CHARS_PER_TOKEN_CAP": "samantha.engine.streaming",
    "Companion": "samantha.engine.companion",
    "Greeting": "samantha.engine.results",
    "ReplyChunk": "samantha.engine.results",
    "Timings": "samantha.engine.results",
    "TurnEvent": "samantha.engine.results",
    "TurnResult": "samantha.engine.results",
    "build_companion": "samantha.engine.factory",
    "clean_text": "samantha.engine.text",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
