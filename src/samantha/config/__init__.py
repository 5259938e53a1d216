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
from typing import TYPE_CHECKING, Any

from samantha.config.paths import APP_NAME, Paths
from samantha.config.presets import PRESETS, BackendPreset

if TYPE_CHECKING:
    from samantha.config.model import BackendSpec as BackendSpec
    from samantha.config.model import Settings as Settings


#: What ``config.model`` defines; handed out from here on first use (see ``__getattr__``).
_FROM_MODEL = frozenset({"Settings", "BackendSpec"})

__all__ = [
    "APP_NAME",
    "PRESETS",
    "BackendPreset",
    "BackendSpec",
    "Paths",
    "Settings",
    "load_settings",
    "peek_setting",
]


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
