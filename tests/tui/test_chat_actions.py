"""Regenerate, edit-and-resend, copy, slash commands and the palette, on the real engine."""

from __future__ import annotations

import re

from textual.command import CommandList, CommandPalette

from samantha.backends.scripted import ScriptedBackend
from samantha.domain.conversation import Role
from samantha.memory import MemoryKind
from samantha.tui.screens.chat import ChatScreen
from samantha.tui.screens.confirm import ConfirmModal
from samantha.tui.screens.context import ContextModal
from samantha.tui.screens.help import HelpModal
from samantha.tui.widgets.prompt_input import PromptInput
from samantha.tui.widgets.state_panel import StatePanel
from samantha.tui.widgets.transcript import Transcript
from tests.tui.conftest import BuildApp
from tests.tui.helpers import notes, send, settle, shown, until

SIZE = (100, 30)


def words(text: str) -> str:
    """Text with its wrapping undone, for phrases a narrow panel breaks over lines."""
    return " ".join(text.split())


def said(app: ChatScreen | object) -> list[str]:
    assert isinstance(app, ChatScreen)
    return [shown(w) for w in app.query_one(Transcript).messages]


async def test_ctrl_r_asks_for_the_last_reply_again(build_app: BuildApp) -> None:
    backend = ScriptedBackend(replies=["First try.", "Second try."])
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "hello")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert said(app.screen)[-2:] == ["hello", "Second try."]
        history = await app.companion.history()
        assert [m.text for m in history] == ["hello", "Second try."]


async def test_ctrl_l_edits_the_last_message_and_sends_it_again(build_app: BuildApp) -> None:
    backend = ScriptedBackend(
        replies=["Nice to meet you, Teo.", "Sorry! Theo, then.", "Theodore, even better."]
    )
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "I'm Teo")
        # Esc cancels an edit and leaves the input empty.
        await pilot.press("ctrl+l", "escape")
        assert app.screen.query_one(PromptInput).text == ""
        assert app.screen.query_one(PromptInput).border_title is None
        await pilot.press("ctrl+l")
        prompt = app.screen.query_one(PromptInput)
        assert prompt.text == "I'm Teo"
        assert prompt.border_title == "editing your last message · Esc cancels"
        await send(pilot, "I'm Theo")
        assert said(app.screen)[-2:] == ["I'm Theo", "Sorry! Theo, then."]
        assert prompt.border_title is None
        history = await app.companion.history()
        assert [m.text for m in history] == ["I'm Theo", "Sorry! Theo, then."]
        # /edit with words resends at once.
        await send(pilot, "/edit I'm Theodore")
        assert said(app.screen)[-2:] == ["I'm Theodore", "Theodore, even better."]


async def test_ctrl_l_answers_the_edited_words_not_the_old_ones(build_app: BuildApp) -> None:
    backend = ScriptedBackend(replies=["Nice to meet you, Teo.", "Sorry! Theo, then."])
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "I'm Teo")
        await pilot.press("ctrl+l")
        await send(pilot, "I'm Theo")
        asked = backend.requests[-1].messages
        assert asked[-1].content == "I'm Theo"
        assert all("Teo" not in m.content.replace("Theo", "") for m in asked[1:])


async def test_ctrl_o_copies_her_last_reply_whole(build_app: BuildApp) -> None:
    reply = "Here is **the** plan:\n\n1. rest\n2. [b]eat[/b]"
    app = build_app(ScriptedBackend(replies=[reply]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "plan?")
        await pilot.press("ctrl+o")
        assert app.clipboard == reply
        assert notes(app)[-1] == f"Copied her last reply ({len(reply)} characters)."


async def test_a_double_slash_sends_a_line_that_starts_with_a_slash(build_app: BuildApp) -> None:
    backend = ScriptedBackend(replies=["A path!"])
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "//usr/bin is where it lives")
        assert said(app.screen)[-2] == "/usr/bin is where it lives"


async def test_help_lists_keys_and_commands(build_app: BuildApp) -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "/help")
        assert isinstance(app.screen, HelpModal)
        text = shown(app.screen.query_one("Static"))
        assert "/forget [text]" in text
        assert "Ctrl+R" in text
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)


