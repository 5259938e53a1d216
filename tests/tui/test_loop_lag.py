"""A long session stays as cheap as a short one: every reply is a few widgets drawn by Rich (no
tree of Markdown block widgets), the oldest leave the screen (and page back in on scroll-up),
so the screen holds as many widgets at the 50th turn as at the 25th, and a loop-lag probe runs
through all of it. The probe's figures go to benchmarks/tui_streaming.py;
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


async def test_fifty_long_turns_keep_a_bounded_screen(
    build_app: BuildApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transcript_module, "KEEP_MOUNTED", 40)
    replies = [long_reply(turn) for turn in range(TURNS)]
    app = build_app(ScriptedBackend(replies=replies))
    probe = Probe()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ticking = asyncio.ensure_future(probe.run())
        widgets: dict[int, int] = {}
        for turn in range(TURNS):
            await send(pilot, f"Tell me about turn {turn}")
            widgets[turn] = len(list(app.screen.walk_children()))
        probe.running = False
        await ticking
        transcript = app.screen.query_one(Transcript)
        views = list(transcript.query_children(ReplyMessage))
        # Every reply arrived whole, each drawn as a few segments: no Markdown widget at all.
        assert views[-1].received == replies[-1]
        assert views[-2].received == replies[-2]
        assert not app.screen.query(Markdown)
        assert max(len(v.children) for v in views) <= 3
        # Once the oldest leave, the screen holds no more widgets turn after turn.
        assert widgets[TURNS - 1] <= widgets[TURNS // 2]
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
