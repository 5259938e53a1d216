"""The sound card, through sounddevice (PortAudio: Linux, macOS, Windows), loaded only when voice
is switched on. Every way it can be missing ends in an ``Unavailable`` with one sentence."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import threading
from collections import deque
from collections.abc import Callable
from types import ModuleType
from typing import Any, Literal

from samantha.speech.audio import Audio
from samantha.speech.errors import Unavailable, VoiceError

NO_EXTRA = "Voice needs the audio extra: pip install 'samantha[voice]', then restart samantha."
NO_PORTAUDIO = (
    "Voice needs the PortAudio library, which is not installed: install it "
    "(apt install libportaudio2, or your system's package) and restart samantha."
)
#: Push-to-talk records at the rate speech recognisers work at.
RECORD_RATE = 16_000
#: A recording stops growing after this long, in case the key is never pressed again.
MAX_RECORD_SECONDS = 120


def load_sounddevice() -> ModuleType | Unavailable:
    try:
        return importlib.import_module("sounddevice")
    except ImportError:
        return Unavailable(NO_EXTRA)
    except OSError:
        # sounddevice raises OSError at import when the PortAudio library cannot be found.
        return Unavailable(NO_PORTAUDIO)
    except Exception as exc:
        return Unavailable(
            f"The audio library failed to load ({type(exc).__name__}: {exc}): reinstall the "
            "voice extra with pip install 'samantha[voice]'."
        )


def probe(sd: ModuleType, kind: Literal["input", "output"]) -> str | None:
    """Why there is no default device of this kind, or None when there is one."""
    what = "microphone" if kind == "input" else "audio output device"
    try:
        info = sd.query_devices(kind=kind)
    except Exception:
        return f"There is no {what} here, so {_so(kind)}."
    channels = info.get("max_input_channels" if kind == "input" else "max_output_channels", 0)
    if not channels:
        return f"The default {what} has no channels, so {_so(kind)}."
    return None


def _so(kind: str) -> str:
    return (
        "push-to-talk is off" if kind == "input" else "she cannot speak aloud (chat works as ever)"
    )


class Feed:
    """Sound waiting for the card, filled into its buffers from PortAudio's thread.

    Each pushed segment carries a callback run (on that thread) once it has all gone out, or
    when it is cleared away; the sink turns that into the end of ``play``.
    """

    def __init__(self, volume: float = 1.0) -> None:
        self.volume = volume
        self._lock = threading.Lock()
        self._segments: deque[list[Any]] = deque()  # [samples, position, done]

    def push(self, samples: Any, done: Callable[[], None]) -> None:
        with self._lock:
            self._segments.append([samples, 0, done])

    def clear(self) -> None:
        with self._lock:
            dropped = list(self._segments)
            self._segments.clear()
        for _, _, done in dropped:
            done()

    @property
    def empty(self) -> bool:
        with self._lock:
            return not self._segments

    def fill(self, out: Any) -> None:
        """Fill ``out`` (frames x channels, int16) with what is next, silence after it."""
        import numpy as np

        finished: list[Callable[[], None]] = []
        written, wanted = 0, len(out)
        with self._lock:
            volume = self.volume
            while written < wanted and self._segments:
                segment = self._segments[0]
                samples, position = segment[0], segment[1]
                take = min(wanted - written, len(samples) - position)
                part = samples[position : position + take]
                if volume < 1.0:
                    part = (part.astype(np.float32) * volume).astype(np.int16)
                out[written : written + take] = part
                written += take
                segment[1] = position + take
                if segment[1] >= len(samples):
                    self._segments.popleft()
                    finished.append(segment[2])
        out[written:] = 0
        for done in finished:
            done()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class DeviceSink:
    """Plays through the default output device, one stream kept open while voice is on."""

    def __init__(self, sd: ModuleType, volume: float = 1.0) -> None:
        self._sd = sd
        self._feed = Feed(volume)
        self._stream: Any = None
        self._format: tuple[int, int] | None = None
        self._lock = asyncio.Lock()
        #: How many times ``stop`` was called, so a ``play`` still opening the stream sees it.
        self._stops = 0

    @property
    def volume(self) -> float:
        return self._feed.volume

    @volume.setter
    def volume(self, volume: float) -> None:
        self.set_volume(volume)

    def set_volume(self, volume: float) -> None:
        self._feed.volume = max(0.0, min(1.0, volume))

    async def play(self, audio: Audio) -> None:
        import numpy as np

        if not audio.pcm:
            return
        stops = self._stops
        await self._ensure_stream(audio.rate, audio.channels)
        if stops != self._stops:
            return  # stopped while the stream was opening
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[None] = loop.create_future()
        samples = np.frombuffer(audio.pcm, dtype="<i2").reshape(-1, audio.channels)

        def done() -> None:
            # On PortAudio's thread; the loop may have closed meanwhile (the app quit).
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, finished)

        self._feed.push(samples, done)
        try:
            await finished
        except asyncio.CancelledError:
            self._feed.clear()
            raise

    async def _ensure_stream(self, rate: int, channels: int) -> None:
        async with self._lock:
            if self._stream is not None and self._format == (rate, channels):
                return
            old, self._stream = self._stream, None
            self._feed.clear()
            try:
                self._stream = await asyncio.to_thread(self._open, rate, channels, old)
            except Exception as exc:
                raise VoiceError(
                    f"The audio output could not be opened at {rate} Hz ({exc}): check the "
                    "sound settings, or switch voice off with /voice off."
                ) from exc
            self._format = (rate, channels)

    def _open(self, rate: int, channels: int, old: Any) -> Any:
        if old is not None:
            _close(old)
        stream = self._sd.OutputStream(
            samplerate=rate, channels=channels, dtype="int16", callback=self._callback
        )
        stream.start()
        return stream

    def _callback(self, outdata: Any, frames: int, time: Any, status: Any) -> None:
        self._feed.fill(outdata)

    def stop(self) -> None:
        self._stops += 1
        self._feed.clear()

    async def aclose(self) -> None:
        self.stop()
        stream, self._stream = self._stream, None
        if stream is not None:
            await asyncio.to_thread(_close, stream)


def _close(stream: Any, *, drain: bool = False) -> None:
    """Close a stream: abort drops what is still buffered (she stops at once); a recording is
    stopped instead, so its last few milliseconds arrive."""
    # A device unplugged mid-stream fails to close too; nothing is lost by ignoring it.
    with contextlib.suppress(Exception):
        if drain:
            stream.stop()
        else:
            stream.abort()
    with contextlib.suppress(Exception):
        stream.close()


class DeviceRecorder:
    """Records mono 16 kHz from the default microphone between ``start`` and ``stop``."""

    def __init__(self, sd: ModuleType, max_seconds: float = MAX_RECORD_SECONDS) -> None:
        self._sd = sd
        self._limit = int(max_seconds * RECORD_RATE) * 2
        self._chunks: list[bytes] = []
        self._size = 0
        self._stream: Any = None

    @property
    def recording(self) -> bool:
        return self._stream is not None

    async def start(self) -> None:
        if self._stream is not None:
            return
        self._chunks, self._size = [], 0
        try:
            self._stream = await asyncio.to_thread(self._open)
        except Exception as exc:
            raise VoiceError(
                f"The microphone could not be opened ({exc}): check the sound settings."
            ) from exc

    def _open(self) -> Any:
        stream = self._sd.InputStream(
            samplerate=RECORD_RATE, channels=1, dtype="int16", callback=self._callback
        )
        stream.start()
        return stream

    def _callback(self, indata: Any, frames: int, time: Any, status: Any) -> None:
        if self._size < self._limit:
            data = bytes(indata)
            self._chunks.append(data)
            self._size += len(data)

    async def stop(self) -> Audio:
        stream, self._stream = self._stream, None
        if stream is not None:
            await asyncio.to_thread(_close, stream, drain=True)
        pcm = b"".join(self._chunks)[: self._limit]
        self._chunks, self._size = [], 0
        return Audio(pcm=pcm, rate=RECORD_RATE)

    async def cancel(self) -> None:
        await self.stop()


async def describe_devices() -> tuple[str, str]:
    """The default output and input devices' names, or for each the reason there is none."""
    sd = load_sounddevice()
    if isinstance(sd, Unavailable):
        return sd.reason, sd.reason

    def name(kind: Literal["input", "output"]) -> str:
        reason = probe(sd, kind)
        return reason or str(sd.query_devices(kind=kind).get("name") or "the default device")

    return await asyncio.to_thread(lambda: (name("output"), name("input")))


async def open_sink(volume: float = 1.0) -> DeviceSink | Unavailable:
    """The default output device, or the sentence saying why there is none."""
    sd = load_sounddevice()
    if isinstance(sd, Unavailable):
        return sd
    reason = await asyncio.to_thread(probe, sd, "output")
    return Unavailable(reason) if reason else DeviceSink(sd, volume)


async def open_recorder() -> DeviceRecorder | Unavailable:
    """The default microphone, or the sentence saying why there is none."""
    sd = load_sounddevice()
    if isinstance(sd, Unavailable):
        return sd
    reason = await asyncio.to_thread(probe, sd, "input")
    return Unavailable(reason) if reason else DeviceRecorder(sd)
