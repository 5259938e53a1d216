"""The built-in offline voice: no model, no network, still recognisably *her*.

It is not a model server: the engine hands it a ``Scene`` (the message, her mood, what she
recalled, the persona's phrase banks) and it renders her reply from those, so each companion
sounds different. A seeded RNG keyed on the conversation makes replies repeatable for a seed.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

from samantha.backends.base import Chunk, Usage
from samantha.config import BackendSpec
from samantha.voice.compose import RECENT_REPLIES, Unrepeating, compose_reply
from samantha.voice.reading import read_message
from samantha.voice.scene import Scene


class VoiceRenderer:
    """Renders her reply from a ``Scene``; streams it word by word."""

    needs_key = False

    def __init__(self, spec: BackendSpec) -> None:
        self.name = spec.name
        self.model = "offline voice"
        self.context_window = spec.context_window
        self._seed = spec.seed
        self._pace = spec.offline_pace

    def compose(self, scene: Scene) -> str:
        seed = f"{self._seed}|{scene.position}|{scene.text}"
        if scene.variant:
            seed += f"|{scene.variant}"
        key = seed.encode("utf-8", "replace")
        rng = Unrepeating(
            int.from_bytes(hashlib.sha256(key).digest()[:8], "big"), scene.said[-RECENT_REPLIES:]
        )
        return compose_reply(read_message(scene.text), scene, rng)

    async def render(self, scene: Scene) -> AsyncIterator[Chunk]:
        reply = self.compose(scene)
        words = reply.split(" ")
        for index, word in enumerate(words):
            # Yield control every word even at pace 0, so a cancel (Esc) lands promptly.
            await asyncio.sleep(self._pace)
            yield Chunk(text=word if index == len(words) - 1 else word + " ")
        yield Chunk(finish_reason="stop", usage=Usage(completion_tokens=len(words)))

    def warm(self) -> None:
        return None

    async def check(self) -> str:
        return "The offline voice is built in and always answers (no model, no network)."

    async def aclose(self) -> None:
        return None
