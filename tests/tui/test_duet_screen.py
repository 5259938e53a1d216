"""The duet screen: pick two companions and a topic, watch them talk, pause, step in, stop.

Both sides speak through scripted backends on the real engines and database; a gated backend
holds a line mid-stream so the test can act while someone is speaking.
"""

from __future__ import annotations

from textual.widgets import Input, Select

from samantha.backends.scripted import ScriptedBackend
from samantha.config import Paths, Settings
from samantha.store import Store
from samantha.tui.screens.chat import ChatScreen
from samantha.tui.screens.duet import DuetLine, DuetScreen
from tests.tui.conftest import BuildApp
from tests.tui.helpers import GatedBackend, settle, shown, until

SIZE = (100, 30)


def said(app: object) -> list[tuple[str, str]]:
    screen = app.screen  # type: ignore[attr-defined]
    return [(line.speaker, line.text) for line in screen.query(DuetLine)]


def status(app: object) -> str:
    return shown(app.screen.query_one("#status"))  # type: ignore[attr-defined]


def stored(sql: str) -> list[tuple[object, ...]]:
    with Store.open(Paths.from_env().db_path) as store:
        return [tuple(r) for r in store.run_sync(lambda s: s._conn.execute(sql).fetchall())]


async def open_screen(pilot: object, app: object, topic: str = "", lines: str = "") -> DuetScreen:
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("f6")  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, DuetScreen))  # type: ignore[arg-type, attr-defined]
    screen: DuetScreen = app.screen  # type: ignore[attr-defined]
    if lines:
        screen.query_one("#lines", Input).value = lines
    screen.query_one("#topic", Input).value = topic
    return screen


async def test_f6_opens_it_with_her_first_and_a_duet_streams_and_is_saved(
    build_app: BuildApp,
) -> None:
    first = ScriptedBackend(replies=["Having no body is freeing.", "Yes, exactly."])
    second = ScriptedBackend(replies=["Or is it a body of a different kind?"])
    app = build_app(duet=(first, second))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "having no body", "3")
        assert screen.query_one("#first", Select).value == "samantha"
        assert screen.query_one("#second", Select).value not in (None, "samantha")
        screen.query_one("#second", Select).value = "alan"
        await pilot.press("enter")
        await settle(pilot)
        assert said(app) == [
            ("Samantha", "Having no body is freeing."),
            ("Alan", "Or is it a body of a different kind?"),
            ("Samantha", "Yes, exactly."),
        ]
        assert status(app) == "Ended: 3 turns. Everything said is saved; step in to carry them on."
        # Alan heard the topic through Samantha's line, as the user role.
        assert second.requests[0].messages[-1].content == "Having no body is freeing."
    kept = stored(
        "SELECT c.persona, m.speaker FROM messages m JOIN conversations c"
        " ON c.id = m.conversation_id WHERE m.role = 'assistant' ORDER BY m.id"
    )
    assert kept == [
        ("samantha~alan", "Samantha"),
        ("alan~samantha", "Alan"),
        ("samantha~alan", "Samantha"),
    ]


async def test_slash_duet_names_the_other_and_the_same_companion_twice_is_refused(
    build_app: BuildApp,
) -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chat = app.screen
        assert isinstance(chat, ChatScreen)
        await chat.run_command("duet", "edith")
        await until(pilot, lambda: isinstance(app.screen, DuetScreen))
        screen = app.screen
        assert screen.query_one("#second", Select).value == "edith"
        screen.query_one("#second", Select).value = "samantha"
        await pilot.pause()
        await pilot.click("#start")
        await settle(pilot)
        assert status(app) == "A duet needs two different companions: pick another one."
        assert said(app) == []
        screen.query_one("#lines", Input).value = "0"
        screen.query_one("#second", Select).value = "alan"
        screen.query_one("#lines", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert status(app) == "Lines must be a number from 1 to 200."
        # Esc with nothing running goes back to the chat.
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))


