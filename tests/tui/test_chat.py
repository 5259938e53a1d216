"""The chat screen driven through the keyboard, on the real engine and database."""

from __future__ import annotations

from textual import events
from textual.widgets._toast import Toast

from samantha.backends.scripted import ScriptedBackend
from samantha.config import Paths
from samantha.domain.conversation import MessageStatus, Role
from samantha.errors import BackendUnreachable
from samantha.store import Store
from samantha.tui.app import SamanthaApp
from samantha.tui.screens.chat import BROKE_OFF, NO_REPLY
from samantha.tui.widgets.prompt_input import PromptInput
from samantha.tui.widgets.status_line import StatusLine
from samantha.tui.widgets.transcript import (
    QUEUED,
    Greeting,
    ReplyMessage,
    Transcript,
    UserMessage,
)
from tests.conftest import MakeCompanion, collect
from tests.tui.conftest import BuildApp
from tests.tui.helpers import GatedBackend, screen_text, settle, shown, until

SIZE = (100, 30)
FIRST_GREETING = "Hi! I'm Samantha. It's really nice to meet you."
RETURNING_GREETING = "Hey, you. I was hoping you'd come back."


async def test_history_loads_on_mount(build_app: BuildApp) -> None:
    backend = ScriptedBackend(replies=["Morning! Did you sleep?", "Ha, same."])
    app = build_app(backend)
    await collect(app.companion, "Good morning")
    await collect(app.companion, "Barely")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        transcript = app.screen.query_one(Transcript)
        assert [shown(w) for w in transcript.children] == [
            "Good morning",
            "Morning! Did you sleep?",
            "Barely",
            "Ha, same.",
        ]
        assert not app.screen.query(Greeting), "a conversation with history needs no greeting"


async def test_an_empty_first_conversation_is_greeted_but_the_greeting_is_not_stored(
    build_app: BuildApp,
) -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        greeting = app.screen.query_one(Greeting)
        assert shown(greeting) == f"{FIRST_GREETING}"
        assert await app.companion.history() == []


async def test_enter_sends_and_the_reply_is_shown_and_stored(build_app: BuildApp) -> None:
    backend = ScriptedBackend(replies=["Tuesdays are underrated, honestly."])
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"Hi, it's Tuesday", "enter")
        await settle(pilot)

        assert shown(app.screen.query_one(UserMessage)) == "Hi, it's Tuesday"
        reply = app.screen.query(ReplyMessage).last()
        assert shown(reply) == "Tuesdays are underrated, honestly."
        assert app.screen.query_one(PromptInput).text == ""
        assert backend.requests[-1].messages[-1].content == "Hi, it's Tuesday"
        history = await app.companion.history()
        assert [(m.role, m.text, m.status) for m in history] == [
            (Role.USER, "Hi, it's Tuesday", MessageStatus.COMPLETE),
            (Role.ASSISTANT, "Tuesdays are underrated, honestly.", MessageStatus.COMPLETE),
        ]


async def test_blank_input_is_not_sent(build_app: BuildApp) -> None:
    backend = ScriptedBackend(replies=["never"])
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "enter")
        await settle(pilot)
        assert backend.requests == []
        assert not app.screen.query(UserMessage)


async def test_ctrl_j_inserts_a_newline_instead_of_sending(build_app: BuildApp) -> None:
    backend = ScriptedBackend(replies=["Two lines, nice."])
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o", "n", "e", "ctrl+j", "t", "w", "o")
        await settle(pilot)
        assert app.screen.query_one(PromptInput).text == "one\ntwo"
        assert backend.requests == []
        assert not app.screen.query(UserMessage)

        await pilot.press("enter")
        await settle(pilot)
        assert shown(app.screen.query_one(UserMessage)) == "one\ntwo"
        history = await app.companion.history()
        assert history[0].text == "one\ntwo"


async def test_esc_stops_a_slow_reply_and_the_part_that_arrived_is_kept(
    build_app: BuildApp,
) -> None:
    words = " ".join(f"word{n}" for n in range(200))
    backend = GatedBackend(replies=[words])
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"talk to me", "enter")
        await backend.allow(3)
        await pilot.pause()
        status = app.screen.query_one(StatusLine)
        assert "replying…" in shown(status)

        await pilot.press("escape")
        await settle(pilot)

        reply = app.screen.query(ReplyMessage).last()
        assert shown(reply) == "word0 word1 word2\n(stopped)"
        assert reply.has_class("-interrupted")
        assert "replying…" not in shown(status)
        history = await app.companion.history()
        assert [(m.role, m.text, m.status) for m in history] == [
            (Role.USER, "talk to me", MessageStatus.COMPLETE),
            (Role.ASSISTANT, "word0 word1 word2 ", MessageStatus.INTERRUPTED),
        ]
        assert backend.sent == 3


