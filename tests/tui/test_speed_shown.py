"""The state panel shows how fast her last reply came: the wait for the first word and
the pace after it, as the engine measured them."""

from __future__ import annotations

import re

from textual.widgets import Static

from samantha.backends.scripted import ScriptedBackend
from samantha.engine import TurnResult
from tests.tui.conftest import BuildApp
from tests.tui.helpers import send, settle, shown

SIZE = (160, 40)


async def test_the_panel_shows_the_last_replys_first_word_and_pace(build_app: BuildApp) -> None:
    reply = "Oh, I love that. Tell me about the harbour, and the boats, and the light."
    app = build_app(ScriptedBackend(replies=[reply]))
    results: list[TurnResult] = []
    turn = app.companion.turn

    async def recorded(text: str):  # type: ignore[no-untyped-def]
        async for event in turn(text):
            if isinstance(event, TurnResult):
                results.append(event)
            yield event

    app.companion.turn = recorded  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        speed = app.screen.query_one("#speed", Static)
        assert shown(speed) == "Speed shows after a reply."
        await send(pilot, "We walked to the harbour today.")
        await settle(pilot)
        [result] = results
        timings = result.timings
        assert timings.first_token_ms is not None
        assert timings.tokens_per_second is not None
        expected = (
            f"first word in {timings.first_token_ms / 1000:.2f} s"
            f" · {timings.tokens_per_second:.0f} tokens/s"
        )
        assert shown(speed) == expected
        assert re.fullmatch(r"first word in \d+\.\d\d s · \d+ tokens/s", shown(speed))
