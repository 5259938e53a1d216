"""The conversation as it reads on screen: one block per message, hers in Markdown."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from samantha.models import Message, MessageStatus, Role
from samantha.tui.safe import collapsed, visible


class UserMessage(Static):
    DEFAULT_CSS = """
    UserMessage {
        margin: 1 0 0 8;
        padding: 0 1;
        background: $boost;
        border-left: thick $secondary;
        color: $text;
    }
    """

    def __init__(self, text: str) -> None:
        # Content(...) is plain text: '[bold]' in a paste stays '[bold]'.
        super().__init__(Content(visible(collapsed(text))), markup=False)


class ReplyMessage(Vertical):
    """Her reply: a Markdown body that streams (tokens append, not re-render), and a note
    underneath when it did not end normally. The note is its own widget so a reply cut off
    inside a code block cannot swallow it."""

    DEFAULT_CSS = """
    ReplyMessage {
        height: auto;
        margin: 1 8 0 0;
        padding: 0 1;
        border-left: thick $accent;
        & > Markdown {
            padding: 0;
            margin: 0;
            background: transparent;
            & > *:last-child { margin-bottom: 0; }
        }
        & > .note { color: $text-muted; text-style: italic; }
        &.-interrupted { border-left: thick $warning; }
        &.-failed { border-left: thick $error; }
        &.-greeting { border-left: thick $accent 40%; }
    }
    """

    def __init__(
        self,
        text: str = "",
        status: MessageStatus = MessageStatus.COMPLETE,
        *,
        classes: str | None = None,
    ) -> None:
        super().__init__(classes=classes)
        self.received = text
        self._body = Markdown(visible(collapsed(text)) if text else None)
        self._stream: MarkdownStream | None = None
        self._interrupted = status is MessageStatus.INTERRUPTED
        self.set_class(self._interrupted, "-interrupted")

    def compose(self) -> ComposeResult:
        yield self._body
        if self._interrupted:
            yield Static(Content("(interrupted)"), classes="note")

    @property
    def body(self) -> Markdown:
        return self._body

    async def add_fragment(self, fragment: str) -> None:
        if self._stream is None:
            self._stream = Markdown.get_stream(self._body)
        self.received += fragment
        await self._stream.write(visible(fragment))

    async def finish(self, note: str | None = None, *, failed: bool = False) -> None:
        """Flush what is still queued; with a note, mark the reply as not finished."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()
        if note:
            self.add_class("-failed" if failed else "-interrupted")
            # Not attached when the app is quitting mid-reply: the words are saved, and there
            # is no screen left to show the note on.
            if self.is_attached:
                await self.mount(Static(Content(note), classes="note"))


class Greeting(ReplyMessage):
    """Her hello on an empty conversation. Shown, not stored: the model never sees it."""

    def __init__(self, text: str) -> None:
        super().__init__(text, classes="-greeting")


class Transcript(VerticalScroll):
    """Messages top-down; while they overflow, the newest stays in view unless the reader
    scrolls up (Textual's anchor releases on a user scroll and re-takes at the bottom)."""

    DEFAULT_CSS = """
    Transcript { padding: 0 1 1 1; scrollbar-size-vertical: 1; }
    """

    async def show_history(self, messages: list[Message]) -> None:
        widgets: list[Widget] = []
        for message in messages:
            if message.role is Role.USER:
                widgets.append(UserMessage(message.text))
            else:
                widgets.append(ReplyMessage(message.text, message.status))
        await self.mount_all(widgets)
        self.scroll_end(animate=False)

    async def show_greeting(self, text: str) -> Greeting:
        widget = Greeting(text)
        await self.mount(widget)
        return widget

    async def add_user(self, text: str) -> UserMessage:
        widget = UserMessage(text)
        await self.mount(widget)
        # Sending is a request to see the answer: jump to the end even if scrolled up.
        self.scroll_end(animate=False)
        return widget

    async def start_reply(self) -> ReplyMessage:
        widget = ReplyMessage()
        await self.mount(widget)
        self.scroll_end(animate=False)
        return widget

    async def clear(self) -> None:
        await self.remove_children()
        self.anchor(False)

    def watch_virtual_size(self) -> None:
        # The content grew or shrank. Sizes settle within this layout pass, so decide after it.
        self.call_later(self._follow)

    def on_resize(self, event: events.Resize) -> None:
        self.call_later(self._follow)

    def _follow(self) -> None:
        """Anchor only while there is something to scroll: an anchored transcript shorter than
        the screen scrolls to a negative offset and sinks to the bottom of the screen."""
        overflowing = self.max_scroll_y > 0
        if overflowing and not self.is_anchored:
            self.anchor()
        elif not overflowing and self.is_anchored:
            self.anchor(False)
