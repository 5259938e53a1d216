"""The backend protocol: messages in, text chunks out. Backends know nothing of the engine.

A backend is found by *kind* in a registry filled from the ``samantha.backends`` entry-point
group (the built-ins register there too), so picking one is configuration, never an ``if``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from importlib.metadata import entry_points
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from samantha.config import BackendSpec
from samantha.errors import ConfigError


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str


class VoiceHints(BaseModel):
    """What the offline voice needs to sound like *her*; model backends ignore it.

    The engine fills this from the persona and the companion's state, so a chat with no model
    still answers in character and with what she knows.
    """

    character: str = "Samantha"
    user_name: str | None = None
    openers: list[str] = Field(default_factory=list)
    comfort: list[str] = Field(default_factory=list)
    delight: list[str] = Field(default_factory=list)
    curiosity: list[str] = Field(default_factory=list)
    musings: list[str] = Field(default_factory=list)
    self_questions: list[str] = Field(default_factory=list)
    greetings: list[str] = Field(default_factory=list)
    hurt: list[str] = Field(default_factory=list)
    forgiving: list[str] = Field(default_factory=list)
    name_heard: list[str] = Field(default_factory=list)
    missed_you: list[str] = Field(default_factory=list)
    #: They have never spoken before: her greeting introduces her.
    first_meeting: bool = False
    #: The relationship was strained when this message arrived (an apology may have eased it).
    was_strained: bool = False
    mood: str | None = None
    #: How strongly she feels it, 0..1: a strong low mood makes her brief.
    mood_intensity: float = 0.0
    #: The relationship is strained: she is cooler until amends are made.
    strained: bool = False
    #: What the user's message did (insult, apology, affection ...), from the appraisal.
    events: list[str] = Field(default_factory=list)
    #: Things she remembers that bear on this message, in plain words.
    memories: list[str] = Field(default_factory=list)
    #: Plans of theirs that were due in the last few days ("My interview is on Friday.").
    past_plans: list[str] = Field(default_factory=list)
    #: Plans coming up in the next few days.
    upcoming_plans: list[str] = Field(default_factory=list)
    #: e.g. "three days", when it has been a while since the last talk.
    time_away: str | None = None
    #: She speaks first: the session's greeting, not a reply.
    opening: bool = False


class ReplyRequest(BaseModel):
    messages: list[ChatMessage]
    max_tokens: int | None = None
    temperature: float | None = None
    hints: VoiceHints = Field(default_factory=VoiceHints)


class Usage(BaseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class Chunk(BaseModel):
    text: str = ""
    usage: Usage | None = None
    finish_reason: str | None = None


@runtime_checkable
class Backend(Protocol):
    """What every adapter offers. Capabilities are attributes, not subclass checks."""

    name: str
    model: str
    context_window: int
    can_stream: bool
    needs_key: bool

    @property
    def serves_embeddings(self) -> bool:
        """Whether ``embed(texts, model)`` works (a property, so adapters may compute it)."""
        ...

    #: True for the built-in voice that is not a language model; the UI labels it.
    is_offline: bool

    def stream(self, request: ReplyRequest) -> AsyncIterator[Chunk]:
        """Yield the reply as it is produced; raise ``BackendError`` with a user sentence."""
        ...

    async def check(self) -> str:
        """One sentence on whether the backend answers (for ``doctor`` and 'test connection')."""
        ...

    async def aclose(self) -> None: ...


BackendFactory = Callable[[BackendSpec], Backend]

_registry: dict[str, BackendFactory] = {}


def register(kind: str, factory: BackendFactory) -> None:
    """Add or replace a backend kind (tests and plugins use this)."""
    _registry[kind] = factory


def available_kinds() -> list[str]:
    _load_entry_points()
    return sorted(_registry)


def _load_entry_points() -> None:
    for ep in entry_points(group="samantha.backends"):
        if ep.name not in _registry:
            _registry[ep.name] = _lazy(ep.value)


def _lazy(target: str) -> BackendFactory:
    """Import the backend's module only when it is used: openai alone costs half a second."""

    def factory(spec: BackendSpec) -> Backend:
        module_name, _, attr = target.partition(":")
        import importlib

        cls = getattr(importlib.import_module(module_name), attr)
        backend: Backend = cls(spec)
        return backend

    return factory


_BUILTINS = {
    "offline": "samantha.backends.offline:OfflineBackend",
    "scripted": "samantha.backends.scripted:ScriptedBackend",
    "openai": "samantha.backends.openai_compat:OpenAICompatBackend",
}


def create_backend(spec: BackendSpec) -> Backend:
    if spec.kind not in _registry and spec.kind in _BUILTINS:
        # Built-ins work even from a source tree whose entry points are not installed.
        _registry[spec.kind] = _lazy(_BUILTINS[spec.kind])
    if spec.kind not in _registry:
        _load_entry_points()
    factory = _registry.get(spec.kind)
    if factory is None:
        names = ", ".join(available_kinds())
        raise ConfigError(
            f"There is no backend called '{spec.name}': choose one of offline, openai, ollama, "
            f"vllm, llamacpp, lmstudio, custom (installed kinds: {names})."
        )
    return factory(spec)