async def test_enter_while_she_is_replying_queues_the_message_and_sends_it_after(
    build_app: BuildApp,
) -> None:
    backend = GatedBackend(replies=["one two three four", "Waiting.", "Third."])
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"first", "enter")
        await backend.allow(1)
        await pilot.press(*"wait", "enter")
        await pilot.pause()
        # Out of the input (so what is typed next is a message of its own), shown as queued.
        prompt = app.screen.query_one(PromptInput)
        assert prompt.text == ""
        queued = app.screen.query(UserMessage).last()
        assert shown(queued) == f"wait\n{QUEUED}"
        await pilot.press(*"and", "enter")
        await pilot.pause()
        assert [shown(w) for w in app.screen.query(UserMessage)][-2:] == [
            f"wait\n{QUEUED}",
            f"and\n{QUEUED}",
        ]
        assert len(backend.requests) == 1
        await backend.allow_all()
        await until(pilot, lambda: len(backend.requests) == 3 and not app.screen.replying)
        await settle(pilot)
        assert [m.content for m in backend.requests[1].messages][-1] == "wait"
        assert [m.content for m in backend.requests[2].messages][-1] == "and"
        transcript = app.screen.query_one(Transcript)
        assert [shown(w) for w in transcript.messages][-6:] == [
            "first",
            "one two three four",
            "wait",
            "Waiting.",
            "and",
            "Third.",
        ]
        history = await app.companion.history()
        assert [m.text for m in history] == [
            "first",
            "one two three four",
            "wait",
            "Waiting.",
            "and",
            "Third.",
        ]


async def test_a_backend_error_shows_its_sentence_and_the_user_message_is_kept(
    build_app: BuildApp,
) -> None:
    backend = ScriptedBackend(replies=[BackendUnreachable("Cannot reach X: start it.")])
    app = build_app(backend)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press(*"are you there?", "enter")
        await settle(pilot)

        notes = list(app._notifications)
        assert [(n.message, n.severity) for n in notes] == [("Cannot reach X: start it.", "error")]
        assert [shown(toast) for toast in app.screen.query(Toast)] == ["Cannot reach X: start it."]
        reply = app.screen.query(ReplyMessage).last()
        assert shown(reply) == f"{NO_REPLY}\nCannot reach X: start it."
        assert reply.has_class("-failed")
        history = await app.companion.history()
        assert [(m.role, m.text) for m in history] == [(Role.USER, "are you there?")]


async def test_an_error_sentence_is_shown_literally_not_as_markup(build_app: BuildApp) -> None:
    sentence = "Server said [bold]no[/bold] \x1b[31m: check it."
    backend = ScriptedBackend(replies=[BackendUnreachable(sentence)])
    app = build_app(backend)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("h", "i", "enter")
        await settle(pilot)
        expected = "Server said [bold]no[/bold] ␛[31m: check it."
        assert [n.message for n in app._notifications] == [expected]
        assert [shown(toast) for toast in app.screen.query(Toast)] == [expected]


async def test_a_reply_cut_off_midway_keeps_what_arrived(build_app: BuildApp) -> None:
    backend = ScriptedBackend(replies=["I was saying something long"])
    backend.fail_after = 3
    backend.fail_with = BackendUnreachable("Cannot reach X: start it.")
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g", "o", "enter")
        await settle(pilot)
        reply = app.screen.query(ReplyMessage).last()
        assert shown(reply) == f"I was saying\n{BROKE_OFF}\nCannot reach X: start it."
        history = await app.companion.history()
        assert [(m.text, m.status) for m in history] == [
            ("go", MessageStatus.COMPLETE),
            ("I was saying ", MessageStatus.INTERRUPTED),
        ]


