"""What she remembers, as the rest of the program sees it: memories with their provenance."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class MemoryKind(StrEnum):
    #: A message itself, as it was said: the raw stream everything else is drawn from.
    EPISODE = "episode"
    #: Her own message, as she said it: an episode too, but never to be taken for theirs.
    REPLY = "reply"
    #: Something true about the person or their world ("works as a nurse").
    FACT = "fact"
    #: Someone in their life, by relation and name ("sister Anna").
    PERSON = "person"
    #: What they love or can't stand.
    PREFERENCE = "preference"
    #: Something dated that is coming up or just happened ("interview on Friday").
    PLAN = "plan"
    #: How they said they felt.
    FEELING = "feeling"
    #: Something one of them promised.
    PROMISE = "promise"
    #: A higher-level insight she drew from several memories.
    REFLECTION = "reflection"


#: The raw stream: what either of them said, word for word.
EPISODE_KINDS = frozenset({MemoryKind.EPISODE, MemoryKind.REPLY})

#: The kinds the extractor produces; episodes and reflections come from elsewhere.
FACT_KINDS = frozenset(
    {
        MemoryKind.FACT,
        MemoryKind.PERSON,
        MemoryKind.PREFERENCE,
        MemoryKind.PLAN,
        MemoryKind.FEELING,
        MemoryKind.PROMISE,
    }
)


class Memory(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    persona: str
    kind: MemoryKind
    text: str
    importance: int = Field(ge=1, le=10)
    created_at: datetime
    accessed_at: datetime
    #: When a plan happens (resolved from "on Friday" against the message's time).
    due_at: datetime | None = None
    #: The messages this memory came from: what the user sees and what erasing follows.
    source_ids: list[int] = Field(default_factory=list)
    #: When a newer fact made this one no longer true (kept for history, never recalled).
    superseded_at: datetime | None = None


class Recalled(BaseModel):
    """A memory with the parts of its score, so a user (or a test) can see why it came up."""

    model_config = ConfigDict(frozen=True)

    memory: Memory
    score: float
    recency: float
    importance: float
    relevance: float


CoreBlock = Literal["about_user", "about_me"]


class CoreMemory(BaseModel):
    """Two short blocks that are always in the prompt (MemGPT's core memory)."""

    about_user: str = ""
    about_me: str = ""
    user_name: str | None = None


class NewFact(BaseModel):
    """A fact as an extractor proposes it, before it is stored."""

    kind: MemoryKind
    text: str = Field(min_length=1, max_length=500)
    importance: int = Field(default=5, ge=1, le=10)
    due_at: datetime | None = None
