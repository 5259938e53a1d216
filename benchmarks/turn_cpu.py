"""Engine CPU per turn at 10,000 messages, seeded through the real turn path.

Figure: CPU time (process time, all threads) of one ``Companion.turn`` with a zero-latency
scripted backend, after 5,000 real turns have stored 10,000 messages with their memories,
facts and FTS rows, as months of use would. Peer: the least any chat app does per turn on
the same machine, in the same loop (store the user's line, read the recent messages, store
the reply, in SQLite). Turns alternate with peer turns so load affects both alike.

    python benchmarks/turn_cpu.py [--seed-turns 5000] [--turns 200] [--profile out.prof]
        [--home DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

TARGET_P95_MS = 5.0
#: Turns before the profile starts (``--profile``).
PROFILE_AFTER = 5
_WORDS = [
    "i",
    "you",
    "she",
    "we",
    "it",
    "the",
    "a",
    "and",
    "but",
    "so",
    "because",
    "when",
    "today",
    "tonight",
    "yesterday",
    "tomorrow",
    "work",
    "home",
    "coffee",
    "rain",
    "walk",
    "music",
    "book",
    "friend",
    "sister",
    "mother",
    "city",
    "train",
    "window",
    "garden",
    "tired",
    "happy",
    "quiet",
    "strange",
    "lovely",
    "hard",
    "long",
    "little",
    "maybe",
    "still",
    "think",
    "feel",
    "remember",
    "wonder",
    "know",
    "want",
    "need",
    "like",
    "love",
    "miss",
    "hope",
    "wish",
    "said",
    "asked",
    "about",
    "with",
    "into",
    "after",
    "before",
    "while",
    "something",
    "my",
    "sister",
    "is",
    "called",
    "anna",
    "my",
    "interview",
    "is",
    "on",
    "friday",
    "i",
    "work",
    "as",
    "a",
    "nurse",
    "i",
    "live",
    "in",
    "porto",
]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(4, 40))]
    return " ".join(words).capitalize() + rng.choice([".", "?", "!"])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


class Peer:
    """A bare chat loop in SQLite: what every chat app must do for a turn."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS m (id INTEGER PRIMARY KEY, role TEXT, text TEXT, at REAL)"
        )

    def turn(self, text: str, reply: str) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO m(role, text, at) VALUES ('user', ?, ?)", (text, time.time())
            )
        self.db.execute("SELECT role, text FROM m ORDER BY id DESC LIMIT 50").fetchall()
        with self.db:
            self.db.execute(
                "INSERT INTO m(role, text, at) VALUES ('assistant', ?, ?)", (reply, time.time())
            )


