"""The app as `samantha` starts it: the chat paints first, the companion opens behind it."""

from __future__ import annotations

import threading
from typing import Any

from samantha.backends.scripted import ScriptedBackend
from samantha.config import Settings
from samantha.engine import Companion
from samantha.errors import PersonaError
from samantha.tui.app import SamanthaApp, make_app
from samantha.tui.chat_commands import RECENT
from samantha.tui.screens.chat import ChatScreen
from samantha.tui.widgets.prompt_input import PromptInput
from samantha.tui.widgets.status_line import StatusLine
from samantha.tui.widgets.transcript import EarlierNote, Transcript
from tests.conftest import MakeCompanion
from tests.tui.conftest import BuildApp
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


async def test_settings_are_read_after_the_first_frame_and_a_bad_config_ends_it_plainly(
    isolated_home: object,
) -> None:
    from samantha.config import Paths, load_settings
    from samantha.errors import ConfigError

    Paths.from_env().config_dir.mkdir(parents=True, exist_ok=True)
    Paths.from_env().config_file.write_text("backend = [oops\n", encoding="utf-8")
    app = make_app(None, load_settings=load_settings, cursor_blink=False)
    assert app.settings is None  # nothing read before the window is up
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.open_error is not None)
    assert isinstance(app.open_error, ConfigError)
    assert "is not valid TOML" in str(app.open_error)
    assert app.return_code == ConfigError.exit_code


async def test_without_settings_up_front_the_chat_opens_with_what_the_loader_reads(
    make_companion: MakeCompanion,
) -> None:
    read: list[Settings] = []

    def loader() -> Settings:
        read.append(Settings(persona="alan"))
        return read[-1]

    def opener(settings: Settings, current: Companion | None) -> Companion:
        return make_companion(ScriptedBackend(), persona=settings.persona)

    app = make_app(
        None,
        load_settings=loader,
        cursor_blink=False,
        onboarding=False,
        greet=False,
        open_companion=opener,
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ChatScreen) and app.screen.ready)
        await settle(pilot)
        assert app.companion.persona.name == "Alan"
        assert app.settings is read[0]
        # Her voice exists once her settings do (off, as the settings say).
        assert app.voice_session is not None
        assert not app.voice.on


async def test_a_theme_picked_is_remembered_for_next_time(build_app: BuildApp) -> None:
    import tomllib

    from samantha.config import Paths

    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        app.theme = "nord"
        await pilot.pause()
    saved = tomllib.loads(Paths.from_env().config_file.read_text(encoding="utf-8"))
    assert saved["appearance"]["theme"] == "nord"  # the appearance section of config.toml

    # The next start reads it before the first frame, without loading the settings.
    again = make_app(
        None,
        cursor_blink=False,
        onboarding=False,
        greet=False,
        open_companion=lambda s, c: app.companion,
    )
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert again.theme == "nord"
        # Quitting while she still opens (a thread, after the first frame) would race it:
        # wait for the chat to have her, and for what opening started to end.
        await until(pilot, lambda: isinstance(again.screen, ChatScreen) and again.screen.ready)
        await settle(pilot)
        assert again.theme == "nord"
        await again.action_quit()


async def test_an_unknown_theme_in_the_config_is_ignored(build_app: BuildApp) -> None:
    app = build_app(theme="no-such-theme")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"


async def test_a_theme_that_cannot_be_saved_does_not_spoil_the_exit(
    build_app: BuildApp, tmp_path: object, monkeypatch: object
) -> None:
    from pathlib import Path

    import pytest

    assert isinstance(tmp_path, Path)
    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    app = build_app()
    # The config path runs through a regular file: writing it fails with an OSError.
    monkeypatch.setenv("SAMANTHA_CONFIG", str(blocker / "config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.theme = "nord"
        await pilot.pause()
    assert app.return_code in (None, 0)


async def test_the_backend_client_and_tokenizer_load_off_the_loop_before_the_first_reply(
    build_app: BuildApp,
) -> None:
    """Importing the client library on the loop when the first reply starts froze the chat
    for most of a second: it is loaded in a thread while the user reads and types."""
    from samantha.backends.base import create_backend

    spec = Settings(backend="custom", base_url="http://127.0.0.1:9/v1").backend_spec()
    backend = create_backend(spec)
    loaded_on: list[str] = []
    warm = backend.warm  # type: ignore[attr-defined]

    def recording() -> None:
        loaded_on.append(threading.current_thread().name)
        warm()

    backend.warm = recording  # type: ignore[attr-defined]
    app = build_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.warmed()
        assert loaded_on
        assert loaded_on[0] != threading.main_thread().name
        assert app.companion.counter.loaded


async def _talk(companion: Companion, turns: int, about: str) -> list[int]:
    await companion.resume()
    for n in range(turns):
        async for _ in companion.turn(f"{about} {n}"):
            pass
    return [m.id for m in await companion.history(RECENT)]


def _opens_when_released(
    make_companion: MakeCompanion, **options: Any
) -> tuple[SamanthaApp, threading.Event]:
    """The chat, whose companion opens only once the returned event is set: what it paints
    before that came from the glance alone."""
    opened = threading.Event()

    def slow_open(settings: Settings, current: Companion | None) -> Companion:
        opened.wait(10)
        return make_companion(ScriptedBackend())

    app = make_app(
        None,
        load_settings=Settings,
        cursor_blink=False,
        onboarding=False,
        greet=False,
        open_companion=slow_open,
        **options,
    )
    return app, opened


async def test_her_history_is_on_screen_before_she_opens_and_is_not_shown_twice(
    make_companion: MakeCompanion,
) -> None:
    # More than a page: older messages wait behind the note until she is open.
    expected = await _talk(make_companion(), RECENT // 2 + 5, "about the rain")
    app, opened = _opens_when_released(make_companion)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        transcript = screen.query_one(Transcript)
        await until(pilot, lambda: len(transcript.messages) == RECENT)
        assert not screen.ready
        assert [m.message_id for m in transcript.messages] == expected
        assert not transcript.query(EarlierNote)  # scrolling back needs her: not offered yet
        painted = transcript.messages

        opened.set()
        await until(pilot, lambda: screen.ready)
        await settle(pilot)
        # The very widgets painted before: not mounted again (no flicker, nothing twice).
        assert transcript.messages == painted
        assert transcript.has_earlier
        assert len(transcript.query(EarlierNote)) == 1


async def test_a_glance_at_another_conversation_gives_way_to_hers(
    make_companion: MakeCompanion,
) -> None:
    # The flag said Alan, but the settings she opens with say Samantha (a persona file whose
    # name differs from what it was asked by, say): hers replace what the glance painted.
    alans = await _talk(make_companion(persona="alan"), 3, "for Alan")
    hers = await _talk(make_companion(), 2, "for Samantha")
    app, opened = _opens_when_released(make_companion, persona_hint="alan")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        transcript = screen.query_one(Transcript)
        await until(pilot, lambda: len(transcript.messages) == len(alans))
        assert [m.message_id for m in transcript.messages] == alans

        opened.set()
        await until(pilot, lambda: screen.ready)
        await settle(pilot)
        assert [m.message_id for m in transcript.messages] == hers
