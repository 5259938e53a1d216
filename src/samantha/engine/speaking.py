"""How she speaks: through a language model, or in the built-in offline voice. This is the one
place that tells the two apart; everything else in the engine speaks through a ``Speaker``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from samantha.backends.base import Backend, ChatMessage, Chunk, ReplyRequest, Source
from samantha.errors import ConfigError
from samantha.voice.offline import VoiceRenderer
from samantha.voice.scene import Scene


@dataclass(frozen=True)
class Line:
    """What she speaks from: the prompt's messages for a model, the scene for the offline
    voice. The engine fills both; each speaker reads its own."""

    messages: list[ChatMessage]
    scene: Scene
    max_tokens: int
    temperature: float | None


class Speaker(Protocol):
    source: Source
    #: Count tokens with the model's tokenizer (the offline voice has none: an estimate).
    exact_tokens: bool
    #: Ask this model to read feelings and facts (JSON); ``None`` when there is no model.
    model: Backend | None
    #: How a front end names what she speaks through.
    label: str
    offline: bool

    def speak(self, line: Line) -> AsyncIterator[Chunk]: ...


class ModelSpeaker:
    exact_tokens = True
    offline = False

    def __init__(self, backend: Backend) -> None:
        self.source: Source = backend
        self.model: Backend | None = backend
        self.backend = backend
        self.label = f"{backend.name} · {backend.model}"

    def speak(self, line: Line) -> AsyncIterator[Chunk]:
        request = ReplyRequest(
            messages=line.messages, max_tokens=line.max_tokens, temperature=line.temperature
        )
        return self.backend.stream(request)


class VoiceSpeaker:
    exact_tokens = False
    offline = True
    model: Backend | None = None

    def __init__(self, voice: VoiceRenderer) -> None:
        self.source: Source = voice
        self.voice = voice
        self.label = "offline voice"

    def speak(self, line: Line) -> AsyncIterator[Chunk]:
        return self.voice.render(line.scene)


def speaker_for(source: Source) -> Speaker:
    """The offline voice renders her persona; anything else is a model behind an adapter."""
    if isinstance(source, VoiceRenderer):
        return VoiceSpeaker(source)
    if isinstance(source, Backend):
        return ModelSpeaker(source)
    raise ConfigError(
        f"The backend '{source.name}' cannot stream a reply (it lacks part of the backend "
        "protocol): update or remove the plugin that provides it."
    )
