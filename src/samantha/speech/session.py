"""Voice for a front end in a few calls: open it from the settings, feed it the reply, stop it
when the user speaks up, push-to-talk, and ``/voice`` commands answered in one sentence.

Nothing here raises into the chat: what fails becomes a sentence (returned, or passed to
``on_error``), and voice simply stays off. Importing this module loads neither openai nor the
audio library; they load when voice is switched on.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from samantha.config import Settings
from samantha.speech.audio import AudioSink, Recorder
from samantha.speech.errors import Unavailable, VoiceError
from samantha.speech.stt import Transcriber, choose_transcriber
from samantha.speech.tts import OpenAISpeech, choose_speaker, voice_for
from samantha.speech.voice import Voice

if TYPE_CHECKING:
    from samantha.persona.model import Persona

SinkOpener = Callable[[float], Awaitable["AudioSink | Unavailable"]]
RecorderOpener = Callable[[], Awaitable["Recorder | Unavailable"]]

USAGE = "Say /voice on, /voice off, /voice mute, or /voice volume 0-100."
_VOLUME = re.compile(r"^(\d+(?:\.\d+)?)\s*(%?)$")


async def _device_names() -> tuple[str, str]:
    from samantha.speech.device import describe_devices

    return await describe_devices()


async def _device_sink(volume: float) -> AudioSink | Unavailable:
    from samantha.speech.device import open_sink

    return await open_sink(volume)


async def _device_recorder() -> Recorder | Unavailable:
    from samantha.speech.device import open_recorder

    return await open_recorder()


@dataclass(frozen=True)
class Heard:
    """What one press of the talk key came to."""

    #: The microphone is recording now (the next press stops it).
    listening: bool
    #: The words heard, for the input box.
    text: str | None = None
    #: A sentence to show the user, if any.
    note: str | None = None
    #: The note is a failure.
    failed: bool = False


def parse_volume(text: str) -> float | None:
    """'60', '60%' and '0.6' are all 60%; None when it is not a volume."""
    match = _VOLUME.match(text.strip())
    if match is None:
        return None
    value = float(match.group(1))
    if "." in match.group(1) and not match.group(2) and value <= 1:
        return value
    return value / 100 if value <= 100 else None


def _ignore(error: VoiceError) -> None:
    return None


class VoiceSession:
    """Her voice and her ears for one companion, as a front end uses them."""

    def __init__(
        self,
        settings: Settings,
        persona: Persona | None = None,
        *,
        on_error: Callable[[VoiceError], None] = _ignore,
        environ: Mapping[str, str] | None = None,
        open_sink: SinkOpener = _device_sink,
        open_recorder: RecorderOpener = _device_recorder,
    ) -> None:
        self.settings = settings
        self.persona = persona
        self.on_error = on_error
        self._environ = dict(os.environ if environ is None else environ)
        self._open_sink = open_sink
        self._open_recorder = open_recorder
        self.voice: Voice | None = None
        #: Why voice could not be had, the last time it was asked for.
        self.reason: str | None = None
        self._volume = settings.volume
        self._muted = False
        self._recorder: Recorder | None = None
        self._transcriber: Transcriber | None = None
        self.listening = False

    # -- on and off --------------------------------------------------------------------------

    @property
    def on(self) -> bool:
        return self.voice is not None

    async def start(self) -> str | None:
        """Open voice if the settings switch it on; the reason when that cannot be done."""
        return await self._open() if self.settings.voice else None

    async def _open(self) -> str | None:
        if self.voice is not None:
            return None
        speaker = choose_speaker(self.settings, self._environ)
        if isinstance(speaker, Unavailable):
            self.reason = speaker.reason
            return self.reason
        try:
            sink = await self._open_sink(self._volume)
        except Exception as exc:
            sink = Unavailable(f"The audio output could not be opened ({exc}).")
        if isinstance(sink, Unavailable):
            await speaker.aclose()
            self.reason = sink.reason
            return self.reason
        self.voice = Voice(
            speaker, sink, voice_for(speaker, self.settings, self.persona), on_error=self.on_error
        )
        self.voice.muted = self._muted
        self.voice.volume = self._volume
        self.reason = None
        return None

    def describe(self) -> str:
        """Voice's state in one line: 'on: voice nova through https://…, volume 80%'."""
        if self.voice is None:
            return f"off ({self.reason})" if self.reason else "off"
        return f"on: {self._details()}"

    def _details(self) -> str:
        voice = self.voice
        where = f"voice {voice.voice} through {voice.speaker.where}, " if voice else ""
        muted = ", muted" if self._muted else ""
        return f"{where}volume {round(self._volume * 100)}%{muted}"

    async def turn_on(self) -> str:
        reason = await self._open()
        if reason:
            return reason
        return f"She will speak her replies aloud ({self._details()})."

    async def turn_off(self) -> str:
        voice, self.voice = self.voice, None
        if voice is not None:
            await voice.aclose()
        return "Voice is off: her replies are text only."

    async def switch(self, settings: Settings, persona: Persona | None) -> str | None:
        """New settings or a new companion (her voice may differ): reopen if voice was on."""
        was_on = self.on
        await self.turn_off()
        await self._close_ears()
        self.settings, self.persona = settings, persona
        self._volume = settings.volume
        return await self._open() if was_on or settings.voice else None

    async def aclose(self) -> None:
        await self.turn_off()
        await self._close_ears()

    # -- the reply (these never raise and never wait) ----------------------------------------

    def feed(self, text: str) -> None:
        if self.voice is not None:
            self.voice.feed(text)

    def finish(self) -> None:
        if self.voice is not None:
            self.voice.finish()

    def say(self, text: str) -> None:
        if self.voice is not None:
            self.voice.say(text)

    def barge_in(self) -> None:
        if self.voice is not None:
            self.voice.barge_in()

    @property
    def speaking(self) -> bool:
        return self.voice is not None and self.voice.speaking

    async def drain(self) -> None:
        if self.voice is not None:
            await self.voice.drain()

    # -- mute and volume ---------------------------------------------------------------------

    @property
    def muted(self) -> bool:
        return self._muted

    def toggle_mute(self) -> str:
        return self.set_muted(not self._muted)

    def set_muted(self, muted: bool) -> str:
        self._muted = muted
        if self.voice is not None:
            self.voice.muted = muted
        if muted:
            return "Muted: she goes on replying in text."
        return "Unmuted." if self.on else "Unmuted, but voice is off: /voice on to hear her."

    def set_volume(self, volume: float) -> str:
        self._volume = max(0.0, min(1.0, volume))
        if self.voice is not None:
            self.voice.volume = self._volume
        return f"Volume {round(self._volume * 100)}%."

    # -- /voice ------------------------------------------------------------------------------

    async def command(self, argument: str) -> str:
        """Run '/voice <argument>' and return the sentence to show."""
        words = argument.strip().lower().split()
        match words:
            case [] | ["status"]:
                return f"Voice is {self.describe()}."
            case ["on"]:
                return await self.turn_on()
            case ["off"]:
                return await self.turn_off()
            case ["mute"]:
                return self.set_muted(True)
            case ["unmute"]:
                return self.set_muted(False)
            case ["volume"]:
                return f"Volume {round(self._volume * 100)}%."
            case ["volume", level] | [level] if parse_volume(level) is not None:
                return self.set_volume(parse_volume(level) or 0.0)
        return USAGE

    # -- push-to-talk ------------------------------------------------------------------------

    async def talk(self) -> Heard:
        """The talk key: the first press starts recording (and stops her speaking), the next
        stops it and transcribes what was said."""
        if self.listening:
            return await self._hear()
        transcriber = self._ears()
        if isinstance(transcriber, Unavailable):
            return Heard(listening=False, note=transcriber.reason, failed=True)
        if self._recorder is None:
            try:
                recorder = await self._open_recorder()
            except Exception as exc:
                recorder = Unavailable(f"The microphone could not be opened ({exc}).")
            if isinstance(recorder, Unavailable):
                return Heard(listening=False, note=recorder.reason, failed=True)
            self._recorder = recorder
        self.barge_in()
        try:
            await self._recorder.start()
        except VoiceError as exc:
            return Heard(listening=False, note=str(exc), failed=True)
        self.listening = True
        return Heard(listening=True, note="Listening: press the talk key again when you are done.")

    async def _hear(self) -> Heard:
        self.listening = False
        if self._recorder is None or self._transcriber is None:
            return Heard(listening=False)
        try:
            audio = await self._recorder.stop()
            text = await self._transcriber.transcribe(audio)
        except VoiceError as exc:
            return Heard(listening=False, note=str(exc), failed=True)
        return Heard(listening=False, text=text)

    async def cancel_talk(self) -> None:
        """Stop recording and throw it away (Esc while listening)."""
        if self.listening and self._recorder is not None:
            self.listening = False
            with contextlib.suppress(Exception):
                await self._recorder.cancel()

    def _ears(self) -> Transcriber | Unavailable:
        if self._transcriber is None:
            found = choose_transcriber(self.settings, self._environ)
            if isinstance(found, Unavailable):
                return found
            self._transcriber = found
        return self._transcriber

    async def _close_ears(self) -> None:
        await self.cancel_talk()
        self._recorder = None
        if self._transcriber is not None:
            await self._transcriber.aclose()
            self._transcriber = None


async def voice_check(
    settings: Settings,
    persona: Persona | None = None,
    environ: Mapping[str, str] | None = None,
    devices: Callable[[], Awaitable[tuple[str, str]]] = _device_names,
) -> list[tuple[str, str]]:
    """What voice would use here, part by part, for ``samantha doctor``: each line the thing in
    use or the one sentence saying why not. Nothing is sent to any server."""
    speaker = choose_speaker(settings, environ)
    if isinstance(speaker, Unavailable):
        speech = speaker.reason
    else:
        model = f", model {speaker.model}" if isinstance(speaker, OpenAISpeech) else ""
        voice = voice_for(speaker, settings, persona)
        speech = f"{speaker.name} through {speaker.where}, voice {voice}{model}"
        await speaker.aclose()
    output, microphone = await devices()
    transcriber = choose_transcriber(settings, environ)
    if isinstance(transcriber, Unavailable):
        hearing = transcriber.reason
    else:
        hearing = f"{transcriber.model} through {transcriber.where}"
    state = "on" if settings.voice else "off (/voice on, or voice = true in the config file)"
    return [
        ("voice", state),
        ("speech", speech),
        ("audio output", output),
        ("microphone", microphone),
        ("transcription", hearing),
    ]
