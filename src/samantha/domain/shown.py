"""A message as a front end shows it, without pydantic: its role and status (plain enums,
which ``domain.conversation`` uses and re-exports) and the four fields a transcript paints.

The chat paints her newest messages from a ``Glimpse`` before the models load (pydantic and
the model classes are most of a tenth of a second of CPU), then opens the engine."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"
    SYSTEM = "system"


class MessageStatus(StrEnum):
    COMPLETE = "complete"
    #: The reply stopped before the model finished: cancelled, cut off or failed mid-way.
    INTERRUPTED = "interrupted"
    #: A message of the person's that her reply to failed (the server was down, the stream
    #: broke before a word): unanswered. The next prompt joins it to what they said next,
    #: so she is not shown ignoring it; a reply to it clears the mark.
    ERROR = "error"


class ShownMessage(Protocol):
    """What a transcript needs of a message: a stored ``Message`` is one, a ``Glimpse`` too."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> Role: ...

    @property
    def status(self) -> MessageStatus: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Glimpse:
    """A stored message read without its model (``store.glance``)."""

    id: int
    role: Role
    status: MessageStatus
    text: str