async def test_the_palette_offers_every_chat_action(build_app: BuildApp) -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Her state", "Conversations", "Memories", "Regenerate", "Export"} <= titles
        assert not app.screen.query(StatePanel)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"her state")
        await until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(StatePanel).display


async def test_the_panel_shows_her_state_what_came_to_mind_and_the_context(
    build_app: BuildApp,
) -> None:
    app = build_app(ScriptedBackend(replies=["Anna! How is she?"]))
    await app.companion.remember("Their sister is called Anna", kind=MemoryKind.PERSON)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "/mood")
        panel = app.screen.query_one(StatePanel)
        assert panel.display
        assert "Nothing recalled yet this session." in words(shown(panel))
        await send(pilot, "I had lunch with my sister Anna, I love her so much")
        text = words(shown(panel))
        state = await app.companion.inner_state()
        assert f"mood: {state.mood.label}" in text
        assert f"stage: {state.stage}" in text
        assert "• Their sister is called Anna" in text
        assert re.search(
            r"context █+─+ +\d+% [\d,]+ / [\d,]+ tokens \((exact|approx\.|estimate)\)", text
        )
        assert "strained: no" in text
        await send(pilot, "/mood")
        assert not panel.display


async def test_context_shows_the_prompt_sections(build_app: BuildApp) -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await send(pilot, "/context how are you")
        await until(pilot, lambda: isinstance(app.screen, ContextModal))
        modal = app.screen
        assert isinstance(modal, ContextModal)
        assert modal.prompt.sections
        first = modal.prompt.sections[0]
        assert f"{first.name} · {first.tokens:,} tokens" in shown(modal.query_one(".section"))


async def test_forget_with_words_asks_then_forgets(build_app: BuildApp) -> None:
    app = build_app()
    memory = await app.companion.remember("Their cat is called Miso", kind=MemoryKind.FACT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        prompt = app.screen.query_one(PromptInput)
        prompt.load_text("/forget Miso")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await settle(pilot)
        assert await app.companion.memory_item(memory.id) is None
        assert notes(app)[-1] == "Forgotten."
        await send(pilot, "/forget Miso")
        assert notes(app)[-1] == "She doesn't remember anything matching “Miso”."


async def test_persona_switches_companion_and_backend_checks_the_name(
    build_app: BuildApp,
) -> None:
    app = build_app(ScriptedBackend(replies=["Hello. I'm Alan.", "Alan here."]))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await send(pilot, "/backend nosuch")
        assert notes(app)[-1].startswith("There is no backend called 'nosuch'")
        await send(pilot, "/persona nobody")
        await settle(pilot)
        assert notes(app)[-1].startswith("There is no persona called 'nobody'")
        assert app.companion.persona.name == "Samantha"
        await send(pilot, "/persona alan")
        await until(pilot, lambda: app.companion.persona.name == "Alan")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await settle(pilot)
        assert app.title == "Alan"
        assert shown(app.screen.query_one("#name")) == "Alan"
        # A new companion introduces herself.
        assert said(app.screen) == ["Hello. I'm Alan."]
        await send(pilot, "hi Alan")
        assert said(app.screen)[-2:] == ["hi Alan", "Alan here."]
        history = await app.companion.history()
        assert [(m.role, m.speaker) for m in history][-1] == (Role.ASSISTANT, "Alan")


async def test_one_line_answers(build_app: BuildApp) -> None:
    """Commands that have nothing to do, or that are not commands, answer in one line."""
    backend = ScriptedBackend(replies=["never"])
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await send(pilot, "/mod")
        await send(pilot, "/zzz now")
        await send(pilot, "/export")
        said_so_far = notes(app)
        assert said_so_far[:3] == [
            "There is no reply to regenerate yet: say something first.",
            "There is no /mod command. Did you mean /mood? Type /help for the list.",
            "There is no /zzz command. Type /help for the list.",
        ]
        assert "samantha export" in said_so_far[3]
        assert backend.requests == []
        assert app.screen.query_one(PromptInput).text == ""
