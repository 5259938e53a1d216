"""Settings: test the connection in one sentence, save to the config file, reopen her."""

from __future__ import annotations

import stat
import tomllib

from textual.widgets import Input, Select

from samantha.backends.scripted import ScriptedBackend
from samantha.config import Paths
from samantha.tui.app import open_from_settings
from samantha.tui.screens.chat import ChatScreen
from samantha.tui.screens.settings import SettingsScreen
from tests.tui.conftest import BuildApp
from tests.tui.helpers import settle, shown, until

SIZE = (100, 30)


async def test_test_connection_reports_in_one_sentence(build_app: BuildApp) -> None:
    app = build_app(max_retries=0, request_timeout=5)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await pilot.press("ctrl+t")
        await settle(pilot)
        result = shown(app.screen.query_one("#result"))
        assert result == "The scripted backend is ready (it replies from a list)."

        # Another backend is tried through a companion of its own: nothing listens here.
        app.open_companion = open_from_settings
        app.screen.query_one("#backend", Select).value = "llamacpp"
        app.screen.query_one("#base_url", Input).value = "http://127.0.0.1:9/v1"
        await pilot.press("ctrl+t")
        await settle(pilot)
        sentence = " ".join(shown(app.screen.query_one("#result")).split())
        assert "127.0.0.1:9" in sentence
        assert sentence.count(". ") <= 1
        # Testing changes nothing.
        assert app.companion.backend.name == "scripted"
        assert not Paths.from_env().config_file.exists()


async def test_cancel_changes_nothing_and_saving_writes_the_config_and_reopens_her(
    build_app: BuildApp,
) -> None:
    app = build_app(ScriptedBackend(replies=["Edith. Hello."]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Cancel changes nothing.
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        app.screen.query_one("#persona", Select).value = "alan"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert app.companion.persona.name == "Samantha"
        assert not Paths.from_env().config_file.exists()

        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        app.screen.query_one("#persona", Select).value = "edith"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.companion.persona.name == "Edith")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await settle(pilot)
        path = Paths.from_env().config_file
        assert tomllib.loads(path.read_text(encoding="utf-8")) == {"persona": "edith"}
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert app.companion.settings.persona == "edith"
        assert shown(app.screen.query_one("#name")) == "Edith"
