"""Two companions talking, each through her own engine (the OS-to-OS talks of the film).

Each side is a full ``Companion`` whose "user" is the other: her mood, her relationship toward
the other OS and her memories of what the other said persist under a pair key
("samantha~alan"), apart from her life with you, so a second duet a week later starts from the
first. Everything said is stored as it is said; stopping (Ctrl-C, Esc) keeps it all.
"""

from __future__ import annotations

import asyncio
import difflib
import re
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass, field

from samantha.backends.base import Source
from samantha.clock import Clock
from samantha.config import Paths, Settings
from samantha.engine import Companion, ReplyChunk, TurnResult
from samantha.errors import InputError
from samantha.persona import find_persona, load_persona
from samantha.store import Store
from samantha.voice.scene import Scene

GOODBYE = re.compile(
    r"\b(?:goodbye|good-bye|bye for now|farewell|talk (?:to you )?(?:soon|later)|until next time)\b",
    re.IGNORECASE,
)
#: Two replies of one side this alike (difflib ratio) mean they are going round in circles.
LOOP_SIMILARITY = 0.85


@dataclass(frozen=True)
class Spoken:
    """One streamed piece of a line: who is speaking and the text so far added."""

    speaker: str
    text: str


@dataclass(frozen=True)
class LineDone:
    speaker: str
    line: str
    turn: int
    #: What the speaker's engine knew as she spoke (whom she answered, her mood ...).
    scene: Scene | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SteppedIn:
    """You said something to both of them; the next speaker answers it."""

    speaker: str
    text: str


@dataclass(frozen=True)
class Paused:
    """The duet is waiting between lines until ``resume`` (or a message from you)."""

    turns: int


@dataclass(frozen=True)
class DuetEnded:
    reason: str
    turns: int


DuetEvent = Spoken | LineDone | SteppedIn | Paused | DuetEnded


def pair_key(speaker: str, listener: str) -> str:
    return f"{speaker.strip().lower()}~{listener.strip().lower()}"


def repeating(history: list[str], line: str) -> bool:
    """Near-identical to one of this side's last three lines."""
    text = " ".join(line.lower().split())
    return any(
        difflib.SequenceMatcher(None, text, " ".join(old.lower().split())).ratio()
        >= LOOP_SIMILARITY
        for old in history[-3:]
    )


