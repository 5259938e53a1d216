"""The sound card through sounddevice, with a fake sounddevice module (no hardware, no PortAudio):
every way it can be missing, and the real sink and recorder code driving its callbacks."""

from __future__ import annotations

import asyncio
import sys
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from samantha.speech.audio import Audio
from samantha.speech.device import (
    NO_EXTRA,
    NO_PORTAUDIO,
    DeviceRecorder,
    DeviceSink,
    Feed,
    open_recorder,
    open_sink,
)
from samantha.speech.errors import Unavailable, VoiceError


class FakeStream:
    def __init__(self, module: FakeSoundDevice, **options: Any) -> None:
        if module.refuse:
            raise module.PortAudioError(module.refuse)
        self.options = options
        self.callback = options["callback"]
        self.started = self.aborted = self.closed = self.stopped = False
        self.written: list[np.ndarray] = []
        module.streams.append(self)
        module.opened.set()

    def start(self) -> None:
        self.started = True

    def abort(self) -> None:
        self.aborted = True

    def stop(self) -> None:
        self.stopped = True

    def close(self) -> None:
        self.closed = True

    def pump(self, frames: int = 64) -> np.ndarray:
        """What PortAudio's thread does: ask the callback for the next buffer."""
        out = np.full((frames, self.options["channels"]), 999, dtype=np.int16)
        self.callback(out, frames, None, None)
        self.written.append(out.copy())
        return out

    async def pump_until(self, done: Callable[[], bool]) -> None:
        """PortAudio's thread, run in the test's: buffer after buffer until ``done()``."""
        for _ in range(100_000):
            if done():
                return
            self.pump()
            await asyncio.sleep(0)
        raise AssertionError("the sink never got there")

    def hear(self, samples: list[int]) -> None:
        self.callback(np.array(samples, dtype=np.int16).reshape(-1, 1), len(samples), None, None)


class FakeSoundDevice(types.ModuleType):
    def __init__(self, output: bool = True, input: bool = True) -> None:
        super().__init__("sounddevice")
        self.output, self.input = output, input
        self.refuse = ""
        self.streams: list[FakeStream] = []
        self.opened = threading.Event()

        class PortAudioError(Exception):
            pass

        self.PortAudioError = PortAudioError

    def query_devices(self, kind: str) -> dict[str, Any]:
        if not (self.output if kind == "output" else self.input):
            raise self.PortAudioError("Error querying device -1")
        return {"name": "fake", "max_input_channels": 1, "max_output_channels": 2}

    def OutputStream(self, **options: Any) -> FakeStream:
        return FakeStream(self, **options)

    def InputStream(self, **options: Any) -> FakeStream:
        return FakeStream(self, **options)


@pytest.fixture
def sd(monkeypatch: pytest.MonkeyPatch) -> FakeSoundDevice:
    fake = FakeSoundDevice()
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    return fake


# -- absent --------------------------------------------------------------------------------------


async def test_without_the_extra_voice_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # "not installed"
    assert await open_sink() == Unavailable(NO_EXTRA)
    assert await open_recorder() == Unavailable(NO_EXTRA)
    assert (
        NO_EXTRA
        == "Voice needs the audio extra: pip install 'samantha[voice]', then restart samantha."
    )


async def test_without_portaudio_voice_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    assert await open_sink() == Unavailable(NO_PORTAUDIO)


async def test_without_a_device_voice_is_unavailable_in_one_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", FakeSoundDevice(output=False, input=False))
    assert await open_sink() == Unavailable(
        "There is no audio output device here, so she cannot speak aloud (chat works as ever)."
    )
    assert await open_recorder() == Unavailable(
        "There is no microphone here, so push-to-talk is off."
    )


# -- playing -------------------------------------------------------------------------------------


async def _opened(sd: FakeSoundDevice, count: int = 1) -> FakeStream:
    while len(sd.streams) < count:
        await asyncio.to_thread(sd.opened.wait, 10)
        sd.opened.clear()
    return sd.streams[count - 1]


