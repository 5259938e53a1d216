"""The reply spoken as it streams: order, overlap, barge-in, mute, and failures that never reach
the reply. No sleeps: the fake speaker and the held sink move when the test says."""

from __future__ import annotations

import pytest

from samantha.speech.audio import Audio, NullSink
from samantha.speech.endpoint import Endpoint
from samantha.speech.errors import VoiceError
from samantha.speech.tts import OpenAISpeech, Speaker
from samantha.speech.voice import Voice
from tests.fakeserver import refused_base_url
from tests.speech.conftest import GatedSpeaker, until
from tests.speech.fakeaudio import FakeAudio, tone


def make(
    speaker: Speaker | None = None, sink: NullSink | None = None
) -> tuple[Voice, GatedSpeaker, NullSink, list[VoiceError]]:
    """A voice on a null sink; the speaker handed back is the gated one (or a spare)."""
    errors: list[VoiceError] = []
    gated = speaker if isinstance(speaker, GatedSpeaker) else GatedSpeaker()
    sink = sink or NullSink()
    voice = Voice(speaker or gated, sink, "her-voice", on_error=errors.append)
    return voice, gated, sink, errors


async def test_the_first_sentence_is_spoken_before_the_reply_ends() -> None:
    voice, speaker, sink, _ = make()
    voice.feed("Hello there. How")
    await until(sink.started)
    assert sink.texts == ["Hello there."]
    voice.feed(" are you?")
    voice.finish()
    await voice.drain()
    assert sink.texts == ["Hello there.", "How are you?"]
    assert speaker.calls == [("Hello there.", "her-voice"), ("How are you?", "her-voice")]


async def test_sentences_play_in_order_whichever_is_synthesised_first() -> None:
    speaker = GatedSpeaker(gated=True)
    voice, _, sink, _ = make(speaker)
    voice.feed("One. Two. Three.")
    voice.finish()
    await until(speaker.began("Two."))  # both under way at once
    speaker.gate("Three.").set()
    speaker.gate("Two.").set()
    speaker.gate("One.").set()
    await voice.drain()
    assert sink.texts == ["One.", "Two.", "Three."]
    assert speaker.peak == 2  # bounded: never the whole reply at once


async def test_the_next_sentence_is_synthesised_while_this_one_plays() -> None:
    speaker = GatedSpeaker()
    voice, _, sink, _ = make(speaker, NullSink(hold=True))
    voice.say("One. Two.")
    await until(sink.started)
    await until(speaker.began("Two."))
    assert sink.texts == ["One."]
    sink.started.clear()
    sink.release()
    await until(sink.started)
    sink.release()
    await voice.drain()
    assert sink.texts == ["One.", "Two."]


async def test_barge_in_stops_her_at_once_and_drops_the_rest_of_the_reply() -> None:
    speaker = GatedSpeaker(gated=True)
    speaker.gate("One.").set()
    voice, _, sink, _ = make(speaker, NullSink(hold=True))
    voice.feed("One. Two. Three")
    await until(sink.started)
    await until(speaker.began("Two."))
    assert voice.speaking
    voice.barge_in()  # the user started typing
    assert sink.stops == 1
    assert sink.played[-1].stopped
    assert not voice.speaking
    voice.feed(" more. And more.")
    voice.finish()
    await voice.drain()
    assert sink.texts == ["One."]
    assert speaker.cancelled == ["Two."]
    # The next reply speaks again.
    sink.hold = False
    speaker.gated = False
    voice.say("Next reply.")
    await voice.drain()
    assert sink.texts == ["One.", "Next reply."]


async def test_barge_in_between_replies_does_not_silence_the_next() -> None:
    voice, _, sink, _ = make()
    voice.barge_in()  # typing while she is quiet
    voice.say("Still here.")
    await voice.drain()
    assert sink.texts == ["Still here."]


async def test_mute_plays_nothing_and_stops_what_is_playing() -> None:
    voice, speaker, sink, _ = make(sink=NullSink(hold=True))
    voice.feed("One. Two. Three.")
    await until(sink.started)
    voice.muted = True
    assert sink.stops == 1
    voice.finish()
    await voice.drain()
    assert sink.texts == ["One."]
    voice.say("Quiet please. Still quiet.")
    await voice.drain()
    assert sink.texts == ["One."]
    assert ("Quiet please.", "her-voice") not in speaker.calls  # not even synthesised
    voice.muted = False
    sink.hold = False
    voice.say("Loud again.")
    await voice.drain()
    assert sink.texts == ["One.", "Loud again."]


