"""The memory screen: browse, search, edit, forget, what she knows about you, and provenance."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, TextArea

from samantha.backends.scripted import ScriptedBackend
from samantha.memory import MemoryKind
from samantha.tui.app import SamanthaApp
from samantha.tui.screens.ask import AskModal
from samantha.tui.screens.chat import ChatScreen
from samantha.tui.screens.confirm import ConfirmModal
from samantha.tui.screens.memory import MemoryScreen
from samantha.tui.screens.message import MessageModal
from tests.conftest import collect
from tests.tui.conftest import BuildApp
from tests.tui.helpers import settle, shown, until

SIZE = (100, 30)


async def open_memory(pilot: Pilot[None], app: SamanthaApp) -> MemoryScreen:
    await pilot.press("f4")
    await until(pilot, lambda: isinstance(app.screen, MemoryScreen))
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, MemoryScreen)
    return screen


def listed(screen: MemoryScreen) -> list[str]:
    return [m.text for m in screen.items]


async def seed(app: SamanthaApp) -> None:
    await app.companion.remember("Their cat is called Miso", kind=MemoryKind.FACT, importance=4)
    await app.companion.remember("They love [b]jazz[/b]", kind=MemoryKind.PREFERENCE)


async def test_browse_search_and_what_she_knows_about_you(build_app: BuildApp) -> None:
    app = build_app()
    await seed(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_memory(pilot, app)
        assert sorted(listed(screen)) == ["Their cat is called Miso", "They love [b]jazz[/b]"]
        assert screen.query_one(OptionList).option_count == 2
        detail = shown(screen.query_one("#detail"))
        assert screen.selected is not None
        assert detail.startswith(screen.selected.text)
        screen.query_one("#search", Input).value = "jazz"
        await settle(pilot)
        assert listed(screen) == ["They love [b]jazz[/b]"]

        # What she knows about you, editable from here.
        assert "nothing yet" in shown(screen.query_one("#about"))
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, AskModal))
        app.screen.query_one(TextArea).load_text("Writes letters for a living.")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert (await app.companion.core_memory()).about_user == "Writes letters for a living."
        assert "Writes letters for a living." in shown(screen.query_one("#about"))
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)


async def test_edit_and_forget(build_app: BuildApp) -> None:
    app = build_app()
    await seed(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_memory(pilot, app)
        target = screen.selected
        assert target is not None
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, AskModal))
        app.screen.query_one(TextArea).load_text("Their cat is called Mochi")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        edited = await app.companion.memory_item(target.id)
        assert edited is not None
        assert edited.text == "Their cat is called Mochi"
        assert "Their cat is called Mochi" in listed(screen)

        before = len(screen.items)
        doomed = screen.selected
        assert doomed is not None
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert len(screen.items) == before - 1
        assert await app.companion.memory_item(doomed.id) is None


async def test_a_memory_leads_to_the_message_it_came_from(build_app: BuildApp) -> None:
    app = build_app(ScriptedBackend(replies=["Oslo!", "Rain.", "Sure."]))
    await collect(app.companion, "My sister Anna lives in Oslo")
    source_conversation = app.companion.conversation
    assert source_conversation is not None
    await app.companion.new_conversation()
    await collect(app.companion, "It is raining")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_memory(pilot, app)
        index = next(i for i, m in enumerate(screen.items) if "Anna" in m.text and m.source_ids)
        screen.query_one(OptionList).highlighted = index
        await pilot.press("f3")
        await until(pilot, lambda: isinstance(app.screen, MessageModal))
        assert "My sister Anna lives in Oslo" in shown(app.screen.query_one("#text"))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await settle(pilot)
        assert app.companion.conversation is not None
        assert app.companion.conversation.id == source_conversation.id
        assert [shown(w) for w in app.screen.query(".-found")] == ["My sister Anna lives in Oslo"]
