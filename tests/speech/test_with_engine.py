"""A real turn of the engine piped into voice the way a front end does it: she starts speaking
mid-reply, and a voice that fails changes nothing about the reply or what is stored."""

from __future__ import annotations

import asyncio

from samantha.backends.scripted import ScriptedBackend
from samantha.engine import ReplyChunk, TurnResult
from samantha.speech.audio import AudioSink, NullSink, Recorder
from samantha.speech.errors import Unavailable, VoiceError
from samantha.speech.session import VoiceSession
from tests.conftest import MakeCompanion
from tests.fakeserver import refused_base_url
from tests.speech.conftest import voice_settings
from tests.speech.fakeaudio import FakeAudio

REPLY = "Oh, you're back. I was just thinking about you. How did it go?"


def session(url: str, sink: NullSink, errors: list[VoiceError]) -> VoiceSession:
    async def open_sink(volume: float) -> AudioSink | Unavailable:
        return sink

    async def open_recorder() -> Recorder | Unavailable:
        return Unavailable("No microphone in this test.")

    return VoiceSession(
        voice_settings(voice=True, voice_base_url=url),
        None,
        on_error=errors.append,
        environ={},
        open_sink=open_sink,
        open_recorder=open_recorder,
    )


async def test_she_speaks_while_the_reply_is_still_streaming(
    make_companion: MakeCompanion, audio_server: FakeAudio
) -> None:
    backend = ScriptedBackend(replies=[REPLY])
    companion = make_companion(backend)
    sink, errors = NullSink(), list[VoiceError]()
    voice = session(audio_server.base_url, sink, errors)
    assert await voice.start() is None
    chunks_after_first_audio = 0
    result = None
    async for event in companion.turn("Hi, I'm home."):
        if isinstance(event, ReplyChunk):
            voice.feed(event.text)
            if "thinking" in event.text:
                # The turn waits here until her first sentence is heard: speech does not need
                # the reply to end.
                await asyncio.wait_for(sink.started.wait(), 10)
            if sink.played:
                chunks_after_first_audio += 1
        elif isinstance(event, TurnResult):
            result = event
    voice.finish()
    await voice.drain()
    await voice.aclose()
    assert chunks_after_first_audio > 0
    assert sink.texts == [
        "Oh, you're back.",
        "I was just thinking about you.",
        "How did it go?",
    ]
    assert result is not None
    assert not errors


async def test_a_voice_that_fails_leaves_the_reply_and_the_store_as_they_were(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend(replies=[REPLY])
    companion = make_companion(backend)
    sink, errors = NullSink(), list[VoiceError]()
    voice = session(refused_base_url(), sink, errors)
    await voice.start()
    streamed: list[str] = []
    async for event in companion.turn("Hi, I'm home."):
        if isinstance(event, ReplyChunk):
            voice.feed(event.text)
            streamed.append(event.text)
    voice.finish()
    await voice.drain()
    assert "".join(streamed) == REPLY
    history = await companion.history(10)
    assert [m.text for m in history][-1] == REPLY
    assert len(errors) == 1
    assert str(errors[0]).startswith("Cannot reach the speech server")
    assert not sink.played
