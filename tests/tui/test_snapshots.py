"""Screenshots of the chat at a fixed size, compared with the approved SVGs in __snapshots__.

Deterministic by construction: a fixed clock, the scripted backend, no cursor blink. After a
deliberate change to the look, run with ``--snapshot-update`` and look at the new SVGs.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select

from samantha.backends.scripted import ScriptedBackend
from samantha.engine.results import Timings
from samantha.errors import BackendUnreachable
from samantha.memory import MemoryKind
from samantha.tui.app import SamanthaApp
from samantha.tui.screens.duet import DuetScreen
from samantha.tui.screens.memory import MemoryScreen
from samantha.tui.screens.onboarding import OnboardingScreen
from samantha.tui.widgets.state_panel import StatePanel
from tests.tui.conftest import BuildApp
from tests.tui.helpers import GatedBackend, send, settle, until

SIZE = (100, 30)
SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def steady_speed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The panel's speed line measures real time, different on every run: a snapshot shows
    fixed figures in its place (tests/tui/test_speed_shown.py checks the real ones)."""
    show = StatePanel.show_speed

    def fixed(panel: StatePanel, timings: Timings) -> None:
        show(panel, timings.model_copy(update={"first_token_ms": 420.0, "tokens_per_second": 31.0}))

    monkeypatch.setattr(StatePanel, "show_speed", fixed)


def steady_cursors(pilot: Pilot[None]) -> None:
    """Stop the blink of every input on the screen, as the app's cursor_blink=False does for
    the chat's: a blinking cursor is drawn or not depending on how long the steps took."""
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False


def say(text: str) -> Callable[[Pilot[None]], object]:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await send(pilot, text)

    return run_before


def test_chat_after_one_exchange(snap_compare: SnapCompare, build_app: BuildApp) -> None:
    reply = "Oh, Tuesdays are *underrated*. Nobody expects anything of them. What's on yours?"
    app = build_app(ScriptedBackend(replies=[reply]))
    assert snap_compare(app, terminal_size=SIZE, run_before=say("Hi! It's Tuesday, finally."))


def test_chat_with_a_backend_error(snap_compare: SnapCompare, build_app: BuildApp) -> None:
    error = BackendUnreachable(
        "Cannot reach ollama at http://127.0.0.1:11434/v1: start the server or check "
        "--base-url (or use --backend offline to chat without one)."
    )
    app = build_app(ScriptedBackend(replies=[error]))
    assert snap_compare(app, terminal_size=SIZE, run_before=say("Are you there?"))


def test_onboarding(snap_compare: SnapCompare, build_app: BuildApp) -> None:
    app = build_app(onboarding=True)

    async def run_before(pilot: Pilot[None]) -> None:
        await until(pilot, lambda: isinstance(pilot.app.screen, OnboardingScreen))
        steady_cursors(pilot)
        await pilot.press(*"Theo")

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def chat_with_state(pilot_size: tuple[int, int]) -> Callable[[Pilot[None]], object]:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, SamanthaApp)
        await app.companion.remember("Their sister Anna lives in Oslo", kind=MemoryKind.PERSON)
        await settle(pilot)
        for text in ("Hi! I had coffee with Anna today", "She is doing great, I love her"):
            await send(pilot, text)
        if pilot_size[0] < 160:
            await pilot.press("f2")
        await settle(pilot)

    return run_before


def test_chat_with_her_state_at_80x24(snap_compare: SnapCompare, build_app: BuildApp) -> None:
    app = build_app(ScriptedBackend(replies=["Oh, how is she?", "That's *lovely*. Tell me more!"]))
    assert snap_compare(app, terminal_size=(80, 24), run_before=chat_with_state((80, 24)))


def test_chat_with_her_state_at_200x60(snap_compare: SnapCompare, build_app: BuildApp) -> None:
    app = build_app(ScriptedBackend(replies=["Oh, how is she?", "That's *lovely*. Tell me more!"]))
    assert snap_compare(app, terminal_size=(200, 60), run_before=chat_with_state((200, 60)))


def test_memory_screen(snap_compare: SnapCompare, build_app: BuildApp) -> None:
    app = build_app(ScriptedBackend(replies=["Oslo!"]))

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, SamanthaApp)
        await app.companion.set_user_name("Theo")
        await app.companion.set_core_memory("about_user", "Writes letters for other people.")
        await app.companion.remember("They love [b]jazz[/b] \x1b[31m", kind=MemoryKind.PREFERENCE)
        await settle(pilot)
        await send(pilot, "My sister Anna lives in Oslo")
        await pilot.press("f4")
        await until(pilot, lambda: isinstance(app.screen, MemoryScreen))
        await settle(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_duet_after_you_stepped_in(snap_compare: SnapCompare, build_app: BuildApp) -> None:
    first = GatedBackend(replies=["Rain is the sky *thinking out loud*.", "Snow is quieter, Theo."])
    second = ScriptedBackend(replies=["Snow, Theo? Snow is rain that took its time."])
    app = build_app(duet=(first, second))

    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, SamanthaApp)
        await settle(pilot)
        await app.companion.set_user_name("Theo")
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(app.screen, DuetScreen))
        steady_cursors(pilot)
        app.screen.query_one("#second", Select).value = "alan"
        app.screen.query_one("#lines", Input).value = "3"
        app.screen.query_one("#topic", Input).value = "rain"
        await pilot.press("enter")
        await first.allow(3)
        app.screen.query_one("#step-in", Input).value = "What about snow?"
        await pilot.press("enter")
        await first.allow_all()
        await settle(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)
