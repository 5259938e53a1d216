"""The Textual application: wiring only. Built by ``make_app`` so tests reuse it."""

from __future__ import annotations

from textual.app import App

from samantha.config import Settings
from samantha.engine import Companion
from samantha.tui.screens.chat import ChatScreen


class SamanthaApp(App[None]):
    CSS_PATH = "samantha.tcss"
    TITLE = "samantha"
    ENABLE_COMMAND_PALETTE = True

    def __init__(
        self, companion: Companion, *, owns_companion: bool = True, cursor_blink: bool = True
    ) -> None:
        super().__init__()
        self.companion = companion
        #: Close the companion on exit only if we opened it; a caller that passed one in
        #: (a test) may still want to read its database afterwards.
        self.owns_companion = owns_companion
        self.cursor_blink = cursor_blink

    def on_mount(self) -> None:
        self.title = self.companion.persona.name
        self.push_screen(ChatScreen(self.companion, cursor_blink=self.cursor_blink))

    async def on_unmount(self) -> None:
        if self.owns_companion:
            await self.companion.aclose()


def make_app(
    settings: Settings, companion: Companion | None = None, *, cursor_blink: bool = True
) -> SamanthaApp:
    """Build the app; tests pass their own companion and switch the cursor blink off."""
    if companion is None:
        return SamanthaApp(Companion.open(settings), cursor_blink=cursor_blink)
    return SamanthaApp(companion, owns_companion=False, cursor_blink=cursor_blink)


def run_app(settings: Settings) -> None:
    make_app(settings).run()