async def run(seed_turns: int, turns: int, profile: str | None) -> None:
    from samantha.backends.scripted import ScriptedBackend
    from samantha.clock import FixedClock
    from samantha.config import Paths, Settings
    from samantha.engine import TurnResult, build_companion

    rng = random.Random(7)
    home = Path(os.environ["SAMANTHA_HOME"])
    paths = Paths.from_env()
    clock = FixedClock()
    backend = ScriptedBackend(context_window=8192)
    companion = build_companion(Settings(), paths=paths, backend=backend, clock=clock)
    began = time.perf_counter()
    # A home kept from an earlier run with the same seed (``--home``) is used as it is: the
    # same sentences are drawn, so the measured turns say the same words.
    mark = home / f"seeded-{seed_turns}"
    reuse = mark.exists()
    for _ in range(seed_turns):
        reply, text = sentence(rng), sentence(rng)
        clock.advance(timedelta(minutes=7))
        if reuse:
            continue
        backend.queue(reply)
        async for _event in companion.turn(text):
            pass
        backend.requests.clear()
    seeded = time.perf_counter() - began
    stored = len(await companion.history(100_000))
    peer = Peer(home / "peer.db")
    for _ in range(seed_turns):
        text, reply = sentence(rng), sentence(rng)
        if not reuse:
            peer.turn(text, reply)
    if not reuse:
        mark.touch()
    # Said on stderr so a sampling profiler can attach for the measured turns only:
    #   py-spy record --pid $(pgrep -f turn_cpu.py) after this line appears.
    print(f"seeded in {seeded:.0f} s; measuring", file=sys.stderr, flush=True)
    ours_cpu: list[float] = []
    ours_wall: list[float] = []
    peer_cpu: list[float] = []
    profiler = db_profiler = None
    if profile:
        import cProfile

        # cProfile sees one thread: the database thread gets its own, merged at the end. Each
        # counts its own thread's CPU time (not wall time, which waiting and load inflate).
        profiler = cProfile.Profile(time.thread_time)
        db_profiler = cProfile.Profile(time.thread_time)
    for turn in range(turns):
        text, reply = sentence(rng), sentence(rng)
        backend.queue(reply)
        clock.advance(timedelta(minutes=3))
        if db_profiler is not None and turn == PROFILE_AFTER:
            # A session's first turns load what every later one reuses (the tokenizer, the
            # vector index): measured below, but left out of the profile of a turn.
            await companion.store.run(lambda _: db_profiler.enable())
        c0, w0 = time.process_time(), time.perf_counter()
        if profiler and turn >= PROFILE_AFTER:
            profiler.enable()
        async for event in companion.turn(text):
            if isinstance(event, TurnResult):
                pass
        if profiler:
            profiler.disable()
        ours_cpu.append((time.process_time() - c0) * 1000)
        ours_wall.append((time.perf_counter() - w0) * 1000)
        backend.requests.clear()
        c0 = time.process_time()
        peer.turn(text, reply)
        peer_cpu.append((time.process_time() - c0) * 1000)
    if db_profiler is not None:
        await companion.store.run(lambda _: db_profiler.disable())
    await companion.aclose()
    if profiler and db_profiler and profile:
        import pstats

        pstats.Stats(profiler).add(db_profiler).dump_stats(profile)
    ours95, peer95 = pct(ours_cpu, 95), pct(peer_cpu, 95)
    print(
        f"seeded {seed_turns} real turns ({stored} messages) in {seeded:.0f} s; "
        f"{turns} measured turns, interleaved with the peer; load {os.getloadavg()[0]:.2f}"
    )
    print("figure | samantha | peer | ratio | target | met")
    print(
        f"turn CPU p95 at {stored} messages (ms) | {ours95:.2f} | {peer95:.2f} | "
        f"{ours95 / peer95:.1f}x | < {TARGET_P95_MS:g} ms | {'yes' if ours95 < TARGET_P95_MS else 'no'}"
    )
    print(
        f"turn CPU median (ms) | {statistics.median(ours_cpu):.2f} | "
        f"{statistics.median(peer_cpu):.2f} | "
        f"{statistics.median(ours_cpu) / statistics.median(peer_cpu):.1f}x | - | -"
    )
    print(f"turn wall p95 (ms) | {pct(ours_wall, 95):.2f} | - | - | - | -")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed-turns", type=int, default=5000)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--profile")
    parser.add_argument(
        "--home",
        help="keep the seeded home here and reuse it on later runs, which measure in a copy"
        " of it (the seeding run's own measured turns add to it)",
    )
    args = parser.parse_args()
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="samantha-turn-"))
    home.mkdir(parents=True, exist_ok=True)
    scratch = None
    if (home / f"seeded-{args.seed_turns}").exists():
        # A kept home is measured in a copy, so every later run starts from the same
        # memories (the measured turns add to what they run in).
        scratch = Path(tempfile.mkdtemp(prefix="samantha-turn-"))
        shutil.copytree(home, scratch, dirs_exist_ok=True)
        home = scratch
    os.environ["SAMANTHA_HOME"] = str(home)
    repo_tiktoken = Path(__file__).resolve().parents[1] / "tests/data/tiktoken"
    if repo_tiktoken.is_dir():
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(repo_tiktoken))
    try:
        asyncio.run(run(args.seed_turns, args.turns, args.profile))
    finally:
        if not args.home or scratch is not None:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
