"""The keepsakes screen: /write streams a piece she makes into it, F3 revises it as a new
version, Tab shows her diary, /diary writes today's entry, Delete asks first."""

from __future__ import annotations

from textual.widgets import Input, OptionList

from samantha.config import load_settings
from samantha.tui.screens.ask import AskModal
from samantha.tui.screens.chat import ChatScreen
from samantha.tui.screens.confirm import ConfirmModal
from samantha.tui.screens.keepsakes import KeepsakesScreen
from samantha.voice.offline import VoiceRenderer
from tests.conftest import collect
from tests.tui.conftest import BuildApp
from tests.tui.helpers import send, settle, shown, until

SIZE = (100, 34)


async def test_write_revise_diary_and_delete(build_app: BuildApp) -> None:
    app = build_app(VoiceRenderer(load_settings().backend_spec()))
    await collect(app.companion, "My sister Mira is getting married in June.")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "/write a letter to my sister for her wedding")
        await until(pilot, lambda: isinstance(app.screen, KeepsakesScreen))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, KeepsakesScreen)
        assert screen.text.startswith("Dear Mira,")
        assert "June" in screen.text
        assert [k.form for k in screen.pieces] == ["letter"]
        assert "My sister Mira is getting married in June." in shown(screen.query_one("#sources"))
        first = screen.text

        # F3: a new version, the old one kept.
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, AskModal))
        app.screen.query_one(Input).value = "make it shorter"
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert [k.version for k in screen.pieces] == [2]
        assert len(screen.text) < len(first)
        versions = await app.companion.keepsake_versions(screen.pieces[0].id)
        assert [v.text for v in versions] == [first, screen.text]

        # Tab: her diary (nothing yet, the day is not over).
        await pilot.press("tab")
        await settle(pilot)
        assert screen.diary
        assert screen.query_one(OptionList).option_count == 0
        await pilot.press("tab")
        await settle(pilot)

        # Delete asks first.
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert await app.companion.keepsakes() == []

        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)

        # /diary: today's entry, written now.
        await send(pilot, "/diary")
        await until(pilot, lambda: isinstance(app.screen, KeepsakesScreen))
        await settle(pilot)
        diary = app.screen
        assert isinstance(diary, KeepsakesScreen)
        assert diary.diary
        assert len(diary.entries) == 1
        assert "Mira" in diary.text


async def test_the_open_chat_shows_her_speaking_first(build_app: BuildApp) -> None:
    from datetime import timedelta

    from samantha.clock import FixedClock
    from samantha.tui.widgets.transcript import Transcript

    app = build_app(VoiceRenderer(load_settings().backend_spec()), nudge=True)
    await collect(app.companion, "My job interview is tomorrow.")
    clock = app.companion.clock
    assert isinstance(clock, FixedClock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat = app.screen
        assert isinstance(chat, ChatScreen)
        before = len(chat.query_one(Transcript).messages)
        chat.nudge()  # what the chat's timer does every minute
        await settle(pilot)
        assert len(chat.query_one(Transcript).messages) == before  # not quiet long enough
        clock.advance(timedelta(hours=2))
        chat.nudge()
        await settle(pilot)
        history = await app.companion.history()
        assert "interview" in history[-1].text
        assert len(chat.query_one(Transcript).messages) == before + 1


async def test_the_first_quiet_minute_writes_her_diary_for_the_days_since(
    build_app: BuildApp,
) -> None:
    from datetime import timedelta

    from samantha.clock import FixedClock

    app = build_app(VoiceRenderer(load_settings().backend_spec()))
    await collect(app.companion, "My grandmother died this morning.")
    clock = app.companion.clock
    assert isinstance(clock, FixedClock)
    clock.advance(timedelta(days=1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat = app.screen
        assert isinstance(chat, ChatScreen)
        assert await app.companion.diary_entries() == []  # not at once: the chat comes first
        chat.nudge()  # the chat's first tick
        await settle(pilot)
        (entry,) = await app.companion.diary_entries()
        assert "grandmother" in entry.text
        chat.nudge()
        await settle(pilot)
        assert len(await app.companion.diary_entries()) == 1
