"""Reading her reply off a speaker: text as it comes, cut at the cap for servers that ignore
max_tokens, with what the stream said about itself (usage, why it ended)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator

from samantha.backends.base import Chunk
from samantha.engine.results import CutReason
from samantha.engine.text import clean_text

#: A reply is cut at this many characters per token of her reply budget (about twice the
#: length a tokenizer allows), for servers that ignore max_tokens.
CHARS_PER_TOKEN_CAP = 8
#: Finish reasons that mean the server stopped her before she was done.
_CUT_BY_SERVER: dict[str, CutReason] = {
    "length": "length",
    "content_filter": "content_filter",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
}


class Streamed:
    """One reply as it streams: the parts so far and what the stream reported."""

    def __init__(self, reply_tokens: int) -> None:
        self.limit = reply_tokens * CHARS_PER_TOKEN_CAP
        self.parts: list[str] = []
        self.length = 0
        self.first_token: float | None = None
        self.completion_tokens: int | None = None
        self.prompt_tokens: int | None = None
        self.cut: CutReason | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)

    async def read(self, chunks: AsyncIterator[Chunk]) -> AsyncIterator[str]:
        """Yield the reply's text; closing this closes ``chunks`` (and the request) at once."""
        try:
            async for chunk in chunks:
                self._note(chunk)
                if not chunk.text:
                    continue
                if self.first_token is None:
                    self.first_token = time.perf_counter()
                # Half a character (a lone surrogate) from any backend cannot be stored as UTF-8.
                text = self._within_cap(clean_text(chunk.text))
                if text:
                    self.parts.append(text)
                    self.length += len(text)
                    yield text
                if self.cut == "cap" or self.length >= self.limit:
                    self.cut = "cap"
                    break
        finally:
            # Closing the stream ends the request (and the server's work) now, not at GC.
            close = getattr(chunks, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()

    def _note(self, chunk: Chunk) -> None:
        if chunk.usage is not None:
            self.completion_tokens = chunk.usage.completion_tokens
            self.prompt_tokens = chunk.usage.prompt_tokens
        if chunk.finish_reason in _CUT_BY_SERVER:
            self.cut = _CUT_BY_SERVER[chunk.finish_reason]

    def _within_cap(self, text: str) -> str:
        room = max(0, self.limit - self.length)
        if len(text) <= room:
            return text
        # Cut mid-chunk: she stops after her last whole word.
        self.cut = "cap"
        kept = text[:room]
        return kept[: kept.rfind(" ") + 1]
