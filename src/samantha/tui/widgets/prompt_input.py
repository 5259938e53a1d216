"""Where the user types: Enter sends, Ctrl+J (or Alt+Enter) starts a new line."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from samantha.tui.safe import visible

#: Terminals differ in what they send for a modified Enter; Ctrl+J works everywhere.
NEWLINE_KEYS = {"ctrl+j", "alt+enter", "shift+enter", "ctrl+enter"}


class PromptInput(TextArea):
    DEFAULT_CSS = """
    PromptInput {
        height: auto;
        min-height: 3;
        max-height: 10;
        margin: 0 1;
        padding: 0 1;
        border: round $primary 40%;
        border-subtitle-color: $text-muted;
        background: transparent;
        &:focus { border: round $primary; }
    }
    """

    @dataclass
    class Submitted(Message):
        """The user pressed Enter on a message that is not blank."""

        text: str

    class Typed(Message):
        """The user pressed a key in the input (her voice stops, as a person's would)."""

    def __init__(self, *, cursor_blink: bool = True, id: str | None = "prompt") -> None:
        super().__init__(
            placeholder="Say something…",
            soft_wrap=True,
            show_line_numbers=False,
            highlight_cursor_line=False,
            id=id,
        )
        # Tests and snapshots switch blinking off so a screenshot never catches it mid-blink.
        self.set_reactive(TextArea.cursor_blink, cursor_blink)
        self.border_subtitle = "Enter sends · Ctrl+J new line"

    async def _on_paste(self, event: events.Paste) -> None:
        # Line ends as typed; any other control character as its picture, never raw on screen.
        text = visible(event.text.replace("\r\n", "\n").replace("\r", "\n"))
        await super()._on_paste(events.Paste(text))
        event.stop()
        event.prevent_default()

    async def _on_key(self, event: events.Key) -> None:
        self.post_message(self.Typed())
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text
            if text.strip():
                # The screen clears the input once it accepts the message, so words it
                # refuses (she is still replying) are not lost.
                self.post_message(self.Submitted(text))
            return
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        await super()._on_key(event)
