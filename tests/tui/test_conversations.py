"""The conversations screen and long conversations: list, resume, new, rename, delete, search;
the recent end of a long conversation first, older messages as the reader scrolls up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, OptionList

from samantha.backends.scripted import ScriptedBackend
from samantha.domain.conversation import Role
from samantha.engine import Companion
from samantha.store import Store
from samantha.tui.app import SamanthaApp
from samantha.tui.screens.ask import AskModal
from samantha.tui.screens.chat import EARLIER, RECENT, ChatScreen
from samantha.tui.screens.confirm import ConfirmModal
from samantha.tui.screens.conversations import ConversationsScreen
from samantha.tui.widgets.transcript import EarlierNote, Greeting, Transcript, UserMessage
from tests.conftest import START, collect
from tests.tui.conftest import BuildApp
from tests.tui.helpers import settle, shown, until

SIZE = (100, 30)


def transcript_texts(app: SamanthaApp) -> list[str]:
    return [shown(w) for w in app.screen.query_one(Transcript).messages]


async def two_conversations(companion: Companion) -> tuple[int, int]:
    await collect(companion, "My sister Anna lives in Oslo")
    first = companion.conversation
    assert first is not None
    await companion.new_conversation()
    await collect(companion, "What a rainy day")
    second = companion.conversation
    assert second is not None
    return first.id, second.id


def options(screen: Screen[Any]) -> list[str]:
    listing = screen.query_one(OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def open_list(pilot: Pilot[None], app: SamanthaApp) -> ConversationsScreen:
    await pilot.press("f3")
    await until(pilot, lambda: isinstance(app.screen, ConversationsScreen))
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, ConversationsScreen)
    return screen


async def test_resume_another_conversation(build_app: BuildApp) -> None:
    app = build_app(ScriptedBackend(replies=["Oslo!", "Rain is cozy."]))
    first, _ = await two_conversations(app.companion)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert transcript_texts(app) == ["What a rainy day", "Rain is cozy."]
        screen = await open_list(pilot, app)
        listed = options(screen)
        assert len(listed) == 2
        assert "(open)" in listed[0]
        assert "Rain is cozy." in listed[0]
        assert "2 messages" in listed[1]
        await pilot.press("down", "enter")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await settle(pilot)
        assert app.companion.conversation is not None
        assert app.companion.conversation.id == first
        assert transcript_texts(app) == ["My sister Anna lives in Oslo", "Oslo!"]


async def test_start_a_new_conversation_from_the_list(build_app: BuildApp) -> None:
    app = build_app(ScriptedBackend(replies=["Oslo!", "Rain is cozy."]))
    await two_conversations(app.companion)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_list(pilot, app)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await settle(pilot)
        assert app.screen.query(Greeting)
        assert await app.companion.history() == []
        assert len(await app.companion.list_conversations()) == 3


async def test_rename_a_conversation(build_app: BuildApp) -> None:
    app = build_app(ScriptedBackend(replies=["Oslo!", "Rain is cozy."]))
    await two_conversations(app.companion)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_list(pilot, app)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, AskModal))
        app.screen.query_one(Input).value = "Rainy [b]Tuesday[/b]"
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert options(screen)[0].startswith("Rainy [b]Tuesday[/b]  (open)")
        talks = await app.companion.list_conversations()
        assert talks[0].conversation.title == "Rainy [b]Tuesday[/b]"


async def test_delete_asks_first_and_the_chat_moves_on_when_the_open_one_goes(
    build_app: BuildApp,
) -> None:
    app = build_app(ScriptedBackend(replies=["Oslo!", "Rain is cozy."]))
    first, _ = await two_conversations(app.companion)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_list(pilot, app)
        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        assert len(options(screen)) == 2

        await pilot.press("delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)
        assert len(options(screen)) == 1
        assert [t.conversation.id for t in await app.companion.list_conversations()] == [first]

        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await settle(pilot)
        assert app.companion.conversation is not None
        assert app.companion.conversation.id == first
        assert transcript_texts(app) == ["My sister Anna lives in Oslo", "Oslo!"]


async def test_search_finds_a_message_and_opens_it_in_place(build_app: BuildApp) -> None:
    app = build_app(ScriptedBackend(replies=["Oslo!", "Rain is cozy."]))
    first, _ = await two_conversations(app.companion)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_list(pilot, app)
        await pilot.press("ctrl+f", *"sister")
        await settle(pilot)
        found = options(screen)
        assert len(found) >= 1
        assert "you: My sister Anna lives in Oslo" in found[0]
        await pilot.press("enter", "enter")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await settle(pilot)
        assert app.companion.conversation is not None
        assert app.companion.conversation.id == first
        marked = app.screen.query(".-found")
        assert [shown(w) for w in marked] == ["My sister Anna lives in Oslo"]


def fill(companion: Companion, count: int) -> None:
    """A long conversation, written straight to the database in one transaction."""

    def write(s: Store) -> None:
        conversation = s.conversations.create(companion.persona.key, START, "long")
        for n in range(count):
            role = Role.USER if n % 2 == 0 else Role.ASSISTANT
            at = START + timedelta(seconds=n)
            s.conversations.add_message(conversation.id, role, role.value, f"message {n}", at)

    companion.store.run_sync(write, write=True)


async def test_a_long_conversation_opens_at_its_end_and_loads_older_on_scroll_up(
    build_app: BuildApp,
) -> None:
    app = build_app()
    fill(app.companion, 10_000)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        transcript = app.screen.query_one(Transcript)
        assert len(transcript.messages) == RECENT
        assert shown(transcript.messages[-1]) == "message 9999"
        assert transcript.scroll_y == transcript.max_scroll_y > 0
        assert transcript.query(EarlierNote)

        transcript.scroll_home(animate=False)
        await until(pilot, lambda: len(transcript.messages) == RECENT + EARLIER)
        await settle(pilot)
        first = transcript.messages[0]
        assert isinstance(first, UserMessage)
        assert first.text == f"message {10_000 - RECENT - EARLIER}"
        # The reader stays where they were: the message that was at the top still is.
        top = transcript.messages[EARLIER]
        assert shown(top) == f"message {10_000 - RECENT}"
        assert top.region.y >= transcript.content_region.y
        assert transcript.scroll_y > 0


def row_background(screen: Screen[Any], y: int) -> tuple[int, int, int]:
    """The background colour drawn in the list's first column of content on screen row y."""
    listing = screen.query_one(OptionList)
    strip = screen.app.screen._compositor.render_strips()[y]
    x = listing.content_region.x + 1
    cell = strip.crop(x, x + 1)
    style = next(iter(cell)).style
    assert style is not None
    assert style.bgcolor is not None
    return style.bgcolor.get_truecolor()


