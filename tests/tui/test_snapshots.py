"""Screenshots of the chat at a fixed size, compared with the approved SVGs in __snapshots__.

Deterministic by construction: a fixed clock, the scripted backend, no cursor blink. After a
deliberate change to the look, run with ``--snapshot-update`` and look at the new SVGs.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from samantha.backends.scripted import ScriptedBackend
from samantha.errors import BackendUnreachable
from tests.tui.conftest import BuildApp
from tests.tui.helpers import settle

SIZE = (100, 30)
SnapCompare = Callable[..., bool]


def say(text: str) -> Callable[[Pilot[None]], object]:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(*text, "enter")
        await settle(pilot)

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