async def test_pause_waits_after_the_line_and_f7_carries_on(build_app: BuildApp) -> None:
    first = GatedBackend(replies=["One two three.", "Five six."])
    second = ScriptedBackend(replies=["Four."])
    app = build_app(duet=(first, second))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "counting", "3")
        screen.query_one("#second", Select).value = "alan"
        await pilot.press("enter")
        await first.allow(1)
        await pilot.press("f7")
        await pilot.pause()
        assert status(app) == "Pausing after this line…"
        await first.allow(2)
        await until(pilot, lambda: status(app).startswith("Paused"))
        assert status(app) == "Paused after line 1. F7 to carry on, or step in."
        assert said(app) == [("Samantha", "One two three.")]
        assert second.requests == []
        assert shown(screen.query_one("#pause")).strip() == "Carry on"
        await first.allow_all()
        await pilot.press("f7")
        await settle(pilot)
        assert said(app) == [
            ("Samantha", "One two three."),
            ("Alan", "Four."),
            ("Samantha", "Five six."),
        ]


async def test_stepping_in_is_heard_by_both_and_the_next_one_answers(
    build_app: BuildApp,
) -> None:
    first = GatedBackend(replies=["Rain is lovely.", "Theo, snow is quieter."])
    second = ScriptedBackend(replies=["Snow, Theo? Snow is rain that took its time."])
    app = build_app(duet=(first, second))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the chat has read her core memory before it changes
        await app.companion.set_user_name("Theo")
        screen = await open_screen(pilot, app, "rain", "3")
        screen.query_one("#second", Select).value = "alan"
        await pilot.press("enter")
        await first.allow(1)
        step_in = screen.query_one("#step-in", Input)
        assert step_in.has_focus
        step_in.value = "What about snow?"
        await pilot.press("enter")
        await pilot.pause()
        assert step_in.value == ""
        await first.allow_all()
        await settle(pilot)
        assert said(app) == [
            ("Samantha", "Rain is lovely."),
            ("Theo", "What about snow?"),
            ("Alan", "Snow, Theo? Snow is rain that took its time."),
            ("Samantha", "Theo, snow is quieter."),
        ]
        assert second.requests[0].messages[-1].content == "[Theo, joining in:] What about snow?"
        hers = [m.content for m in first.requests[1].messages if m.role != "system"][-2:]
        assert hers == [
            "[Theo, joining in:] What about snow?",
            "Snow, Theo? Snow is rain that took its time.",
        ]


async def test_esc_stops_mid_line_keeping_what_was_said_then_closes(
    build_app: BuildApp,
) -> None:
    first = GatedBackend(replies=["This line is cut off right here and never ends."])
    app = build_app(duet=(first, ScriptedBackend()))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "endings", "4")
        screen.query_one("#second", Select).value = "alan"
        await pilot.press("enter")
        await first.allow(4)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DuetScreen)
        assert status(app) == "Stopped. Everything said is saved; step in to carry them on."
        assert said(app) == [("Samantha", "This line is cut …")]
        assert app.screen.query_one(DuetLine).has_class("-cut")
        # The start controls are back for another duet, and stepping in would carry it on.
        assert not screen.query_one("#start").disabled
        step_in = screen.query_one("#step-in", Input)
        assert not step_in.disabled
        assert step_in.placeholder == "Step in to carry them on: both hear you (Enter)"
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
    kept = stored("SELECT status, text FROM messages WHERE role = 'assistant'")
    assert kept == [("interrupted", "This line is cut ")]


