"""Her conversations as the screens browse them: list, rename, delete, search, page back.
Every call goes through the store's thread, so none of it blocks a front end's event loop."""

from __future__ import annotations

from datetime import datetime

from samantha.domain.conversation import Conversation, ConversationSummary, Message
from samantha.engine.memories import MemoryKeeper
from samantha.engine.session import Session
from samantha.engine.text import clean_text
from samantha.errors import InputError
from samantha.memory.recall import match_expression, query_terms
from samantha.store import Store


class Records:
    def __init__(self, store: Store, key: str, session: Session, memories: MemoryKeeper) -> None:
        self.store = store
        self.key = key
        self.session = session
        self.memories = memories

    async def conversations(self, limit: int = 200) -> list[ConversationSummary]:
        key = self.key
        return await self.store.run(lambda s: s.conversations.summaries(key, limit))

    async def rename(self, conversation_id: int, title: str) -> Conversation:
        clean = " ".join(clean_text(title).split())[:120]

        def work(s: Store) -> Conversation | None:
            s.conversations.rename(conversation_id, clean)
            return s.conversations.get(conversation_id)

        found = await self.store.run(work, write=True)
        if found is None:
            raise InputError(f"There is no conversation {conversation_id}: list them first.")
        self.session.renamed(found)
        return found

    async def delete(self, conversation_id: int) -> int:
        """Delete a conversation and the memories drawn only from it; returns how many went."""
        removed = await self.memories.delete_conversation(conversation_id)
        self.session.closed(conversation_id)
        return removed

    async def open(self, conversation_id: int) -> Conversation:
        found = await self.store.run(lambda s: s.conversations.get(conversation_id))
        if found is None:
            raise InputError(f"There is no conversation {conversation_id}: list them first.")
        self.session.switch(found)
        return found

    async def search(self, query: str, limit: int = 50) -> list[Message]:
        terms = query_terms(query) or [w for w in query.lower().split() if w.isalnum()]
        if not terms:
            return []
        key, match = self.key, match_expression(terms)
        return await self.store.run(lambda s: s.conversations.search(key, match, limit))

    async def older(self, before_id: int, limit: int = 100) -> list[Message]:
        cid = (await self.session.current()).id
        return await self.store.run(
            lambda s: s.conversations.messages_before(cid, before_id, limit)
        )

    async def message(self, message_id: int) -> Message | None:
        return await self.store.run(lambda s: s.conversations.message(message_id))

    async def history(self, limit: int = 200) -> list[Message]:
        cid = (await self.session.current()).id
        return await self.store.run(lambda s: s.conversations.recent_messages(cid, limit))

    async def last_seen(self) -> datetime | None:
        key = self.key
        return await self.store.run(lambda s: s.conversations.last_user_message_at(key))
