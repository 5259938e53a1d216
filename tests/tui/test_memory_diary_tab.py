"""The memory screen's Diary tab: her entries newest day first with the day and how her mood
moved, F2 to edit one, Delete to remove one after asking, and the mark on an entry whose
source message was forgotten."""

from __future__ import annotations

import time as systime
from collections.abc import Iterator
from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, TabbedContent, TextArea

from samantha.clock import FixedClock
from samantha.config import load_settings
from samantha.memory import MemoryKind
from samantha.tui.app import SamanthaApp
from samantha.tui.screens.ask import AskModal
from samantha.tui.screens.confirm import ConfirmModal
from samantha.tui.screens.memory import MARKED, MemoryScreen
from samantha.voice.offline import VoiceRenderer
from tests.conftest import collect
from tests.tui.conftest import BuildApp
from tests.tui.helpers import settle, shown, until

SIZE = (100, 30)
SAD_DAY = ("My grandmother died this morning.", "I feel awful and I can't stop crying.")
GOOD_DAY = ("I passed my driving test today!", "I can finally drive to the sea.")


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Her diary's days are local days: these tests live in UTC, as the clock does."""
    monkeypatch.setenv("TZ", "UTC")
    systime.tzset()
    yield
    monkeypatch.undo()
    systime.tzset()


async def two_days(app: SamanthaApp) -> None:
    """A sad day, then a good one, each written up the morning after (offline voice)."""
    clock = app.companion.clock
    assert isinstance(clock, FixedClock)
    for day in (SAD_DAY, GOOD_DAY):
        for line in day:
            await collect(app.companion, line)
            clock.advance(timedelta(minutes=5))
        clock.advance(timedelta(days=1))
        await app.companion.write_diary()


def offline_app(build_app: BuildApp) -> SamanthaApp:
    return build_app(VoiceRenderer(load_settings().backend_spec()))


async def open_diary(pilot: Pilot[None], app: SamanthaApp) -> MemoryScreen:
    await settle(pilot)
    await pilot.press("f4")
    await until(pilot, lambda: isinstance(app.screen, MemoryScreen))
    screen = app.screen
    assert isinstance(screen, MemoryScreen)
    await pilot.press("f5")
    await settle(pilot)
    assert screen.query_one(TabbedContent).active == "diary"
    return screen


def rows(screen: MemoryScreen) -> list[str]:
    """The diary list as drawn, one line per entry."""
    return [line.strip() for line in shown(screen.query_one("#diary-list")).splitlines() if line]


async def test_entries_newest_first_with_the_day_and_her_mood(build_app: BuildApp) -> None:
    app = offline_app(build_app)
    await two_days(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_diary(pilot, app)
        assert [e.day.isoformat() for e in screen.entries] == ["2026-03-03", "2026-03-02"]
        good, sad = rows(screen)
        assert good.startswith("Tue 03 Mar 2026")
        assert sad.startswith("Mon 02 Mar 2026")
        # The sad day reads sad; the good day lifted her.
        assert sad.split("  ")[1] == "sad"
        assert good.split("  ")[1] in {"happy", "excited"}
        assert MARKED not in sad + good
        # The newest is shown whole beneath, with the day and her mood named.
        box = shown(screen.query_one("#entry-box"))
        assert "Tuesday 03 March 2026" in box
        assert "driving test" in box
        # Down to the sad day: its words are shown instead.
        screen.query_one("#diary-list", OptionList).focus()
        await pilot.press("down")
        await settle(pilot)
        box = shown(screen.query_one("#entry-box"))
        assert "grandmother" in box
        assert "her mood: sad" in box
        # The memory-only keys are not offered on this tab; F5 goes back to her memories.
        assert not screen.check_action("source", ())
        assert screen.active_bindings["f5"].binding.description == "Memories"
        await pilot.press("f5")
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "memories"
        assert screen.check_action("source", ())
        assert screen.active_bindings["f5"].binding.description == "Diary"


async def test_edit_and_delete_an_entry(build_app: BuildApp) -> None:
    app = offline_app(build_app)
    await two_days(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_diary(pilot, app)
        newest = screen.selected_entry
        assert newest is not None
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, AskModal))
        assert app.screen.query_one(TextArea).text == newest.text
        app.screen.query_one(TextArea).load_text("Theo passed the driving test. I was so proud.")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        edited = await app.companion.diary_entry(newest.id)
        assert edited.text == "Theo passed the driving test. I was so proud."
        assert "I was so proud." in shown(screen.query_one("#entry-box"))
        assert "edited" in rows(screen)[0]
        # Her memory of the day says the same now.
        assert edited.memory_id is not None
        memory = await app.companion.memory_item(edited.memory_id)
        assert memory is not None
        assert memory.text.endswith("I was so proud.")

        # Delete asks first: No keeps it.
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert len(await app.companion.diary_entries()) == 2

        # Yes deletes the entry and her memory of that day.
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "Tuesday 03 March" in shown(app.screen.query_one("#question"))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert [e.day.isoformat() for e in await app.companion.diary_entries()] == ["2026-03-02"]
        assert [e.day.isoformat() for e in screen.entries] == ["2026-03-02"]
        assert len(rows(screen)) == 1
        assert await app.companion.memory_item(edited.memory_id) is None
        assert edited.memory_id not in {m.id for m in screen.items}


async def test_an_entry_whose_message_was_forgotten_is_marked(build_app: BuildApp) -> None:
    app = offline_app(build_app)
    await two_days(app)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_diary(pilot, app)
        assert all(MARKED not in row for row in rows(screen))
        # On the memories tab, forget the fact the sad day's first message taught her: that
        # message is withheld from then on, and the entry that drew on it is marked.
        await pilot.press("f5")
        await settle(pilot)
        index = next(
            i
            for i, m in enumerate(screen.items)
            if m.kind is MemoryKind.FACT and "grandmother" in m.text
        )
        screen.query_one("#list", OptionList).highlighted = index
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        good, sad = rows(screen)
        assert MARKED in sad
        assert MARKED not in good
        mark = screen.query_one("#entry-mark")
        assert not mark.display  # the newest entry's sources are all there
        await pilot.press("down")
        await settle(pilot)
        assert mark.display
        assert MARKED in shown(screen.query_one("#entry-box"))
