"""Her mood and relationship as the engine keeps them: the current state (settled over the
time since it was stored), its history, and how a message is read for its feeling. A mixin
of ``Companion``, apart from the turn that changes them."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING

from samantha.backends.base import ChatMessage, ReplyRequest
from samantha.domain.conversation import EventRecord, StateSnapshot
from samantha.errors import SamanthaError
from samantha.state.appraisal import APPRAISAL_INSTRUCTIONS, Appraisal, appraise, parse_verdict
from samantha.state.inner import InnerState

if TYPE_CHECKING:
    from samantha.backends.base import Backend
    from samantha.clock import Clock
    from samantha.config import Settings
    from samantha.persona import Persona
    from samantha.store import Store


class CompanionFeelings:
    """Needs the attributes below from ``Companion``."""

    persona: Persona
    backend: Backend
    store: Store
    settings: Settings
    clock: Clock
    key: str
    _state: InnerState | None

    async def inner_state(self) -> InnerState:
        """How she is right now: the last stored state, settled over the time since."""
        persona = self.persona
        if self._state is None:
            snap = await self.store.run(lambda s: s.state.latest(self.key))
            if snap is None:
                self._state = InnerState.first_meeting(
                    persona.temperament, persona.relationship, self.clock.now()
                )
            else:
                self._state = InnerState.from_snapshot(snap, persona.relationship)
        return self._state.settled(persona.temperament, persona.relationship, self.clock.now())

    async def set_inner_state(self, state: InnerState) -> None:
        """Replace her state (conversation scripts start from a given mood or stage)."""
        key, now = self.key, self.clock.now()
        await self.store.run(lambda s: s.state.save(state.snapshot(key, now, None)), write=True)
        self._state = state

    async def relationship_events(self, limit: int = 50) -> list[EventRecord]:
        key = self.key
        return await self.store.run(lambda s: s.state.events(key, limit))

    async def state_history(self, since: datetime | None = None) -> list[StateSnapshot]:
        key = self.key
        return await self.store.run(lambda s: s.state.history(key, since))

    def _appraise(self, text: str) -> Appraisal:
        return appraise(text)

    async def _appraise_message(self, text: str) -> Appraisal:
        """The lexicon reading, or the model's when configured; never fails the turn."""
        if self.settings.appraiser != "model" or self.backend.is_offline:
            return appraise(text)
        request = ReplyRequest(
            messages=[
                ChatMessage(role="system", content=APPRAISAL_INSTRUCTIONS),
                ChatMessage(role="user", content=text[:4000]),
            ],
            max_tokens=120,
            temperature=0.0,
        )
        try:
            async with asyncio.timeout(self.settings.request_timeout):
                parts = [chunk.text async for chunk in self.backend.stream(request)]
            verdict = parse_verdict("".join(parts), text)
        except SamanthaError:
            verdict = None  # the reply itself will meet (and report) the same problem
        return verdict or appraise(text)
