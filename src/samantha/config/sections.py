"""The settings by section, as the config file and the environment write them:

    persona = "samantha"          # who she is: the one top-level key

    [backend]                     # what she speaks through
    name = "ollama"
    model = "llama3.2"

    [memory]                      # what she keeps and brings up
    recall_k = 5
    half_life_hours = 720

``SAMANTHA_MEMORY__RECALL_K`` sets the same value from the environment. The older flat forms
(``recall_k = 5`` at the top of the file, ``SAMANTHA_RECALL_K``) keep working; a flat key in the
file gets a one-line note with its new place. Plain data: the chat reads it before its first frame.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Section -> the settings that live in it, in the order a user reads them.
SECTIONS: dict[str, tuple[str, ...]] = {
    "backend": (
        "backend",
        "model",
        "base_url",
        "api_key",
        "context_window",
        "reply_tokens",
        "request_timeout",
        "max_retries",
        "seed",
        "offline_pace",
    ),
    "memory": (
        "recall_k",
        "memory_tokens",
        "memory_half_life_hours",
        "embedding_model",
        "extractor",
    ),
    "mind": ("appraiser", "crisis_help", "timezone"),
    "voice": (
        "voice",
        "tts_engine",
        "tts_model",
        "tts_voice",
        "stt_model",
        "voice_base_url",
        "voice_api_key",
        "volume",
    ),
    "appearance": ("theme",),
    "initiative": ("nudge", "nudge_after_minutes", "nudges_per_day", "quiet_hours"),
}
#: Within its section a setting may go by a shorter name: ``[backend] name``, ``[voice] enabled``.
SHORT_NAMES: dict[str, dict[str, str]] = {
    "backend": {"name": "backend"},
    "memory": {"tokens": "memory_tokens", "half_life_hours": "memory_half_life_hours"},
    "voice": {"enabled": "voice", "base_url": "voice_base_url", "api_key": "voice_api_key"},
    "initiative": {
        "enabled": "nudge",
        "after_minutes": "nudge_after_minutes",
        "per_day": "nudges_per_day",
    },
}
#: Setting -> its section; a setting in none of them (``persona``) stays at the top.
SECTION_OF: dict[str, str] = {key: section for section, keys in SECTIONS.items() for key in keys}
#: Setting -> the name it has inside its section's table.
INNER_NAME: dict[str, str] = {
    flat: short for shorts in SHORT_NAMES.values() for short, flat in shorts.items()
}


def setting_in(section: str, inner: str) -> str | None:
    """The setting ``[section] inner`` means, or None when the section has no such key."""
    flat = SHORT_NAMES.get(section, {}).get(inner, inner)
    return flat if SECTION_OF.get(flat) == section else None


def where(key: str) -> str:
    """How a user names a setting: ``memory.recall_k``, ``backend.name``, ``persona``."""
    section = SECTION_OF.get(key)
    return f"{section}.{INNER_NAME.get(key, key)}" if section else key


def flatten(data: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
    """The file's values as settings take them, and a note for each key in its old place.

    A section's table is spread out; a table that is no section, or a key that is in none,
    is passed on as it is, so the settings report it (with a did-you-mean)."""
    flat: dict[str, object] = {}
    notes: list[str] = []
    for key, value in data.items():
        if key in SECTIONS and isinstance(value, Mapping):
            for inner, inner_value in value.items():
                flat[setting_in(key, inner) or f"{key}.{inner}"] = inner_value
        elif key in SECTION_OF and not isinstance(value, Mapping):
            flat.setdefault(key, value)
            notes.append(moved(key))
        else:
            flat[key] = value
    return flat, notes


def moved(key: str) -> str:
    section = SECTION_OF[key]
    return (
        f"note: the setting '{key}' now lives under [{section}] in config.toml, as "
        f"{INNER_NAME.get(key, key)} (it still works where it is)."
    )


def nested_env(environ: Mapping[str, str]) -> dict[str, str]:
    """``SAMANTHA_MEMORY__RECALL_K=7`` as ``recall_k``; unknown pairs are left out here (the
    flat ``SAMANTHA_*`` names are read by the settings themselves)."""
    found: dict[str, str] = {}
    for name, value in environ.items():
        if not name.startswith("SAMANTHA_") or "__" not in name:
            continue
        section, _, inner = name[len("SAMANTHA_") :].lower().partition("__")
        key = setting_in(section, inner)
        if key is not None:
            found[key] = value
    return found


def split(values: Mapping[str, object]) -> dict[str, object]:
    """Flat settings as the file writes them: each in its section's table."""
    out: dict[str, object] = {}
    for key, value in values.items():
        section = SECTION_OF.get(key)
        if section is None:
            out[key] = value
        else:
            table = out.setdefault(section, {})
            assert isinstance(table, dict)
            table[INNER_NAME.get(key, key)] = value
    return out