async def test_volume_goes_to_the_sink_within_bounds() -> None:
    voice, _, sink, _ = make()
    voice.volume = 0.3
    voice.say("Soft.")
    await voice.drain()
    assert sink.played[-1].volume == pytest.approx(0.3)
    voice.volume = 7
    assert voice.volume == 1.0
    voice.volume = -1
    assert voice.volume == 0.0


async def test_a_server_that_is_down_is_one_sentence_per_reply_and_never_an_exception() -> None:
    url = refused_base_url()
    speaker = OpenAISpeech(Endpoint(url, max_retries=0), "tts-1")
    voice, _, sink, errors = make(speaker)
    voice.feed("One. Two. Three.")
    voice.feed(" Four.")
    voice.finish()
    await voice.drain()
    assert [str(e) for e in errors] == [
        f"Cannot reach the speech server at {url}: start it or check voice_base_url."
    ]
    assert not sink.played
    voice.say("Another reply. Tries again.")
    await voice.drain()
    assert len(errors) == 2
    await voice.aclose()


async def test_a_sentence_that_fails_silences_the_rest_of_its_reply() -> None:
    speaker = GatedSpeaker(fail_on={"Two."})
    voice, _, sink, errors = make(speaker)
    voice.feed("One. Two. Three. ")
    voice.feed("Four.")
    voice.finish()
    await voice.drain()
    assert sink.texts == ["One."]
    assert [str(e) for e in errors] == ["The fake speaker cannot say 'Two.'."]
    assert voice.last_error is errors[0]


async def test_a_broken_sink_is_reported_not_raised() -> None:
    class BrokenSink(NullSink):
        async def play(self, audio: Audio) -> None:
            raise RuntimeError("device unplugged")

    voice, _, _, errors = make(sink=BrokenSink())
    voice.say("Hello.")
    await voice.drain()
    assert [str(e) for e in errors] == [
        "Her voice failed (RuntimeError: device unplugged); chat carries on."
    ]


def test_feeding_outside_an_event_loop_is_reported_not_raised() -> None:
    voice, _, _, errors = make()
    voice.feed("A sentence. And")
    voice.finish()
    assert len(errors) == 2
    assert "RuntimeError" in str(errors[0])


async def test_code_is_not_read_aloud_and_markdown_is_not_spoken() -> None:
    voice, _, sink, _ = make()
    for chunk in ["Here", ":\n```py", "thon\nprint('hi'). x = 1\n", "```\n**Done.** See ", "[it](http://x/y)."]:  # fmt: skip
        voice.feed(chunk)
    voice.finish()
    await voice.drain()
    assert sink.texts == ["Here:", "Done.", "See it."]


async def test_close_cancels_and_closes_everything() -> None:
    speaker = GatedSpeaker(gated=True)
    voice, _, sink, _ = make(speaker)
    voice.feed("Never said. Nor this.")
    await until(speaker.began("Never said."))
    await voice.aclose()
    assert speaker.closed
    assert sink.closed
    assert not voice.speaking
    assert "Never said." in speaker.cancelled


async def test_through_the_fake_server_end_to_end(audio_server: FakeAudio) -> None:
    speaker = OpenAISpeech(Endpoint(audio_server.base_url, max_retries=0), "tts-1")
    voice, _, sink, errors = make(speaker)
    reply = "Oh, *hello*. It's been a while! What have you been up to?"
    for i in range(0, len(reply), 3):
        voice.feed(reply[i : i + 3])
    voice.finish()
    await voice.drain()
    await voice.aclose()
    said = ["Oh, hello.", "It's been a while!", "What have you been up to?"]
    # Two at a time: the server may see them in either order; she says them in hers.
    assert sorted(r["input"] for r in audio_server.speech) == sorted(said)
    assert {r["voice"] for r in audio_server.speech} == {"her-voice"}
    assert sink.texts == said
    assert [p.audio.pcm for p in sink.played] == [tone(len(s)) for s in said]
    assert not errors
