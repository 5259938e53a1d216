"""Database bytes per 1,000 messages, seeded through the real turn path, beside bare SQLite.

Figure: the size of samantha's database file (WAL checkpointed into it, as it is after she
closes) per 1,000 stored messages, and its ratio to the UTF-8 bytes of the messages' text
(issue 17's target: at most 3x the text). Every message went through ``Companion.turn`` with
a zero-latency scripted backend (the sentences of ``turn_cpu.py``), so episodes, facts,
vectors, full-text rows and mood snapshots exist as after months of use; the backlog of
vectors a next start would embed (her replies) is embedded before measuring.

Peers, written one transaction per message as a chat app writes them: a bare SQLite chat
table with the same messages, and the same table with an external-content FTS5 index over it
(the least an app that can search its history stores).

Sizes do not depend on load or timing, so one run says it all; the breakdown per table and
index (SQLite's ``dbstat``) shows where the bytes go.

    python benchmarks/db_size.py [--seed-turns 5000] [--reply-sentences 1] [--home DIR]
        [--texts synthetic|longmemeval] [--vacuum]

The ratio to the text depends on how long messages are (every message carries a fixed cost:
its row, a vector, a mood snapshot): ``--reply-sentences 4`` gives her replies a model's
length.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta
from pathlib import Path

from turn_cpu import sentence

TARGET_RATIO = 3.0
ROOT = Path(__file__).resolve().parents[1]


class PeerChat:
    """A chat table as any chat app keeps one; with ``search``, an FTS5 index over it."""

    def __init__(self, path: Path, *, search: bool) -> None:
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(
            "CREATE TABLE m (id INTEGER PRIMARY KEY, conversation INTEGER, role TEXT,"
            " text TEXT, at TEXT)"
        )
        if search:
            self.db.execute(
                "CREATE VIRTUAL TABLE m_fts USING fts5(text, content='m', content_rowid='id',"
                " tokenize='porter unicode61')"
            )
            self.db.execute(
                "CREATE TRIGGER m_ai AFTER INSERT ON m BEGIN"
                " INSERT INTO m_fts (rowid, text) VALUES (new.id, new.text); END"
            )

    def add(self, role: str, text: str, at: str) -> None:
        with self.db:
            self.db.execute(
                "INSERT INTO m (conversation, role, text, at) VALUES (1, ?, ?, ?)",
                (role, text, at),
            )

    def close(self) -> int:
        return file_bytes(self.db)


def file_bytes(conn: sqlite3.Connection) -> int:
    """The main file's size once the WAL is folded back in (what a closed database weighs)."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    return pages * size


def breakdown(conn: sqlite3.Connection) -> list[tuple[str, int, int]]:
    """(table or index, bytes of its pages, bytes of payload), largest first; FTS5's shadow
    tables are named as they are stored (``x_data`` holds the index itself)."""
    try:
        rows = conn.execute(
            "SELECT name, sum(pgsize), sum(payload) FROM dbstat GROUP BY name"
            " ORDER BY sum(pgsize) DESC"
        ).fetchall()
        return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]
    except sqlite3.OperationalError:  # a SQLite built without dbstat: whole pages only
        return []


def synthetic(turns: int, reply_sentences: int) -> Iterator[tuple[str, str]]:
    """(user line, her reply) in turn_cpu.py's words."""
    rng = random.Random(7)
    for _ in range(turns):
        reply = " ".join(sentence(rng) for _ in range(reply_sentences))
        yield sentence(rng), reply


def real_chat(turns: int, folder: Path) -> Iterator[tuple[str, str]]:
    """(user turn, assistant turn) pairs of LongMemEval-S's chat sessions (MIT; read from
    beside the repository, never shipped), each session once, in the file's order: real words,
    so full-text indexes are as large as real text makes them (turn_cpu.py's 80-word
    vocabulary compresses unusually well). Its assistant turns run long (1.7 KB median)."""
    import json
    import lzma

    with lzma.open(folder / "longmemeval_s.json.xz", "rt", encoding="utf-8") as file:
        questions = json.load(file)
    seen: set[str] = set()
    given = 0
    for question in questions:
        for sid, session in zip(
            question["haystack_session_ids"], question["haystack_sessions"], strict=True
        ):
            if sid in seen:
                continue
            seen.add(sid)
            for user, reply in zip(session[::2], session[1::2], strict=False):
                if user["role"] != "user" or reply["role"] != "assistant":
                    break
                if not user["content"].strip() or not reply["content"].strip():
                    continue
                yield user["content"], reply["content"]
                given += 1
                if given == turns:
                    return


