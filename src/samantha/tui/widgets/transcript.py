"""The conversation as it reads on screen: one block per message, hers in Markdown.

Only the recent end of a long conversation is mounted; older messages are put in front as the
reader scrolls up (``Transcript.ReachedTop``), so a 10,000-message conversation opens at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message as TextualMessage
from textual.widget import Widget
from textual.widgets import Static

from samantha.tui.safe import collapsed, visible
from samantha.tui.widgets.reply_stream import SegmentedStream, drawn, segment

if TYPE_CHECKING:
    from textual.timer import Timer

    # Any message with an id, role, status and text: a stored one, or a glimpse of one read
    # before the engine (and pydantic) loaded.
    from samantha.domain.shown import ShownMessage as Message


def frozen(text: str) -> Static:
    """A whole reply drawn as one widget that never changes (a reply from history). Links
    show where they point (never followed)."""
    body = drawn(text)
    return Static(body, classes="plain" if isinstance(body, Content) else "plain frozen")


class UserMessage(Static):
    DEFAULT_CSS = """
    UserMessage {
        margin: 1 0 0 8;
        padding: 0 1;
        background: $boost;
        border-left: thick $secondary;
        color: $text;
        &.-found { background: $accent 25%; }
        &.-queued { border-left: thick $secondary 40%; color: $text-muted; }
    }
    """

    def __init__(
        self,
        text: str,
        message_id: int | None = None,
        *,
        queued: bool = False,
        unanswered: bool = False,
    ) -> None:
        super().__init__(self._content(text, queued, unanswered), markup=False)
        self.text = text
        self.message_id = message_id
        self.set_class(queued, "-queued")

    @staticmethod
    def _content(text: str, queued: bool, unanswered: bool = False) -> Content:
        # Content(...) is plain text: '[bold]' in a paste stays '[bold]'.
        words = Content(visible(collapsed(text)))
        note = QUEUED if queued else UNANSWERED if unanswered else None
        return words + Content.styled(f"\n{note}", "italic") if note else words

    @property
    def queued(self) -> bool:
        return self.has_class("-queued")

    def answered(self) -> None:
        """Her reply to it came (sent again after a failure): the resend note goes."""
        self.update(self._content(self.text, self.queued))

    def send(self) -> None:
        """A queued message goes now: it reads as any other."""
        self.remove_class("-queued")
        self.update(self._content(self.text, False))


#: Under a message typed while she was replying: it waits its turn, never merged with another.
QUEUED = "(queued: sends when she has finished)"
#: Under the last message of theirs when her reply to it failed (read back from history).
UNANSWERED = "(no reply yet: Ctrl+R sends it again)"


class ReplyMessage(Vertical):
    """Her reply: Markdown that streams (segment by segment, see ``reply_stream``), and a note
    underneath when it did not end normally. The note is its own widget so a reply cut off
    inside a code block cannot swallow it."""

    DEFAULT_CSS = """
    ReplyMessage {
        height: auto;
        margin: 1 8 0 0;
        padding: 0 1;
        border-left: thick $accent;
        & > .plain { padding: 0; margin: 0; }
        /* A segment after the first: the blank line Markdown puts between blocks. */
        & > .-next { margin-top: 1; }
        & > .note { color: $text-muted; text-style: italic; }
        &.-interrupted { border-left: thick $warning; }
        &.-failed { border-left: thick $error; }
        &.-greeting { border-left: thick $accent 40%; }
        &.-found { background: $accent 25%; }
    }
    """

    def __init__(
        self,
        text: str = "",
        *,
        interrupted: bool = False,
        message_id: int | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(classes=classes)
        self.received = text
        self.message_id = message_id
        shown = visible(collapsed(text))
        # A stored reply is drawn once, as one widget; a reply that streams is drawn as it
        # comes, a segment at a time.
        self._body: Static = frozen(shown) if text else segment(first=True)
        self._stream: SegmentedStream | None = None
        #: Fragments waiting for the next frame, and when the last were shown.
        self._pending: list[str] = []
        self._flushed = 0.0
        self._timer: Timer | None = None
        #: Characters shown so far while streaming; past the collapse limit the rest is counted.
        self._shown = 0
        #: The (safe) words handed to the screen while streaming.
        self.drawn = ""
        self._interrupted = interrupted
        self.set_class(self._interrupted, "-interrupted")

    def compose(self) -> ComposeResult:
        yield self._body
        if self._interrupted:
            yield self._note("(interrupted)")

    @staticmethod
    def _note(text: str) -> Static:
        return Static(Content(text), classes="note")

    @property
    def body(self) -> Static:
        """The widget its words start in (a streamed reply may continue in more)."""
        return self._body

    @property
    def streaming(self) -> bool:
        return self._stream is not None

    async def add_fragment(self, fragment: str) -> None:
        if self._stream is None:
            if self.received:
                raise RuntimeError("Only an empty reply can stream.")
            self._stream = SegmentedStream(self, self._body)
        self.received += fragment
        room = max(0, COLLAPSE_STREAM - self._shown)
        if not room:
            return
        part = fragment[:room]
        self._shown += len(part)
        self._pending.append(visible(part))
        # At most one update a frame: a fast model sends far more tokens than a screen can
        # show, and every update lays the reply out again.
        wait = FRAME_S - (time.monotonic() - self._flushed)
        if wait <= 0:
            await self.flush()
        elif self._timer is None:
            # A frame after the last update, not a frame after these words: the last words
            # of a reply wait no longer than they must.
            self._timer = self.set_timer(wait, self.flush)

    async def flush(self) -> None:
        """Show every fragment received so far now, not at the next frame."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._flushed = time.monotonic()
        if self._pending and self._stream is not None:
            text, self._pending = "".join(self._pending), []
            self.drawn += text
            await self._stream.write(text)

    async def finish(self, note: str | None = None, *, failed: bool = False) -> None:
        """Flush what is still queued; with a note, mark the reply as not finished."""
        if self._stream is not None:
            await self.flush()
            self._stream = None
        hidden = len(self.received) - self._shown
        if self._shown and hidden > 0 and self.is_attached:
            await self.mount(self._note(f"… ({hidden:,} more characters, stored in full)"))
        if note:
            self.add_class("-failed" if failed else "-interrupted")
            # Not attached when the app is quitting mid-reply: the words are saved, and there
            # is no screen left to show the note on.
            if self.is_attached:
                await self.mount(self._note(note))