async def test_markup_and_escape_sequences_in_a_reply_are_shown_as_text(
    build_app: BuildApp,
) -> None:
    hostile = "Look [bold red]x[/] and \x1b[31mred\x1b[0m then\x1b[2J bell\x07 and\rend"
    backend = ScriptedBackend(replies=[hostile])
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"[i]mine[/i]", "enter")
        await settle(pilot)

        assert shown(app.screen.query_one(UserMessage)) == "[i]mine[/i]"
        text = shown(app.screen.query(ReplyMessage).last())
        assert text == "Look [bold red]x[/] and ␛[31mred␛[0m then␛[2J bell␇ and␍end"
        assert "\x1b" not in screen_text(app)
        history = await app.companion.history()
        assert history[-1].text == hostile, "the database keeps the reply byte for byte"


async def test_a_megabyte_paste_is_sent_stored_whole_and_shown_collapsed(
    build_app: BuildApp,
) -> None:
    line = "all work and no play makes jack a dull boy " * 20 + "\n"
    paste = (line * (1_000_000 // len(line) + 1))[:1_000_000]
    backend = ScriptedBackend(replies=["That is a lot of Jack."])
    app = build_app(backend)
    # Tall enough that the collapsed message fits on screen whole.
    async with app.run_test(size=(100, 90)) as pilot:
        await settle(pilot)
        # Posted to the app, as the driver does: it forwards the paste to the focused input.
        app.post_message(events.Paste(paste))
        await pilot.pause()
        assert app.screen.query_one(PromptInput).text == paste
        await pilot.press("enter")
        await settle(pilot)

        history = await app.companion.history()
        assert [m.role for m in history] == [Role.USER, Role.ASSISTANT]
        assert history[0].text == paste
        lines = shown(app.screen.query_one(UserMessage)).splitlines()
        assert lines[0].startswith("all work and no play")
        assert lines[-1] == "… (996,000 more characters, stored in full)"
        assert len(lines) < 70, "a huge paste must not flood the transcript"


async def test_ctrl_n_starts_a_new_conversation_and_clears_the_transcript(
    build_app: BuildApp,
) -> None:
    backend = ScriptedBackend(replies=["Hello you."])
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("h", "i", "enter")
        await settle(pilot)
        old = app.companion.conversation
        assert old is not None

        await pilot.press("ctrl+n")
        await settle(pilot)

        new = app.companion.conversation
        assert new is not None
        assert new.id != old.id
        transcript = app.screen.query_one(Transcript)
        assert [type(w) for w in transcript.children] == [Greeting]
        assert shown(transcript.children[0]) == f"{RETURNING_GREETING}"
        assert await app.companion.history() == []
        kept = await app.companion.store.run(lambda s: s.conversations.recent_messages(old.id, 10))
        assert [m.text for m in kept] == ["hi", "Hello you."]
        assert app.screen.query_one(PromptInput).has_focus


async def test_ctrl_n_during_a_reply_stops_it_and_saves_it_to_the_old_conversation(
    build_app: BuildApp,
) -> None:
    backend = GatedBackend(replies=["one two three four five"])
    app = build_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("h", "i", "enter")
        await backend.allow(2)
        old = app.companion.conversation
        assert old is not None

        await pilot.press("ctrl+n")
        await settle(pilot)

        assert [type(w) for w in app.screen.query_one(Transcript).children] == [Greeting]
        kept = await app.companion.store.run(lambda s: s.conversations.recent_messages(old.id, 10))
        assert [(m.text, m.status) for m in kept] == [
            ("hi", MessageStatus.COMPLETE),
            ("one two ", MessageStatus.INTERRUPTED),
        ]
        assert await app.companion.history() == []


async def test_quitting_during_a_reply_keeps_the_part_that_arrived(
    make_companion: MakeCompanion,
) -> None:
    backend = GatedBackend(replies=["one two three four five"])
    # The app as `samantha chat` builds it: it owns the companion and closes the database.
    app = SamanthaApp(make_companion(backend), cursor_blink=False, onboarding=False, greet=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("h", "i", "enter")
        await backend.allow(2)
        conversation = app.companion.conversation
        assert conversation is not None
        await pilot.press("ctrl+q")
    assert app.return_code == 0
    with Store.open(Paths.from_env().db_path) as store:
        kept = store.run_sync(lambda s: s.conversations.recent_messages(conversation.id, 10))
    assert [(m.text, m.status) for m in kept] == [
        ("hi", MessageStatus.COMPLETE),
        ("one two ", MessageStatus.INTERRUPTED),
    ]
