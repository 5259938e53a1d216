"""Domain models shared by storage, the engine and the front ends."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

# Plain enums, in a module without pydantic: the chat paints history with them before the
# models load (``domain.shown``). Imported from here as before.
from samantha.domain.shown import MessageStatus as MessageStatus
from samantha.domain.shown import Role as Role


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


class ConversationSummary(BaseModel):
    """A conversation as a list shows it: how long, and the last thing said."""

    model_config = ConfigDict(frozen=True)

    conversation: Conversation
    message_count: int
    last_text: str
    last_at: datetime | None = None


class StateSnapshot(BaseModel):
    """Her mood and the relationship at one moment, as stored (one per turn)."""

    model_config = ConfigDict(frozen=True)

    persona: str
    at: datetime
    message_id: int | None = None
    pleasure: float
    arousal: float
    dominance: float
    mood_at: datetime
    closeness: float
    trust: float
    tension: float
    stage_index: int
    stage: str
    strained: bool
    relationship_at: datetime
    last_contact: datetime | None = None


class EventRecord(BaseModel):
    """One stored change to the relationship, with its cause."""

    model_config = ConfigDict(frozen=True)

    id: int
    persona: str
    at: datetime
    kind: str
    message_id: int | None
    closeness: float
    trust: float
    tension: float
    note: str
