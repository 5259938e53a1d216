"""Prints the engine's per-turn overhead (p50/p95/p99/max ms) at 10,000 stored messages."""

from __future__ import annotations

import asyncio
import ipaddress
import os
import random
import shutil
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

MESSAGES = 10_000
WARMUP_TURNS = 20
MEASURED_TURNS = 300
TARGET_P95_MS = 5.0
LARGE_WINDOW = 128_000

_VOCABULARY = (
    "i you she we it the a an and but so because when then today tonight yesterday tomorrow "
    "work home coffee rain walk music book friend sister mother city train window garden "
    "tired happy quiet strange lovely hard long little really maybe just still again "
    "think feel remember wonder know want need like love miss hope wish said asked "
    "about with without into over under after before while around something nothing "
    "everything anyway honestly actually probably definitely the morning evening weekend"
)
_WORDS = _VOCABULARY.split()


def _setup_env() -> Path:
    """Point samantha at a throwaway home so a user's data is never touched."""
    home = Path(tempfile.mkdtemp(prefix="samantha-bench-"))
    os.environ["SAMANTHA_HOME"] = str(home)
    os.environ["SAMANTHA_OFFLINE_PACE"] = "0"
    shared = Path(__file__).resolve().parents[2] / "shared/data/tiktoken"
    if "TIKTOKEN_CACHE_DIR" not in os.environ and shared.is_dir():
        os.environ["TIKTOKEN_CACHE_DIR"] = str(shared)
    return home


def _forbid_network() -> None:
    """Figures must never depend on the network: refuse any non-loopback connection."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        if isinstance(address, tuple):
            host = str(address[0])
            try:
                local = host in {"localhost", ""} or ipaddress.ip_address(host).is_loopback
            except ValueError:
                local = False
            if not local:
                raise OSError(f"benchmarks may not reach the network ({address!r})")
        real_connect(self, address)  # type: ignore[arg-type]

    socket.socket.connect = guarded  # type: ignore[method-assign,assignment]


def _sentence(rng: random.Random, low: int = 20, high: int = 400) -> str:
    """Chat-like text whose length is uniform in [low, high] characters."""
    target = rng.randint(low, high)
    words: list[str] = []
    length = 0
    while length < target:
        word = rng.choice(_WORDS)
        words.append(word)
        length += len(word) + 1
    text = " ".join(words)[:target].rstrip()
    return text[0].upper() + text[1:] + rng.choice((".", "?", "!", "..."))


def _percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class RunResult:
    label: str
    stored: int
    window: int
    accuracy: str
    prompt_messages: int
    dropped: int
    first_turn_ms: float
    turns_ms: list[float]
    prepare_ms: list[float]


async def _run(label: str, context_window: int | None, seed: int) -> RunResult:
    from samantha.backends.scripted import ScriptedBackend
    from samantha.clock import FixedClock
    from samantha.config import Paths, Settings
    from samantha.domain.conversation import Role
    from samantha.engine import TurnResult, build_companion

    rng = random.Random(seed)
    turns = WARMUP_TURNS + MEASURED_TURNS
    user_texts = [_sentence(rng) for _ in range(turns)]
    replies = [_sentence(rng) for _ in range(turns)]

    # Each run gets its own database file so the two runs do not share history.
    home = Path(os.environ["SAMANTHA_HOME"]) / label.replace(" ", "-")
    paths = Paths.from_env({"SAMANTHA_HOME": str(home)})
    clock = FixedClock()
    backend = ScriptedBackend(replies=replies, context_window=context_window)
    companion = build_companion(Settings(), paths=paths, backend=backend, clock=clock)
    try:
        conv = await companion.new_conversation()
        start = clock.now() - timedelta(seconds=30 * MESSAGES)
        seed_rows = [
            (
                Role.USER if i % 2 == 0 else Role.ASSISTANT,
                "you" if i % 2 == 0 else companion.persona.name,
                _sentence(rng),
                start + timedelta(seconds=30 * i),
            )
            for i in range(MESSAGES)
        ]
        companion.store.run_sync(
            lambda s: [
                s.conversations.add_message(conv.id, role, speaker, text, at)
                for role, speaker, text, at in seed_rows
            ],
            write=True,
        )

        turns_ms: list[float] = []
        prepare_ms: list[float] = []
        last: TurnResult | None = None
        first_turn_ms = 0.0
        for index, text in enumerate(user_texts):
            clock.advance(timedelta(seconds=20))
            began = time.perf_counter()
            async for event in companion.turn(text):
                if isinstance(event, TurnResult):
                    last = event
            elapsed = (time.perf_counter() - began) * 1000
            # The scripted backend keeps every request for tests to inspect; a real backend
            # does not, and 300 retained prompts would bloat the heap and every GC pass.
            backend.requests.clear()
            if index == 0:
                first_turn_ms = elapsed
            if index >= WARMUP_TURNS:
                turns_ms.append(elapsed)
                assert last is not None
                prepare_ms.append(last.timings.prepare_ms)
        assert last is not None
        stored = companion.store.run_sync(lambda s: s.conversations.count_messages(conv.id))
        return RunResult(
            label=label,
            stored=stored,
            window=companion.backend.context_window,
            accuracy=last.prompt.accuracy,
            prompt_messages=len(last.prompt.messages) - 1,
            dropped=last.prompt.dropped,
            first_turn_ms=first_turn_ms,
            turns_ms=turns_ms,
            prepare_ms=prepare_ms,
        )
    finally:
        await companion.aclose()


def _report(result: RunResult) -> None:
    t = sorted(result.turns_ms)
    p = sorted(result.prepare_ms)
    p95 = _percentile(t, 95)
    verdict = "ok" if p95 < TARGET_P95_MS else "OVER TARGET"
    print(
        f"{result.label}: turn ms p50={_percentile(t, 50):.2f} p95={p95:.2f} "
        f"p99={_percentile(t, 99):.2f} max={t[-1]:.2f} "
        f"(target p95 < {TARGET_P95_MS:g} ms: {verdict}); "
        f"messages={result.stored} window={result.window} accuracy={result.accuracy}"
    )
    print(
        f"  {result.label}: prepare ms (before backend) p50={_percentile(p, 50):.2f} "
        f"p95={_percentile(p, 95):.2f}; mean turn={statistics.fmean(t):.2f} ms; "
        f"first (cold) turn={result.first_turn_ms:.1f} ms; "
        f"prompt carries {result.prompt_messages} messages, {result.dropped} fetched dropped"
    )


def main() -> None:
    home = _setup_env()
    _forbid_network()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"engine overhead: scripted backend (zero latency), {MESSAGES} seeded messages, "
        f"{WARMUP_TURNS} warm-up + {MEASURED_TURNS} measured turns, python {sys.version.split()[0]}, "
        f"load average {load} on {os.cpu_count()} CPUs"
    )
    print(f"TIKTOKEN_CACHE_DIR={os.environ.get('TIKTOKEN_CACHE_DIR', '-')}")
    began = time.perf_counter()
    try:
        _report(asyncio.run(_run("default window", None, seed=1)))
        _report(asyncio.run(_run("large window", LARGE_WINDOW, seed=2)))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(f"benchmark took {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
