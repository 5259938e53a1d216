"""The footer rebuilds its keys once for a burst of binding changes, and still follows every
change that comes after."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from samantha.tui.widgets.footer import Footer
from tests.tui.helpers import settle


class Keys(App[None]):
    BINDINGS = [Binding("f2", "panel", "Panel"), Binding("f3", "chats", "Chats")]

    def __init__(self) -> None:
        super().__init__()
        self.chats_shown = False
        self.builds = 0

    def compose(self) -> ComposeResult:
        yield Static("hello")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.chats_shown if action == "chats" else True

    def on_mount(self) -> None:
        footer = self.query_one(Footer)
        compose = footer.compose

        def counted() -> ComposeResult:
            self.builds += 1
            yield from compose()

        footer.compose = counted  # type: ignore[method-assign]


def keys(app: Keys) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey)]


async def test_a_burst_of_changes_is_one_rebuild_and_a_later_change_is_shown() -> None:
    app = Keys()
    async with app.run_test(size=(80, 10)) as pilot:
        await settle(pilot)
        assert "Panel" in keys(app)
        assert "Chats" not in keys(app)
        before = app.builds
        for _ in range(3):
            app.screen.refresh_bindings()
        await settle(pilot)
        assert app.builds == before + 1

        app.chats_shown = True
        app.screen.refresh_bindings()
        await settle(pilot)
        assert "Chats" in keys(app)
        assert app.builds == before + 2
