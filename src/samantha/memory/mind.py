"""The engine's memory work, async: recall for a message, learning after a reply.

``MemoryStream`` is synchronous and owns the data; this class runs it on the store's thread and
adds what needs the model: embeddings, JSON extraction, reflection and summaries. Every model
call here is optional: a failure or a nonsense answer falls back to the offline way and never
fails the turn (the reply itself meets, and reports, any real backend problem).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from samantha.backends.base import Backend, ChatMessage, ReplyRequest
from samantha.domain.conversation import Message
from samantha.domain.memory import FACT_KINDS, Memory, MemoryKind, Recalled
from samantha.errors import SamanthaError
from samantha.memory import learn
from samantha.memory.dates import describe
from samantha.memory.stream import MemoryStream
from samantha.store import Store

#: Plans this close (before or after now) are mentioned in the prompt's time section.
PLAN_WINDOW = timedelta(days=5)
#: A summary is brought up to date once this many messages have fallen out of the window.
SUMMARY_STEP = 12
#: The facts' JSON shape, sent as structured output: a server that can (llama.cpp's grammar,
#: Ollama's format) makes even a small model answer in it; ``learn.parse_facts`` still checks.
FACTS_SCHEMA = {
    "type": "object",
    "properties": {
        "facts": {
            "type": "array",
            "maxItems": 10,
            "items": {
                "type": "object",
                "properties": {
                    "kind": {
                        "enum": ["person", "preference", "fact", "plan", "feeling", "promise"]
                    },
                    "text": {"type": "string"},
                    "importance": {"type": "integer", "minimum": 1, "maximum": 10},
                    "date": {"type": "string"},
                },
                "required": ["kind", "text", "importance"],
            },
        },
        "user_name": {"type": "string"},
    },
    "required": ["facts"],
}


@dataclass(frozen=True)
class Chat:
    """The conversation a question to the model may follow: the messages of the prompt she
    just answered, her reply, and how many tokens of the window are left after them."""

    messages: Sequence[ChatMessage]
    room: int

    def fits(self, question: str, max_tokens: int) -> bool:
        # Two and a half bytes a token undercounts no tokenizer of prose: a safe margin.
        return math.ceil(len(question.encode()) / 2.5) + max_tokens <= self.room


class Mind:
    def __init__(
        self,
        stream: MemoryStream,
        backend: Backend | None,
        *,
        extractor: str = "auto",
        embedding_model: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.stream = stream
        self.backend = backend
        self.extractor = extractor
        self.embedding_model = embedding_model
        self.timeout = timeout
        self._summaries: dict[int, tuple[str, int] | None] = {}
        #: The stream's revision the cached summaries were read at.
        self._revision = stream.revision

    @property
    def store(self) -> Store:
        return self.stream.store

    @property
    def uses_model(self) -> bool:
        if self.extractor == "rules" or self.backend is None:
            return False  # no language model to ask (the offline voice)
        return self.extractor == "model" or self.backend.follows_instructions

    @property
    def dense(self) -> bool:
        return (
            bool(self.embedding_model)
            and self.backend is not None
            and self.backend.serves_embeddings
        )

    async def _ask(
        self,
        system: str,
        user: str,
        max_tokens: int,
        schema: dict[str, Any] | None = None,
        chat: Chat | None = None,
    ) -> str | None:
        """One question to the model. With ``chat`` (the turn's prompt and her reply) the
        question follows the conversation when it fits the window: a server that keeps one
        prompt cached (llama.cpp, llama-cpp-python) then keeps the conversation it has read,
        where a question of its own would replace it and the next turn would re-read it all."""
        question = [
            ChatMessage(role="system", content=system),
            ChatMessage(role="user", content=user),
        ]
        if chat is not None and chat.fits(system + user, max_tokens):
            question = [*chat.messages, *question]
        request = ReplyRequest(
            json_schema=schema,
            messages=question,
            max_tokens=max_tokens,
            temperature=0.0,
        )
        try:
            async with asyncio.timeout(self.timeout):
                backend = self.backend
                if backend is None:
                    return None
                return "".join([c.text async for c in backend.stream(request)])
        except (SamanthaError, TimeoutError):
            return None

    async def _embed(self, texts: list[str]) -> list[list[float]] | None:
        if not self.dense or self.backend is None or not texts:
            return None
        embed = self.backend.embed
        try:
            async with asyncio.timeout(self.timeout):
                vectors: list[list[float]] = await embed(texts, self.embedding_model)
        except (SamanthaError, TimeoutError):
            return None
        return vectors if len(vectors) == len(texts) else None

    # -- before the reply -----------------------------------------------------------------

    async def recall(
        self, query: str, k: int, now: datetime, exclude_sources: Collection[int]
    ) -> tuple[list[Recalled], list[Memory]]:
        """What comes to mind for ``query``, and the plans near ``now``: one trip to the
        database for both, since every turn needs both."""
        vector = None
        if k > 0 and self.dense:
            vectors = await self._embed([query[:2000]])
            vector = vectors[0] if vectors else None
        stream, model = self.stream, self.embedding_model

        def work(_: Store) -> tuple[list[Recalled], list[Memory]]:
            recalled = (
                stream.recall(
                    query,
                    k,
                    now=now,
                    exclude_sources=exclude_sources,
                    query_vector=vector,
                    vector_model=model,
                )
                if k > 0
                else []
            )
            return recalled, stream.due_plans(now, back=PLAN_WINDOW, ahead=PLAN_WINDOW)

        return await self.store.run(work)

    @staticmethod
    def plan_lines(plans: Sequence[Memory], now: datetime, user: str) -> list[str]:
        """Dated plans in words, so she can ask how the interview went; and things that
        happened lately, which are no plans ("My cat died this morning": nothing to ask
        how it went, nothing coming up)."""
        lines = []
        today = now.astimezone().date()
        for plan in plans:
            if plan.due_at is None:
                continue
            when = describe(plan.due_at, now)
            text = plan.text.rstrip(".")
            day = plan.due_at.astimezone().date()
            if plan.kind is not MemoryKind.PLAN and day <= today:
                lines.append(f'Lately, {when}: {user} told you "{text}".')
            elif day < today:
                lines.append(f'Just past, {when}: {user} told you "{text}". Ask how it went.')
            else:
                lines.append(f'Coming up {when}: {user} told you "{text}".')
        return lines

    # -- after the reply ------------------------------------------------------------------

    async def learn(
        self,
        user_message: Message,
        now: datetime,
        user: str,
        name: str,
        fresh: bool = True,
        chat: Chat | None = None,
    ) -> tuple[list[Memory], str | None]:
        """Model extraction, reflection when due, and vectors for anything new. ``fresh``
        says the rules already stored facts this turn (only new facts can make a reflection
        due); ``chat``, the conversation the questions may follow (see ``_ask``)."""
        learned: list[Memory] = []
        user_name: str | None = None
        if self.uses_model:
            instructions = learn.EXTRACTION_INSTRUCTIONS.replace(
                "{today}", now.astimezone().strftime("%A %Y-%m-%d")
            )
            reply = await self._ask(instructions, user_message.text[:4000], 400, FACTS_SCHEMA, chat)
            parsed = learn.parse_facts(reply, now, user_message.text) if reply else None
            if parsed is not None:
                facts, user_name = parsed
                stream = self.stream
                learned = await self.store.run(
                    lambda _: stream.store_facts(facts, now, [user_message.id])
                )
                if user_name:
                    await self.store.run(lambda _: stream.set_user_name(user_name, now))
        if fresh or learned:
            reflection = await self.reflect(now, user, name, chat)
            if reflection is not None:
                learned.append(reflection)
        await self.embed_missing()
        return learned, user_name

    async def reflect(
        self, now: datetime, user: str, name: str, chat: Chat | None = None
    ) -> Memory | None:
        """When enough has been learned since the last time, draw an insight from it."""
        stream = self.stream
        persona, threshold = stream.persona, stream.settings.reflect_threshold

        def due(s: Store) -> tuple[list[Memory], int] | None:
            mark = s.memories.reflected_upto(persona)
            total, newest = s.memories.importance_since(persona, mark)
            if total < threshold:
                return None
            recent = s.memories.listing(persona, kinds=FACT_KINDS, limit=30, after_id=mark)
            return list(reversed(recent)), newest

        found = await self.store.run(due)
        if found is None:
            return None
        memories, newest = found
        insights: list[tuple[str, list[Memory]]] | None = None
        if self.uses_model:
            system = learn.REFLECTION_INSTRUCTIONS.replace("{name}", name).replace("{user}", user)
            reply = await self._ask(system, learn.reflection_prompt(memories), 300, chat=chat)
            insights = learn.parse_insights(reply, memories) if reply else None
        if insights is None:
            single = learn.offline_reflection(memories)
            insights = [single] if single else []

        def keep(s: Store) -> Memory | None:
            stored = None
            for text, cited in insights or []:
                sources = sorted({i for m in cited for i in m.source_ids})
                stored = s.memories.add(persona, MemoryKind.REFLECTION, text, 8, now, sources)
            s.memories.mark_reflected(persona, newest)
            return stored

        return await self.store.run(keep, write=True)

    async def embed_missing(self, limit: int = 32) -> None:
        if not self.dense or self.embedding_model is None:
            return
        stream, model = self.stream, self.embedding_model
        missing = await self.store.run(lambda _: stream.missing_vectors(model, limit))
        vectors = await self._embed([m.text[:2000] for m in missing])
        if vectors:
            pairs = [(m.id, v) for m, v in zip(missing, vectors, strict=True)]
            await self.store.run(lambda _: stream.set_vectors(model, pairs))

    async def summarise(
        self, conversation_id: int, fallen: Sequence[Message], now: datetime, user: str, name: str
    ) -> None:
        """Fold messages that no longer fit the window into the conversation's summary."""
        if len(fallen) < SUMMARY_STEP:
            return
        previous = await self.summary(conversation_id)
        text = previous[0] if previous else ""
        summary: str | None = None
        if self.uses_model:
            system = learn.SUMMARY_INSTRUCTIONS.replace("{name}", name).replace("{user}", user)
            reply = await self._ask(system, learn.summary_prompt(text, fallen), 300)
            summary = reply.strip()[:2000] if reply and reply.strip() else None
        summary = summary or learn.offline_summary(text, fallen)
        upto = fallen[-1].id
        await self.store.run(
            lambda s: s.memories.set_summary(conversation_id, summary, upto, now), write=True
        )
        self._summaries[conversation_id] = (summary, upto)

    async def summary(self, conversation_id: int) -> tuple[str, int] | None:
        """The conversation's rolling summary and the last message it covers (cached: only
        ``summarise`` changes it, and forgetting, which may scrub lines from it)."""
        if self._revision != self.stream.revision:
            self._summaries.clear()
            self._revision = self.stream.revision
        if conversation_id not in self._summaries:
            self._summaries[conversation_id] = await self.store.run(
                lambda s: s.memories.summary(conversation_id)
            )
        return self._summaries[conversation_id]
