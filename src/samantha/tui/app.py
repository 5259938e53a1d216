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

    def __init__(self, companion: Companion) -> None:
        super().__init__()
        self.companion = companion

    def on_mount(self) -> None:
        self.title = self.companion.persona.name
        self.push_screen(ChatScreen(self.companion))

    async def on_unmount(self) -> None:
        await self.companion.aclose()


def make_app(settings: Settings, companion: Companion | None = None) -> SamanthaApp:
    return SamanthaApp(companion or Companion.open(settings))


def run_app(settings: Settings) -> None:
    make_app(settings).run()
