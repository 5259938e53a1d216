"""Which OpenAI-compatible server speaks and listens, with which key, and its failures in words.

A key goes only to the server it was given for: ``voice_api_key`` to the voice server, the chat
``api_key`` only when the voice server is the chat server (or OpenAI, for the openai backend),
and ``OPENAI_API_KEY`` only to OpenAI.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import SecretStr

from samantha.config import PRESETS, Settings
from samantha.speech.errors import Unavailable, VoiceError
from samantha.urls import redact

if TYPE_CHECKING:
    from openai import AsyncOpenAI

OPENAI_URL = PRESETS["openai"].base_url or "https://api.openai.com/v1"
Purpose = Literal["speech", "transcription"]

#: The openai client puts this before the server's own words.
_ERROR_CODE = re.compile(r"^Error code: \d+ - ")

NO_ENDPOINT = (
    "There is no speech server: set voice_base_url to an OpenAI-compatible one "
    "(or OPENAI_API_KEY to use OpenAI's)."
)


@dataclass(frozen=True)
class Endpoint:
    """An OpenAI-compatible server for ``/v1/audio/*``."""

    base_url: str
    api_key: SecretStr | None = None
    timeout: float = 60.0
    max_retries: int = 2

    def __repr__(self) -> str:
        return f"Endpoint({self.base_url!r}, key={'set' if self.api_key else 'none'})"

    def client(self) -> AsyncOpenAI:
        from openai import AsyncOpenAI

        key = self.api_key.get_secret_value() if self.api_key else None
        return AsyncOpenAI(
            # Local servers ignore the key, but the client insists on having one.
            api_key=key or "not-needed",
            base_url=self.base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
        )

    def scrub(self, text: str, limit: int = 120) -> str:
        """Servers sometimes echo the key in error text; it must never reach a screen or log."""
        key = self.api_key.get_secret_value() if self.api_key else ""
        if key:
            text = text.replace(key, "***")
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 1] + "…"


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.rstrip("/") == b.rstrip("/")


def resolve_endpoint(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> Endpoint | Unavailable:
    """The voice server the settings name, or OpenAI's when there is a key for it."""
    env = os.environ if environ is None else environ
    env_key = SecretStr(env["OPENAI_API_KEY"]) if env.get("OPENAI_API_KEY") else None
    chat_url = settings.base_url or (PRESETS.get(settings.backend) or PRESETS["custom"]).base_url
    url = settings.voice_base_url
    key = settings.voice_api_key
    if url:
        if key is None and _same(url, chat_url):
            key = settings.api_key
        if key is None and _same(url, OPENAI_URL):
            key = env_key
    else:
        if key is None and settings.backend == "openai" and _same(chat_url, OPENAI_URL):
            key = settings.api_key
        key = key or env_key
        if key is None:
            return Unavailable(NO_ENDPOINT)
        url = OPENAI_URL
    return Endpoint(
        base_url=url,
        api_key=key,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
    )


def translate(exc: BaseException, endpoint: Endpoint, purpose: Purpose, model: str) -> VoiceError:
    """The one sentence for a failed speech or transcription request."""
    import openai

    where = redact(endpoint.base_url)
    setting = "tts_model" if purpose == "speech" else "stt_model"
    if isinstance(exc, VoiceError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return VoiceError(
            f"The {purpose} server at {where} did not answer within {endpoint.timeout:g} "
            "seconds: check it, or raise request_timeout."
        )
    if isinstance(exc, openai.APIConnectionError):
        return VoiceError(
            f"Cannot reach the {purpose} server at {where}: start it or check voice_base_url."
        )
    if isinstance(exc, openai.AuthenticationError):
        return VoiceError(
            f"{where} refused the key for {purpose} (401): set voice_api_key or OPENAI_API_KEY."
        )
    if isinstance(exc, openai.NotFoundError):
        return VoiceError(
            f"{where} has no {purpose} endpoint or no model '{model}' (404): check that "
            f"voice_base_url ends in /v1 and that {setting} is a model it serves."
        )
    if isinstance(exc, openai.RateLimitError):
        return VoiceError(f"{where} is rate-limiting {purpose} requests (429): wait a minute.")
    if isinstance(exc, openai.APIStatusError):
        code = exc.status_code
        if code >= 500:
            return VoiceError(
                f"The {purpose} server at {where} failed ({code}): try again later or check "
                "its log."
            )
        said = endpoint.scrub(_ERROR_CODE.sub("", exc.message))
        return VoiceError(
            f"{where} refused the {purpose} request ({code}: {said}): check voice_base_url "
            f"and {setting}."
        )
    return VoiceError(
        f"The {purpose} request to {where} failed ({type(exc).__name__}: "
        f"{endpoint.scrub(str(exc))}): check the server."
    )
