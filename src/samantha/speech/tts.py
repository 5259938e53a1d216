"""Speech engines behind one small protocol, picked by configuration: an OpenAI-compatible
``/v1/audio/speech`` server, or espeak-ng on this machine."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from samantha.config import Settings
from samantha.speech.audio import Audio, parse_wav
from samantha.speech.endpoint import Endpoint, resolve_endpoint, translate
from samantha.speech.errors import Unavailable, VoiceError
from samantha.urls import redact

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from samantha.persona.model import Persona

#: The programs tried for the offline engine, best first (espeak takes the same options).
ESPEAK_PROGRAMS = ("espeak-ng", "espeak")
NO_ESPEAK = (
    "espeak-ng is not installed: install it (apt install espeak-ng, brew install espeak-ng) "
    "or set voice_base_url to a speech server."
)


class Speaker(Protocol):
    """Turns one sentence into sound."""

    #: The engine's key in a persona's ``speech`` table ("openai", "espeak").
    name: str
    #: The voice used when neither the settings nor the persona name one.
    default_voice: str
    #: Where the speech comes from, for status lines ("espeak-ng", the server's URL).
    where: str

    async def synthesize(self, text: str, voice: str) -> Audio: ...

    async def aclose(self) -> None: ...


class OpenAISpeech:
    """OpenAI's text-to-speech, and every local server that imitates ``/v1/audio/speech``."""

    name = "openai"
    default_voice = "alloy"

    def __init__(self, endpoint: Endpoint, model: str) -> None:
        self.endpoint = endpoint
        self.model = model
        self.where = redact(endpoint.base_url)
        self._client: AsyncOpenAI | None = None

    async def synthesize(self, text: str, voice: str) -> Audio:
        if self._client is None:
            self._client = self.endpoint.client()
        try:
            # WAV, not raw PCM: local servers all support it, and it says its own sample rate.
            response = await self._client.audio.speech.create(
                model=self.model, voice=voice, input=text, response_format="wav"
            )
            data = response.content
        except Exception as exc:
            raise translate(exc, self.endpoint, "speech", self.model) from exc
        return replace(parse_wav(data, f"The speech from {self.where}"), text=text)

    async def aclose(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.close()
            self._client = None


class EspeakSpeech:
    """espeak-ng: robotic, but offline, instant and everywhere."""

    name = "espeak"
    default_voice = "en"

    def __init__(self, program: str) -> None:
        self.program = program
        self.where = os.path.basename(program)

    @classmethod
    def find(cls) -> EspeakSpeech | None:
        for name in ESPEAK_PROGRAMS:
            path = shutil.which(name)
            if path:
                return cls(path)
        return None

    async def synthesize(self, text: str, voice: str) -> Audio:
        # The text goes on stdin, so a sentence starting with "-" is never read as an option;
        # -b 1 says it is UTF-8.
        try:
            process = await asyncio.create_subprocess_exec(
                self.program,
                "--stdout",
                "-b",
                "1",
                "-v",
                voice,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise VoiceError(
                f"{self.where} could not be started ({exc.strerror}): reinstall it, or set "
                "voice_base_url to a speech server."
            ) from exc
        try:
            out, err = await process.communicate(text.encode("utf-8"))
        except asyncio.CancelledError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise
        if process.returncode != 0 or not out:
            said = " ".join(err.decode("utf-8", "replace").split())[:120] or "no sound"
            raise VoiceError(
                f"{self.where} could not speak with voice '{voice}' ({said}): pick one that "
                "`espeak-ng --voices` lists, in the persona's speech table or tts_voice."
            )
        return replace(parse_wav(out, f"The sound from {self.where}"), text=text)

    async def aclose(self) -> None:
        return None


def choose_speaker(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> Speaker | Unavailable:
    """The engine the settings ask for, or the reason there is none."""
    engine = settings.tts_engine
    if engine == "none":
        return Unavailable('Speech is switched off in the settings (tts_engine = "none").')
    if engine in ("auto", "openai"):
        endpoint = resolve_endpoint(settings, environ)
        if isinstance(endpoint, Endpoint):
            return OpenAISpeech(endpoint, settings.tts_model)
        if engine == "openai":
            return endpoint
    espeak = EspeakSpeech.find()
    if espeak is not None:
        return espeak
    if engine == "espeak":
        return Unavailable(NO_ESPEAK)
    return Unavailable(
        "She has no voice yet: set voice_base_url to an OpenAI-compatible speech server, "
        "set OPENAI_API_KEY, or install espeak-ng (apt install espeak-ng, brew install espeak-ng)."
    )


def voice_for(speaker: Speaker, settings: Settings, persona: Persona | None) -> str:
    """Her voice on this engine: the setting, else the persona's, else the engine's default."""
    if settings.tts_voice:
        return settings.tts_voice
    if persona is not None and persona.speech.get(speaker.name):
        return persona.speech[speaker.name]
    return speaker.default_voice
