"""The backend protocol: messages in, text chunks out. Backends know nothing of the engine.

A backend is found by *kind* in a registry filled from the ``samantha.backends`` entry-point
group (the built-ins register there too), so picking one is configuration, never an ``if``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from importlib.metadata import entry_points
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from samantha.config import BackendSpec
from samantha.errors import ConfigError


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Literal["system", "user", "assistant"]
    content: str


class ReplyRequest(BaseModel):
    messages: list[ChatMessage]
    max_tokens: int | None = None
    temperature: float | None = None
    #: Asked for JSON of this shape (facts): adapters pass it as the server's structured
    #: output (a grammar on llama.cpp), and count answers that are no JSON at all.
    json_schema: dict[str, Any] | None = None

    @property
    def system(self) -> str:
        """Every system message's text: the lead and the moment beside the newest message."""
        return "\n\n".join(m.content for m in self.messages if m.role == "system")


def mid_system(messages: list[ChatMessage]) -> bool:
    """Whether a system message follows the first message (the prompt's moment)."""
    return any(m.role == "system" for m in messages[1:])


def fold_system(messages: list[ChatMessage]) -> list[ChatMessage]:
    """The same prompt for a chat template that allows a system message only first (Gemma's,
    Mistral's): each later one is folded into the message after it, marked as a note."""
    folded: list[ChatMessage] = []
    pending: list[str] = []
    for index, message in enumerate(messages):
        if message.role == "system" and index > 0:
            pending.append(message.content)
            continue
        if pending:
            note = "\n\n".join(pending)
            content = f"(A note for your reply, not said by them:\n{note})\n\n{message.content}"
            message = ChatMessage(role=message.role, content=content)
            pending = []
        folded.append(message)
    if pending:
        extra = ChatMessage(role="system", content="\n\n".join(pending))
        if folded and folded[0].role == "system":
            first = folded[0].content + "\n\n" + extra.content
            folded[0] = ChatMessage(role="system", content=first)
        else:
            folded.insert(0, extra)
    return folded


class Usage(BaseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class Chunk(BaseModel):
    text: str = ""
    usage: Usage | None = None
    finish_reason: str | None = None


@runtime_checkable
class Source(Protocol):
    """What the engine may be given to speak with: a language model behind an adapter
    (``Backend``), or the built-in offline voice (``samantha.voice``), which renders her
    persona instead of running a model. The engine picks how to speak from which one it got,
    in one place (``samantha.engine.speaking``)."""

    name: str
    model: str
    context_window: int
    needs_key: bool

    async def check(self) -> str:
        """One sentence on whether it answers (for ``doctor`` and 'test connection')."""
        ...

    def warm(self) -> None:
        """Load what the first reply would otherwise load (a client library, a model file),
        in the caller's thread: front ends call it off their event loop, before it is needed."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class Backend(Source, Protocol):
    """A language model behind an adapter: messages in, text chunks out. It knows nothing of
    the engine; what it can do is declared as typed attributes, never probed."""

    can_stream: bool
    #: Asked for JSON (facts, appraisals, summaries), it answers JSON well enough to try.
    follows_instructions: bool

    @property
    def serves_embeddings(self) -> bool:
        """Whether ``embed(texts, model)`` works (a property, so adapters may compute it)."""
        ...

    def stream(self, request: ReplyRequest) -> AsyncIterator[Chunk]:
        """Yield the reply as it is produced; raise ``BackendError`` with a user sentence."""
        ...

    async def embed(self, texts: list[str], model: str | None = None) -> list[list[float]]:
        """One vector per text; raise ``BackendError`` when it serves none."""
        ...

    def tokenizer(self) -> Callable[[str], int | None] | None:
        """The model's own token count, when the server offers one (llama.cpp's
        ``/tokenize``) or the model runs in-process: a blocking call, made off the event
        loop, ``None`` for a text it could not count. ``None`` until that is known."""
        ...


BackendFactory = Callable[[BackendSpec], Source]

_registry: dict[str, BackendFactory] = {}


def register(kind: str, factory: BackendFactory) -> None:
    """Add or replace a backend kind (tests and plugins use this)."""
    _registry[kind] = factory


def available_kinds() -> list[str]:
    _load_entry_points()
    return sorted(_registry)


def _load_entry_points() -> None:
    """The built-ins register in pyproject's entry points like any plugin: one list."""
    for ep in entry_points(group="samantha.backends"):
        if ep.name not in _registry:
            _registry[ep.name] = _lazy(ep.name, ep.value)


def _lazy(kind: str, target: str) -> BackendFactory:
    """Import the backend's module only when it is used: openai alone costs half a second."""

    def factory(spec: BackendSpec) -> Source:
        module_name, _, attr = target.partition(":")
        import importlib

        try:
            cls = getattr(importlib.import_module(module_name), attr)
        except Exception as exc:  # a broken plugin is the user's to fix: say which
            raise ConfigError(
                f"The backend plugin '{kind}' ({target}) could not be loaded "
                f"({type(exc).__name__}: {exc}): reinstall or remove the package that provides it."
            ) from None
        source: Source = cls(spec)
        return source

    return factory


def create_backend(spec: BackendSpec) -> Source:
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
