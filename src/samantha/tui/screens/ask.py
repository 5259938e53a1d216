"""Ask for a line or a few lines of text (a title, a memory's wording); dismisses with it or None."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static, TextArea


class AskModal(ModalScreen[str | None]):
    DEFAULT_CSS = """
    AskModal {
        align: center middle;
        background: $background 60%;
        & > Vertical {
            width: 72;
            max-width: 95%;
            height: auto;
            padding: 1 2;
            border: round $accent;
            background: $surface;
        }
        & TextArea { height: 8; }
        & Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
        & Button { margin-left: 2; }
    }
    """
    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, question: str, value: str = "", *, multiline: bool = False) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.multiline = multiline

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.question))
            if self.multiline:
                yield TextArea(self.value, soft_wrap=True, id="answer")
            else:
                yield Input(self.value, id="answer")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#answer").focus()

    def action_save(self) -> None:
        answer = self.query_one("#answer")
        text = answer.text if isinstance(answer, TextArea) else self.query_one(Input).value
        self.dismiss(text.strip() or None)

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def saved(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def cancelled(self) -> None:
        self.dismiss(None)
