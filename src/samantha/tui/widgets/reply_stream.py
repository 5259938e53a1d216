"""Streaming Markdown that stays cheap however long the reply grows.

A reply streams into a run of plain widgets, each drawing its words with Rich's Markdown: one
widget per segment. (Textual's Markdown widget mounts and styles a widget per paragraph, list
item and code block as they stream in; that was most of each frame, and it grew with the
reply.) Only the open segment is drawn again when words come, at most once a frame; once it is
long it is closed at the next paragraph break (outside any code fence) and a fresh one
continues, so a frame costs the same at the end of a long reply as at the start, and a finished
reply is already as cheap to keep on screen as one read from history.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

if TYPE_CHECKING:
    from rich.markdown import Markdown as RichMarkdown
    from textual.widget import Widget

#: A segment this long is closed at the next safe paragraph break (drawing the open one again
#: costs about 6 microseconds a character).
SEGMENT_CHARS = 600
_FENCE = re.compile(r"^ {0,3}(?:```|~~~)", re.MULTILINE)
_BREAK = re.compile(r"\n\n(?=\S)")
#: What makes words worth Markdown: emphasis, code, links, headings, lists, tables, quotes.
#: Anything else is shown as plain text (a tenth of the cost to draw).
_MARKDOWN = re.compile(r"[*_`\[\]#|<>~\\]|^\s*(?:[-+]|\d+[.)])\s", re.MULTILINE)


def plain(text: str) -> bool:
    """True when ``text`` has nothing Markdown would draw differently from plain text."""
    return _MARKDOWN.search(text) is None


def drawn(text: str) -> Content | RichMarkdown:
    """What a widget shows for Markdown ``text`` (already made safe with ``visible``): plain
    text as it is, anything else as Rich draws Markdown. Links show where they point and are
    never followed; Rich's Markdown reads no console markup."""
    text = text.rstrip()
    if plain(text):
        return Content(text)
    from rich.markdown import Markdown as RichMarkdown

    return RichMarkdown(text, hyperlinks=False)


def warm() -> None:
    """Load what drawing a reply loads (Rich's Markdown, markdown-it, the highlighter for the
    code replies show most): in a thread before the first reply, not on the event loop."""
    import io

    from rich.console import Console

    console = Console(file=io.StringIO(), width=40)
    console.render_lines(drawn("*a*\n\n```python\nx = 1\n```"), console.options)


def safe_break(head: str, text: str, start: int = 0) -> int:
    """The first place in ``text`` (coming after ``head``), at or after ``start``, where a
    segment may end: just after a blank line, outside a code fence, before a line that starts
    a new block (not an indented continuation). -1 when there is none."""
    for match in _BREAK.finditer(text, max(0, start - 2)):
        end = match.end()
        if end >= start and len(_FENCE.findall(head + text[:end])) % 2 == 0:
            return end
    return -1


def segment(*, first: bool = False) -> Static:
    """An open segment. The first is hidden until words come (an empty reply takes no room).
    After the first, its margin stands for the blank line Markdown puts between blocks (each
    segment's own drawing ends on its last line)."""
    widget = Static(Content(""), classes="plain segment" if first else "plain segment -next")
    widget.display = not first
    return widget


class SegmentedStream:
    """Writes Markdown fragments into ``container``, starting with ``first`` (already mounted)."""

    def __init__(self, container: Widget, first: Static) -> None:
        self.container = container
        self.segment = first
        #: The open segment's words.
        self.text = ""
        self.segments = 1

    async def write(self, text: str) -> None:
        # A frame's worth of text can be long (a slow screen, a fast model): it may close
        # more than one segment.
        while len(self.text) + len(text) > SEGMENT_CHARS:
            cut = safe_break(self.text, text, SEGMENT_CHARS - len(self.text))
            if cut < 0:
                break
            self.text += text[:cut]
            self.segment.update(drawn(self.text))
            await self._next_segment()
            text = text[cut:]
        if text:
            self.text += text
            self.segment.update(drawn(self.text))
        if self.text and not self.segment.display:
            self.segment.display = True

    async def _next_segment(self) -> None:
        self.segment = segment()
        self.segments += 1
        self.text = ""
        await self.container.mount(self.segment)
