"""Her mood and relationship as the engine keeps them: the current state (settled over the
time since it was stored), how a message is read for its feeling, and what a message did to
her, persisted in one transaction and handed back as a value that says before, after and why."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from samantha.backends.base import Backend, ChatMessage, ReplyRequest
from samantha.clock import Clock
from samantha.domain.conversation import EventRecord, StateSnapshot
from samantha.errors import SamanthaError
from samantha.persona import Persona
from samantha.state.appraisal import APPRAISAL_INSTRUCTIONS, Appraisal, appraise, parse_verdict
from samantha.state.inner import InnerState
from samantha.state.relationship import RelationshipEvent, on_message
from samantha.store import Store


@dataclass(frozen=True)
class Felt:
    """What one message did to her: how she was, how she is now, and why."""

    before: InnerState
    after: InnerState
    appraisal: Appraisal
    events: list[RelationshipEvent]


class Feelings:
    def __init__(
        self,
        persona: Persona,
        store: Store,
        key: str,
        clock: Clock,
        *,
        model: Backend | None = None,
        timeout: float = 30.0,
    ) -> None:
        """``model``: a language model to read feelings with; ``None`` reads with the lexicon."""
        self.persona = persona
        self.store = store
        self.key = key
        self.clock = clock
        self.model = model
        self.timeout = timeout
        self._state: InnerState | None = None

    async def current(self) -> InnerState:
        """How she is right now: the last stored state, settled over the time since."""
        persona = self.persona
        if self._state is None:
            key = self.key
            snap = await self.store.run(lambda s: s.state.latest(key))
            if snap is None:
                self._state = InnerState.first_meeting(
                    persona.temperament, persona.relationship, self.clock.now()
                )
            else:
                self._state = InnerState.from_snapshot(snap, persona.relationship)
        return self._state.settled(persona.temperament, persona.relationship, self.clock.now())

    async def replace(self, state: InnerState) -> None:
        """Replace her state (conversation scripts start from a given mood or stage)."""
        key, now = self.key, self.clock.now()
        await self.store.run(lambda s: s.state.save(state.snapshot(key, now, None)), write=True)
        self._state = state

    async def events(self, limit: int = 50) -> list[EventRecord]:
        key = self.key
        return await self.store.run(lambda s: s.state.events(key, limit))

    async def history(self, since: datetime | None = None) -> list[StateSnapshot]:
        key = self.key
        return await self.store.run(lambda s: s.state.history(key, since))

    async def hear(self, text: str, message_id: int, now: datetime, *, from_partner: bool) -> Felt:
        """Read the message, move her mood, and (from her partner, not a third voice) the
        relationship; store both with the reasons in one transaction."""
        persona = self.persona
        before = await self.current()
        appraisal = await self.read(text)
        mood = before.mood.moved(appraisal.impulse, persona.temperament, now)
        relationship, events = (
            on_message(before.relationship, persona.relationship, appraisal.tags, now, message_id)
            if from_partner
            else (before.relationship, [])
        )
        heard = InnerState.of(mood, relationship, persona.relationship)
        key = self.key

        def feel(s: Store) -> None:
            for event in events:
                e = event.effect
                s.state.add_event(
                    key,
                    now,
                    event.kind,
                    event.message_id,
                    e.closeness,
                    e.trust,
                    e.tension,
                    event.note,
                )
            s.state.save(heard.snapshot(key, now, message_id))

        await self.store.run(feel, write=True)
        self._state = heard
        return Felt(before, heard, appraisal, events)

    def after_own_words(self, heard: InnerState, reply: str, at: datetime) -> InnerState:
        """Her own words move her a little too: she laughs at her own joke. Not stored here:
        the turn stores it with her reply (``kept``)."""
        if not reply.strip():
            return heard
        persona = self.persona
        own = appraise(reply)
        scale = persona.temperament.self_influence
        return InnerState.of(
            heard.mood.moved(own.impulse, persona.temperament, at, scale=scale),
            heard.relationship,
            persona.relationship,
        )

    def kept(self, state: InnerState) -> None:
        """The turn stored ``state`` with her reply: it is how she is now."""
        self._state = state

    async def read(self, text: str) -> Appraisal:
        """The lexicon reading, or the model's when one is configured; never fails the turn."""
        if self.model is None:
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
            async with asyncio.timeout(self.timeout):
                parts = [chunk.text async for chunk in self.model.stream(request)]
            verdict = parse_verdict("".join(parts), text)
        except (SamanthaError, TimeoutError):
            verdict = None  # the reply itself will meet (and report) the same problem
        return verdict or appraise(text)
