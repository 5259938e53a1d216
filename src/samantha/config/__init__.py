"""Settings and paths: CLI flags > ``SAMANTHA_*`` environment > the TOML config file > defaults.

Nothing here touches the file system or the environment at import time; ``Paths.from_env``
and ``load_settings`` do it when called, so tests can point ``SAMANTHA_HOME`` at a tmp dir.

Nor does importing this module import pydantic: ``Settings`` and ``BackendSpec`` (pydantic
and pydantic-settings, about a sixth of a second to import) live in ``config.model`` and load
on first use, through ``from samantha.config import Settings`` as before or ``load_settings``.
So the chat can import what it needs from here (``PRESETS``, ``Paths``) and paint its first
frame before any of that is loaded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from samantha.config.model import BackendSpec as BackendSpec
    from samantha.config.model import Settings as Settings

APP_NAME = "samantha"

#: What ``config.model`` defines; handed out from here on first use (see ``__getattr__``).
_FROM_MODEL = frozenset({"Settings", "BackendSpec"})


@dataclass(frozen=True)
class Paths:
    """Where samantha keeps things. ``SAMANTHA_HOME`` puts everything in one folder."""

    data_dir: Path
    config_dir: Path

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Paths:
        env = os.environ if environ is None else environ
        home = env.get("SAMANTHA_HOME")
        if home:
            root = Path(home).expanduser()
            return cls(data_dir=root, config_dir=root)
        import platformdirs

        return cls(
            data_dir=platformdirs.user_data_path(APP_NAME),
            config_dir=platformdirs.user_config_path(APP_NAME),
        )

    @property
    def db_path(self) -> Path:
        return self.data_dir / "samantha.db"

    @property
    def config_file(self) -> Path:
        override = os.environ.get("SAMANTHA_CONFIG")
        return Path(override).expanduser() if override else self.config_dir / "config.toml"

    @property
    def personas_dir(self) -> Path:
        return self.config_dir / "personas"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "samantha.log"


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


def load_settings(**overrides: Any) -> Settings:
    """Build settings from flags (``overrides``; None means 'not given'), env and the file.

    A config file that is not TOML or UTF-8, or a value that is invalid, is a ``ConfigError``
    naming the setting and where to fix it."""
    from samantha.config.model import load_settings as load

    return load(**overrides)


def peek_setting(name: str) -> str | None:
    """One plain string setting, read before the full settings are (the chat's theme, for
    its first frame): the environment, then the config file. Anything unreadable is None
    here; ``load_settings`` reports it properly a moment later."""
    from samantha.config.sections import flatten, nested_env

    value = os.environ.get(f"SAMANTHA_{name.upper()}") or nested_env(os.environ).get(name)
    if value:
        return value
    import tomllib

    try:
        with Paths.from_env().config_file.open("rb") as file:
            found = flatten(tomllib.load(file))[0].get(name)
    except (OSError, ValueError):
        return None
    return found if isinstance(found, str) and found else None


def __getattr__(name: str) -> Any:
    """``Settings`` and ``BackendSpec`` on first use: importing them loads pydantic."""
    if name in _FROM_MODEL:
        from samantha.config import model as config_model

        value = getattr(config_model, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
