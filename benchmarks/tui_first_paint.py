"""Prints the chat app's first paint (p50 s from process start, headless) beside a minimal
Textual app's, and their ratio; then how long a 10,000-message conversation takes to open."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WARMUP_RUNS = 2
RUNS = 10
TARGET_RATIO = 1.5
TARGET_OPEN_S = 1.0
LONG_CONVERSATION = 10_000
OPEN_AGAIN = 5
MARKER = "painted"

#: A chat with some history and a name, so the app opens straight on the chat (no first-run
#: questions). The greeting is left on: it comes after the first paint, as for a user.
SEED = """
import asyncio
from samantha.config import load_settings
from samantha.engine import Companion

async def main():
    companion = Companion.open(load_settings())
    await companion.set_user_name("Theo")
    for text in ("Hello there", "How was your day?", "Tell me about the rain"):
        async for _ in companion.turn(text):
            pass
    await companion.aclose()

asyncio.run(main())
"""

#: Both apps report the same moment: the first refresh after their screen has mounted.
CHAT_APP = f"""
import sys
from samantha.tui.screens.chat import ChatScreen

_mount = ChatScreen.on_mount

def on_mount(self):
    _mount(self)
    self.call_after_refresh(painted, self)

def painted(screen):
    sys.stdout.write("{MARKER}\\n")
    sys.stdout.flush()
    screen.app.exit()

ChatScreen.on_mount = on_mount

from samantha.tui.app import make_app

# As `samantha` does: the settings are read in the opening thread, after the first frame.
make_app(None).run(headless=True, size=(100, 30))
"""

MINIMAL_APP = f"""
import sys
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("hello")

    def on_mount(self):
        self.call_after_refresh(self.painted)

    def painted(self):
        sys.stdout.write("{MARKER}\\n")
        sys.stdout.flush()
        self.exit()

Minimal().run(headless=True, size=(100, 30))
"""


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SAMANTHA_") and k not in {"OPENAI_API_KEY", "OPENAI_BASE_URL"}
    }
    env["SAMANTHA_HOME"] = str(home)
    env["SAMANTHA_OFFLINE_PACE"] = "0"
    shared = Path(__file__).resolve().parents[2] / "shared/data/tiktoken"
    if "TIKTOKEN_CACHE_DIR" not in env and shared.is_dir():
        env["TIKTOKEN_CACHE_DIR"] = str(shared)
    return env


def _first_paint(code: str, env: dict[str, str]) -> float:
    """Seconds from starting the process to the line it prints after its first paint."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - began
    _, err = proc.communicate(timeout=30)
    if line.strip() != MARKER:
        raise SystemExit(f"the app did not paint (exit {proc.returncode}):\n{err}")
    return elapsed


def _open_long_conversation(home: Path) -> tuple[list[float], int]:
    """Seconds from asking to open a 10,000-message conversation to it being on screen: the
    first time in the session, then again (switching away and back) a few times."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    os.environ.update(_env(home))
    from samantha.backends.scripted import ScriptedBackend
    from samantha.config import Settings
    from samantha.domain.conversation import Role
    from samantha.engine import Companion
    from samantha.tui.app import make_app
    from samantha.tui.widgets.transcript import Transcript

    async def run() -> tuple[list[float], int]:
        companion = Companion.open(Settings(), backend=ScriptedBackend())
        start = datetime(2026, 1, 1, tzinfo=UTC)

        def fill(s: object) -> int:
            conversation = s.conversations.create(companion.persona.key, start, "long")  # type: ignore[attr-defined]
            for n in range(LONG_CONVERSATION):
                role = Role.USER if n % 2 == 0 else Role.ASSISTANT
                text = f"Message {n}: " + "words and more words " * (1 + n % 7)
                at = start + timedelta(seconds=30 * n)
                s.conversations.add_message(conversation.id, role, role.value, text, at)  # type: ignore[attr-defined]
            return int(conversation.id)

        long_id = companion.store.run_sync(fill, write=True)
        short = await companion.new_conversation()
        app = make_app(companion.settings, companion, onboarding=False, greet=False)
        times: list[float] = []
        async with app.run_test(size=(100, 30)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            for _ in range(1 + OPEN_AGAIN):
                began = time.perf_counter()
                screen.open_conversation(long_id)  # type: ignore[attr-defined]
                await app.workers.wait_for_complete()
                await pilot.pause()
                times.append(time.perf_counter() - began)
                mounted = len(screen.query_one(Transcript).messages)
                screen.open_conversation(short.id)  # type: ignore[attr-defined]
                await app.workers.wait_for_complete()
                await pilot.pause()
        await companion.aclose()
        return times, mounted

    return asyncio.run(run())


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="samantha-bench-"))
    began = time.perf_counter()
    try:
        home = scratch / "home"
        env = _env(home)
        subprocess.run([sys.executable, "-c", SEED], env=env, check=True, timeout=120)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"first paint: python {sys.version.split()[0]}, headless 100x30, {WARMUP_RUNS} "
            f"warm-up + {RUNS} timed runs each (interleaved); load average {load} on "
            f"{os.cpu_count()} CPUs"
        )
        cases = [
            ("samantha chat", CHAT_APP),
            ("minimal Textual app", MINIMAL_APP),
        ]
        for _, code in cases:
            for _ in range(WARMUP_RUNS):
                _first_paint(code, env)
        samples: dict[str, list[float]] = {label: [] for label, _ in cases}
        for _ in range(RUNS):
            for label, code in cases:
                samples[label].append(_first_paint(code, env))
        medians = {label: statistics.median(values) for label, values in samples.items()}
        for label, values in samples.items():
            print(
                f"{label}: p50={medians[label]:.3f} s "
                f"(min {min(values):.3f}, max {max(values):.3f}, n={RUNS})"
            )
        ratio = medians["samantha chat"] / medians["minimal Textual app"]
        verdict = "ok" if ratio <= TARGET_RATIO else "OVER TARGET"
        print(f"ratio chat / minimal: {ratio:.2f} (target <= {TARGET_RATIO:g}: {verdict})")

        times, mounted = _open_long_conversation(scratch / "long")
        first, again = times[0], statistics.median(times[1:])
        verdict = "ok" if max(first, again) < TARGET_OPEN_S else "OVER TARGET"
        print(
            f"open a {LONG_CONVERSATION:,}-message conversation: first {first:.3f} s, again "
            f"p50 {again:.3f} s (n={OPEN_AGAIN}) to the newest {mounted} on screen "
            f"(target < {TARGET_OPEN_S:g} s: {verdict}); older messages load on scroll-up"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"benchmark took {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
