"""The engine: one turn from the user's words to her stored reply (docs/architecture.md)."""

from samantha.engine.companion import Companion
from samantha.engine.factory import build_companion
from samantha.engine.results import Greeting, ReplyChunk, Timings, TurnEvent, TurnResult
from samantha.engine.streaming import CHARS_PER_TOKEN_CAP
from samantha.engine.text import clean_text

__all__ = [
    "CHARS_PER_TOKEN_CAP",
    "Companion",
    "Greeting",
    "ReplyChunk",
    "Timings",
    "TurnEvent",
    "TurnResult",
    "build_companion",
    "clean_text",
]
