"""What she remembers, as the engine uses it: every write to her memories goes through here,
so the core memory cached for the prompt is dropped by the same method that changes it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import TypeVar

from samantha.clock import Clock
from samantha.domain.conversation import Message
from samantha.domain.memory import (
    EPISODE_KINDS,
    CoreBlock,
    CoreMemory,
    Memory,
    MemoryKind,
    Recalled,
)
from samantha.engine.text import clean_text
from samantha.errors import InputError
from samantha.memory.mind import Chat, Mind
from samantha.memory.stream import Added, MemoryStream
from samantha.store import Store

T = TypeVar("T")
#: What she keeps besides the raw episodes: what the memory screen lists.
KEPT_KINDS = [k for k in MemoryKind if k not in EPISODE_KINDS]


class MemoryKeeper:
    def __init__(self, stream: MemoryStream, mind: Mind, clock: Clock) -> None:
        self.stream = stream
        self.mind = mind
        self.clock = clock
        self._core: CoreMemory | None = None

    @property
    def store(self) -> Store:
        return self.stream.store

    # -- reads --------------------------------------------------------------------------------

    async def core(self) -> CoreMemory:
        """Her core blocks; read once and kept until a write through this keeper changes
        them (it is in every prompt)."""
        if self._core is None:
            stream = self.stream
            self._core = await self.store.run(lambda _: stream.core())
        return self._core

    async def listing(self, query: str | None = None, limit: int = 200) -> list[Memory]:
        """What she remembers (episodes aside), newest first; or what matches ``query``."""
        stream = self.stream
        if query and query.strip():
            return await self.store.run(lambda _: stream.search(query, limit, KEPT_KINDS))
        return await self.store.run(lambda _: stream.listing(limit, KEPT_KINDS))

    async def item(self, memory_id: int) -> Memory | None:
        stream = self.stream
        return await self.store.run(lambda _: stream.get(memory_id))

    async def count(self) -> int:
        stream = self.stream
        return await self.store.run(lambda _: stream.count(KEPT_KINDS))

    async def recall(self, query: str, k: int, exclude: Collection[int] = ()) -> list[Recalled]:
        """What would come to mind for ``query`` now, without touching recency."""
        stream, now = self.stream, self.clock.now()
        return await self.store.run(
            lambda _: stream.recall(query, k, now=now, exclude_sources=exclude, touch=False)
        )

    async def for_message(
        self, text: str, k: int, now: datetime, exclude: Collection[int]
    ) -> tuple[list[Recalled], list[Memory]]:
        """What comes to mind for a message, and the plans near ``now``."""
        return await self.mind.recall(text, k, now, exclude)

    # -- writes: each one drops the cached core memory ------------------------------------------

    async def write(self, work: Callable[[Store], T]) -> T:
        """A write transaction that may touch memories (removing a reply, a conversation)."""
        try:
            return await self.store.run(work, write=True)
        finally:
            self._core = None

    async def add_message(
        self, speaker: str, text: str, now: datetime, conversation_id: int, *, learn: bool
    ) -> Added:
        """Store a line said to her (and what it taught her, when ``learn``)."""
        stream = self.stream
        added = await self.store.run(
            lambda _: stream.add_message(
                speaker, text, now, conversation_id=conversation_id, learn=learn
            )
        )
        if added.facts or added.user_name:
            self._core = None
        return added

    async def heard_before(
        self, key: str, speaker: str, text: str, now: datetime, conversation_id: int, learn: bool
    ) -> tuple[datetime | None, datetime | None, Added]:
        """The last time they spoke and the last word from either side, read in the same
        transaction that stores this line (so the line is safe on disk before anything)."""
        stream = self.stream

        def remember(s: Store) -> tuple[datetime | None, datetime | None, Added]:
            seen = s.conversations.last_user_message_at(key)
            contact = s.conversations.last_message_at(key)
            added = stream.add_message(
                speaker, text, now, conversation_id=conversation_id, learn=learn
            )
            return seen, contact, added

        seen, contact, added = await self.store.run(remember)
        if added.facts or added.user_name:
            self._core = None
        return seen, contact, added

    async def learn(
        self,
        message: Message,
        now: datetime,
        user: str,
        name: str,
        fresh: bool,
        chat: Chat | None = None,
    ) -> tuple[list[Memory], str | None]:
        """What a model makes of the message after her reply (facts, a reflection)."""
        learned, heard_name = await self.mind.learn(message, now, user, name, fresh, chat)
        if learned or heard_name:
            self._core = None
        return learned, heard_name

    async def remember(
        self,
        text: str,
        *,
        kind: MemoryKind = MemoryKind.FACT,
        importance: int = 5,
        due_at: datetime | None = None,
    ) -> Memory:
        """Tell her something directly (onboarding answers, a script's starting memories)."""
        clean = clean_text(text).strip()
        if not clean:
            raise InputError("A memory cannot be empty.")
        stream, now = self.stream, self.clock.now()
        self._core = None
        return await self.store.run(
            lambda _: stream.remember(
                clean[:500], kind=kind, importance=importance, at=now, due_at=due_at
            )
        )

    async def edit(self, memory_id: int, text: str) -> Memory:
        clean = clean_text(text).strip()
        if not clean:
            raise InputError("A memory cannot be empty: forget it instead.")
        stream = self.stream
        self._core = None
        found = await self.store.run(lambda _: stream.edit(memory_id, clean[:500]))
        if found is None:
            raise InputError(f"There is no memory {memory_id}: list them first.")
        return found

    async def forget(self, memory_ids: Sequence[int]) -> int:
        stream, ids = self.stream, list(memory_ids)
        self._core = None
        return await self.store.run(lambda _: stream.forget(ids))

    async def withhold(self, message_ids: Sequence[int]) -> None:
        """Never send these messages (and her replies to them) to a model again."""
        ids, stream = list(message_ids), self.stream

        def work(s: Store) -> None:
            gone = s.memories.episodes_of(s.conversations.withhold(ids))
            s.memories.delete(gone)
            stream.discard_vectors(gone)

        await self.store.run(work, write=True)

    async def set_core(self, block: CoreBlock, text: str) -> None:
        stream, now = self.stream, self.clock.now()
        self._core = None
        await self.store.run(lambda _: stream.set_core(block, clean_text(text), now))

    async def set_user_name(self, name: str) -> str:
        clean = " ".join(clean_text(name).split())
        if not clean:
            raise InputError("A name cannot be empty.")
        stream, now = self.stream, self.clock.now()
        self._core = None
        await self.store.run(lambda _: stream.set_user_name(clean, now))
        return clean[:64]

    async def delete_conversation(self, conversation_id: int) -> int:
        """Delete a conversation and the memories drawn only from it; returns how many went."""

        stream = self.stream

        def work(s: Store) -> int:
            gone = s.memories.derived_only_from(conversation_id)
            removed = s.memories.delete(gone)
            stream.discard_vectors(gone)
            s.conversations.delete(conversation_id)
            return removed

        return await self.write(work)
