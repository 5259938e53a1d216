"""Kill `samantha say` at random moments and count what survives; race writers against each other.

Shared by tests/faults/test_crash_safety.py (which asserts on the figures) and
benchmarks/crash_safety.py (which prints them).

What is owed to the user: once any word of her reply is on their screen, their own message must
be on disk (the engine commits it before asking the backend); once the reply has ended, hers
must be too, exactly as shown. A kill may cost the words of a reply still being spoken, never
anything owed, and never the database itself.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.faults.zygote import Child, Zygote
from tests.test_cli import cli_env

#: Seconds per word of the offline voice: slow enough to land kills mid-reply, fast enough
#: to keep 50 kills within seconds.
PACE = 0.03
MESSAGES = [
    "tell me a long story about the sea",
    "I had a really long day at work, the trains were late again",
    "what do you think about when I'm not here?",
    "my sister visited and we walked by the river for hours",
    "do you remember what I told you about the studio?",
]


@dataclass(frozen=True)
class KillPoint:
    """When to kill: after ``words`` words of her reply appeared (-1: after the reply ended,
    while samantha closes the database), then ``delay`` seconds more."""

    words: int
    delay: float


def kill_points(count: int, seed: int) -> list[KillPoint]:
    """A seeded mix: during start-up and the first commit, mid-reply, and during shutdown."""
    rng = random.Random(seed)
    points = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.2:
            points.append(KillPoint(0, rng.uniform(0.0, 0.35)))
        elif roll < 0.8:
            points.append(KillPoint(rng.randint(1, 8), rng.uniform(0.0, PACE)))
        else:
            points.append(KillPoint(-1, rng.uniform(0.0, 0.05)))
    return points


@dataclass
class Figures:
    tried: int = 0
    #: The process was still running when SIGKILL arrived.
    killed: int = 0
    #: The reply (and shutdown) finished before the kill point came.
    finished_first: int = 0
    #: Integrity check ok, nothing owed missing, and the next start worked.
    survived: int = 0
    owed_messages: int = 0
    lost: int = 0
    writers: int = 0
    writer_errors: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: Figures) -> None:
        for name in ("tried", "killed", "finished_first", "survived", "owed_messages", "lost"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.writers += other.writers
        self.writer_errors += other.writer_errors
        self.problems += other.problems


def read_only(home: Path) -> sqlite3.Connection:
    """A look that changes nothing: a read-write connection would checkpoint the WAL on close
    and hand the next start a tidier database than the crash left."""
    return sqlite3.connect(f"{(home / 'samantha.db').as_uri()}?mode=ro", uri=True)


def stored(home: Path) -> tuple[str, list[tuple[str, str, str]]]:
    """The integrity check's verdict and every message, oldest first."""
    if not (home / "samantha.db").exists():
        return "ok", []
    conn = read_only(home)
    try:
        verdict = "; ".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check"))
        try:
            rows = conn.execute("SELECT role, text, status FROM messages ORDER BY id").fetchall()
        except sqlite3.OperationalError:
            rows = []  # killed before the first migration committed
        return verdict, rows
    finally:
        conn.close()


def _words(child: Child) -> tuple[int, bool]:
    """Words of her reply on screen so far, and whether it has ended (the final newline)."""
    text = child.stdout.read_bytes()
    return len(text.split()), text.endswith(b"\n")