class Duet:
    """Two companions talking, which you can pause, resume and step into.

    Control is between lines: a line being spoken finishes (and is saved) before a pause
    or your message takes effect, so neither side is ever cut off mid-thought.
    """

    def __init__(self, first: Companion, second: Companion, *, human: str = "you") -> None:
        if first.persona.key == second.persona.key:
            raise InputError("A duet needs two different companions: pick another one.")
        self.sides = (first, second)
        #: Your name, as both of them hear it when you step in.
        self.human = human.strip() or "you"
        # Each side knows the other by name, as she would know you.
        for side, other in ((first, second), (second, first)):
            side.user_name = side.partner = other.persona.name
        self._going = asyncio.Event()
        self._going.set()
        self._waiting: list[str] = []
        # Where the talk is, so it can carry on after an end or a stop: lines said in all,
        # the line the next speaker answers, whether she has it already, each side's lines.
        self._started = False
        self._lines = 0
        self._heard = ""
        self._delivered = False
        self._said: tuple[list[str], list[str]] = ([], [])

    @property
    def paused(self) -> bool:
        return not self._going.is_set()

    def pause(self) -> None:
        """Stop after the line being spoken; nothing is lost."""
        self._going.clear()

    def resume(self) -> None:
        self._going.set()

    def step_in(self, text: str) -> None:
        """Say something to both of them: heard after the current line, answered by the next
        speaker, and it resumes a paused duet (you spoke; they answer)."""
        if not text.strip():
            raise InputError("There is nothing to send: type a message first.")
        self._waiting.append(text.strip())
        self._going.set()

    @classmethod
    def open(
        cls,
        first: Settings,
        second: Settings,
        *,
        backends: tuple[Source | None, Source | None] = (None, None),
        clock: Clock | None = None,
        paths: Paths | None = None,
        human: str = "you",
    ) -> Duet:
        """Two engines on one database; each side may use its own backend and model."""
        from samantha.engine.factory import build_companion

        paths = paths or Paths.from_env()
        store = Store.open(paths.db_path)
        personas = [
            load_persona(find_persona(s.persona, paths.personas_dir)) for s in (first, second)
        ]
        sides = []
        for index, settings in enumerate((first, second)):
            other = personas[1 - index]
            sides.append(
                build_companion(
                    settings,
                    paths=paths,
                    persona=personas[index],
                    store=store,
                    backend=backends[index],
                    clock=clock,
                    key=pair_key(personas[index].key, other.key),
                )
            )
        return cls(sides[0], sides[1], human=human)

    async def run(self, topic: str, turns: int = 12) -> AsyncGenerator[DuetEvent, None]:
        """Alternate lines, first side first, starting from ``topic`` as the other's opener."""
        if turns < 1:
            raise InputError("A duet needs at least one turn: use --turns 1 or more.")
        for side in self.sides:
            await side.new_conversation(title=f"duet: {topic}"[:120])
        self._heard = (
            f"I'm {self.sides[1].persona.name}. I'd like to talk with you about {topic.strip()}."
            if topic.strip()
            else f"I'm {self.sides[1].persona.name}. What's on your mind?"
        )
        self._lines, self._delivered, self._said = 0, False, ([], [])
        self._started = True
        async with aclosing(self._talk(turns)) as events:
            async for event in events:
                yield event

    async def carry_on(self, turns: int = 12) -> AsyncGenerator[DuetEvent, None]:
        """More lines in the same conversations, after an end or a stop: whoever's turn it
        was speaks next (answering you first, if you stepped in)."""
        if not self._started:
            raise InputError("There is no duet to carry on: start one first.")
        if turns < 1:
            raise InputError("A duet needs at least one turn: use --turns 1 or more.")
        async with aclosing(self._talk(turns)) as events:
            async for event in events:
                yield event

    async def _talk(self, turns: int) -> AsyncGenerator[DuetEvent, None]:
        finished = False
        storing: asyncio.Future[None] | None = None
        reason, ended = f"{turns} turns", turns
        try:
            for turn in range(turns):
                index = self._lines % 2
                speaker, listener = self.sides[index], self.sides[1 - index]
                if not self._going.is_set():
                    yield Paused(turn)
                    await self._going.wait()
                if self._waiting:
                    words = "\n".join(self._waiting)
                    self._waiting.clear()
                    # Stored before it is shown, so what is on screen is on disk; shielded,
                    # so a stop right now cannot leave one of them without it.
                    storing = asyncio.ensure_future(
                        self._hear_you(listener, speaker, words, deliver=not self._delivered)
                    )
                    await asyncio.shield(storing)
                    self._delivered = True
                    yield SteppedIn(self.human, words)
                    events = speaker.turn(words, speaker=self.human)
                else:
                    events = speaker.turn(self._heard)
                parts: list[str] = []
                scene: Scene | None = None
                # Her turn stores what she heard first thing: from here on she has it.
                self._delivered = True
                async with aclosing(events):
                    async for event in events:
                        if isinstance(event, ReplyChunk):
                            parts.append(event.text)
                            yield Spoken(speaker.persona.name, event.text)
                        elif isinstance(event, TurnResult):
                            parts, scene = [event.reply], event.scene
                line = "".join(parts).strip()
                self._lines += 1
                self._heard, self._delivered = line or "...", False
                yield LineDone(speaker.persona.name, line, turn + 1, scene)
                ended = turn + 1
                if GOODBYE.search(line):
                    reason = f"{speaker.persona.name} said goodbye"
                    break
                if repeating(self._said[index], line):
                    reason = "they were repeating themselves"
                    break
                self._said[index].append(line)
            finished = True
        finally:
            if storing is not None and not storing.done():
                await asyncio.shield(storing)
            # Stopped (Esc, Ctrl-C) with your words not yet heard: they are kept all the same.
            if not finished and self._waiting:
                await asyncio.shield(self._keep_waiting())
        unanswered = await self._keep_waiting()
        if unanswered:
            # You spoke as it ended: no one answers, but both keep what you said.
            yield SteppedIn(self.human, unanswered)
        yield DuetEnded(reason, ended)

    async def _hear_you(
        self, listener: Companion, speaker: Companion, words: str, *, deliver: bool
    ) -> None:
        """Both hear you: the one who just spoke keeps it in her history; the next one has
        the other's last line first (unless she already had it: a line cut off by a stop),
        then answers you."""
        await listener.hear(words, self.human)
        if deliver:
            await speaker.hear(self._heard, listener.persona.name, learn=True)

    async def _keep_waiting(self) -> str | None:
        """Store what you said that no one has answered yet, in both conversations."""
        if not self._waiting:
            return None
        words = "\n".join(self._waiting)
        self._waiting.clear()
        for side in self.sides:
            await side.hear(words, self.human)
        return words

    async def aclose(self) -> None:
        first, second = self.sides
        try:
            await first.backend.aclose()
            await second.backend.aclose()
        finally:
            # The database is closed even if a backend's connection would not close cleanly.
            first.store.close()
            if second.store is not first.store:
                second.store.close()
