"""The app as `samantha` starts it: the chat paints first, the companion opens behind it."""

from __future__ import annotations

import threading

from samantha.backends.scripted import ScriptedBackend
from samantha.config import Settings
from samantha.engine import Companion
from samantha.errors import PersonaError
from samantha.tui.app import make_app
from samantha.tui.screens.chat import ChatScreen
from samantha.tui.widgets.prompt_input import PromptInput
from samantha.tui.widgets.status_line import StatusLine
from tests.conftest import MakeCompanion
from tests.tui.helpers import notes, settle, shown, until

SIZE = (100, 30)


async def test_the_chat_paints_and_takes_typing_before_the_companion_opens(
    make_companion: MakeCompanion,
) -> None:
    opened = threading.Event()

    def slow_open(settings: Settings, current: Companion | None) -> Companion:
        opened.wait(10)
        return make_companion(ScriptedBackend(replies=["There you are."]))

    app = make_app(
        Settings(), cursor_blink=False, onboarding=False, greet=False, open_companion=slow_open
    )
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        assert not screen.ready
        assert shown(screen.query_one(StatusLine)) == "samantha  ·  waking up…"
        await pilot.press(*"hello", "enter")
        assert screen.query_one(PromptInput).text == "hello"
        assert notes(app) == ["She is still waking up: send it again in a moment."]

        opened.set()
        await until(pilot, lambda: screen.ready)
        await settle(pilot)
        assert shown(screen.query_one(StatusLine)) == "Samantha  ·  scripted"
        assert app.title == "Samantha"
        await pilot.press("enter")
        await settle(pilot)
        assert [m.text for m in await app.companion.history()] == ["hello", "There you are."]


async def test_a_companion_that_cannot_open_ends_the_app_with_its_sentence() -> None:
    def broken(settings: Settings, current: Companion | None) -> Companion:
        raise PersonaError("There is no persona called 'nobody': choose one of samantha.")

    app = make_app(Settings(), cursor_blink=False, open_companion=broken)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.open_error is not None)
    assert app.return_code == PersonaError.exit_code
    assert str(app.open_error).startswith("There is no persona called 'nobody'")
