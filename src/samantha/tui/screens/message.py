"""One stored message, shown whole (a memory's source); dismisses True to open it in place."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from samantha.domain.conversation import Message, Role
from samantha.tui.safe import collapsed, visible


class MessageModal(ModalScreen[bool]):
    DEFAULT_CSS = """
    MessageModal {
        align: center middle;
        background: $background 60%;
        & > Vertical {
            width: 84;
            max-width: 100%;
            height: auto;
            max-height: 90%;
            padding: 0 2;
            border: round $accent;
            border-title-color: $accent;
            background: $surface;
        }
        & VerticalScroll { height: auto; max-height: 20; }
        & #when { color: $text-muted; }
        & Horizontal { height: auto; align-horizontal: right; margin: 1 0; }
        & Button { margin-left: 2; }
    }
    """
    BINDINGS = [
        Binding("escape", "dismiss(False)", "Close"),
        Binding("enter", "dismiss(True)", "Open in its conversation", show=False),
    ]

    def __init__(self, message: Message, title: str = "Where this came from") -> None:
        super().__init__()
        self.message = message
        self.title_text = title

    def compose(self) -> ComposeResult:
        m = self.message
        who = "You" if m.role is Role.USER else m.speaker
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(
                Content(f"{visible(who)}, {m.created_at.astimezone():%A %d %B %Y, %H:%M}"),
                id="when",
            )
            with VerticalScroll():
                yield Static(Content(visible(collapsed(m.text))), id="text")
            with Horizontal():
                yield Button("Close", id="close")
                yield Button("Open in its conversation", id="open", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#open", Button).focus()

    @on(Button.Pressed, "#open")
    def opened(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#close")
    def closed(self) -> None:
        self.dismiss(False)
