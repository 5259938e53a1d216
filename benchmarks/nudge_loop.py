"""What a nudge and a diary entry cost the event loop that draws the chat (issue 20: "a nudge or
diary costs the UI loop nothing measurable").

The offline voice, a fresh database in a temporary home, a talk of N turns (one heavy line,
the rest everyday), then: her decision whether to speak first, her nudge, and her diary for
the day. For each, two figures on the loop's thread:

- CPU: the loop thread's own CPU time over the call (``time.thread_time``): work done on it;
- stall: the longest a probe task sleeping 1 ms woke late: what the chat would feel, including
  waiting for the GIL while another thread runs Python.

``--inline`` makes ``asyncio.to_thread`` run its function on the loop, so what
engine/initiative.py and engine/diary.py send off it runs on it: the "before" figures (the
database thread is untouched). Medians of ``--runs`` runs.

    python benchmarks/nudge_loop.py            # after: the work off the loop
    python benchmarks/nudge_loop.py --inline   # before
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

T = TypeVar("T")

LINES = (
    "Work was long today, we had three meetings about the budget for next year.",
    "I made pasta for dinner and watched a film about a lighthouse keeper.",
    "My sister called and we talked about her new flat in Leeds for an hour.",
)
HEAVY = "My grandmother died this morning and I can't stop crying."


async def _inline(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    return func(*args, **kwargs)


async def measure(call: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """(loop-thread CPU ms, worst probe lateness ms) over one awaited call."""
    worst = 0.0
    running = True

    async def tick() -> None:
        nonlocal worst
        while running:
            began = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, time.perf_counter() - began - 0.001)

    probe = asyncio.ensure_future(tick())
    await asyncio.sleep(0.01)
    worst = 0.0
    cpu = time.thread_time()
    await call()
    cpu = time.thread_time() - cpu
    running = False
    await probe
    return cpu * 1000, worst * 1000


async def one_run(turns: int) -> dict[str, tuple[float, float]]:
    from samantha.clock import FixedClock
    from samantha.config import Settings
    from samantha.engine import build_companion
    from samantha.voice.offline import VoiceRenderer

    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    settings = Settings(nudge=True)
    companion = build_companion(
        settings, backend=VoiceRenderer(settings.backend_spec()), clock=clock
    )
    try:
        await companion.resume()
        for turn in range(turns):
            async for _ in companion.turn(HEAVY if turn == 0 else LINES[turn % len(LINES)]):
                pass
            clock.advance(timedelta(seconds=30))
        clock.advance(timedelta(hours=2))
        found = {
            "decide": await measure(companion.consider_nudge),
            "nudge": await measure(companion.nudge),
        }
        clock.advance(timedelta(days=1))
        found["diary"] = await measure(companion.write_diary)
        return found
    finally:
        await companion.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inline", action="store_true", help="the work on the loop (before)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--turns", type=int, nargs="+", default=[60, 300])
    args = parser.parse_args()
    os.environ["SAMANTHA_OFFLINE_PACE"] = "0"
    os.environ["TZ"] = "UTC"
    time.tzset()
    if args.inline:
        asyncio.to_thread = _inline
    print(
        f"{'off the loop' if not args.inline else 'on the loop (--inline)'}, "
        f"median of {args.runs} runs; ms"
    )
    print(f"{'turns':>5} {'what':<7} {'loop CPU':>9} {'worst stall':>12}")
    for turns in args.turns:
        runs = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as home:
                os.environ["SAMANTHA_HOME"] = home
                runs.append(asyncio.run(one_run(turns)))
        for what in ("decide", "nudge", "diary"):
            cpu = statistics.median(r[what][0] for r in runs)
            stall = statistics.median(r[what][1] for r in runs)
            print(f"{turns:>5} {what:<7} {cpu:>9.1f} {stall:>12.1f}")


if __name__ == "__main__":
    main()
