"""Prints how long the chat takes from process start to its history on screen (headless),
beside a bare Textual app with the same widgets showing the same messages (the peer), and
their ratio; the chat's first frame too; then how long a 10,000-message conversation takes to
open. Samantha and the peer take turns in one loop; medians and run counts are printed as
``figure | samantha | peer | ratio | target | met``. Beside the wall clock, the CPU time each
process had used when its history was on screen (all its threads, from its start): on this
shared machine a wall-clock ratio moves with the load, the CPU one much less."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WARMUP_RUNS = int(os.environ.get("BENCH_WARMUP", "2"))
RUNS = int(os.environ.get("BENCH_RUNS", "10"))
TARGET_RATIO = 1.5
TARGET_OPEN_S = 1.0
LONG_CONVERSATION = 10_000
OPEN_AGAIN = 5
MARKER = "painted"
FRAME = "frame"
#: Turns of history seeded (two messages each): the chat opens on the newest of them.
SEED_TURNS = 30

#: A chat with some history and a name, so the app opens straight on the chat (no first-run
#: questions). The greeting is left on: it comes after the first paint, as for a user.
SEED = """
import asyncio
from samantha.config import load_settings
from samantha.engine import Companion

async def main():
    companion = Companion.open(load_settings())
    await companion.set_user_name("Theo")
    topics = ("Hello there", "How was your day?", "Tell me about the rain")
    for n in range(30):
        async for _ in companion.turn(f"{topics[n % 3]} ({n})"):
            pass
    await companion.aclose()

asyncio.run(main())
"""

#: The chat, started by the command line's entry point as `samantha` is, reports its first
#: frame, then the first refresh after its history is mounted.
CHAT_APP = f"""
import sys, time
from samantha.tui.screens.chat import ChatScreen
from samantha.tui.widgets.transcript import Transcript

_mount = ChatScreen.on_mount
_show = Transcript.show_history

def on_mount(self):
    _mount(self)
    self.call_after_refresh(lambda: (sys.stdout.write("{FRAME}\\n"), sys.stdout.flush()))

async def show_history(self, messages, **kw):
    await _show(self, messages, **kw)
    self.call_after_refresh(painted, self)

def painted(widget):
    sys.stdout.write(f"{MARKER} {{time.process_time()}}\\n")
    sys.stdout.flush()
    widget.app.exit()

ChatScreen.on_mount = on_mount
Transcript.show_history = show_history

from samantha.tui.app import SamanthaApp

_run = SamanthaApp.run

def run(self, *args, **kw):
    return _run(self, headless=True, size=(100, 30))

SamanthaApp.run = run

# Launched as `samantha` is, through the command line's entry point (its imports and its
# parse included), headless; the settings are read in the opening thread.
sys.argv = ["samantha"]
from samantha.cli.main import main

main()
"""

#: The peer: a bare Textual app with the chat's widgets (a status line, a scrolling column of
#: the same messages, a text area, a footer), the messages given to it in a JSON file.
PEER_APP = f"""
import json, sys, time
from textual.app import App
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static, TextArea

MESSAGES = json.load(open(sys.argv[1]))

class Peer(App):
    def compose(self):
        yield Static("samantha · offline")
        with VerticalScroll():
            for text in MESSAGES:
                yield Static(text, markup=False)
        yield TextArea()
        yield Footer()

    def on_mount(self):
        sys.stdout.write("{FRAME}\\n")
        self.call_after_refresh(self.painted)

    def painted(self):
        sys.stdout.write(f"{MARKER} {{time.process_time()}}\\n")
        sys.stdout.flush()
        self.exit()

