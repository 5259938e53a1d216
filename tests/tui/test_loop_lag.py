"""A long session stays as cheap as a short one: only the newest reply is live Markdown, older
ones are drawn once, the oldest leave the screen (and page back in on scroll-up), and a
loop-lag probe runs through all of it. The probe's figures go to benchmarks/tui_streaming.py;
here they are only checked to exist (timing is no test's pass or fail)."""

from __future__ import annotations

import asyncio
import time

import pytest
from textual.widgets import Markdown

from samantha.backends.scripted import ScriptedBackend
from samantha.tui.widgets import transcript as transcript_module
from samantha.tui.widgets.transcript import ReplyMessage, Transcript
from tests.tui.conftest import BuildApp
from tests.tui.helpers import send, settle, until

SIZE = (100, 30)
TURNS = 50

SECTION = (
    "It rained all morning, and I kept thinking about what you said about *quiet* places.\n\n"
    "1. a walk before work\n2. the **long** way home\n\n"
    "```python\nfor day in week:\n    walk(day)\n```\n\n"
)


def long_reply(turn: int) -> str:
    return f"Reply {turn}.\n\n" + SECTION * 3


class Probe:
    """How late a 2 ms sleep wakes up: the event loop's stalls."""

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self.running = True

    async def run(self) -> None:
        while self.running:
            began = time.perf_counter()
            await asyncio.sleep(0.002)
            self.lateness.append(time.perf_counter() - began - 0.002)


async def test_fifty_long_turns_keep_one_live_reply_and_a_bounded_screen(
    build_app: BuildApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transcript_module, "KEEP_MOUNTED", 40)
    replies = [long_reply(turn) for turn in range(TURNS)]
    app = build_app(ScriptedBackend(replies=replies))
    probe = Probe()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ticking = asyncio.ensure_future(probe.run())
        for turn in range(TURNS):
            await send(pilot, f"Tell me about turn {turn}")
        probe.running = False
        await ticking
        transcript = app.screen.query_one(Transcript)
        views = list(transcript.query_children(ReplyMessage))
        # Every reply arrived whole; only the newest is still live Markdown.
        assert views[-1].received == replies[-1]
        assert [v for v in views if v.query_children(Markdown)] == [views[-1]]
        assert views[-2].received == replies[-2]
        assert views[-2].body.has_class("frozen")
        # The oldest left the screen: the count stays bounded however long the talk.
        assert len(transcript.messages) <= 40
        assert transcript.has_earlier
        # Scrolling to the top brings older messages back from the database.
        before = transcript.first_id
        transcript.scroll_home(animate=False)
        await until(pilot, lambda: transcript.first_id != before)
        await settle(pilot)
        assert transcript.first_id is not None
        assert before is not None
        assert transcript.first_id < before
    assert len(probe.lateness) > TURNS, "the probe ran through the session"
