"""Voice tests: a fake audio server, settings that point at it, and a speaker whose timing the
test decides (no sleeps: each sentence finishes when the test says so)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from samantha.config import Settings
from samantha.speech.audio import Audio
from samantha.speech.errors import VoiceError
from tests.speech.fakeaudio import FakeAudio


@pytest.fixture
def audio_server() -> Iterator[FakeAudio]:
    with FakeAudio() as server:
        yield server


def voice_settings(**given: Any) -> Settings:
    """Settings with nothing from the user's config; one retry at most, so failures are fast."""
    given.setdefault("max_retries", 0)
    given.setdefault("request_timeout", 10)
    return Settings(**given)


@dataclass
class GatedSpeaker:
    """A speaker that answers each sentence when the test opens its gate (or at once)."""

    name: str = "fake"
    default_voice: str = "fake-voice"
    where: str = "the fake speaker"
    gated: bool = False
    fail_on: set[str] = field(default_factory=set)
    calls: list[tuple[str, str]] = field(default_factory=list)
    started: dict[str, asyncio.Event] = field(default_factory=dict)
    gates: dict[str, asyncio.Event] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
    closed: bool = False
    #: Syntheses under way now, and the most there ever were at once.
    active: int = 0
    peak: int = 0

    def gate(self, text: str) -> asyncio.Event:
        return self.gates.setdefault(text, asyncio.Event())

    def began(self, text: str) -> asyncio.Event:
        return self.started.setdefault(text, asyncio.Event())

    async def synthesize(self, text: str, voice: str) -> Audio:
        self.calls.append((text, voice))
        self.began(text).set()
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            if self.gated:
                await self.gate(text).wait()
        except asyncio.CancelledError:
            self.cancelled.append(text)
            raise
        finally:
            self.active -= 1
        if text in self.fail_on:
            raise VoiceError(f"The fake speaker cannot say {text!r}.")
        return Audio(pcm=b"\1\0" * len(text), rate=8000, text=text)

    async def aclose(self) -> None:
        self.closed = True


async def until(event: asyncio.Event) -> None:
    """Wait for ``event``; the bound only turns a hang into a failure, it measures nothing."""
    await asyncio.wait_for(event.wait(), 10)
