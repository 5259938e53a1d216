"""WAV as servers and espeak-ng write it, and the null sink that records what it would play."""

from __future__ import annotations

import asyncio
import struct

import pytest

from samantha.speech.audio import Audio, NullRecorder, NullSink, parse_wav, wav_bytes
from samantha.speech.errors import VoiceError
from tests.speech.fakeaudio import tone, wav


def test_a_wav_with_unknown_sizes_is_read_to_the_end() -> None:
    pcm = tone(10)
    audio = parse_wav(wav(pcm, streaming=True))
    assert (audio.rate, audio.channels, audio.pcm) == (24_000, 1, pcm)
    assert audio.seconds == pytest.approx(0.01)


def test_a_wav_with_true_sizes_stops_at_its_data_chunk() -> None:
    pcm = tone(5, 16_000)
    data = wav(pcm, 16_000, streaming=False) + b"LIST\x04\x00\x00\x00abcd"
    assert parse_wav(data).pcm == pcm


def test_wav_bytes_round_trips() -> None:
    audio = Audio(pcm=tone(3), rate=24_000)
    back = parse_wav(wav_bytes(audio))
    assert (back.pcm, back.rate, back.channels) == (audio.pcm, 24_000, 1)


def _fmt_wav(tag: int, bits: int, payload: bytes, extensible: bool = False) -> bytes:
    block = bits // 8
    if extensible:
        fmt = struct.pack("<HHIIHH", 0xFFFE, 1, 8000, 8000 * block, block, bits)
        fmt += struct.pack("<HHIH14s", 22, bits, 0, tag, b"\0" * 14)
    else:
        fmt = struct.pack("<HHIIHH", tag, 1, 8000, 8000 * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_float_and_8_bit_and_extensible_wavs_become_16_bit() -> None:
    floats = struct.pack("<3f", 0.0, 1.0, -2.0)  # -2 is clipped
    assert parse_wav(_fmt_wav(3, 32, floats)).pcm == struct.pack("<3h", 0, 32767, -32767)
    assert parse_wav(_fmt_wav(1, 8, bytes([128, 255]))).pcm == struct.pack("<2h", 0, 127 << 8)
    pcm = struct.pack("<2h", 5, -5)
    assert parse_wav(_fmt_wav(1, 16, pcm, extensible=True)).pcm == pcm


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"ID3\x03mp3 data here", "is not a WAV file"),
        (b"", "is not a WAV file"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no sound in it"),
        (_fmt_wav(1, 24, b"\0" * 6), "24-bit"),
    ],
)
def test_what_cannot_be_played_is_one_sentence(data: bytes, words: str) -> None:
    with pytest.raises(VoiceError) as info:
        parse_wav(data, "The speech from the server")
    assert words in str(info.value)
    assert str(info.value).startswith("The speech from the server")
    assert str(info.value).count(".") <= 2


async def test_the_null_sink_records_what_it_would_have_played() -> None:
    sink = NullSink(volume=0.5)
    await sink.play(Audio(b"\0\0", 8000, text="Hi."))
    sink.set_volume(0.25)
    await sink.play(Audio(b"\0\0", 8000, text="Bye."))
    assert sink.texts == ["Hi.", "Bye."]
    assert [p.volume for p in sink.played] == [0.5, 0.25]
    await sink.aclose()
    assert sink.closed


async def test_a_held_null_sink_plays_until_stopped() -> None:
    sink = NullSink(hold=True)
    playing = asyncio.create_task(sink.play(Audio(b"\0\0", 8000, text="Long.")))
    await sink.started.wait()
    assert not playing.done()
    sink.stop()
    await playing
    assert sink.played[-1].stopped
    assert sink.stops == 1


async def test_the_null_recorder_hears_its_audio() -> None:
    recorder = NullRecorder()
    await recorder.start()
    assert recorder.recording
    audio = await recorder.stop()
    assert audio.rate == 16_000
    assert not recorder.recording
    assert recorder.takes == 1
