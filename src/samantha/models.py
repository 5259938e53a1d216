"""Domain models shared by storage, the engine and the front ends."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"


class MessageStatus(StrEnum):
    COMPLETE = "complete"
    #: The reply stopped before the model finished: cancelled, cut off or failed mid-way.
    INTERRUPTED = "interrupted"
    ERROR = "error"


class Conversation(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    title: str
    persona: str
    created_at: datetime
    updated_at: datetime


class Message(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    conversation_id: int
    role: Role
    speaker: str
    text: str
    created_at: datetime
    status: MessageStatus = MessageStatus.COMPLETE
    tokens: int | None = None
