"""Voice as a front end drives it: /voice commands, push-to-talk, and graceful absence."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from samantha.persona.model import Persona
from samantha.speech.audio import Audio, AudioSink, NullRecorder, NullSink, Recorder, parse_wav
from samantha.speech.device import NO_EXTRA
from samantha.speech.errors import Unavailable, VoiceError
from samantha.speech.session import USAGE, VoiceSession, parse_volume, voice_check
from tests.fakeserver import refused_base_url
from tests.speech.conftest import voice_settings
from tests.speech.fakeaudio import FakeAudio
from tests.test_import_hygiene import loaded_after

ADA = Persona(name="Ada", speech={"openai": "nova"})
ONE_SECOND = Audio(b"\1\0" * 16_000, 16_000)


class Devices:
    """Stand-ins for the sound card, recording what the session opened."""

    def __init__(self, sink: AudioSink | Unavailable | None = None) -> None:
        self.sink = sink if sink is not None else NullSink()
        self.recorder: Recorder | Unavailable = NullRecorder(ONE_SECOND)

    async def open_sink(self, volume: float) -> AudioSink | Unavailable:
        if not isinstance(self.sink, Unavailable):
            self.sink.set_volume(volume)
        return self.sink

    async def open_recorder(self) -> Recorder | Unavailable:
        return self.recorder


def session_for(
    server: FakeAudio | None, devices: Devices | None = None, **settings: object
) -> tuple[VoiceSession, Devices, list[VoiceError]]:
    devices = devices or Devices()
    errors: list[VoiceError] = []
    if server is not None:
        settings.setdefault("voice_base_url", server.base_url)
    session = VoiceSession(
        voice_settings(**settings),
        ADA,
        on_error=errors.append,
        environ={"PATH": ""},  # no OPENAI_API_KEY; espeak-ng is looked up on the real PATH
        open_sink=devices.open_sink,
        open_recorder=devices.open_recorder,
    )
    return session, devices, errors


@pytest.fixture(autouse=True)
def no_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")


async def test_voice_stays_off_unless_asked() -> None:
    session, _, _ = session_for(None)
    assert await session.start() is None
    assert not session.on
    session.feed("Nothing happens. ")
    session.finish()
    session.barge_in()
    assert not session.speaking
    assert await session.command("") == "Voice is off."


async def test_asked_for_but_unavailable_is_one_sentence_and_chat_is_untouched() -> None:
    session, _, _ = session_for(None, voice=True)
    reason = await session.start()
    assert reason is not None
    assert reason.startswith("She has no voice yet: set voice_base_url")
    assert not session.on
    assert await session.command("status") == f"Voice is off ({reason})."
    session.feed("Still fine.")  # the reply path never notices


async def test_no_audio_device_is_one_sentence(audio_server: FakeAudio) -> None:
    reason = "There is no audio output device here, so she cannot speak aloud (chat works as ever)."
    session, _, _ = session_for(audio_server, Devices(Unavailable(reason)))
    assert await session.command("on") == reason
    assert not session.on


async def test_the_voice_commands(audio_server: FakeAudio) -> None:
    session, devices, errors = session_for(audio_server)
    sink = devices.sink
    assert isinstance(sink, NullSink)
    where = audio_server.base_url
    assert await session.command("on") == (
        f"She will speak her replies aloud (voice nova through {where}, volume 80%)."
    )
    assert await session.command("ON") == await session.command("on")  # already on: same
    session.feed("Hello. ")
    session.finish()
    await session.drain()
    assert sink.texts == ["Hello."]
    assert sink.played[-1].volume == pytest.approx(0.8)
    assert await session.command("volume 50") == "Volume 50%."
    assert await session.command("0.25") == "Volume 25%."
    assert sink.volume == pytest.approx(0.25)
    assert await session.command("volume") == "Volume 25%."
    assert await session.command("mute") == "Muted: she goes on replying in text."
    session.say("Shh.")
    await session.drain()
    assert sink.texts == ["Hello."]
    assert await session.command("status") == (
        f"Voice is on: voice nova through {where}, volume 25%, muted."
    )
    assert await session.command("unmute") == "Unmuted."
    assert session.toggle_mute().startswith("Muted")
    assert session.toggle_mute() == "Unmuted."
    assert await session.command("loud please") == USAGE
    assert await session.command("volume 400") == USAGE
    assert await session.command("off") == "Voice is off: her replies are text only."
    assert sink.closed
    assert not session.on
    session.say("Not spoken.")
    assert sink.texts == ["Hello."]
    assert not errors


async def test_speech_failures_reach_on_error_not_the_reply(audio_server: FakeAudio) -> None:
    session, _, errors = session_for(audio_server)
    await session.command("on")
    audio_server.fail.append(500)
    session.feed("One. Two.")
    session.finish()
    await session.drain()
    assert [str(e) for e in errors] == [
        f"The speech server at {audio_server.base_url} failed (500): try again later or "
        "check its log."
    ]
    await session.aclose()


async def test_a_new_companion_speaks_in_her_own_voice(audio_server: FakeAudio) -> None:
    session, _, _ = session_for(audio_server, voice=True)
    assert await session.start() is None
    assert session.voice is not None
    assert session.voice.voice == "nova"
    await session.switch(session.settings, Persona(name="Bo", speech={"openai": "onyx"}))
    assert session.voice is not None
    assert session.voice.voice == "onyx"
    await session.aclose()


# -- push-to-talk --------------------------------------------------------------------------------


async def test_push_to_talk_records_then_transcribes_into_text(audio_server: FakeAudio) -> None:
    audio_server.transcript = "  What's the weather like?  "
    session, devices, _ = session_for(audio_server, stt_model="whisper-test")
    await session.command("on")
    sink = devices.sink
    assert isinstance(sink, NullSink)
    sink.hold = True
    session.say("A long answer she is giving.")
    await sink.started.wait()
    heard = await session.talk()
    assert heard.listening
    assert not heard.failed
    assert heard.text is None
    assert heard.note == "Listening: press the talk key again when you are done."
    assert sink.played[-1].stopped  # she stops talking when you start
    heard = await session.talk()
    assert (heard.listening, heard.text, heard.note) == (False, "What's the weather like?", None)
    sent = audio_server.transcriptions[0]
    assert sent.form["model"] == "whisper-test"
    filename, data = sent.files["file"]
    assert filename == "speech.wav"
    assert parse_wav(data).pcm == ONE_SECOND.pcm
    await session.aclose()


@pytest.mark.parametrize(
    ("recorded", "transcript", "note"),
    [
        (Audio(b"\0\0" * 100, 16_000), "hi", "That was too short to hear"),
        (ONE_SECOND, "   ", "She heard no words in that"),
    ],
)
async def test_nothing_heard_is_one_sentence(
    audio_server: FakeAudio, recorded: Audio, transcript: str, note: str
) -> None:
    audio_server.transcript = transcript
    devices = Devices()
    devices.recorder = NullRecorder(recorded)
    session, _, _ = session_for(audio_server, devices)
    await session.talk()
    heard = await session.talk()
    assert heard.failed
    assert heard.text is None
    assert heard.note is not None
    assert heard.note.startswith(note)


async def test_push_to_talk_without_a_server_or_microphone_says_why(
    audio_server: FakeAudio,
) -> None:
    session, _, _ = session_for(None)
    heard = await session.talk()
    assert heard.failed
    assert not heard.listening
    assert heard.note is not None
    assert heard.note.startswith("Push-to-talk needs a transcription")
    devices = Devices()
    devices.recorder = Unavailable("There is no microphone here, so push-to-talk is off.")
    session, _, _ = session_for(audio_server, devices)
    heard = await session.talk()
    assert heard.note == "There is no microphone here, so push-to-talk is off."


async def test_push_to_talk_with_the_server_down_is_one_sentence() -> None:
    url = refused_base_url()
    session, _, _ = session_for(None, voice_base_url=url)
    assert (await session.talk()).listening
    heard = await session.talk()
    assert heard.failed
    assert heard.note == (
        f"Cannot reach the transcription server at {url}: start it or check voice_base_url."
    )


async def test_esc_while_listening_throws_the_recording_away(audio_server: FakeAudio) -> None:
    devices = Devices()
    session, _, _ = session_for(audio_server, devices)
    await session.talk()
    await session.cancel_talk()
    recorder = devices.recorder
    assert isinstance(recorder, NullRecorder)
    assert not session.listening
    assert not recorder.recording
    assert not audio_server.transcriptions


@pytest.mark.parametrize(
    ("text", "volume"),
    [("60", 0.6), ("60%", 0.6), ("0.6", 0.6), ("100", 1.0), ("0", 0.0), ("1", 0.01),
     ("1.0", 1.0), ("150", None), ("loud", None), ("-5", None), ("", None)],
)  # fmt: skip
def test_volume_is_read_as_a_percentage_or_a_fraction(text: str, volume: float | None) -> None:
    assert parse_volume(text) == (pytest.approx(volume) if volume is not None else None)


def test_voice_loads_nothing_heavy_until_switched_on() -> None:
    loaded = loaded_after("samantha.speech.session")
    assert loaded.isdisjoint({"openai", "sounddevice", "numpy", "textual", "rich"}), loaded


def test_the_engine_and_cli_do_not_load_voice() -> None:
    code = (
        "import json, sys, samantha.engine, samantha.cli.main\n"
        "print(json.dumps([m for m in sys.modules if m.startswith('samantha.speech')]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMANTHA_")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


async def test_the_doctor_lines_say_what_voice_would_use(audio_server: FakeAudio) -> None:
    async def devices() -> tuple[str, str]:
        return "Speakers (fake)", "There is no microphone here, so push-to-talk is off."

    settings = voice_settings(voice_base_url=audio_server.base_url, tts_model="tts-1")
    lines = dict(await voice_check(settings, ADA, {}, devices))
    where = audio_server.base_url
    assert lines == {
        "voice": "off (/voice on, or voice = true in the config file)",
        "speech": f"openai through {where}, voice nova, model tts-1",
        "audio output": "Speakers (fake)",
        "microphone": "There is no microphone here, so push-to-talk is off.",
        "transcription": f"whisper-1 through {where}",
    }
    assert not audio_server.requests  # nothing was sent
    lines = dict(await voice_check(voice_settings(voice=True), None, {}, devices))
    assert lines["voice"] == "on"
    assert lines["speech"].startswith("She has no voice yet")
    assert lines["transcription"].startswith("Push-to-talk needs a transcription server")


async def test_the_doctor_lines_without_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    lines = dict(await voice_check(voice_settings(), None, {}))
    assert lines["audio output"] == lines["microphone"] == NO_EXTRA
