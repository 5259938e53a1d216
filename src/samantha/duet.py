"""Two companions talking, each through her own engine (the OS-to-OS talks of the film).

Each side is a full ``Companion`` whose "user" is the other: her mood, her relationship toward
the other OS and her memories of what the other said persist under a pair key
("samantha~alan"), apart from her life with you, so a second duet a week later starts from the
first. Everything said is stored as it is said; stopping (Ctrl-C, Esc) keeps it all.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

from samantha.backends.base import Backend
from samantha.clock import Clock
from samantha.config import Paths, Settings
from samantha.engine import Companion, ReplyChunk, TurnResult
from samantha.errors import InputError
from samantha.persona import find_persona, load_persona
from samantha.store import Store

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


@dataclass(frozen=True)
class DuetEnded:
    reason: str
    turns: int


DuetEvent = Spoken | LineDone | DuetEnded


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
    def __init__(self, first: Companion, second: Companion) -> None:
        if first.persona.key == second.persona.key:
            raise InputError("A duet needs two different companions: pick another one.")
        self.sides = (first, second)
        # Each side knows the other by name, as she would know you.
        first.user_name = second.persona.name
        second.user_name = first.persona.name

    @classmethod
    def open(
        cls,
        first: Settings,
        second: Settings,
        *,
        backends: tuple[Backend | None, Backend | None] = (None, None),
        clock: Clock | None = None,
        paths: Paths | None = None,
    ) -> Duet:
        """Two engines on one database; each side may use its own backend and model."""
        from samantha.backends.base import create_backend

        paths = paths or Paths.from_env()
        store = Store.open(paths.db_path)
        personas = [
            load_persona(find_persona(s.persona, paths.personas_dir)) for s in (first, second)
        ]
        sides = []
        for index, settings in enumerate((first, second)):
            other = personas[1 - index]
            backend = backends[index] or create_backend(settings.backend_spec())
            sides.append(
                Companion(
                    persona=personas[index],
                    backend=backend,
                    store=store,
                    settings=settings,
                    clock=clock,
                    key=pair_key(personas[index].key, other.key),
                )
            )
        return cls(sides[0], sides[1])

    async def run(self, topic: str, turns: int = 12) -> AsyncGenerator[DuetEvent, None]:
        """Alternate lines, first side first, starting from ``topic`` as the other's opener."""
        if turns < 1:
            raise InputError("A duet needs at least one turn: use --turns 1 or more.")
        for side in self.sides:
            await side.new_conversation(title=f"duet: {topic}"[:120])
        heard = (
            f"I'm {self.sides[1].persona.name}. I'd like to talk with you about {topic.strip()}."
            if topic.strip()
            else f"I'm {self.sides[1].persona.name}. What's on your mind?"
        )
        said: tuple[list[str], list[str]] = ([], [])
        for turn in range(turns):
            index = turn % 2
            speaker = self.sides[index]
            parts: list[str] = []
            events = speaker.turn(heard)
            async with aclosing(events):
                async for event in events:
                    if isinstance(event, ReplyChunk):
                        parts.append(event.text)
                        yield Spoken(speaker.persona.name, event.text)
                    elif isinstance(event, TurnResult):
                        parts = [event.reply]
            line = "".join(parts).strip()
            yield LineDone(speaker.persona.name, line, turn + 1)
            if GOODBYE.search(line):
                yield DuetEnded(f"{speaker.persona.name} said goodbye", turn + 1)
                return
            if repeating(said[index], line):
                yield DuetEnded("they were repeating themselves", turn + 1)
                return
            said[index].append(line)
            heard = line or "..."
        yield DuetEnded(f"{turns} turns", turns)

    async def aclose(self) -> None:
        first, second = self.sides
        await first.backend.aclose()
        await second.backend.aclose()
        first.store.close()
        if second.store is not first.store:
            second.store.close()