async def seed(home: Path, exchanges: Iterable[tuple[str, str]]) -> tuple[int, int, int, int]:
    """Seed samantha turn by turn, then write her stored messages to both peers; returns
    (messages, text bytes, bare peer bytes, peer with FTS5 bytes)."""
    from samantha.backends.scripted import ScriptedBackend
    from samantha.clock import FixedClock
    from samantha.config import Paths, Settings
    from samantha.engine import build_companion

    clock = FixedClock()
    backend = ScriptedBackend(context_window=8192)
    companion = build_companion(Settings(), paths=Paths.from_env(), backend=backend, clock=clock)
    turns = 0
    for text, reply in exchanges:
        turns += 1
        clock.advance(timedelta(minutes=7))
        backend.queue(reply)
        async for _event in companion.turn(text):
            pass
        backend.requests.clear()
    # Her replies get their vectors from the backlog at the next start (``warm``): embedded
    # now, the database is as a user's is on any later day.
    await asyncio.to_thread(companion.memory.embed_backlog)
    history = await companion.history(10 * turns + 10)
    await companion.aclose()
    messages = len(history)
    text_bytes = sum(len(m.text.encode()) for m in history)
    # The peers hold what samantha stored (her replies as she kept them, after her cap).
    peers = []
    for name, search in (("peer-bare.db", False), ("peer-fts.db", True)):
        peer = PeerChat(home / name, search=search)
        for m in history:
            peer.add(m.role.value, m.text, m.created_at.isoformat())
        peers.append(peer.close())
    return messages, text_bytes, peers[0], peers[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed-turns", type=int, default=5000)
    parser.add_argument("--home", help="keep the seeded home here (the database stays)")
    parser.add_argument(
        "--texts",
        choices=["synthetic", "longmemeval"],
        default="synthetic",
        help="turn_cpu.py's sentences, or LongMemEval-S's real chat turns",
    )
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("LONGMEMEVAL_DIR", str(ROOT.parent / "shared/data/longmemeval")),
    )
    parser.add_argument(
        "--reply-sentences",
        type=int,
        default=1,
        help="sentences in each of her replies (1: turn_cpu.py's; a model's run longer)",
    )
    parser.add_argument(
        "--vacuum", action="store_true", help="also report the size after VACUUM (not the figure)"
    )
    args = parser.parse_args()
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="samantha-size-"))
    home.mkdir(parents=True, exist_ok=True)
    os.environ["SAMANTHA_HOME"] = str(home)
    repo_tiktoken = Path(__file__).resolve().parents[1] / "tests/data/tiktoken"
    if repo_tiktoken.is_dir():
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(repo_tiktoken))
    try:
        began = time.perf_counter()
        messages, text, bare, searched = asyncio.run(
            seed(
                home,
                real_chat(args.seed_turns, Path(args.data_dir))
                if args.texts == "longmemeval"
                else synthetic(args.seed_turns, args.reply_sentences),
            )
        )
        seconds = time.perf_counter() - began
        report(home, messages, text, bare, searched, seconds, vacuum=args.vacuum)
    finally:
        if not args.home:
            shutil.rmtree(home, ignore_errors=True)


def report(
    home: Path,
    messages: int,
    text: int,
    bare: int,
    searched: int,
    seconds: float,
    *,
    vacuum: bool,
) -> None:
    from samantha.config import Paths

    conn = sqlite3.connect(Paths.from_env().db_path, isolation_level=None)
    ours = file_bytes(conn)
    parts = breakdown(conn)
    per_k = 1000 / messages
    print(
        f"seeded {messages} messages ({text / messages:.0f} text bytes each on average) through"
        f" the real turn path in {seconds:.0f} s, load {os.getloadavg()[0]:.2f}; one run (sizes"
        " do not depend on load); peers hold the same messages, one transaction each"
    )
    print("figure | samantha | peer | ratio | target | met")
    ratio = ours / text
    print(
        f"database MB per 1k messages (peer: bare chat table) | {ours * per_k / 1e6:.3f} |"
        f" {bare * per_k / 1e6:.3f} | {ours / bare:.1f}x | - | -"
    )
    print(
        f"database MB per 1k messages (peer: chat table + FTS5) | {ours * per_k / 1e6:.3f} |"
        f" {searched * per_k / 1e6:.3f} | {ours / searched:.1f}x | - | -"
    )
    print(
        f"database bytes / message text bytes (peer: table + FTS5) | {ratio:.2f}x |"
        f" {searched / text:.2f}x | {ratio / (searched / text):.1f}x | <= {TARGET_RATIO:g}x |"
        f" {'yes' if ratio <= TARGET_RATIO else 'no'}"
    )
    if vacuum:
        conn.execute("VACUUM")
        packed = file_bytes(conn)
        print(
            f"after VACUUM: bytes / text bytes | {packed / text:.2f}x |"
            f" {searched / text:.2f}x | {packed / searched:.1f}x | - | -"
        )
        parts = breakdown(conn)
    if parts:
        total = sum(p[1] for p in parts)
        print()
        print("where the bytes go (dbstat) | bytes per message | x text | share | payload/msg")
        for name, size, payload in parts:
            if size * 1000 < total:
                continue
            print(
                f"{name} | {size / messages:.0f} | {size / text:.2f}x | {100 * size / total:.1f}%"
                f" | {payload / messages:.0f}"
            )
        small = sum(p[1] for p in parts if p[1] * 1000 < total)
        print(f"(everything else) | {small / messages:.0f} | {small / text:.2f}x | - | -")
    conn.close()


if __name__ == "__main__":
    main()
