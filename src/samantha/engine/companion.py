"""The Companion: the one object every front end (TUI, CLI, conversation scripts, duet)
drives. A façade over collaborators that each own their state (docs/architecture.md):
the session, her memories, her feelings, the prompt builder, the records and the turn."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Collection
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from samantha.backends.base import Source
from samantha.clock import Clock
from samantha.config import Paths, Settings
from samantha.domain.conversation import (
    Conversation,
    ConversationSummary,
    EventRecord,
    Message,
    StateSnapshot,
)
from samantha.domain.memory import CoreBlock, CoreMemory, Memory, MemoryKind, Recalled
from samantha.engine.diary import Diary
from samantha.engine.initiative import Decision, Initiative, Spoke
from samantha.engine.keepsakes import KeepsakeEvent, Keepsakes
from samantha.engine.parts import Parts
from samantha.engine.prompt import Prompt
from samantha.engine.results import Greeting, TurnEvent
from samantha.engine.tokens import TokenCounter
from samantha.engine.turn import Turns
from samantha.errors import InputError
from samantha.memory.mind import Mind
from samantha.memory.stream import MemoryStream
from samantha.persona import Persona
from samantha.state.inner import InnerState
from samantha.store import Store
from samantha.store.keepsakes import DiaryEntry, Keepsake


class Companion:
    def __init__(self, parts: Parts) -> None:
        """Made by ``samantha.engine.factory.build_companion`` (or ``Companion.open``)."""
        self._p = parts
        self._turns = Turns(parts)

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        backend: Source | None = None,
        clock: Clock | None = None,
        paths: Paths | None = None,
    ) -> Companion:
        """Wire a companion from settings: persona file, backend adapter and database."""
        from samantha.engine.factory import build_companion

        return build_companion(settings, backend=backend, clock=clock, paths=paths)

    # -- who she is and what she runs on ---------------------------------------------------

    @property
    def persona(self) -> Persona:
        return self._p.persona

    @property
    def key(self) -> str:
        """Whose life this is in the database: her persona's, or a duet's pair."""
        return self._p.key

    @property
    def settings(self) -> Settings:
        return self._p.settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        """What a front end builds the next companion or duet from; this one keeps the
        backend, window and budgets it was made with (per-turn choices like recall_k follow)."""
        self._p = replace(self._p, settings=settings)
        self._turns = Turns(self._p)

    @property
    def clock(self) -> Clock:
        return self._p.clock

    @property
    def store(self) -> Store:
        return self._p.store

    @property
    def backend(self) -> Source:
        """What she speaks through: a model's adapter, or the offline voice."""
        return self._p.speaker.source

    @property
    def speaks_offline(self) -> bool:
        """She speaks in the built-in offline voice (no model): front ends label it so."""
        return self._p.speaker.offline

    @property
    def voice_label(self) -> str:
        """What she speaks through, as a front end shows it."""
        return self._p.speaker.label

    @property
    def memory(self) -> MemoryStream:
        return self._p.memories.stream

    @property
    def mind(self) -> Mind:
        return self._p.memories.mind

    @property
    def counter(self) -> TokenCounter:
        return self._p.builder.counter

    @property
    def reply_tokens(self) -> int:
        return self._p.reply_tokens

    @property
    def conversation(self) -> Conversation | None:
        return self._p.session.conversation

    @property
    def user_name(self) -> str | None:
        return self._p.session.user_name

    @user_name.setter
    def user_name(self, name: str | None) -> None:
        self._p.session.user_name = name

    @property
    def partner(self) -> str | None:
        """In a group talk (a duet), who she is talking with; others are labelled guests."""
        return self._p.session.partner

    @partner.setter
    def partner(self, name: str | None) -> None:
        self._p.session.partner = name

    def warm_up(self) -> None:
        """Load the heavy parts of a reply now, in the calling thread: the backend's client
        library and the tokenizer. Front ends run it off their event loop after the first
        frame, so no reply has to stop and load them."""
        self._p.speaker.source.warm()
        self._p.builder.counter.count("warm")

    async def check_backend(self) -> str:
        return await self._p.speaker.source.check()

    async def aclose(self) -> None:
        await self._p.speaker.source.aclose()
        # A big memory's vector index is kept for the next session (``MemoryStream.persist``).
        await self._p.store.run(self._p.memories.stream.persist)
        self._p.store.close()

    # -- conversations ---------------------------------------------------------------------

    async def resume(self) -> Conversation:
        """Continue her latest conversation, or begin the first one."""
        conversation = await self._p.session.resume()
        await self._turns.know_user()
        return conversation

    async def new_conversation(self, title: str = "") -> Conversation:
        return await self._p.session.begin(title)

    async def open_conversation(self, conversation_id: int) -> Conversation:
        return await self._p.records.open(conversation_id)

    async def history(self, limit: int = 200) -> list[Message]:
        return await self._p.records.history(limit)

    async def last_seen(self) -> datetime | None:
        return await self._p.records.last_seen()

    async def list_conversations(self, limit: int = 200) -> list[ConversationSummary]:
        return await self._p.records.conversations(limit)

    async def rename_conversation(self, conversation_id: int, title: str) -> Conversation:
        return await self._p.records.rename(conversation_id, title)

    async def delete_conversation(self, conversation_id: int) -> int:
        """Delete a conversation and the memories drawn only from it; returns how many went."""
        return await self._p.records.delete(conversation_id)

    async def search_messages(self, query: str, limit: int = 50) -> list[Message]:
        return await self._p.records.search(query, limit)

    async def older_messages(self, before_id: int, limit: int = 100) -> list[Message]:
        return await self._p.records.older(before_id, limit)

    async def message(self, message_id: int) -> Message | None:
        return await self._p.records.message(message_id)

    # -- the turn --------------------------------------------------------------------------

    def turn(self, text: str, *, speaker: str | None = None) -> AsyncGenerator[TurnEvent, None]:
        """Yield her reply as ``ReplyChunk``s, then one ``TurnResult``.

        ``speaker``: someone other than her partner said this (you, stepping into a duet).
        It moves her mood like any message, but it is not learned as the partner's facts and
        does not touch her relationship with the partner.

        Raises ``SamanthaError`` with the sentence to show; by then the user's message and
        any partial reply are already stored.
        """
        return self._turns.turn(text, speaker)

    async def hear(self, text: str, speaker: str, *, learn: bool = False) -> Message:
        """Keep a line said to the room without answering it; ``learn`` only for her
        partner's own words, never a third voice's."""
        return await self._turns.hear(text, speaker, learn=learn)

    def regenerate(self) -> AsyncGenerator[TurnEvent, None]:
        """Her last reply again: the old one is removed, the user's message stays as it was."""
        return self._turns.regenerate()

    def edit_last(self, text: str) -> AsyncGenerator[TurnEvent, None]:
        """Replace the user's last message (and her reply to it) with ``text``, and answer that."""
        return self._turns.edit_last(text)

    async def greet(self) -> Greeting | None:
        """She speaks first when a session opens; the stored message, with its prompt."""
        return await self._turns.greet()

    async def preview_prompt(self, text: str) -> Prompt:
        """The prompt ``text`` would send now, section by section; nothing is stored."""
        return await self._turns.preview(text)

    # -- her feelings ----------------------------------------------------------------------

    async def inner_state(self) -> InnerState:
        """How she is right now: the last stored state, settled over the time since."""
        return await self._p.feelings.current()

    async def set_inner_state(self, state: InnerState) -> None:
        await self._p.feelings.replace(state)

    async def relationship_events(self, limit: int = 50) -> list[EventRecord]:
        return await self._p.feelings.events(limit)

    async def state_history(self, since: datetime | None = None) -> list[StateSnapshot]:
        return await self._p.feelings.history(since)

    # -- her memories ----------------------------------------------------------------------

    async def memories(self, query: str | None = None, limit: int = 200) -> list[Memory]:
        """What she remembers (episodes aside), newest first; or what matches ``query``."""
        return await self._p.memories.listing(query, limit)

    async def remember(
        self,
        text: str,
        *,
        kind: MemoryKind = MemoryKind.FACT,
        importance: int = 5,
        due_at: datetime | None = None,
    ) -> Memory:
        """Tell her something directly (onboarding answers, a script's starting memories)."""
        return await self._p.memories.remember(
            text, kind=kind, importance=importance, due_at=due_at
        )

    async def memory_item(self, memory_id: int) -> Memory | None:
        return await self._p.memories.item(memory_id)

    async def edit_memory(self, memory_id: int, text: str) -> Memory:
        return await self._p.memories.edit(memory_id, text)

    async def forget(self, memory_id: int) -> None:
        if await self._p.memories.forget([memory_id]) == 0:
            raise InputError(f"There is no memory {memory_id}: list them first.")

    async def core_memory(self) -> CoreMemory:
        return await self._p.memories.core()

    async def set_core_memory(self, block: CoreBlock, text: str) -> None:
        await self._p.memories.set_core(block, text)

    async def set_user_name(self, name: str) -> None:
        self._p.session.user_name = await self._p.memories.set_user_name(name)

    async def memory_count(self) -> int:
        return await self._p.memories.count()

    async def recall(self, query: str, k: int = 5) -> list[Recalled]:
        """What would come to mind for ``query`` now (without touching recency)."""
        return await self._p.memories.recall(query, k)

    # -- what she makes for you (engine/keepsakes.py) ------------------------------------------

    def write(self, request: str) -> AsyncGenerator[KeepsakeEvent, None]:
        """A piece she writes for you ("a letter to my sister for her wedding"), streamed,
        then ``KeepsakeDone`` with it as stored and the memories it drew on."""
        return Keepsakes(self._p).write(request)

    def revise_keepsake(self, keepsake_id: int, how: str) -> AsyncGenerator[KeepsakeEvent, None]:
        """A new version of a piece ("make it shorter"); the old one is kept."""
        return Keepsakes(self._p).revise(keepsake_id, how)

    async def keepsakes(self, limit: int = 200) -> list[Keepsake]:
        return await Keepsakes(self._p).listing(limit)

    async def keepsake(self, keepsake_id: int) -> Keepsake:
        return await Keepsakes(self._p).get(keepsake_id)

    async def keepsake_versions(self, keepsake_id: int) -> list[Keepsake]:
        return await Keepsakes(self._p).versions(keepsake_id)

    async def keepsake_memories(self, keepsake: Keepsake) -> list[Memory]:
        return await Keepsakes(self._p).memories_of(keepsake)

    async def delete_keepsake(self, keepsake_id: int) -> int:
        return await Keepsakes(self._p).delete(keepsake_id)

    async def export_keepsake(self, keepsake_id: int, folder: Path) -> Path:
        return await Keepsakes(self._p).export(keepsake_id, folder)

    # -- she speaks first when you go quiet (engine/initiative.py) -----------------------------

    async def consider_nudge(self) -> Decision:
        """Whether she would speak first now, and why or why not; nothing is stored."""
        return await Initiative(self._p).consider()

    async def nudge(self) -> Spoke | None:
        """She says one thing first if the chat has been quiet and something she knows calls
        for it (settings: nudge, nudge_after_minutes, nudges_per_day, quiet_hours)."""
        return await Initiative(self._p).nudge()

    # -- her diary (engine/diary.py) -----------------------------------------------------------

    async def write_diary(self) -> list[DiaryEntry]:
        """Her entries for the finished days of the last week with talk and none yet: a front
        end calls this on its first start after a day ends."""
        return await Diary(self._p).write_due()

    async def diary_today(self) -> DiaryEntry | None:
        """Today's entry so far (/diary): the one written, or a new one; ``None`` if you have
        said nothing today."""
        return await Diary(self._p).write()

    async def diary_entries(self, limit: int = 200) -> list[DiaryEntry]:
        return await Diary(self._p).entries(limit)

    async def diary_moods(self, days: Collection[date]) -> dict[date, list[str]]:
        """How her mood moved on each of these days, in her diary's words ('like myself',
        'sad'), for a front end listing her entries; a day with no reading is left out."""
        return await Diary(self._p).moods(days)

    async def diary_entry(self, entry_id: int) -> DiaryEntry:
        return await Diary(self._p).entry(entry_id)

    async def edit_diary(self, entry_id: int, text: str) -> DiaryEntry:
        return await Diary(self._p).edit(entry_id, text)

    async def delete_diary(self, entry_id: int) -> None:
        await Diary(self._p).delete(entry_id)
