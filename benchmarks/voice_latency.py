"""Prints the time from a reply's first token to her first audio reaching the sink (p50/p95 ms).

The reply streams at ``--rate`` tokens a second into ``Voice`` (the same object the TUI feeds),
which speaks through the OpenAI-compatible adapter to the fake audio server on 127.0.0.1; the
server's own ``--delay`` is subtracted, so the figure is samantha's part: waiting for the first
sentence to end, the request, reading the WAV, and handing it to the sink. Target: < 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from samantha.speech.audio import Audio, NullSink
from samantha.speech.endpoint import Endpoint
from samantha.speech.tts import OpenAISpeech
from samantha.speech.voice import Voice

REPO = Path(__file__).resolve().parents[1]
TARGET_MS = 300.0
REPLY = (
    "Oh, hello! It's been a while since we talked, and I've been wondering how the interview "
    "went. Did they ask about the project you were worried about? I kept thinking about what "
    "you said, that you do your best work when nobody is watching. Tell me everything."
)


def tokens(text: str) -> list[str]:
    """Roughly what a model streams: a word and its space, four characters or so."""
    out: list[str] = []
    for word in text.split(" "):
        while len(word) > 4:
            out.append(word[:4])
            word = word[4:]
        out.append(word + " ")
    return out


class TimedSink(NullSink):
    """A null sink that notes when the first audio of a reply reaches it."""

    first: asyncio.Future[float] | None = None

    async def play(self, audio: Audio) -> None:
        if self.first is not None and not self.first.done():
            self.first.set_result(time.perf_counter())
        await super().play(audio)


async def one_reply(voice: Voice, sink: TimedSink, rate: float) -> float:
    """Seconds from the first token fed to the first audio played."""
    sink.first = asyncio.get_running_loop().create_future()
    started = time.perf_counter()
    for token in tokens(REPLY):
        voice.feed(token)
        await asyncio.sleep(1 / rate)
    voice.finish()
    played = await asyncio.wait_for(sink.first, 30)
    voice.barge_in()  # the rest of the reply is not what is measured
    await voice.drain()
    return played - started


async def measure(runs: int, delay: float, rate: float) -> list[float]:
    sys.path.insert(0, str(REPO))
    from tests.speech.fakeaudio import FakeAudio

    with FakeAudio(delay=delay) as server:
        sink = TimedSink()
        speaker = OpenAISpeech(Endpoint(server.base_url, max_retries=0), "tts-1")
        voice = Voice(speaker, sink, "nova")
        await one_reply(voice, sink, rate)  # warm-up: the client and its connection
        latencies = [await one_reply(voice, sink, rate) - delay for _ in range(runs)]
        await voice.aclose()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="replies measured (default 50)")
    parser.add_argument(
        "--delay", type=float, default=0.0, help="the fake server's own latency, seconds"
    )
    parser.add_argument("--rate", type=float, default=1000.0, help="tokens a second (1000)")
    args = parser.parse_args()
    latencies = asyncio.run(measure(args.runs, args.delay, args.rate))
    ms = sorted(x * 1000 for x in latencies)
    p50 = statistics.median(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    verdict = "within" if p95 < TARGET_MS else "OVER"
    print(
        f"first token -> first audio at the sink, minus the server's {args.delay * 1000:g} ms "
        f"({args.runs} replies at {args.rate:g} tokens/s): p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"max {ms[-1]:.1f} ms ({verdict} the {TARGET_MS:g} ms target)"
    )
    return 0 if p95 < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