async def test_the_search_box_has_the_keys_and_the_hit_stands_out(build_app: BuildApp) -> None:
    app = build_app(ScriptedBackend(replies=["Oslo!", "Rain is cozy."]))
    first, _ = await two_conversations(app.companion)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_list(pilot, app)
        # No Ctrl+F: letters typed on open go to the search.
        await pilot.press(*"oslo")
        await settle(pilot)
        assert screen.query_one("#search", Input).value == "oslo"
        hits = options(screen)
        assert len(hits) == 2
        assert all("oslo" in hit.lower() for hit in hits)
        # The highlighted hit is drawn with the full cursor, far from an ordinary line.
        listing = screen.query_one(OptionList)
        top = listing.content_region.y
        lit, plain = row_background(screen, top), row_background(screen, top + 2)
        distance = sum((a - b) ** 2 for a, b in zip(lit, plain, strict=True)) ** 0.5
        assert distance > 80, (lit, plain)
        # Arrows walk the list from the search box; Delete on an empty search deletes.
        await pilot.press("down")
        assert listing.highlighted == 1
        await pilot.press("up")
        assert listing.highlighted == 0
        # Enter in the search box opens the highlighted hit.
        await pilot.press("ctrl+u", *"sister", "enter")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await settle(pilot)
        assert app.companion.conversation is not None
        assert app.companion.conversation.id == first
        assert [shown(w) for w in app.screen.query(".-found")] == ["My sister Anna lives in Oslo"]
