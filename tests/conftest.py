"""Every test gets its own SAMANTHA_HOME, no inherited settings, and no network but loopback."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from samantha.backends.scripted import ScriptedBackend
from samantha.clock import FixedClock
from samantha.config import Settings
from samantha.engine import Companion, build_companion

#: The encodings the tests count with, kept in the repository so any clone runs offline.
TIKTOKEN_FILES = Path(__file__).resolve().parent / "data" / "tiktoken"
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _loopback(address: object) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths: local by definition
    host = str(address[0])
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        if not _loopback(address):
            raise OSError(f"tests may not reach the network ({address!r})")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("SAMANTHA_") or name in {"OPENAI_API_KEY", "OPENAI_BASE_URL"}:
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("SAMANTHA_HOME", str(home))
    monkeypatch.setenv("SAMANTHA_OFFLINE_PACE", "0")
    # Always the repository's copy: a cache dir inherited from the shell (or one that is empty)
    # would make the counts, and so the prompts, depend on the machine.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(TIKTOKEN_FILES))
    return home


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def scripted() -> ScriptedBackend:
    return ScriptedBackend()


MakeCompanion = Callable[..., Companion]


@pytest.fixture
def make_companion(isolated_home: Path, clock: FixedClock) -> Iterator[MakeCompanion]:
    """Build companions on the real engine, persona files and database, with a fixed clock."""
    made: list[Companion] = []

    def make(
        backend: object | None = None, persona: str = "samantha", **settings: object
    ) -> Companion:
        config = Settings(persona=persona, **settings)  # type: ignore[arg-type]
        companion = build_companion(
            config,
            backend=backend or ScriptedBackend(),  # type: ignore[arg-type]
            clock=clock,
        )
        made.append(companion)
        return companion

    yield make
    for companion in made:
        companion.store.close()


async def collect(companion: Companion, text: str) -> tuple[str, object]:
    """Run one turn; return the streamed text and the final event."""
    from samantha.engine import ReplyChunk

    streamed: list[str] = []
    last: object = None
    async for event in companion.turn(text):
        if isinstance(event, ReplyChunk):
            streamed.append(event.text)
        last = event
    return "".join(streamed), last


async def drain(events: AsyncIterator[object]) -> list[object]:
    return [event async for event in events]
