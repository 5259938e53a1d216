"""The conversation as it reads on screen: one block per message, hers in Markdown."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.content import Content
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


class ReplyMessage(Markdown):
    """Her reply. Streams through Textual's MarkdownStream so tokens append, not re-render."""

    DEFAULT_CSS = """
    ReplyMessage {
        margin: 1 8 0 0;
        padding: 0 1;
        border-left: thick $accent;
        background: transparent;
    }
    ReplyMessage.-interrupted { border-left: thick $warning; }
    ReplyMessage.-failed { border-left: thick $error; }
    """

    def __init__(self, text: str = "", status: MessageStatus = MessageStatus.COMPLETE) -> None:
        super().__init__(visible(collapsed(text)) if text else "")
        self._stream: MarkdownStream | None = None
        self.received = ""
        if status is MessageStatus.INTERRUPTED:
            self.add_class("-interrupted")

    async def add_fragment(self, fragment: str) -> None:
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        self.received += fragment
        await self._stream.write(visible(fragment))

    async def finish(self, note: str | None = None, failed: bool = False) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        if note:
            self.add_class("-failed" if failed else "-interrupted")
            await self.add_fragment(f"\n\n*{note}*")
            await self.finish()


class Transcript(VerticalScroll):
    DEFAULT_CSS = """
    Transcript { height: 1fr; padding: 0 1 1 1; }
    """

    async def show_history(self, messages: list[Message]) -> None:
        widgets: list[Static | Markdown] = []
        for message in messages:
            if message.role is Role.USER:
                widgets.append(UserMessage(message.text))
            else:
                widgets.append(ReplyMessage(message.text, message.status))
        await self.mount_all(widgets)
        self.scroll_end(animate=False)

    async def add_user(self, text: str) -> UserMessage:
        widget = UserMessage(text)
        await self.mount(widget)
        self.scroll_end(animate=False)
        return widget

    async def start_reply(self) -> ReplyMessage:
        widget = ReplyMessage()
        await self.mount(widget)
        self.anchor()
        return widget