Peer().run(headless=True, size=(100, 30))
"""


def _env(home: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SAMANTHA_") and k not in {"OPENAI_API_KEY", "OPENAI_BASE_URL"}
    }
    env["SAMANTHA_HOME"] = str(home)
    env["SAMANTHA_OFFLINE_PACE"] = "0"
    # As an installed samantha runs: from bytecode. With PYTHONDONTWRITEBYTECODE (set on
    # these machines) every run compiled ~80 modules from source, ~80 ms no user pays;
    # the cache goes to a scratch folder, never into the checkout.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "samantha-bench-pycache")
    tiktoken = Path(__file__).resolve().parents[1] / "tests/data/tiktoken"
    if "TIKTOKEN_CACHE_DIR" not in env and tiktoken.is_dir():
        env["TIKTOKEN_CACHE_DIR"] = str(tiktoken)
    return env


def _first_paint(code: str, env: dict[str, str], *args: str) -> tuple[float, float, float]:
    """Seconds from starting the process to its first frame, and to its history on screen;
    the CPU seconds it had used by then."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    frame = painted = cpu = 0.0
    for line in proc.stdout:
        if line.strip() == FRAME and not frame:
            frame = time.perf_counter() - began
        elif line.startswith(MARKER):
            painted = time.perf_counter() - began
            cpu = float(line.split()[1])
            break
    _, err = proc.communicate(timeout=60)
    if not painted:
        raise SystemExit(f"the app did not paint (exit {proc.returncode}):\n{err}")
    return frame or painted, painted, cpu


def _history_texts(home: Path) -> list[str]:
    """The messages the chat opens on (its newest page), for the peer to show."""
    import sqlite3

    from samantha.tui.chat_commands import RECENT

    database = next(home.rglob("samantha.db"))
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT text FROM messages ORDER BY id DESC LIMIT ?", (RECENT,)
        ).fetchall()
    return [text for (text,) in reversed(rows)]


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
        texts = scratch / "history.json"
        texts.write_text(json.dumps(_history_texts(home)), encoding="utf-8")
        cases = {"samantha": (CHAT_APP, ()), "peer": (PEER_APP, (str(texts),))}
        for code, args in cases.values():
            for _ in range(WARMUP_RUNS):
                _first_paint(code, env, *args)
        samples: dict[str, list[tuple[float, float, float]]] = {who: [] for who in cases}
        for _ in range(RUNS):
            for who, (code, args) in cases.items():
                samples[who].append(_first_paint(code, env, *args))
        frame = {w: statistics.median(f for f, _, _ in v) for w, v in samples.items()}
        history = {w: statistics.median(h for _, h, _ in v) for w, v in samples.items()}
        cpu = {w: statistics.median(c for _, _, c in v) for w, v in samples.items()}
        print("figure | samantha | peer | ratio | target | met")
        ratio = history["samantha"] / history["peer"]
        print(
            f"launch -> {len(json.loads(texts.read_text()))} messages of history on screen "
            f"(p50 of {RUNS}) | {history['samantha']:.3f} s | {history['peer']:.3f} s | "
            f"{ratio:.2f} | <= {TARGET_RATIO:g}x | {'yes' if ratio <= TARGET_RATIO else 'NO'}"
        )
        ratio = cpu["samantha"] / cpu["peer"]
        print(
            f"  CPU used by then (p50 of {RUNS}) | {cpu['samantha']:.3f} s | "
            f"{cpu['peer']:.3f} s | {ratio:.2f} | (none) | -"
        )
        ratio = frame["samantha"] / frame["peer"]
        print(
            f"launch -> first frame (p50 of {RUNS}) | {frame['samantha']:.3f} s | "
            f"{frame['peer']:.3f} s | {ratio:.2f} | (none) | -"
        )
        for who, values in samples.items():
            spread = sorted(h for _, h, _ in values)
            print(f"  {who}: history on screen min {spread[0]:.3f} s, max {spread[-1]:.3f} s")

        times, mounted = _open_long_conversation(scratch / "long")
        first, again = times[0], statistics.median(times[1:])
        met = "yes" if max(first, again) < TARGET_OPEN_S else "NO"
        print(
            f"open a {LONG_CONVERSATION:,}-message conversation, newest {mounted} on screen: "
            f"first | {first:.3f} s | - | - | < {TARGET_OPEN_S:g} s | {met}"
        )
        print(
            f"  again (p50 of {OPEN_AGAIN}) | {again:.3f} s | - | - | < {TARGET_OPEN_S:g} s | "
            f"{met}; older messages load on scroll-up"
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"benchmark took {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