def _lane(zygote: Zygote, home: Path, points: list[KillPoint], lane: int) -> Figures:
    """Kill one start after another on the same database, each on what the last one left."""
    figures = Figures()
    owed_user: list[str] = []
    owed_reply: list[str] = []
    #: Whether the database the previous kill left passed its checks (None: no kill yet).
    left_sound: bool | None = None
    for number, point in enumerate(points):
        figures.tried += 1
        message = f"{MESSAGES[(lane + number) % len(MESSAGES)]} ({lane}.{number})"
        child = zygote.spawn(["say", message], cli_env(home, SAMANTHA_OFFLINE_PACE=str(PACE)))
        assert child.pid is not None
        while not child.done.is_set():
            words, ended = _words(child)
            if point.words == 0 or ended or 0 < point.words <= words:
                break
            time.sleep(0.003)
        time.sleep(point.delay)
        if not child.done.is_set():
            # It may end on its own between the check and the kill: then it finished first,
            # which the figures below count.
            with contextlib.suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
        code = zygote.wait(child)
        out, err = child.output()
        figures.killed += code == -signal.SIGKILL
        figures.finished_first += code == 0
        started = not err and code in {0, -signal.SIGKILL}
        if not started:
            figures.problems.append(f"lane {lane} start {number} failed ({code}): {err!r}")
        if left_sound and started:
            figures.survived += 1  # the previous kill: a sound database, and this start worked
        if out.strip():
            owed_user.append(message)
        if code == 0:
            owed_reply.append(out.rstrip("\n"))
        missing, verdict, users = _check(home, owed_user, owed_reply)
        left_sound = verdict == "ok" and not missing and len(users) == len(set(users))
        if not left_sound:
            figures.problems.append(
                f"lane {lane} after kill {number} ({point}): integrity {verdict!r}, "
                f"missing {missing!r}, users {users!r}"
            )
    # The last kill is survived if a plain start afterwards simply works.
    final = zygote.spawn(["say", "are you still there?"], cli_env(home))
    code = zygote.wait(final)
    out, err = final.output()
    if code == 0 and not err:
        owed_user.append("are you still there?")
        owed_reply.append(out.rstrip("\n"))
        figures.survived += bool(left_sound)
    else:
        figures.problems.append(f"lane {lane}: the start after the last kill failed: {err!r}")
    missing, verdict, _ = _check(home, owed_user, owed_reply)
    if verdict != "ok":
        figures.problems.append(f"lane {lane} at the end: integrity {verdict!r}")
    figures.owed_messages = len(owed_user) + len(owed_reply)
    figures.lost = len(missing)
    return figures


def _check(
    home: Path, owed_user: list[str], owed_reply: list[str]
) -> tuple[list[str], str, list[str]]:
    """What is owed but missing, the integrity verdict, and the user messages stored."""
    verdict, rows = stored(home)
    users = [text for role, text, _ in rows if role == "user"]
    replies = [text for role, text, status in rows if role == "assistant" and status == "complete"]
    missing = [m for m in owed_user if m not in users] + [r for r in owed_reply if r not in replies]
    return missing, verdict, users


def kill_campaign(
    zygote: Zygote, root: Path, *, kills: int = 50, lanes: int = 4, seed: int = 20260302
) -> Figures:
    """``kills`` seeded kill points, spread over ``lanes`` homes killed one after another."""
    points = kill_points(kills, seed)
    shares = [points[lane::lanes] for lane in range(lanes)]
    total = Figures()
    with ThreadPoolExecutor(max_workers=lanes) as pool:
        runs = [
            pool.submit(_lane, zygote, root / f"lane{lane}", share, lane)
            for lane, share in enumerate(shares)
        ]
        for run in runs:
            total.add(run.result())
    return total


def concurrent_writers(zygote: Zygote, home: Path, *, rounds: int = 4, writers: int = 3) -> Figures:
    """``writers`` `samantha say` at once on one database, ``rounds`` times; the first round
    starts on no database at all, so the migrations race too."""
    figures = Figures()
    said: list[tuple[str, str]] = []
    for number in range(rounds):
        children: list[tuple[str, Child]] = []
        for writer in range(writers):
            message = f"{MESSAGES[writer % len(MESSAGES)]} (round {number}, writer {writer})"
            env = cli_env(home, SAMANTHA_OFFLINE_PACE="0.01")
            children.append((message, zygote.spawn(["say", message], env)))
        for message, child in children:
            figures.writers += 1
            code = zygote.wait(child)
            out, err = child.output()
            if code != 0 or err:
                figures.writer_errors += 1
                figures.problems.append(f"writer failed ({code}): {err!r}")
            else:
                said.append((message, out.rstrip("\n")))
    verdict, rows = stored(home)
    if verdict != "ok":
        figures.problems.append(f"integrity {verdict!r}")
    users = [text for role, text, _ in rows if role == "user"]
    replies = [text for role, text, status in rows if role == "assistant" and status == "complete"]
    figures.owed_messages = 2 * len(said)
    for message, reply in said:
        figures.lost += users.count(message) != 1
        figures.lost += reply not in replies
    return figures


def describe(figures: Figures) -> list[str]:
    return [
        f"kill points tried:        {figures.tried}",
        f"  killed mid-run:         {figures.killed}",
        f"  finished before kill:   {figures.finished_first}",
        f"  survived:               {figures.survived}",
        f"messages owed:            {figures.owed_messages} (a reply had begun on screen)",
        f"concurrent writers:       {figures.writers} ({figures.writer_errors} errors)",
        f"lost:                     {figures.lost}",
    ]
