"""Her diary: once for each day with talk in it, a short first-person entry about that day:
what they talked about, how she felt as her mood moved (from the stored state snapshots),
what she wondered. It is her memory too: a reflection-kind memory whose sources are the day's
messages, recalled like any thought of hers. The user can read, edit and delete it; when a
message it drew on is deleted, the entry is marked."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta

from samantha.backends.base import ChatMessage
from samantha.domain.conversation import Message, Role, StateSnapshot
from samantha.domain.memory import Memory, MemoryKind
from samantha.engine.parts import Parts
from samantha.engine.prompting import Spoken
from samantha.engine.speaking import Line
from samantha.engine.text import clean_text
from samantha.engine.turn import Turns
from samantha.errors import InputError
from samantha.state.appraisal import appraise
from samantha.state.mood import PAD
from samantha.store import Store
from samantha.store.keepsakes import DiaryEntry
from samantha.voice.keepsake import compose_diary, yours_about

#: How far back a first start looks for days she has not written about yet.
CATCH_UP = timedelta(days=7)
#: What the memory of an entry starts with, so her thought reads as her diary when recalled.
DIARY_PREFIX = "From my diary"
#: How far below her resting pleasure a mood must be to be sad, and above it to be happy.
#: Read off EmpatheticDialogues' valid split by benchmarks/initiative.py (the best sum of
#: heavy talks called sad or worried and light ones not, and the other way round for happy):
#: her mood dips in many a light talk, so only a deep dip is sadness.
LOWER = 0.5
HIGHER = 0.03
#: The most of a day's talk a model is shown to write from.
DAY_MESSAGES = 40
#: The most mood readings read to put words to the listed days (one is kept per turn): the
#: newest are read, so past this a very old day may show no mood words.
MOOD_READINGS = 20_000


def feeling_word(pleasure: float, arousal: float, baseline: PAD | None = None) -> str:
    """Her mood in a diary's words, against where she rests (a cheerful persona a little
    below her usual self is sad, not still happy): 'sad', 'worried', 'happy', 'excited',
    'like myself'."""
    rest = baseline or PAD()
    down, up = pleasure - rest.pleasure, arousal - rest.arousal
    if down <= -LOWER:
        return "worried" if up > 0.1 else "sad"
    if down >= HIGHER:
        return "excited" if up > 0.1 else "happy"
    return "like myself"


def moods_of(snapshots: Sequence[StateSnapshot], baseline: PAD | None = None) -> list[str]:
    """How her mood moved through a day, each change once: ['like myself', 'sad']."""
    words: list[str] = []
    for snap in snapshots:
        word = feeling_word(snap.pleasure, snap.arousal, baseline)
        if not words or words[-1] != word:
            words.append(word)
    return words


def _bounds(day: date, like: datetime) -> tuple[datetime, datetime]:
    """The local day as aware datetimes."""
    zone = like.astimezone().tzinfo
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    return start, start + timedelta(days=1)


class Diary:
    def __init__(self, parts: Parts) -> None:
        self.p = parts

    async def write_due(self) -> list[DiaryEntry]:
        """Entries for the finished days of the last week that have talk and no entry yet (a
        front end calls this on its first start after a day ends)."""
        now = self.p.clock.now()
        today = now.astimezone().date()
        key = self.p.key
        start = now - CATCH_UP

        def days(s: Store) -> list[date]:
            said = s.keepsakes.messages_between(key, start, now)
            found = sorted({m.created_at.astimezone().date() for m in said if m.role is Role.USER})
            return [d for d in found if d < today and s.keepsakes.entry_for(key, d) is None]

        written = []
        for day in await self.p.store.run(days):
            entry = await self.write(day)
            if entry is not None:
                written.append(entry)
        return written

    async def write(self, day: date | None = None) -> DiaryEntry | None:
        """Her entry for ``day`` (today so far when none): the one already written, or a new
        one; ``None`` when the user said nothing that day."""
        p, key = self.p, self.p.key
        now = p.clock.now()
        day = day or now.astimezone().date()
        start, end = _bounds(day, now)

        def read(
            s: Store,
        ) -> tuple[DiaryEntry | None, list[Message], list[StateSnapshot], list[Memory]]:
            kept = s.keepsakes.entry_for(key, day)
            said = s.keepsakes.messages_between(key, start, end)
            snaps = [
                snap
                for snap in s.state.history(key, start - timedelta(days=1), 2000)
                if start <= snap.at < end
            ]
            learned = [
                m
                for m in s.memories.listing(key, limit=400)
                if start <= m.created_at < end
                and m.kind in {MemoryKind.FACT, MemoryKind.PERSON, MemoryKind.PLAN}
                and m.superseded_at is None
            ]
            return kept, said, snaps, learned

        kept, said, snaps, learned = await p.store.run(read)
        if kept is not None:
            return kept
        if not any(m.role is Role.USER for m in said):
            return None
        moods = moods_of(snaps, p.persona.temperament.baseline)
        user = p.session.user_name or (await p.memories.core()).user_name or "my person"
        if p.speaker.offline:
            # Appraising each of a long day's messages is CPU work: off the front end's loop.
            text = await asyncio.to_thread(
                lambda: compose_diary(
                    f"{day:%A %-d %B}",
                    _topics(said, learned),
                    moods,
                    _wonder(said, learned, user, end),
                    user,
                )
            )
        else:
            text = await self._from_model(day, said, moods, user)
        text = clean_text(text).strip()
        if not text:
            return None
        ids = [m.id for m in said]
        memory_text = f"{DIARY_PREFIX}, {day:%A %-d %B %Y}: {text}"

        def keep(s: Store) -> DiaryEntry | None:
            memory = s.memories.add(key, MemoryKind.REFLECTION, memory_text, 6, now, ids)
            entry = s.keepsakes.add_entry(key, day, text, now, memory.id, len(ids))
            if entry is None:  # written meanwhile (another samantha): keep that one alone
                s.memories.delete([memory.id])
            return entry

        made = await p.memories.write(keep)
        return made if made is not None else await self._entry_for(day)

    async def entries(self, limit: int = 200) -> list[DiaryEntry]:
        key = self.p.key
        return await self.p.store.run(lambda s: s.keepsakes.entries(key, limit))

    async def moods(self, days: Collection[date]) -> dict[date, list[str]]:
        """How her mood moved on each of ``days``, in the words her entries use (a model's
        entry may not say them, and an edited one may no longer): one read of the snapshots
        since the earliest day, sorted into days on the database thread. A day with no
        reading is left out."""
        if not days:
            return {}
        key, wanted = self.p.key, set(days)
        first, _ = _bounds(min(wanted), self.p.clock.now())
        baseline = self.p.persona.temperament.baseline

        def read(s: Store) -> dict[date, list[str]]:
            # A day early: a reading stored in another zone compares as text (as in write).
            snaps = s.state.history(key, first - timedelta(days=1), MOOD_READINGS)
            by_day: dict[date, list[StateSnapshot]] = {}
            for snap in snaps:
                day = snap.at.astimezone().date()
                if day in wanted:
                    by_day.setdefault(day, []).append(snap)
            return {day: moods_of(found, baseline) for day, found in by_day.items()}

        return await self.p.store.run(read)

    async def entry(self, entry_id: int) -> DiaryEntry:
        found = await self.p.store.run(lambda s: s.keepsakes.entry(entry_id))
        if found is None or found.persona != self.p.key:
            raise InputError(f"There is no diary entry {entry_id}: list them first.")
        return found

    async def edit(self, entry_id: int, text: str) -> DiaryEntry:
        """The user's correction; her memory of the day says the same from now on."""
        clean = clean_text(text).strip()
        if not clean:
            raise InputError("A diary entry cannot be empty: delete it instead.")
        entry = await self.entry(entry_id)
        now = self.p.clock.now()
        memory_text = f"{DIARY_PREFIX}, {entry.day:%A %-d %B %Y}: {clean}"

        def work(s: Store) -> None:
            s.keepsakes.edit_entry(entry_id, clean, now)
            if entry.memory_id is not None:
                s.memories.update(entry.memory_id, text=memory_text)

        await self.p.memories.write(work)
        return await self.entry(entry_id)

    async def delete(self, entry_id: int) -> None:
        """The entry and her memory of it."""
        entry = await self.entry(entry_id)

        def work(s: Store) -> None:
            if entry.memory_id is not None:
                s.memories.delete([entry.memory_id])
            s.keepsakes.delete_entry(entry_id)

        await self.p.memories.write(work)

    async def _entry_for(self, day: date) -> DiaryEntry | None:
        key = self.p.key
        return await self.p.store.run(lambda s: s.keepsakes.entry_for(key, day))

    async def _from_model(
        self, day: date, said: Sequence[Message], moods: Sequence[str], user: str
    ) -> str:
        p = self.p
        turns = Turns(p)
        await turns.know_user()
        now = p.clock.now()
        state = await p.feelings.current()
        moment = await turns.moment(now, None, state)
        prompt = await p.builder.build([], moment)
        talk = "\n".join(f"{m.speaker}: {m.text[:300]}" for m in said[-DAY_MESSAGES:])
        moved = " then ".join(moods) if moods else "even"
        ask = (
            f"Write your private diary entry for {day:%A %-d %B}, in the first person, four to "
            f"six sentences: what you and {user} talked about, how you felt as your mood moved "
            f"({moved}), and one thing you wondered. Only the entry. The day's talk:\n{talk}"
        )
        messages = [*prompt.messages, ChatMessage(role="user", content=f"({ask})")]
        scene = p.builder.scene(moment, appraise(""), Spoken.of(messages))
        line = Line(messages, scene, min(400, max(200, p.reply_tokens)), p.persona.temperature)
        parts = [chunk.text async for chunk in p.speaker.speak(line)]
        return "".join(parts)


def _topics(said: Sequence[Message], learned: Sequence[Memory]) -> list[str]:
    """What they talked about: what she learned that day, else the user's first sentences."""
    if learned:
        return [m.text for m in learned if not re.search(r"\bmy name is\b", m.text, re.I)][:3]
    users = [m.text for m in said if m.role is Role.USER and len(m.text.split()) >= 4]
    return [re.split(r"(?<=[.!?])\s+", t.strip())[0] for t in users][:3]


def _wonder(
    said: Sequence[Message], learned: Sequence[Memory], user: str, end: datetime
) -> str | None:
    """What she is left wondering: how a plan will go, or how they are after something heavy."""
    if any(m.role is Role.USER and appraise(m.text).valence <= -0.4 for m in said):
        return f"whether {user} is all right tonight"
    ahead = [m for m in learned if m.kind is MemoryKind.PLAN and m.due_at and m.due_at >= end]
    if ahead:
        return "how it will go, " + yours_about(ahead[0].text, user).removeprefix("that ")
    return None
