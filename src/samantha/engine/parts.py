"""The collaborators of one companion, made together by the factory and shared by the turn,
the records and the façade. Each owns its own state; this only holds them side by side."""

from __future__ import annotations

from dataclasses import dataclass

from samantha.clock import Clock
from samantha.config import Settings
from samantha.engine.feelings import Feelings
from samantha.engine.memories import MemoryKeeper
from samantha.engine.prompting import PromptBuilder
from samantha.engine.records import Records
from samantha.engine.session import Session
from samantha.engine.speaking import Speaker
from samantha.persona import Persona
from samantha.store import Store


@dataclass(frozen=True)
class Parts:
    persona: Persona
    key: str
    settings: Settings
    clock: Clock
    store: Store
    speaker: Speaker
    session: Session
    memories: MemoryKeeper
    feelings: Feelings
    builder: PromptBuilder
    records: Records

    @property
    def reply_tokens(self) -> int:
        return self.builder.reply_tokens
