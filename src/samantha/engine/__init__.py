"""The engine: one turn from the user's words to her stored reply (docs/architecture.md)."""

from samantha.engine.companion import (
    CHARS_PER_TOKEN_CAP,
    Companion,
    ReplyChunk,
    Timings,
    TurnEvent,
    TurnResult,
)
from samantha.engine.records import clean_text

__all__ = [
    "CHARS_PER_TOKEN_CAP",
    "Companion",
    "ReplyChunk",
    "Timings",
    "TurnEvent",
    "TurnResult",
    "clean_text",
]
