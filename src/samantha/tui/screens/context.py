"""What she would be sent now, section by section with token counts (/context)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from samantha.tui.safe import collapsed, visible

if TYPE_CHECKING:
    from samantha.engine.prompt import Prompt

#: How the prompt's token count was made, in a word.
ACCURACY_WORDS = {"exact": "exact", "approximate": "approx.", "estimate": "estimate"}
#: Characters of a section shown; the whole prompt can be far longer than a screen.
SECTION_CHARS = 1500


class ContextModal(ModalScreen[None]):
    DEFAULT_CSS = """
    ContextModal {
        align: center middle;
        background: $background 60%;
        & > VerticalScroll {
            width: 100;
            max-width: 100%;
            height: 90%;
            padding: 0 2;
            border: round $accent;
            border-title-color: $accent;
            border-subtitle-color: $text-muted;
            background: $surface;
        }
        & .section { margin-top: 1; color: $accent; text-style: bold; }
        & .section.-dropped { color: $text-muted; text-style: strike; }
        & .text { color: $text; }
        & #total { margin-top: 1; color: $text-muted; }
    }
    """
    BINDINGS = [Binding("escape,q", "dismiss", "Close")]

    def __init__(self, prompt: Prompt, draft: str) -> None:
        super().__init__()
        self.prompt = prompt
        self.draft = draft

    def compose(self) -> ComposeResult:
        p = self.prompt
        accuracy = ACCURACY_WORDS.get(p.accuracy, p.accuracy)
        with VerticalScroll() as box:
            box.border_title = "What she would be sent now"
            box.border_subtitle = "Esc closes"
            if not p.sections:
                yield Static(Content("No sections to show."), classes="text")
            for section in p.sections:
                state = " (left out: no room)" if section.dropped else ""
                yield Static(
                    Content(f"{visible(section.name)} · {section.tokens:,} tokens{state}"),
                    classes="section -dropped" if section.dropped else "section",
                )
                yield Static(
                    Content(visible(collapsed(section.text, SECTION_CHARS))), classes="text"
                )
            note = f"{p.tokens:,} of {p.budget:,} tokens ({accuracy})"
            if p.dropped:
                note += f"; {p.dropped} older messages left out"
            if not self.draft.strip():
                note += ". Type a message first (or /context words) to see what it would recall."
            yield Static(Content(note), id="total")