#: Seconds between updates while a reply streams (20 a second: smooth to read, and each
#: update lays out the screen).
FRAME_S = 1 / 20
#: A streamed reply longer than this stops growing on screen (a runaway model cannot flood it).
COLLAPSE_STREAM = 20_000
#: At most this many messages stay mounted as a session goes on; older ones page back in.
KEEP_MOUNTED = 40
#: Opening a conversation mounts this many of its newest messages before the first paint
#: (more than a tall terminal shows); the rest of the page follows a frame later.
FIRST_PAGE = 16


class Greeting(ReplyMessage):
    """Her hello on an empty conversation. Shown, not stored: the model never sees it."""

    def __init__(self, text: str) -> None:
        super().__init__(text, classes="-greeting")


class EarlierNote(Static):
    """Says that older messages exist and how to reach them."""

    DEFAULT_CSS = """
    EarlierNote { color: $text-muted; text-align: center; width: 1fr; margin-top: 1; }
    """


def message_widget(message: Message, *, last: bool = False) -> UserMessage | ReplyMessage:
    """``last``: the newest message shown; a failed one of theirs there offers a resend."""
    from samantha.domain.shown import MessageStatus, Role

    if message.role is Role.USER:
        unanswered = last and message.status is MessageStatus.ERROR
        return UserMessage(message.text, message.id, unanswered=unanswered)
    interrupted = message.status is MessageStatus.INTERRUPTED
    return ReplyMessage(message.text, interrupted=interrupted, message_id=message.id)


