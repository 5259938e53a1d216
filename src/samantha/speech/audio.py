"""Sound as data (16-bit PCM), WAV in and out, and the sink and recorder protocols.

Everything here is the standard library: the sinks and recorders that touch a sound card live
in ``device.py`` and load the audio library only when voice is switched on.
"""

from __future__ import annotations

import asyncio
import io
import struct
import wave
from collections import deque
from dataclasses import dataclass, field
from typing import Protocol

from samantha.speech.errors import VoiceError

#: WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_EXTENSIBLE.
_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE


@dataclass(frozen=True)
class Audio:
    """Signed 16-bit little-endian PCM, channels interleaved; ``text`` is what it says."""

    pcm: bytes
    rate: int
    channels: int = 1
    text: str = ""

    @property
    def frames(self) -> int:
        return len(self.pcm) // (2 * self.channels)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate if self.rate else 0.0


def parse_wav(data: bytes, what: str = "The audio") -> Audio:
    """Read a WAV file as servers and espeak-ng send it.

    Streaming writers (espeak-ng on a pipe, OpenAI's speech endpoint) do not know the length in
    advance and put 0 or 0xFFFFFFFF in the size fields, which the stdlib ``wave`` module
    refuses; so the chunks are walked here and a data size past the end means "to the end".
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise VoiceError(f"{what} is not a WAV file ({len(data)} bytes): check the speech server.")
    fmt: tuple[int, int, int, int] | None = None
    pos = 12
    while pos + 8 <= len(data):
        kind, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = pos + 8
        if kind == b"fmt " and size >= 16:
            tag, channels, rate = struct.unpack_from("<HHI", data, body)
            bits = struct.unpack_from("<H", data, body + 14)[0]
            if tag == _EXTENSIBLE and size >= 26:
                tag = struct.unpack_from("<H", data, body + 24)[0]
            fmt = (tag, channels, rate, bits)
        elif kind == b"data":
            if fmt is None:
                break
            end = len(data) if size in (0, 0xFFFFFFFF) or body + size > len(data) else body + size
            return _to_int16(data[body:end], fmt, what)
        pos = body + size + (size & 1)
    raise VoiceError(f"{what} is a WAV file with no sound in it: check the speech server.")


def _to_int16(raw: bytes, fmt: tuple[int, int, int, int], what: str) -> Audio:
    tag, channels, rate, bits = fmt
    if channels < 1 or rate < 1:
        raise VoiceError(
            f"{what} says it has {channels} channels at {rate} Hz: it cannot be played."
        )
    if tag == _PCM and bits == 16:
        pcm = raw
    elif tag == _PCM and bits == 8:
        pcm = bytes(b for s in raw for b in struct.pack("<h", (s - 128) << 8))
    elif tag == _FLOAT and bits == 32:
        count = len(raw) // 4
        floats = struct.unpack(f"<{count}f", raw[: count * 4])
        pcm = struct.pack(f"<{count}h", *(int(max(-1.0, min(1.0, f)) * 32767) for f in floats))
    else:
        raise VoiceError(
            f"{what} is {bits}-bit WAV (format {tag}), which samantha cannot play: "
            "ask the server for 16-bit PCM."
        )
    frame = 2 * channels
    return Audio(pcm=pcm[: len(pcm) - len(pcm) % frame], rate=rate, channels=channels)


def wav_bytes(audio: Audio) -> bytes:
    """``audio`` as a WAV file (what transcription endpoints want)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(audio.channels)
        wav.setsampwidth(2)
        wav.setframerate(audio.rate)
        wav.writeframes(audio.pcm)
    return out.getvalue()


class AudioSink(Protocol):
    """Where her voice goes: a sound card, or (in tests) a list."""

    #: The playback volume, 0 to 1.
    volume: float

    async def play(self, audio: Audio) -> None:
        """Play ``audio``; return once it has been played, or at once when ``stop`` is called."""
        ...

    def stop(self) -> None:
        """Silence now: cut what is playing and let ``play`` return."""
        ...

    def set_volume(self, volume: float) -> None: ...

    async def aclose(self) -> None: ...


@dataclass
class Played:
    """One thing the null sink was asked to play, and how loud."""

    audio: Audio
    volume: float
    #: True when ``stop`` cut it short.
    stopped: bool = False


@dataclass
class NullSink:
    """A sink that plays nothing and keeps a record: for tests, benchmarks and dry runs.

    With ``hold=True`` each ``play`` waits until ``release()`` or ``stop()``, so a test can
    catch her mid-sentence without sleeping.
    """

    volume: float = 1.0
    hold: bool = False
    #: At most this many records are kept, so a long dry run does not grow without end.
    keep: int = 1000
    played: deque[Played] = field(init=False)
    stops: int = field(default=0, init=False)
    closed: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.played = deque(maxlen=self.keep)
        self._release: asyncio.Event | None = None
        self._started: asyncio.Event | None = None

    @property
    def texts(self) -> list[str]:
        return [p.audio.text for p in self.played]

    @property
    def started(self) -> asyncio.Event:
        """Set when the next ``play`` begins (tests wait on it)."""
        if self._started is None:
            self._started = asyncio.Event()
        return self._started

    async def play(self, audio: Audio) -> None:
        record = Played(audio, self.volume)
        self.played.append(record)
        self.started.set()
        if not self.hold:
            return
        self._release = asyncio.Event()
        try:
            await self._release.wait()
        finally:
            self._release = None

    def release(self) -> None:
        """Let a held ``play`` finish normally."""
        if self._release is not None:
            self._release.set()

    def stop(self) -> None:
        self.stops += 1
        if self._release is not None:
            if self.played:
                self.played[-1].stopped = True
            self._release.set()

    def set_volume(self, volume: float) -> None:
        self.volume = volume

    async def aclose(self) -> None:
        self.stop()
        self.closed = True


class Recorder(Protocol):
    """Push-to-talk: record between ``start`` and ``stop``."""

    async def start(self) -> None: ...

    async def stop(self) -> Audio:
        """Stop recording and return what was heard."""
        ...

    async def cancel(self) -> None:
        """Stop recording and throw it away."""
        ...


@dataclass
class NullRecorder:
    """A recorder that 'hears' ``audio`` each time: for tests and dry runs."""

    audio: Audio = field(default_factory=lambda: Audio(b"\0\0" * 1600, 16_000))
    recording: bool = False
    takes: int = 0

    async def start(self) -> None:
        self.recording = True

    async def stop(self) -> Audio:
        self.recording = False
        self.takes += 1
        return self.audio

    async def cancel(self) -> None:
        self.recording = False
