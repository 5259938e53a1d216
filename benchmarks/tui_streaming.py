"""Prints how the chat keeps up with a reply streamed at 1,000 tokens/s: the time from the last
token to the reply finished on screen (p50/max ms), and the longest event-loop block (ms).

Each run is its own process, as a session is: the app as ``samantha`` starts it (start-up heap
frozen), one conversation, one long reply."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

RUNS = 5
TOKENS = 1000
PACE_S = 0.001  # 1,000 tokens a second
TICK_S = 0.002
TARGET_FINISH_MS = 100.0
TARGET_BLOCK_MS = 50.0

#: A reply with the shapes a model streams: mostly paragraphs, with emphasis, a list and a
#: code block now and then (about 150 tokens a section).
_PROSE = (
    "It rained all morning, and I kept thinking about what you said about *quiet* places. "
    "Not the silence of an empty room, but the kind where you can finally hear yourself. "
    "I wonder whether you have one of those, and whether you go there often enough.\n\n"
)
_PARAGRAPH = (
    _PROSE * 2 + "Here is what I would try this week:\n\n"
    "1. a walk before work\n2. the **long** way home\n3. no screens after ten\n\n"
    + _PROSE
    + "```python\nfor day in week:\n    walk(day)\n```\n\n"
)


def reply_text(tokens: int) -> str:
    words: list[str] = []
    while len(words) < tokens:
        words.extend(_PARAGRAPH.split(" "))
    return " ".join(words[:tokens])


def _setup_env() -> Path:
    home = Path(tempfile.mkdtemp(prefix="samantha-bench-"))
    for name in list(os.environ):
        if name.startswith("SAMANTHA_"):
            del os.environ[name]
    os.environ["SAMANTHA_HOME"] = str(home)
    shared = Path(__file__).resolve().parents[2] / "shared/data/tiktoken"
    if "TIKTOKEN_CACHE_DIR" not in os.environ and shared.is_dir():
        os.environ["TIKTOKEN_CACHE_DIR"] = str(shared)
    return home


class Ticker:
    """Records how late a short sleep wakes up: a late wake-up is the loop being blocked."""

    def __init__(self) -> None:
        #: (when it woke, how late) for every tick.
        self.gaps: list[tuple[float, float]] = []
        self.running = True

    async def run(self) -> None:
        while self.running:
            began = time.perf_counter()
            await asyncio.sleep(TICK_S)
            woke = time.perf_counter()
            self.gaps.append((woke, woke - began - TICK_S))

    def worst(self, start: float = 0.0, end: float = float("inf")) -> float:
        """The longest block that ended between ``start`` and ``end``."""
        return max((late for woke, late in self.gaps if start <= woke <= end), default=0.0)


async def _one_run(seed: int) -> tuple[float, float, float, float]:
    """(last token -> reply on screen ms, worst block while streaming ms, worst block over the
    whole turn ms (preparing, streaming, settling), tokens/s achieved)."""
    from samantha.backends.base import Chunk, ReplyRequest
    from samantha.backends.scripted import ScriptedBackend
    from samantha.clock import FixedClock
    from samantha.config import Settings
    from samantha.engine import Companion
    from samantha.tui.app import make_app
    from samantha.tui.screens.chat import ChatScreen
    from samantha.tui.widgets.prompt_input import PromptInput
    from samantha.tui.widgets.transcript import ReplyMessage

    class Timed(ScriptedBackend):
        """The scripted backend on a wall clock: token n is due n/1000 s after the first, and
        tokens that are due arrive together, as a socket's buffered chunks do when the reader
        is busy. (Its own ``pace`` sleeps after each token, so a busy loop would slow it.)
        Notes when it hands over its first and last token."""

        first = 0.0
        last = 0.0

        async def stream(self, request: ReplyRequest) -> AsyncIterator[Chunk]:
            self.requests.append(request)
            reply = str(self.replies.popleft())
            words = reply.split(" ")
            began = time.perf_counter()
            for index, word in enumerate(words):
                wait = began + index * PACE_S - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                now = time.perf_counter()
                self.first = self.first or now
                self.last = now
                yield Chunk(text=word if index == len(words) - 1 else word + " ")
            yield Chunk(finish_reason="stop")

    text = reply_text(TOKENS)
    backend = Timed(replies=[text])
    companion = Companion.open(Settings(), backend=backend, clock=FixedClock())
    await companion.new_conversation(f"run {seed}")
    app = make_app(
        companion.settings,
        companion,
        cursor_blink=False,
        onboarding=False,
        greet=False,
        settle_heap=True,
    )
    painted = 0.0
    ticker = Ticker()
    async with app.run_test(size=(100, 30)) as pilot:
        # The session is open, the Markdown module loaded and the heap settled, as when a
        # user has the chat in front of them.
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        done = asyncio.Event()
        finish = ReplyMessage.finish

        async def finished(view: ReplyMessage, note: str | None = None, **kw: bool) -> None:
            await finish(view, note, **kw)

            def on_screen() -> None:
                nonlocal painted
                painted = time.perf_counter()
                done.set()

            view.call_after_refresh(on_screen)

        ReplyMessage.finish = finished  # type: ignore[method-assign]
        try:
            tick = asyncio.ensure_future(ticker.run())
            screen.query_one(PromptInput).load_text("tell me your plan")
            await pilot.press("enter")
            await asyncio.wait_for(done.wait(), timeout=120)
            ticker.running = False
            await tick
        finally:
            ReplyMessage.finish = finish  # type: ignore[method-assign]
        await app.workers.wait_for_complete()
        reply_view = screen.query(ReplyMessage).last()
        shown = reply_view.received
        assert shown == text, "the whole reply reached the screen"
    await companion.aclose()
    rate = TOKENS / (backend.last - backend.first)
    streaming = ticker.worst(backend.first, painted)
    return (painted - backend.last) * 1000, streaming * 1000, ticker.worst() * 1000, rate


def _child() -> None:
    home = _setup_env()
    try:
        print(json.dumps(asyncio.run(_one_run(0))))
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _spawn() -> tuple[float, float, float, float]:
    proc = subprocess.run(
        [sys.executable, __file__, "--one"], capture_output=True, text=True, timeout=300
    )
    if proc.returncode != 0:
        raise SystemExit(f"a run failed (exit {proc.returncode}):\n{proc.stderr}")
    finish, streaming, whole, rate = json.loads(proc.stdout.strip().splitlines()[-1])
    return finish, streaming, whole, rate


def main() -> None:
    began = time.perf_counter()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"streaming: python {sys.version.split()[0]}, {TOKENS} tokens at a pace of "
        f"{PACE_S * 1000:g} ms each, {RUNS} runs, headless 100x30; load average {load} "
        f"on {os.cpu_count()} CPUs"
    )
    results = [_spawn() for _ in range(RUNS)]
    finish = sorted(r[0] for r in results)
    blocks = sorted(r[1] for r in results)
    whole = sorted(r[2] for r in results)
    rates = [r[3] for r in results]
    ok_finish = "ok" if finish[-1] < TARGET_FINISH_MS else "OVER TARGET"
    ok_block = "ok" if blocks[-1] <= TARGET_BLOCK_MS else "OVER TARGET"
    print(
        f"last token -> reply finished on screen: p50={statistics.median(finish):.1f} ms "
        f"max={finish[-1]:.1f} ms (target < {TARGET_FINISH_MS:g} ms: {ok_finish})"
    )
    print(
        f"longest event-loop block while streaming: p50={statistics.median(blocks):.1f} ms "
        f"max={blocks[-1]:.1f} ms (target <= {TARGET_BLOCK_MS:g} ms: {ok_block}); "
        f"ticker every {TICK_S * 1000:g} ms"
    )
    print(
        f"  over the whole turn (preparing the prompt, streaming, storing and learning): "
        f"p50={statistics.median(whole):.1f} ms max={whole[-1]:.1f} ms"
    )
    print(
        f"tokens/s achieved by the scripted backend: p50={statistics.median(rates):.0f} "
        "(the backend delivers on a wall clock, 1 ms a token)"
    )
    print(f"benchmark took {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    _child() if "--one" in sys.argv else main()
