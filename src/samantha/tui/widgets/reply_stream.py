"""Streaming Markdown that stays cheap however long the reply grows.

Textual lays out every widget of a changed subtree on each frame, and a Markdown widget is one
widget per block. A long reply streamed into one Markdown widget gets slower with every
paragraph. Here the reply is a run of Markdown widgets: once the open one is long, it is closed
at the next paragraph break (outside any code fence) and a fresh one continues. Closed ones
never change, so their layout is cached and a frame costs the same at the end as at the start.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from textual.widget import Widget

if TYPE_CHECKING:
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

#: A segment this long is closed at the next safe paragraph break.
SEGMENT_CHARS = 1200
_FENCE = re.compile(r"^ {0,3}(?:```|~~~)", re.MULTILINE)
_BREAK = re.compile(r"\n\n(?=\S)")


def safe_break(head: str, text: str, start: int = 0) -> int:
    """The first place in ``text`` (coming after ``head``), at or after ``start``, where a
    segment may end: just after a blank line, outside a code fence, before a line that starts
    a new block (not an indented continuation). -1 when there is none."""
    for match in _BREAK.finditer(text, max(0, start - 2)):
        end = match.end()
        if end >= start and len(_FENCE.findall(head + text[:end])) % 2 == 0:
            return end
    return -1


def new_markdown() -> Markdown:
    from textual.widgets import Markdown

    return Markdown(open_links=False)


class SegmentedStream:
    """Writes Markdown fragments into ``container``, starting with ``first`` (already mounted)."""

    def __init__(self, container: Widget, first: Markdown) -> None:
        self.container = container
        self.segment = first
        self.text = ""
        self.segments = 1
        self._stream: MarkdownStream = first.get_stream(first)

    async def write(self, text: str) -> None:
        # A frame's worth of text can be long (a slow screen, a fast model): it may close
        # more than one segment.
        while len(self.text) + len(text) > SEGMENT_CHARS:
            cut = safe_break(self.text, text, SEGMENT_CHARS - len(self.text))
            if cut < 0:
                break
            await self._stream.write(text[:cut])
            await self._next_segment()
            text = text[cut:]
        if text:
            self.text += text
            await self._stream.write(text)

    async def _next_segment(self) -> None:
        await self._stream.stop()
        self.segment.add_class("-closed")
        self.segment = new_markdown()
        self.segments += 1
        self.text = ""
        await self.container.mount(self.segment)
        self._stream = self.segment.get_stream(self.segment)

    async def close(self) -> None:
        await self._stream.stop()