class Transcript(VerticalScroll):
    """Messages top-down; while they overflow, the newest stays in view unless the reader
    scrolls up (Textual's anchor releases on a user scroll and re-takes at the bottom)."""

    DEFAULT_CSS = """
    Transcript { padding: 0 1 1 1; scrollbar-size-vertical: 1; }
    """

    @dataclass
    class ReachedTop(TextualMessage):
        """The reader scrolled to the top while older messages are still unloaded."""

        transcript: Transcript

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: Whether older messages exist in the database that are not mounted.
        self.has_earlier = False
        self._asked = False
        #: The rest of an opening page is still being put in front of its newest messages.
        self._filled = asyncio.Event()
        self._filled.set()
        self._generation = 0

    # -- what is mounted ------------------------------------------------------------------

    @property
    def messages(self) -> list[UserMessage | ReplyMessage]:
        return [w for w in self.children if isinstance(w, UserMessage | ReplyMessage)]

    @property
    def first_id(self) -> int | None:
        return next((w.message_id for w in self.messages if w.message_id is not None), None)

    def find(self, message_id: int) -> UserMessage | ReplyMessage | None:
        return next((w for w in self.messages if w.message_id == message_id), None)

    def last_user(self) -> UserMessage | None:
        users = [w for w in self.messages if isinstance(w, UserMessage)]
        return users[-1] if users else None

    def last_reply(self) -> ReplyMessage | None:
        replies = [w for w in self.messages if isinstance(w, ReplyMessage) and w.received]
        return replies[-1] if replies else None

    # -- changing it ----------------------------------------------------------------------

    async def show_history(self, messages: Sequence[Message], *, earlier: bool = False) -> None:
        """The newest messages first, painted at once; the rest of the page goes in front of
        them right after that frame (the reader is at the end, so nothing moves)."""
        newest, rest = list(messages[-FIRST_PAGE:]), list(messages[:-FIRST_PAGE])
        self._generation += 1
        final = newest[-1] if newest else None
        await self.mount_all([message_widget(m, last=m is final) for m in newest])
        self.scroll_end(animate=False)
        if not rest:
            await self._set_earlier(earlier)
            return
        self._filled.clear()
        generation = self._generation

        async def fill() -> None:
            if generation != self._generation:
                return  # cleared (another conversation) meanwhile
            try:
                first = next(iter(self.messages), None)
                widgets = [message_widget(m) for m in rest]
                await self.mount_all(widgets, before=first) if first else await self.mount_all(
                    widgets
                )
                await self._set_earlier(earlier)
            finally:
                self._filled.set()

        # A worker, not an awaited callback: whatever else waits for this frame runs now.
        self.call_after_refresh(lambda: self.run_worker(fill(), group="fill"))

    async def filled(self) -> None:
        """Wait until the whole opening page is mounted (``show_history`` paints its newest
        messages first)."""
        await self._filled.wait()

    async def show_earlier(self, messages: Sequence[Message], *, earlier: bool) -> None:
        """Put older messages in front without moving what the reader is looking at."""
        widgets: list[Widget] = [message_widget(m) for m in messages]
        first = next(iter(self.messages), None)
        before_height = self.virtual_size.height
        if widgets:
            await self.mount_all(widgets, before=first) if first else await self.mount_all(widgets)
        await self._set_earlier(earlier)

        def keep_place() -> None:
            grown = self.virtual_size.height - before_height
            self.scroll_to(y=self.scroll_y + grown, animate=False, immediate=True)
            self._asked = False

        self.call_after_refresh(keep_place)

    async def _set_earlier(self, earlier: bool) -> None:
        self.has_earlier = earlier
        notes = list(self.query_children(EarlierNote))
        if earlier and not notes:
            note = EarlierNote(Content("↑ earlier messages load as you scroll up"))
            await self.mount(note, before=0) if self.children else await self.mount(note)
        elif not earlier and notes:
            await notes[0].remove()

    async def show_greeting(self, text: str) -> Greeting:
        widget = Greeting(text)
        await self.mount(widget)
        return widget

    async def _settle_old(self) -> None:
        """Before a new message: the oldest messages beyond ``KEEP_MOUNTED`` leave the screen
        (they page back in on scroll-up), so a long session costs the same per frame, and in
        memory, as a short one."""
        messages = self.messages
        # Room for the message about to come and her reply to it.
        extra = len(messages) - (KEEP_MOUNTED - 2)
        if extra > 0 and not self._scrolled_up():
            await self.remove_children(messages[:extra])
            await self._set_earlier(True)
            self._asked = False

    def _scrolled_up(self) -> bool:
        return self.max_scroll_y > 0 and self.scroll_y < self.max_scroll_y - 1

    async def add_message(
        self, message: Message, before: Widget | None = None
    ) -> UserMessage | ReplyMessage:
        """At the end, or before ``before`` (her greeting, ahead of a message queued while it
        was coming)."""
        await self._settle_old()
        widget = message_widget(message)
        if before is not None and before.parent is self:
            await self.mount(widget, before=before)
        else:
            await self.mount(widget)
        self.scroll_end(animate=False)
        return widget

    async def add_user(self, text: str, *, queued: bool = False) -> UserMessage:
        await self._settle_old()
        widget = UserMessage(text, queued=queued)
        await self.mount(widget)
        # Sending is a request to see the answer: jump to the end even if scrolled up.
        self.scroll_end(animate=False)
        return widget

    async def start_reply(self, after: Widget | None = None) -> ReplyMessage:
        """Her reply, at the end or right after ``after`` (a queued message sent now, with
        more queued behind it)."""
        await self._settle_old()
        widget = ReplyMessage()
        if after is not None and after.parent is self and after is not self.children[-1]:
            await self.mount(widget, after=after)
        else:
            await self.mount(widget)
        self.scroll_end(animate=False)
        return widget

    async def remove_from(self, widget: Widget) -> None:
        """Take ``widget`` and everything after it off the screen (an edit or a regenerate)."""
        children = list(self.children)
        if widget in children:
            await self.remove_children(children[children.index(widget) :])

    async def remove_after(self, widget: Widget) -> None:
        children = list(self.children)
        if widget in children:
            await self.remove_children(children[children.index(widget) + 1 :])

    async def clear(self) -> None:
        self._generation += 1
        self._filled.set()
        await self.remove_children()
        self.has_earlier = False
        self._asked = False
        self.anchor(False)

    def reveal(self, widget: Widget) -> None:
        """Scroll a found message into view and mark it."""
        for old in self.query(".-found"):
            old.remove_class("-found")
        widget.add_class("-found")
        # Released, not dropped: the anchor comes back when the reader returns to the end.
        self.release_anchor()
        self.call_after_refresh(self.scroll_to_widget, widget, animate=False, top=True)

    # -- following the end ------------------------------------------------------------------

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new <= 0 and old > 0 and self.has_earlier and not self._asked:
            self._asked = True
            self.post_message(self.ReachedTop(self))

    def watch_virtual_size(self) -> None:
        # The content grew or shrank. Sizes settle within this layout pass, so decide after it.
        self.call_later(self._follow)

    def on_resize(self, event: events.Resize) -> None:
        self.call_later(self._follow)

    def _follow(self) -> None:
        """Anchor only while there is something to scroll: an anchored transcript shorter than
        the screen scrolls to a negative offset and sinks to the bottom of the screen."""
        overflowing = self.max_scroll_y > 0
        if not overflowing and self.has_earlier and not self._asked:
            # Nothing to scroll, so no way to scroll up: fetch the earlier messages now.
            self._asked = True
            self.post_message(self.ReachedTop(self))
        if overflowing and not self.is_anchored:
            self.anchor()
        elif not overflowing and self.is_anchored:
            self.anchor(False)
