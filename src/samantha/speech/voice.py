"""The reply, spoken as it streams: sentences split off, synthesised a little ahead, played in
order, and dropped the moment the user speaks up.

Nothing here can fail the reply: ``feed``, ``finish`` and ``barge_in`` are plain calls that
never raise and never wait, and the speaking happens in one background task this object owns
and cancels. Failures reach the front end through ``on_error`` as one ``VoiceError`` per reply.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable

from samantha.speech.audio import Audio, AudioSink
from samantha.speech.errors import VoiceError
from samantha.speech.sentences import SentenceSplitter, is_fence, speakable
from samantha.speech.tts import Speaker

#: Sentences synthesised at once: the one about to play and the next, so there is no gap.
AHEAD = 2

ErrorHandler = Callable[[VoiceError], None]


def _ignore(error: VoiceError) -> None:
    return None


class Voice:
    """Speaks what it is fed through ``speaker`` onto ``sink`` in ``voice``."""

    def __init__(
        self,
        speaker: Speaker,
        sink: AudioSink,
        voice: str,
        *,
        on_error: ErrorHandler = _ignore,
        ahead: int = AHEAD,
        max_sentence: int | None = None,
    ) -> None:
        if ahead < 1:
            raise ValueError("ahead must be at least 1")
        self.speaker = speaker
        self.sink = sink
        self.voice = voice
        self.on_error = on_error
        self.ahead = ahead
        self._splitter = (
            SentenceSplitter() if max_sentence is None else SentenceSplitter(max_sentence)
        )
        self._queue: deque[str] = deque()
        self._player: asyncio.Task[None] | None = None
        self._muted = False
        #: A reply is being fed (from its first chunk until ``finish``).
        self._open = False
        #: The rest of the open reply is not to be spoken (the user barged in, or it failed).
        self._silenced = False
        self._in_code = False
        self._ending: set[asyncio.Task[None]] = set()
        self.last_error: VoiceError | None = None

    # -- state -------------------------------------------------------------------------------

    @property
    def speaking(self) -> bool:
        """She is saying something, or about to."""
        return self._player is not None and not self._player.done()

    @property
    def muted(self) -> bool:
        return self._muted

    @muted.setter
    def muted(self, muted: bool) -> None:
        self._muted = muted
        if muted:
            self._hush()

    @property
    def volume(self) -> float:
        return self.sink.volume

    @volume.setter
    def volume(self, volume: float) -> None:
        self.sink.set_volume(max(0.0, min(1.0, volume)))

    # -- the reply streams in ------------------------------------------------------------------

    def feed(self, text: str) -> None:
        """A chunk of her reply; each sentence it completes starts on its way to the speaker."""
        try:
            if not self._open:
                self._open, self._silenced, self._in_code = True, False, False
            self._enqueue(self._splitter.feed(text))
        except Exception as exc:  # never into the reply path
            self._report(_unexpected(exc))

    def finish(self) -> None:
        """The reply has ended (or was stopped): its last words go too, and the next chunk
        starts a new reply. Returns at once; ``drain`` waits for the speaking to end."""
        try:
            self._enqueue(self._splitter.flush())
        except Exception as exc:
            self._report(_unexpected(exc))
        finally:
            self._open = False

    def say(self, text: str) -> None:
        """A whole text at once (a greeting, a test line)."""
        self.feed(text)
        self.finish()

    def _enqueue(self, sentences: list[str]) -> None:
        for sentence in sentences:
            if is_fence(sentence):
                self._in_code = not self._in_code
                continue
            if self._in_code or self._silenced or self._muted:
                continue
            spoken = speakable(sentence)
            if spoken:
                self._queue.append(spoken)
        if self._queue and not self.speaking:
            self._player = asyncio.get_running_loop().create_task(
                self._play_all(), name="samantha-voice"
            )

    # -- the user speaks up --------------------------------------------------------------------

    def barge_in(self) -> None:
        """The user started typing or pressed Esc: silence now, and drop the rest of this reply
        (the next reply speaks again)."""
        if self._open:
            self._silenced = True
        self._hush()

    stop = barge_in

    def _hush(self) -> None:
        self._queue.clear()
        if self._player is not None and not self._player.done():
            self._player.cancel()
            # Kept until it has wound down, so ``drain`` and ``aclose`` can wait for it.
            self._ending.add(self._player)
            self._player.add_done_callback(self._ending.discard)
        self._player = None
        with contextlib.suppress(Exception):
            self.sink.stop()

    async def drain(self) -> None:
        """Wait until everything fed so far has been said (or dropped, and wound down)."""
        while self.speaking or self._ending:
            tasks = {*self._ending, *([self._player] if self._player else [])}
            await asyncio.wait(tasks)

    async def aclose(self) -> None:
        self.barge_in()
        await self.drain()
        for close in (self.speaker.aclose, self.sink.aclose):
            with contextlib.suppress(Exception):
                await close()

    # -- the background speaker ----------------------------------------------------------------

    async def _play_all(self) -> None:
        inflight: deque[asyncio.Task[Audio]] = deque()
        try:
            while True:
                self._top_up(inflight)
                if not inflight:
                    return
                try:
                    audio = await inflight.popleft()
                    self._top_up(inflight)  # the next one synthesises while this one plays
                    if not self._muted:
                        await self.sink.play(audio)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    error = exc if isinstance(exc, VoiceError) else _unexpected(exc)
                    self._report(error)
                    # The rest would most likely fail the same way: say so once, not per line.
                    self._queue.clear()
                    if self._open:
                        self._silenced = True
                    for task in inflight:
                        task.cancel()
                    inflight.clear()
        finally:
            for task in inflight:
                task.cancel()
            if inflight:
                await asyncio.wait(inflight)

    def _top_up(self, inflight: deque[asyncio.Task[Audio]]) -> None:
        while len(inflight) < self.ahead and self._queue:
            text = self._queue.popleft()
            task = asyncio.ensure_future(self.speaker.synthesize(text, self.voice))
            task.add_done_callback(_retrieved)
            inflight.append(task)

    def _report(self, error: VoiceError) -> None:
        self.last_error = error
        with contextlib.suppress(Exception):
            self.on_error(error)


def _retrieved(task: asyncio.Future[Audio]) -> None:
    """Mark a dropped synthesis's failure as seen: asyncio would otherwise print it to stderr,
    over the TUI, when the task is collected."""
    if not task.cancelled():
        task.exception()


def _unexpected(exc: Exception) -> VoiceError:
    return VoiceError(f"Her voice failed ({type(exc).__name__}: {exc}); chat carries on.")
