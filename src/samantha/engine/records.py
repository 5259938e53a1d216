"""What a companion keeps, as front ends browse it: conversations to list, rename, delete and
search, and memories to see, edit and forget. A mixin of ``Companion``, apart from the turn."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from samantha.domain.conversation import Conversation, ConversationSummary, Message
from samantha.domain.memory import (
    EPISODE_KINDS,
    CoreBlock,
    CoreMemory,
    Memory,
    MemoryKind,
    Recalled,
)
from samantha.errors import InputError
from samantha.memory.recall import match_expression, query_terms

if TYPE_CHECKING:
    from samantha.clock import Clock
    from samantha.memory.stream import MemoryStream
    from samantha.store import Store

_SURROGATES = re.compile("[\ud800-\udfff]")


def _speaker_of(kind: MemoryKind, user: str) -> str:
    """Whose words a recalled memory is, so the model never takes her words for theirs."""
    if kind is MemoryKind.REPLY:
        return "You said: "
    if kind is MemoryKind.REFLECTION:
        return "Your thought: "
    return f"{user} said: "


def clean_text(text: str) -> str:
    """Lone surrogates (from a broken paste) cannot be stored as UTF-8; replace just those."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _SURROGATES.sub("\ufffd", text)
    return text


class CompanionRecords:
    """Needs the attributes below from ``Companion``; every call goes through the store's
    thread, so none of it blocks a front end's event loop."""

    store: Store
    key: str
    memory: MemoryStream
    clock: Clock
    conversation: Conversation | None
    user_name: str | None
    _history: list[Message]
    _core_cache: CoreMemory | None
    _core_loaded: bool

    async def resume(self) -> Conversation:
        raise NotImplementedError

    async def list_conversations(self, limit: int = 200) -> list[ConversationSummary]:
        key = self.key
        return await self.store.run(lambda s: s.conversations.summaries(key, limit))

    async def rename_conversation(self, conversation_id: int, title: str) -> Conversation:
        clean = " ".join(clean_text(title).split())[:120]

        def work(s: Store) -> Conversation | None:
            s.conversations.rename(conversation_id, clean)
            return s.conversations.get(conversation_id)

        found = await self.store.run(work, write=True)
        if found is None:
            raise InputError(f"There is no conversation {conversation_id}: list them first.")
        if self.conversation is not None and self.conversation.id == conversation_id:
            self.conversation = found
        return found

    async def delete_conversation(self, conversation_id: int) -> int:
        """Delete a conversation and the memories drawn only from it; returns how many went."""
        self._core_cache = None

        def work(s: Store) -> int:
            doomed = s.memories.derived_only_from(conversation_id)
            removed = s.memories.delete(doomed)
            s.conversations.delete(conversation_id)
            return removed

        removed = await self.store.run(work, write=True)
        if self.conversation is not None and self.conversation.id == conversation_id:
            self.conversation = None
            self._history = []
        return removed

    async def search_messages(self, query: str, limit: int = 50) -> list[Message]:
        terms = query_terms(query) or [w for w in query.lower().split() if w.isalnum()]
        if not terms:
            return []
        key, match = self.key, match_expression(terms)
        return await self.store.run(lambda s: s.conversations.search(key, match, limit))

    async def older_messages(self, before_id: int, limit: int = 100) -> list[Message]:
        conversation = self.conversation or await self.resume()
        cid = conversation.id
        return await self.store.run(
            lambda s: s.conversations.messages_before(cid, before_id, limit)
        )

    async def message(self, message_id: int) -> Message | None:
        return await self.store.run(lambda s: s.conversations.message(message_id))

    # -- memory ------------------------------------------------------------------------------

    async def _load_core(self) -> None:
        if not self._core_loaded:
            core = await self.core_memory()
            self.user_name = self.user_name or core.user_name
            self._core_loaded = True

    async def memories(self, query: str | None = None, limit: int = 200) -> list[Memory]:
        """What she remembers (episodes aside), newest first; or what matches ``query``."""
        stream = self.memory
        kinds = [k for k in MemoryKind if k not in EPISODE_KINDS]
        if query and query.strip():
            return await self.store.run(lambda _: stream.search(query, limit, kinds))
        return await self.store.run(lambda _: stream.listing(limit, kinds))

    async def remember(
        self,
        text: str,
        *,
        kind: MemoryKind = MemoryKind.FACT,
        importance: int = 5,
        due_at: datetime | None = None,
    ) -> Memory:
        """Tell her something directly (onboarding answers, a script's starting memories)."""
        self._core_cache = None
        clean = clean_text(text).strip()
        if not clean:
            raise InputError("A memory cannot be empty.")
        stream, now = self.memory, self.clock.now()
        return await self.store.run(
            lambda _: stream.remember(
                clean[:500], kind=kind, importance=importance, at=now, due_at=due_at
            )
        )

    async def memory_item(self, memory_id: int) -> Memory | None:
        stream = self.memory
        return await self.store.run(lambda _: stream.get(memory_id))

    async def edit_memory(self, memory_id: int, text: str) -> Memory:
        self._core_cache = None
        clean = clean_text(text).strip()
        if not clean:
            raise InputError("A memory cannot be empty: forget it instead.")
        stream = self.memory
        found = await self.store.run(lambda _: stream.edit(memory_id, clean[:500]))
        if found is None:
            raise InputError(f"There is no memory {memory_id}: list them first.")
        return found

    async def forget(self, memory_id: int) -> None:
        self._core_cache = None
        stream = self.memory
        if await self.store.run(lambda _: stream.forget([memory_id])) == 0:
            raise InputError(f"There is no memory {memory_id}: list them first.")

    async def core_memory(self) -> CoreMemory:
        """Her core blocks; read once and kept until something she learns or you edit
        changes them (it is in every prompt)."""
        if self._core_cache is None:
            stream = self.memory
            self._core_cache = await self.store.run(lambda _: stream.core())
        return self._core_cache

    async def set_core_memory(self, block: CoreBlock, text: str) -> None:
        self._core_cache = None
        stream, now = self.memory, self.clock.now()
        await self.store.run(lambda _: stream.set_core(block, clean_text(text), now))

    async def set_user_name(self, name: str) -> None:
        self._core_cache = None
        clean = " ".join(clean_text(name).split())
        if not clean:
            raise InputError("A name cannot be empty.")
        stream, now = self.memory, self.clock.now()
        await self.store.run(lambda _: stream.set_user_name(clean, now))
        self.user_name = clean[:64]

    async def memory_count(self) -> int:
        stream = self.memory
        kinds = [k for k in MemoryKind if k not in EPISODE_KINDS]
        return await self.store.run(lambda _: stream.count(kinds))

    async def recall(self, query: str, k: int = 5) -> list[Recalled]:
        """What would come to mind for ``query`` now (without touching recency)."""
        stream, now = self.memory, self.clock.now()
        return await self.store.run(lambda _: stream.recall(query, k, now=now, touch=False))
