"""The named ways to reach a model (offline, openai, ollama, llamacpp ...): plain values the
chat reads before its first frame."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class BackendPreset:
    """A named way to reach a model: which adapter, where, and what it needs.

    A plain dataclass, not a pydantic model: the presets are fixed values written below, with
    nothing to validate, and the chat reads them before its first frame.
    """

    kind: str
    base_url: str | None = None
    default_model: str
    needs_key: bool = False
    context_window: int = 8192
    #: The environment variable this provider's own tools use for the key, read as a fallback.
    key_env: str | None = None


PRESETS: dict[str, BackendPreset] = {
    "offline": BackendPreset(kind="offline", default_model="offline-voice", context_window=8192),
    "scripted": BackendPreset(kind="scripted", default_model="scripted", context_window=8192),
    "openai": BackendPreset(
        kind="openai",
        base_url="https://api.openai.com/v1",
        default_model="gpt-4o-mini",
        needs_key=True,
        context_window=128_000,
        key_env="OPENAI_API_KEY",
    ),
    # Local servers know their own context window (0: the adapter asks the server, and
    # assumes 8192 if it does not say); a context_window setting overrides what it says.
    "ollama": BackendPreset(
        kind="openai",
        base_url="http://localhost:11434/v1",
        default_model="llama3.2",
        context_window=0,
    ),
    "vllm": BackendPreset(
        kind="openai",
        base_url="http://localhost:8000/v1",
        default_model="default",
        context_window=0,
    ),
    "llamacpp": BackendPreset(
        kind="openai",
        base_url="http://localhost:8080/v1",
        default_model="default",
        context_window=0,
    ),
    "lmstudio": BackendPreset(
        kind="openai",
        base_url="http://localhost:1234/v1",
        default_model="default",
        context_window=0,
    ),
    "custom": BackendPreset(kind="openai", default_model="default", context_window=0),
    # A GGUF file run in this process; its context length is read from the file (0: the file's).
    "local": BackendPreset(kind="local", default_model="default", context_window=0),
}
