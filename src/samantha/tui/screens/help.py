"""Keys and slash commands on one page, from the same table the palette uses."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from samantha.tui.commands import COMMANDS

TYPING_KEYS = (
    ("enter", "send (while she is replying: queued, and sent once she has finished)"),
    ("ctrl+j", "new line (also Alt+Enter where the terminal sends it)"),
    ("escape", "stop her reply (the part she said is kept); cancel an edit"),
    ("ctrl+p", "command palette: every action, and themes"),
)


def key_label(key: str) -> str:
    """'ctrl+n' -> 'Ctrl+N', 'f2' -> 'F2', as footers write them."""
    names = {"escape": "Esc", "enter": "Enter", "ctrl": "Ctrl", "alt": "Alt", "shift": "Shift"}
    return "+".join(names.get(part, part.upper()) for part in key.split("+"))


def help_text() -> Content:
    """Typing keys, then every command once: its slash form, its key if it has one, and
    what it does (a command listed twice would push the rest off a small terminal)."""
    rows: list[str | tuple[str, str]] = [("Keys\n", "bold")]
    for key, what in TYPING_KEYS:
        rows.append((f"  {key_label(key):<10}", "$accent"))
        rows.append(f"{what}\n")
    rows.append(("\nCommands", "bold"))
    rows.append(" (type them in the input, or press the key)\n")
    for command in COMMANDS:
        usage = f"/{command.name} {command.argument}".strip()
        if len(usage) > 21:  # its own line, so the columns stay straight
            rows.append((f"  {usage}\n", "$accent"))
            usage = ""
        rows.append((f"  {usage:<22}", "$accent"))
        rows.append((f"{key_label(command.key) if command.key else '':<8}", "$accent"))
        rows.append(f"{command.help}\n")
    rows.append("\nStart a message with // to send a line that begins with a slash.")
    return Content.assemble(*rows)


class HelpModal(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpModal {
        align: center middle;
        background: $background 60%;
        & > VerticalScroll {
            width: 96;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            padding: 0 2;
            border: round $accent;
            border-title-color: $accent;
            border-subtitle-color: $text-muted;
            background: $surface;
        }
    }
    """
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = "Help"
            box.border_subtitle = "Esc closes"
            yield Static(help_text())