async def test_the_sink_plays_every_sample_at_its_volume(sd: FakeSoundDevice) -> None:
    sink = await open_sink(volume=0.5)
    assert isinstance(sink, DeviceSink)
    samples = np.arange(1, 151, dtype=np.int16) * 100
    playing = asyncio.create_task(sink.play(Audio(samples.astype("<i2").tobytes(), 24_000)))
    stream = await _opened(sd)
    assert stream.options["samplerate"] == 24_000
    assert stream.options["dtype"] == "int16"
    await stream.pump_until(playing.done)
    out = np.concatenate(stream.written)[:, 0]
    out = out[np.flatnonzero(out)[0] :]  # silence until play() had handed her over
    assert list(out[:150]) == [int(v * 0.5) for v in samples]
    assert not out[150:].any()  # silence after her, not leftovers
    await sink.aclose()
    assert stream.aborted
    assert stream.closed


async def test_stop_cuts_the_sink_short(sd: FakeSoundDevice) -> None:
    sink = await open_sink()
    assert isinstance(sink, DeviceSink)
    playing = asyncio.create_task(sink.play(Audio(b"\1\0" * 10_000, 24_000)))
    stream = await _opened(sd)
    # Until play() has handed her over.
    await stream.pump_until(lambda: bool(stream.written) and bool(stream.written[-1].any()))
    sink.stop()
    await asyncio.wait_for(playing, 10)
    assert not stream.pump().any()


async def test_a_new_sample_rate_reopens_the_stream(sd: FakeSoundDevice) -> None:
    sink = DeviceSink(sd)
    for rate, count in [(24_000, 1), (22_050, 2)]:
        playing = asyncio.create_task(sink.play(Audio(b"\1\0" * 10, rate)))
        stream = await _opened(sd, count)
        await stream.pump_until(playing.done)
    first, second = sd.streams
    assert first.closed
    assert second.options["samplerate"] == 22_050
    await sink.aclose()


async def test_a_device_that_cannot_open_is_one_sentence(sd: FakeSoundDevice) -> None:
    sd.refuse = "Device unavailable"
    sink = DeviceSink(sd)
    with pytest.raises(VoiceError) as info:
        await sink.play(Audio(b"\1\0", 24_000))
    assert str(info.value).startswith(
        "The audio output could not be opened at 24000 Hz (Device unavailable)"
    )


async def test_stop_while_the_stream_opens_still_stops(sd: FakeSoundDevice) -> None:
    sink = DeviceSink(sd)
    playing = asyncio.create_task(sink.play(Audio(b"\1\0" * 10_000, 24_000)))
    await asyncio.sleep(0)  # play() is now waiting for the stream to open
    sink.stop()
    await asyncio.wait_for(playing, 10)
    assert not sd.streams[0].pump().any()


def test_the_feed_crosses_buffers_and_says_when_each_segment_is_done() -> None:
    done: list[str] = []
    feed = Feed(volume=1.0)
    feed.push(np.array([[1], [2], [3]], dtype=np.int16), lambda: done.append("a"))
    feed.push(np.array([[4], [5]], dtype=np.int16), lambda: done.append("b"))
    out = np.zeros((2, 1), dtype=np.int16)
    feed.fill(out)
    assert list(out[:, 0]) == [1, 2]
    assert done == []
    feed.fill(out)
    assert list(out[:, 0]) == [3, 4]
    assert done == ["a"]
    feed.push(np.array([[6]], dtype=np.int16), lambda: done.append("c"))
    feed.clear()
    assert done == ["a", "b", "c"]
    assert feed.empty


# -- recording -----------------------------------------------------------------------------------


async def test_the_recorder_returns_what_the_microphone_heard(sd: FakeSoundDevice) -> None:
    recorder = await open_recorder()
    assert isinstance(recorder, DeviceRecorder)
    await recorder.start()
    assert recorder.recording
    stream = sd.streams[0]
    assert (stream.options["samplerate"], stream.options["channels"]) == (16_000, 1)
    stream.hear([1, 2, 3])
    stream.hear([4])
    audio = await recorder.stop()
    assert np.frombuffer(audio.pcm, "<i2").tolist() == [1, 2, 3, 4]
    assert audio.rate == 16_000
    assert stream.stopped
    assert stream.closed


async def test_a_recording_stops_growing_at_its_limit(sd: FakeSoundDevice) -> None:
    recorder = DeviceRecorder(sd, max_seconds=0.001)  # 16 samples
    await recorder.start()
    for _ in range(10):
        sd.streams[0].hear([7] * 10)
    audio = await recorder.stop()
    assert audio.frames == 16