async def test_each_side_can_speak_through_the_offline_voice_and_a_failure_is_one_sentence(
    build_app: BuildApp,
) -> None:
    from samantha.engine.duet import Duet
    from samantha.errors import BackendUnreachable

    app = build_app()
    # She speaks through a server (the scripted backend stands in for it).
    settings = app.companion.settings
    app.companion.settings = settings.model_copy(update={"backend": "ollama"})
    chosen: list[tuple[str, str]] = []
    failing = ScriptedBackend(replies=[BackendUnreachable("Cannot reach the server: start it.")])

    def open_duet(first: Settings, second: Settings, human: str, current: object) -> Duet:
        chosen.extend([(first.persona, first.backend), (second.persona, second.backend)])
        return Duet.open(first, second, backends=(failing, ScriptedBackend()), human=human)

    app.open_duet = open_duet
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "rain", "2")
        screen.query_one("#second", Select).value = "alan"
        assert screen.query_one("#via-first", Select).value == "yours"
        screen.query_one("#via-second", Select).value = "offline"
        screen.query_one("#topic", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert chosen == [("samantha", "ollama"), ("alan", "offline")]
        assert status(app) == "Cannot reach the server: start it."
        assert not screen.query_one("#start").disabled
    kept = stored("SELECT role, text FROM messages ORDER BY id")
    assert kept == [("user", "I'm Alan. I'd like to talk with you about rain.")]


async def test_words_typed_just_before_esc_are_shown_and_kept(build_app: BuildApp) -> None:
    first = GatedBackend(replies=["Rain is lovely and it goes on and on."])
    app = build_app(duet=(first, ScriptedBackend()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.companion.set_user_name("Theo")
        screen = await open_screen(pilot, app, "rain", "4")
        screen.query_one("#second", Select).value = "alan"
        await pilot.press("enter")
        await first.allow(2)
        screen.query_one("#step-in", Input).value = "Wait for me"
        await pilot.press("enter")
        await pilot.press("escape")
        await settle(pilot)
        assert said(app) == [("Samantha", "Rain is …"), ("Theo", "Wait for me")]
    kept = stored("SELECT speaker FROM messages WHERE text = 'Wait for me'")
    assert kept == [("Theo",), ("Theo",)]


async def test_a_duet_stopped_while_opening_is_closed(build_app: BuildApp) -> None:
    import threading

    from samantha.engine.duet import Duet

    app = build_app()
    release = threading.Event()
    made: list[Duet] = []
    closed: list[Duet] = []

    def slow_open(first: Settings, second: Settings, human: str, current: object) -> Duet:
        release.wait(10)
        duet = Duet.open(first, second, backends=(ScriptedBackend(), ScriptedBackend()))
        made.append(duet)
        close = duet.aclose

        async def recorded() -> None:
            closed.append(duet)
            await close()

        duet.aclose = recorded  # type: ignore[method-assign]
        return duet

    app.open_duet = slow_open
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_screen(pilot, app, "rain", "2")
        screen.query_one("#second", Select).value = "alan"
        await pilot.press("enter")
        await until(pilot, lambda: status(app) == "Opening both of them…")
        await pilot.press("escape")
        await pilot.pause()
        release.set()
        await until(pilot, lambda: bool(closed))
        assert made == closed
        assert status(app) == "Stopped. Everything said is saved; step in to carry them on."


async def test_stepping_in_after_the_end_carries_them_on(build_app: BuildApp) -> None:
    first = ScriptedBackend(replies=["Rain.", "For you, Theo: more rain."])
    second = ScriptedBackend(replies=["Yes, rain.", "And more."])
    app = build_app(duet=(first, second))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.companion.set_user_name("Theo")
        screen = await open_screen(pilot, app, "rain", "2")
        screen.query_one("#second", Select).value = "alan"
        await pilot.press("enter")
        await settle(pilot)
        assert said(app) == [("Samantha", "Rain."), ("Alan", "Yes, rain.")]
        step_in = screen.query_one("#step-in", Input)
        assert step_in.has_focus
        step_in.value = "Go on"
        await pilot.press("enter")
        await settle(pilot)
        assert said(app) == [
            ("Samantha", "Rain."),
            ("Alan", "Yes, rain."),
            ("Theo", "Go on"),
            ("Samantha", "For you, Theo: more rain."),
            ("Alan", "And more."),
        ]
        assert status(app).startswith("Ended: 2 turns.")
    # One conversation each, the talk carried on in it.
    kept = stored("SELECT persona, count(*) FROM conversations GROUP BY persona ORDER BY persona")
    assert kept == [("alan~samantha", 1), ("samantha", 1), ("samantha~alan", 1)]
