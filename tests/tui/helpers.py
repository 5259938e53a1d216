"""Test helpers for the TUI: a backend the test paces by hand, and what the screen shows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import suppress
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.worker import Worker, WorkerCancelled

from samantha.backends.base import Chunk, ReplyRequest
from samantha.backends.scripted import ScriptedBackend

#: A test that waits longer than this for the app has found a hang: fail rather than stall.
LIMIT = 15.0


class GatedBackend(ScriptedBackend):
    """A slow model without sleeping: a reply streams only as many words as the test allows."""

    def __init__(self, replies: Iterable[str | BaseException] = ()) -> None:
        super().__init__(replies=replies)
        self.allowed = 0
        self.sent = 0
        self._changed = asyncio.Condition()

    async def allow(self, words: int) -> None:
        """Let ``words`` more words through, and wait until they have been handed on."""
        async with asyncio.timeout(LIMIT), self._changed:
            self.allowed += words
            target = self.allowed
            self._changed.notify_all()
            await self._changed.wait_for(lambda: self.sent >= target)

    async def allow_all(self) -> None:
        """Let the rest of every reply through."""
        async with self._changed:
            self.allowed = 1_000_000
            self._changed.notify_all()

    async def stream(self, request: ReplyRequest) -> AsyncIterator[Chunk]:
        async for chunk in super().stream(request):
            if chunk.text:
                async with self._changed:
                    await self._changed.wait_for(lambda: self.sent < self.allowed)
                    self.sent += 1
                    self._changed.notify_all()
            yield chunk


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until every worker has ended (a cancelled one too) and the screen has caught up."""
    waits = [asyncio.ensure_future(_ended(worker)) for worker in pilot.app.workers]
    if waits:
        # asyncio.wait, not asyncio.timeout: cancelling a wait would cancel the worker too,
        # and a hang would pass for a stop.
        _, pending = await asyncio.wait(waits, timeout=LIMIT)
        if pending:
            raise AssertionError(f"workers still running after {LIMIT:g}s: hung?")
        for done in waits:
            done.result()
    await pilot.pause()
    await pilot.pause()


async def _ended(worker: Worker[Any]) -> None:
    with suppress(WorkerCancelled):
        await worker.wait()


def screen_lines(app: App[Any]) -> list[str]:
    """The text of every terminal row, as it would be drawn now."""
    # The compositor is private, but it is exactly what reaches the terminal.
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: App[Any]) -> str:
    return "\n".join(line.rstrip() for line in screen_lines(app))


def shown(widget: Widget) -> str:
    """What ``widget`` shows inside its border and padding now, row by row, right-trimmed."""
    region = widget.content_region
    strips = widget.app.screen._compositor.render_strips()
    rows = strips[region.y : region.bottom]
    return "\n".join(strip.crop(region.x, region.right).text.rstrip() for strip in rows)


async def until(pilot: Pilot[Any], condition: Callable[[], bool]) -> None:
    """Let the app run until ``condition`` holds (a screen is up, a widget exists)."""
    async with asyncio.timeout(LIMIT):
        while not condition():
            await pilot.pause()
    await pilot.pause()


async def send(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` into the chat input at once and press Enter, then wait for the reply."""
    from samantha.tui.widgets.prompt_input import PromptInput

    prompt = pilot.app.screen.query_one(PromptInput)
    prompt.load_text(text)
    await pilot.press("enter")
    await settle(pilot)


def notes(app: App[Any]) -> list[str]:
    """The notifications raised so far, as their text."""
    return [n.message for n in app._notifications]
