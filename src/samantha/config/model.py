"""The pydantic half of ``samantha.config``: ``Settings`` (pydantic-settings) and ``BackendSpec``.

It lives apart so that importing ``samantha.config`` costs nothing: pydantic and
pydantic-settings take about a sixth of a second to import, which the chat's first frame does
not need. ``samantha.config`` hands these classes out on first use (``from samantha.config
import Settings`` works as before), and ``load_settings`` imports this module when called.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from samantha.config.paths import Paths
from samantha.config.presets import PRESETS, BackendPreset
from samantha.config.sections import flatten, nested_env
from samantha.errors import ConfigError


class BackendSpec(BaseModel):
    """Everything a backend adapter needs, resolved from presets and settings."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: str
    model: str
    base_url: str | None
    api_key: SecretStr | None
    needs_key: bool
    context_window: int
    timeout: float
    max_retries: int
    seed: int
    offline_pace: float


class Settings(BaseSettings):
    """samantha's settings. Each field can be set in config.toml or as ``SAMANTHA_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="SAMANTHA_",
        extra="forbid",
        populate_by_name=True,
        validate_default=True,
    )

    backend: str = "offline"
    """Which backend to talk to: a preset (offline, openai, ollama, vllm, llamacpp, lmstudio,
    custom) or the name of a backend another package registered."""

    model: str | None = None
    """The model to ask for; each preset has a sensible default."""

    base_url: str | None = None
    """The OpenAI-compatible server's URL (ending in /v1); overrides the preset's."""

    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("api_key", "SAMANTHA_API_KEY")
    )
    """The API key. Never stored anywhere but where you put it. For the openai preset,
    OPENAI_API_KEY is read when this is unset."""

    context_window: int | None = Field(default=None, ge=512)
    """The model's context window in tokens, when the preset's guess is wrong."""

    reply_tokens: int = Field(default=1024, ge=16)
    """Tokens kept free in the context window for her reply."""

    request_timeout: float = Field(default=60.0, gt=0)
    """Seconds to wait for the server before giving up on a request."""

    max_retries: int = Field(default=2, ge=0, le=10)
    """Retries for rate limits, 5xx answers and dropped connections."""

    appraiser: Literal["lexicon", "model"] = "lexicon"
    """How your messages are read for her mood: 'lexicon' (offline, instant) or 'model' (the
    backend returns JSON; any failure falls back to the lexicon). The offline voice always
    uses the lexicon."""

    extractor: Literal["auto", "rules", "model"] = "auto"
    """How facts are drawn from your messages: 'rules' (offline, instant), 'model' (the backend
    returns JSON, checked; anything invalid falls back to the rules), or 'auto': the model when
    there is one, the rules with the offline voice."""

    memory_half_life_hours: float = Field(default=720.0, gt=0)
    """How fast a memory's recency fades when it is not recalled (a month, by default)."""

    recall_k: int = Field(default=5, ge=0, le=50)
    """How many memories come to mind for each message."""

    memory_tokens: int = Field(default=400, ge=0)
    """Token budget of the recalled-memories section of the prompt."""

    embedding_model: str | None = None
    """Embedding model for dense recall when the backend serves /v1/embeddings (for example
    'text-embedding-3-small' or 'nomic-embed-text'); unset, recall uses full-text search only."""

    timezone: str | None = None
    """Your time zone, as an IANA name ('Europe/Oslo'), when the computer's is not yours: what
    "today", "on Friday" and the time in her prompt mean. Unset, the computer's (or TZ)."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"no time zone called {value!r}; try one like 'Europe/Oslo'") from exc
        return value

    nudge: bool = False
    """She may speak first when the chat has been quiet a while (about a plan coming up or
    something heavy you told her); at most ``nudges_per_day``, never in ``quiet_hours``."""

    nudge_after_minutes: float = Field(default=60.0, gt=0)
    """How long the chat must be quiet before she may speak first."""

    nudges_per_day: int = Field(default=3, ge=0)
    """The most times a day she speaks first."""

    quiet_hours: str = Field(
        default="22:00-08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"
    )
    """When she never speaks first, local time, as HH:MM-HH:MM."""

    crisis_help: str = (
        "If you might act on thoughts of ending your life or hurting yourself, please call your "
        "local emergency number now. You can also reach a crisis line any time: 988 in the US "
        "(call or text), 116 123 in the UK and Ireland (Samaritans), or find one near you at "
        "findahelpline.com."
    )
    """How she names a way to reach help when what you say sounds like a crisis (set your own
    country's line here). Every backend gets it: the model as an instruction, the offline voice
    in her reply."""

    theme: str | None = None
    """The chat's colour theme (pick one with Ctrl+P, "Change theme"; it is remembered here)."""

    persona: str = "samantha"
    """The companion to talk to: a shipped persona's name, one in your personas folder, or a path."""

    seed: int = 0
    """Seed of the offline voice, so its replies are repeatable."""

    offline_pace: float = Field(default=0.02, ge=0)
    """Seconds between words when the offline voice streams, so it reads like typing."""

    voice: bool = False
    """Speak her replies aloud as they stream (needs the voice extra: pip install
    'samantha[voice]'). /voice on|off switches it in the chat."""

    tts_engine: Literal["auto", "openai", "espeak", "none"] = "auto"
    """What speaks: 'openai' (any OpenAI-compatible /v1/audio/speech server), 'espeak'
    (espeak-ng, offline), 'none', or 'auto': the server when there is one, else espeak-ng."""

    tts_model: str = "gpt-4o-mini-tts"
    """The speech model to ask the server for (for example tts-1, or kokoro on a local server)."""

    tts_voice: str | None = None
    """Her voice on the speech engine, overriding the persona's speech entry for it."""

    stt_model: str = "whisper-1"
    """The transcription model for push-to-talk (for example whisper-1 or gpt-4o-transcribe)."""

    voice_base_url: str | None = None
    """The OpenAI-compatible server for speech and transcription (ending in /v1); unset,
    OpenAI's when there is an OpenAI key."""

    voice_api_key: SecretStr | None = None
    """The voice server's API key, if it needs one other than the chat key."""

    volume: float = Field(default=0.8, ge=0, le=1)
    """How loud she speaks, from 0 to 1."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sectioned = _SectionedFile(settings_cls)
        return (init_settings, env_settings, _NestedEnv(settings_cls), sectioned)

    def backend_spec(self, environ: Mapping[str, str] | None = None) -> BackendSpec:
        """Resolve the preset, the model and the key into what the adapter needs."""
        env = os.environ if environ is None else environ
        preset = PRESETS.get(self.backend)
        if preset is None:
            # A backend another package registered: it gets the settings as they are.
            preset = BackendPreset(kind=self.backend, default_model="default")
        key = self.api_key
        if key is None and preset.key_env and env.get(preset.key_env):
            key = SecretStr(env[preset.key_env])
        base_url = self.base_url or preset.base_url
        if preset.kind == "openai" and not base_url:
            raise ConfigError(
                f"The {self.backend} backend needs a server address: pass --base-url "
                "(for example http://localhost:8000/v1) or set SAMANTHA_BASE_URL."
            )
        return BackendSpec(
            name=self.backend,
            kind=preset.kind,
            model=self.model or preset.default_model,
            base_url=base_url,
            api_key=key,
            needs_key=preset.needs_key,
            context_window=self.context_window or preset.context_window,
            timeout=self.request_timeout,
            max_retries=self.max_retries,
            seed=self.seed,
            offline_pace=self.offline_pace,
        )

    def public_view(self) -> dict[str, Any]:
        """The settings as a user may see them: secrets masked."""
        data = self.model_dump(mode="python")
        data["api_key"] = "set (hidden)" if self.api_key else None
        return data


#: Notes from the last read of the config file (keys found in their old, flat places).
_NOTES: list[str] = []


def config_notes() -> list[str]:
    """One line for each setting the config file keeps in its old place (front ends show them)."""
    return list(_NOTES)


class _SectionedFile(PydanticBaseSettingsSource):
    """config.toml, by section (``[memory] recall_k = 5``), flat keys still read (with a note)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ reads the whole file at once

    def __call__(self) -> dict[str, Any]:
        data = TomlConfigSettingsSource(
            self.settings_cls, toml_file=Paths.from_env().config_file
        ).toml_data
        flat, notes = flatten(data)
        _NOTES[:] = notes
        return flat


class _NestedEnv(PydanticBaseSettingsSource):
    """``SAMANTHA_MEMORY__RECALL_K``: the sectioned names, beside the flat ``SAMANTHA_RECALL_K``."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(nested_env(os.environ))


def load_settings(**overrides: Any) -> Settings:
    """Build settings from flags (``overrides``; None means 'not given'), env and the file."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings = Settings(**given)
    except tomllib.TOMLDecodeError as exc:
        path = Paths.from_env().config_file
        raise ConfigError(
            f"The config file {path} is not valid TOML ({exc}): fix or remove it."
        ) from exc
    except UnicodeDecodeError as exc:
        path = Paths.from_env().config_file
        raise ConfigError(
            f"The config file {path} is not UTF-8 text (byte {exc.start}): "
            "save it as UTF-8, or fix or remove it."
        ) from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "settings"
        if err["type"] == "extra_forbidden":
            from samantha.config.file import unknown_setting

            raise ConfigError(unknown_setting(where, Paths.from_env().config_file)) from exc
        raise ConfigError(
            f"The setting '{where}' is invalid ({err['msg']}): check the flag, SAMANTHA_"
            f"{where.upper()} or {Paths.from_env().config_file}."
        ) from exc
    if settings.timezone:
        use_timezone(settings.timezone)
    return settings


def use_timezone(name: str) -> None:
    """Make ``name`` this process's local zone. Every date she reads or says goes through
    local time (``astimezone()``), so setting it once here is what makes them all agree."""
    import time

    os.environ["TZ"] = name
    time.tzset()
