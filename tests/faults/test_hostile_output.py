"""What reaches a terminal through the command line, whatever a user types or a model sends.

Generated messages and generated model replies (escape sequences split anywhere, NULs, bidi
overrides, C1 controls, line separators, huge runs) go through the real engine, and what the
command line would print of them goes through its sanitiser. For every input: no crash, no
hang, nothing lost (the user's words and her reply stored as they were, the printed reply
the stored one, only made visible), and nothing a terminal would obey.

The bulk runs in-process on the engine API; a few hundred inputs go through real
``samantha say -`` processes (forked from the warm zygote) against the fake server, where the
HTTP client, JSON and stdin decoding are in the path too.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samantha.backends.base import Chunk, ReplyRequest, Usage
from samantha.backends.scripted import ScriptedBackend
from samantha.cli.memory import _line
from samantha.cli.safe_output import shown
from samantha.engine import Companion, ReplyChunk, TurnResult, clean_text
from samantha.errors import InputError
from tests.fakeserver import FakeOpenAI, stream
from tests.faults.zygote import Zygote
from tests.test_cli import cli_env

#: What a terminal acts on instead of showing: C0 but tab and newline, DEL, C1, the bidi
#: controls and the line separators. Written out here, apart from the sanitiser's own list.
OBEYED = frozenset(
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n"]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + list("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    + ["\u2028", "\u2029"]
)

FRAGMENTS = [
    "\x1b]0;title\x07",
    "\x1b[2J\x1b[H",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b]8;;http://evil.example/\x1b\\",
    "\x1b[?1049h",
    "\x9b31m",
    "\x1b",
    "[",
    "\x00",
    "\r",
    "\r\n",
    "\u202e",
    "\u2066",
    "\u2028",
    "\x7f",
    "\x85",
    "[bold]x[/bold]",
    "My sister is called ",
    "call me ",
    "I love ",
    " ",
    "\n",
]
ANY = st.characters(exclude_categories=())
NO_SURROGATES = st.characters(exclude_categories=("Cs",))
#: What a user types or pastes: anything, lone surrogates included.
USER = st.one_of(
    st.text(ANY, max_size=200),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(ANY, max_size=12)), max_size=10).map(
        "".join
    ),
)
#: A model's reply as the adapter yields it (an orphan surrogate is already U+FFFD by then),
#: in pieces that split escape sequences anywhere.
PIECES = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(NO_SURROGATES, min_size=1, max_size=12)),
    min_size=1,
    max_size=12,
)

#: Turns tried, and what went wrong with them (read by the last test of the module). Each
#: turn carries two generated inputs that reach the terminal: the user's message (stored,
#: learned from, listed by `memory list`) and the model's reply (printed by `say`).
ENGINE_TURNS = 5_000
SUBPROCESS_RUNS = 100
INPUTS_PER_TURN = 2
HANG_SECONDS = 20


@dataclass
class Tally:
    tried: int = 0
    crashes: int = 0
    hangs: int = 0
    lost: int = 0


ENGINE = Tally()
PROCESSES = Tally()


def obeyed(text: str) -> list[str]:
    return sorted({c for c in text if c in OBEYED})


class PieceBackend(ScriptedBackend):
    """Streams each queued reply in exactly the pieces given, as a model adapter would."""

    def __init__(self) -> None:
        super().__init__(context_window=2048)
        self.pieces: deque[list[str]] = deque()

    async def stream(self, request: ReplyRequest) -> AsyncIterator[Chunk]:
        self.requests.append(request)
        pieces = self.pieces.popleft() if self.pieces else ["I'm listening."]
        for piece in pieces:
            await asyncio.sleep(0)
            yield Chunk(text=piece)
        yield Chunk(finish_reason="stop", usage=Usage(prompt_tokens=None, completion_tokens=1))


class Companions:
    """One companion for many examples, so history, memories and the prompt pile up; a new
    one (in a new home) every ``RENEW`` turns keeps each turn's cost near a real user's."""

    RENEW = 250

    def __init__(self, root: Path) -> None:
        self.root = root
        self.current: Companion | None = None
        self.turns = 0

    def get(self) -> Companion:
        from samantha.config import Settings
        from samantha.engine import build_companion

        if self.current is None or self.turns >= self.RENEW:
            self.close()
            home = self.root / f"home-{ENGINE.tried}"
            home.mkdir()
            os.environ["SAMANTHA_HOME"] = str(home)
            settings = Settings(persona="samantha", extractor="rules")
            self.current = build_companion(settings, backend=PieceBackend())
            self.turns = 0
        self.turns += 1
        return self.current

    def close(self) -> None:
        if self.current is not None:
            self.current.store.close()
            self.current = None


@pytest.fixture(scope="module")
def companions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Companions]:
    home = os.environ.get("SAMANTHA_HOME")
    made = Companions(tmp_path_factory.mktemp("hostile-output"))
    try:
        yield made
    finally:
        made.close()
        if home is None:
            os.environ.pop("SAMANTHA_HOME", None)
        else:
            os.environ["SAMANTHA_HOME"] = home


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError(f"one input took more than {HANG_SECONDS} s")


def last_messages(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT role, text FROM messages ORDER BY id DESC LIMIT 2").fetchall()
    finally:
        conn.close()
    return [(str(role), str(text)) for role, text in reversed(rows)]


async def _turn(companion: Companion, text: str) -> tuple[list[str], TurnResult]:
    printed: list[str] = []
    result: TurnResult | None = None
    async for event in companion.turn(text):
        if isinstance(event, ReplyChunk):
            printed.append(shown(event.text))  # exactly what `samantha say` writes
        elif isinstance(event, TurnResult):
            result = event
    assert result is not None
    return printed, result


@settings(
    max_examples=ENGINE_TURNS,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(user=USER, pieces=PIECES)
def test_nothing_a_terminal_would_obey_reaches_it_and_nothing_is_lost(
    companions: Companions, user: str, pieces: list[str]
) -> None:
    companion = companions.get()
    ENGINE.tried += 1
    backend = companion.backend
    assert isinstance(backend, PieceBackend)
    backend.pieces.clear()
    backend.pieces.append(pieces)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
    try:
        if not clean_text(user).strip():
            with pytest.raises(InputError):
                asyncio.run(_turn(companion, user))
            return
        printed, result = asyncio.run(_turn(companion, user))
    except TimeoutError:
        ENGINE.hangs += 1
        raise
    except Exception:
        ENGINE.crashes += 1
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    output = "".join(printed)
    stored = last_messages(companion.store.path)
    kept = stored == [("user", clean_text(user)), ("assistant", result.reply)]
    whole = result.reply == "".join(pieces)[: len(result.reply)]
    if not (kept and whole and output == shown(result.reply)):
        ENGINE.lost += 1
    assert kept, (stored, user)
    assert whole, (result.reply, pieces)
    assert output == shown(result.reply)  # streamed in pieces or whole, shown the same
    assert obeyed(output) == [], output
    assert obeyed(shown(user)) == []
    # What `memory list` prints of what she drew from it.
    for memory in result.extracted:
        assert obeyed(shown(_line(memory))) == [], memory.text


# -- real processes ----------------------------------------------------------------------------


def _generated(rng: random.Random, alphabet: list[str], pieces: int) -> list[str]:
    """Hostile pieces without hypothesis (the runs are started all at once, not one by one)."""
    out: list[str] = []
    for _ in range(rng.randint(1, pieces)):
        if rng.random() < 0.5:
            out.append(rng.choice(FRAGMENTS))
        else:
            out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10))))
    return out


def _alphabet(rng: random.Random) -> list[str]:
    wide = [chr(rng.randint(0x20, 0x10FFFF)) for _ in range(200)]
    controls = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]]
    return [*wide, *controls, "\ud800", "\udfff", "a", "e", " ", "."]


def test_samantha_say_prints_nothing_a_terminal_would_obey(tmp_path: Path) -> None:
    rng = random.Random(20261204)
    alphabet = _alphabet(rng)
    scratch = tmp_path / "zygote"
    zygote = Zygote(cli_env(tmp_path / "unused"), scratch)
    report: dict[int, str] = {}
    try:
        for start in range(0, SUBPROCESS_RUNS, 20):
            batch: list[tuple[int, str, list[str], FakeOpenAI, Path, Any]] = []
            for number in range(start, min(start + 20, SUBPROCESS_RUNS)):
                user = "".join(_generated(rng, alphabet, 6))
                pieces = _generated(rng, alphabet, 8)
                server = FakeOpenAI(stream(pieces)).start()
                home = tmp_path / f"home-{number}"
                said = tmp_path / f"stdin-{number}"
                said.write_bytes(user.encode("utf-8", "surrogatepass"))
                argv = ["--backend", "custom", "--base-url", server.base_url, "say", "-"]
                child = zygote.spawn(argv, cli_env(home, SAMANTHA_MAX_RETRIES="0"), stdin=said)
                batch.append((number, user, pieces, server, home, child))
            for number, user, pieces, server, home, child in batch:
                PROCESSES.tried += 1
                try:
                    code = zygote.wait(child, timeout=HANG_SECONDS * 3)
                except TimeoutError:
                    PROCESSES.hangs += 1
                    report[number] = "hang"
                    continue
                finally:
                    server.stop()
                problem = _say_problem(code, child, user, pieces, home)
                if problem:
                    report[number] = problem
                    if "exit" in problem:
                        PROCESSES.crashes += 1
                    else:
                        PROCESSES.lost += 1
    finally:
        zygote.close()
    assert report == {}


def _say_problem(code: int, child: Any, user: str, pieces: list[str], home: Path) -> str:
    out, err = child.output()
    typed = user.encode("utf-8", "surrogatepass").decode("utf-8", "replace").rstrip("\r\n")
    if not clean_text(typed).strip():
        return "" if code == 2 and "type a message" in err else f"exit {code} on empty: {err!r}"
    if code != 0:
        return f"exit {code}: {err!r}"
    if obeyed(out + err):
        return f"obeyable output: {out!r}"
    stored = last_messages(home / "samantha.db")
    if stored[0] != ("user", clean_text(typed)):
        return f"user message stored as {stored[0]!r}"
    reply = stored[1][1]
    sent = "".join(pieces)
    joined = sent.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if not joined.startswith(reply) or out != shown(reply) + "\n":
        return f"reply lost or changed: stored {reply!r}, printed {out!r}"
    return ""


def test_the_figures() -> None:
    """Runs after the two above (module order): every input was tried, none went wrong."""
    if ENGINE.tried == 0 or PROCESSES.tried == 0:
        pytest.skip("run together with the two tests above")
    tried = INPUTS_PER_TURN * (ENGINE.tried + PROCESSES.tried)
    print(
        f"\nhostile inputs: {tried} tried (messages and replies of {ENGINE.tried} turns through "
        f"the engine API and {PROCESSES.tried} runs of samantha say -), "
        f"crashes {ENGINE.crashes + PROCESSES.crashes}, hangs {ENGINE.hangs + PROCESSES.hangs}, "
        f"lost {ENGINE.lost + PROCESSES.lost}"
    )
    assert tried >= 10_000
    assert (ENGINE.crashes, ENGINE.hangs, ENGINE.lost) == (0, 0, 0)
    assert (PROCESSES.crashes, PROCESSES.hangs, PROCESSES.lost) == (0, 0, 0)
