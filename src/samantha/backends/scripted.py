"""A backend that replies from a list and records what it was sent: for tests and demos."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable

from samantha.backends.base import Chunk, ReplyRequest, Usage
from samantha.config import BackendSpec
from samantha.errors import BackendError


class ScriptedBackend:
    """Queued replies, streamed word by word. A queued exception is raised instead of replying,
    so tests can stage failures; ``fail_after`` cuts a reply off after that many chunks.

    It stands in for a model in the reply only: memory extraction is not sent to it unless a
    test sets ``follows_instructions`` (and queues the JSON), and it serves embeddings only
    when given an ``embedder``."""

    can_stream = True
    needs_key = False

    def __init__(
        self,
        spec: BackendSpec | None = None,
        replies: Iterable[str | BaseException] = (),
        *,
        pace: float = 0.0,
        context_window: int | None = None,
    ) -> None:
        self.name = spec.name if spec else "scripted"
        self.model = spec.model if spec else "scripted"
        self.context_window = context_window or (spec.context_window if spec else 8192)
        self.pace = pace
        self.replies: deque[str | BaseException] = deque(replies)
        self.requests: list[ReplyRequest] = []
        self.fallback = "..."
        self.fail_after: int | None = None
        self.fail_with: BaseException | None = None
        self.follows_instructions = False
        self.embedder: Callable[[str], list[float]] | None = None

    @property
    def serves_embeddings(self) -> bool:
        return self.embedder is not None

    async def embed(self, texts: list[str], model: str | None = None) -> list[list[float]]:
        if self.embedder is None:
            raise BackendError("The scripted backend has no embedder.")
        return [self.embedder(text) for text in texts]

    def queue(self, *replies: str | BaseException) -> None:
        self.replies.extend(replies)

    async def stream(self, request: ReplyRequest) -> AsyncIterator[Chunk]:
        self.requests.append(request)
        reply = self.replies.popleft() if self.replies else self.fallback
        if isinstance(reply, BaseException):
            raise reply
        words = reply.split(" ")
        for index, word in enumerate(words):
            if self.fail_after is not None and index >= self.fail_after:
                raise self.fail_with or BackendError("The scripted reply was cut off.")
            if self.pace:
                await asyncio.sleep(self.pace)
            else:
                await asyncio.sleep(0)
            yield Chunk(text=word if index == len(words) - 1 else word + " ")
        yield Chunk(
            finish_reason="stop",
            usage=Usage(prompt_tokens=None, completion_tokens=len(words)),
        )

    def tokenizer(self) -> Callable[[str], int | None] | None:
        return None  # scripted replies have no tokenizer of their own

    def warm(self) -> None:
        return None

    async def check(self) -> str:
        return "The scripted backend is ready (it replies from a list)."

    async def aclose(self) -> None:
        return None
