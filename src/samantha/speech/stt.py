"""Push-to-talk's other half: a recording in, words out, through any OpenAI-compatible
``/v1/audio/transcriptions`` server (OpenAI's Whisper, or a local imitation)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping
from typing import TYPE_CHECKING

from samantha.config import Settings
from samantha.speech.audio import Audio, wav_bytes
from samantha.speech.endpoint import Endpoint, resolve_endpoint, translate
from samantha.speech.errors import Unavailable, VoiceError
from samantha.urls import redact

if TYPE_CHECKING:
    from openai import AsyncOpenAI

#: Shorter than this is a slip of the finger, not speech; servers reject it or invent words.
MIN_SECONDS = 0.3


class Transcriber:
    """Words from a recording."""

    def __init__(self, endpoint: Endpoint, model: str, language: str | None = None) -> None:
        self.endpoint = endpoint
        self.model = model
        self.language = language
        self.where = redact(endpoint.base_url)
        self._client: AsyncOpenAI | None = None

    async def transcribe(self, audio: Audio) -> str:
        """What was said, stripped; raises VoiceError with the sentence to show."""
        if audio.seconds < MIN_SECONDS:
            raise VoiceError(
                "That was too short to hear: press the talk key, speak, then press it again."
            )
        if self._client is None:
            self._client = self.endpoint.client()
        upload = io.BytesIO(wav_bytes(audio))
        upload.name = "speech.wav"
        from openai import omit

        try:
            result = await self._client.audio.transcriptions.create(
                file=("speech.wav", upload, "audio/wav"),
                model=self.model,
                response_format="json",
                language=self.language or omit,
            )
        except Exception as exc:
            raise translate(exc, self.endpoint, "transcription", self.model) from exc
        text = " ".join(str(getattr(result, "text", "") or "").split())
        if not text:
            raise VoiceError("She heard no words in that: try again, closer to the microphone.")
        return text

    async def aclose(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.close()
            self._client = None


def choose_transcriber(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> Transcriber | Unavailable:
    endpoint = resolve_endpoint(settings, environ)
    if isinstance(endpoint, Unavailable):
        return Unavailable(
            "Push-to-talk needs a transcription server: set voice_base_url to an "
            "OpenAI-compatible one (or OPENAI_API_KEY to use OpenAI's Whisper)."
        )
    return Transcriber(endpoint, settings.stt_model)
