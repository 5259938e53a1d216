"""What she is sent on a turn: the recent messages, the prompt's sections fitted to the
window, and the offline voice's hints. A mixin of ``Companion``; the pure parts are in
``engine_prompt``, the fitting in ``prompt.compose``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from samantha.backends.base import VoiceHints
from samantha.domain.conversation import Conversation, Message
from samantha.domain.memory import Memory, Recalled
from samantha.engine.prompt import Prompt, Section, compose
from samantha.engine.records import CompanionRecords
from samantha.engine.sections import prompt_sections, voice_hints
from samantha.persona import Persona
from samantha.state.appraisal import Appraisal
from samantha.state.inner import InnerState

if TYPE_CHECKING:
    from samantha.backends.base import Backend
    from samantha.config import Settings
    from samantha.engine.tokens import TokenCounter
    from samantha.memory.mind import Mind

#: How many stored messages a turn considers; the token budget decides how many are sent.
HISTORY_FETCH = 400


class CompanionContext(CompanionRecords):
    """Needs the attributes below from ``Companion``."""

    persona: Persona
    backend: Backend
    settings: Settings
    mind: Mind
    partner: str | None
    counter: TokenCounter
    use_tokenizer: bool
    _token_cache: dict[int, int]
    _chat_cache: dict[int, object]
    _filled_persona: tuple[str, Persona] | None
    _voice_persona: tuple[str, Persona] | None

    async def _recent(self, conversation: Conversation) -> list[Message]:
        """The last ``HISTORY_FETCH`` messages not yet folded into the summary: all of them
        once, then only what is new (including what another samantha process wrote)."""
        cid = conversation.id
        if not self._history:
            fresh = await self.store.run(
                lambda s: s.conversations.recent_messages(cid, HISTORY_FETCH)
            )
        else:
            after = self._history[-1].id
            fresh = await self.store.run(
                lambda s: s.conversations.messages_after(cid, after, HISTORY_FETCH)
            )
        self._history = (self._history + fresh)[-HISTORY_FETCH:]
        summary = await self.mind.summary(cid)
        if summary is not None:
            self._history = [m for m in self._history if m.id > summary[1]]
        return self._history

    @property
    def reply_tokens(self) -> int:
        return self.persona.max_reply_tokens or self.settings.reply_tokens

    def _filled(self) -> Persona:
        """Her persona with the user's name in every field, made once per name (it is used
        for the prompt, the lorebook and the offline voice on every turn)."""
        user = self.user_name or "the user"
        if self._filled_persona is None or self._filled_persona[0] != user:
            self._filled_persona = (user, self.persona.filled(user))
        return self._filled_persona[1]

    async def _sections(
        self,
        history: Sequence[Message],
        now: datetime,
        last_seen: datetime | None,
        state: InnerState,
        recalled: Sequence[Recalled],
        plans: Sequence[Memory],
    ) -> list[Section]:
        core = await self.core_memory()
        summary = None
        if self.conversation is not None:
            found = await self.mind.summary(self.conversation.id)
            summary = found[0] if found is not None else None
        return prompt_sections(
            self._filled(),
            self.user_name,
            core,
            history,
            now,
            last_seen,
            state,
            recalled,
            plans,
            summary,
            self.settings.memory_tokens,
        )

    async def _compose(
        self,
        history: list[Message],
        now: datetime,
        last_seen: datetime | None,
        state: InnerState,
        recalled: Sequence[Recalled] = (),
        plans: Sequence[Memory] = (),
    ) -> Prompt:
        sections = await self._sections(history, now, last_seen, state, recalled, plans)
        window, reserve = self.backend.context_window, self.reply_tokens
        counter = self.counter
        if not self.use_tokenizer:
            # The offline voice has no tokenizer of its own; counting is a labelled estimate.
            from samantha.engine.tokens import EstimateCounter

            counter = EstimateCounter()
        fit = partial(
            compose,
            sections,
            history,
            counter,
            window,
            reserve,
            self._token_cache,
            self._chat_cache,
            self.partner,
        )
        if counter.loaded:
            # Counting is fast (and cached per message): a thread hop would cost more.
            return fit()
        # The first count loads a tokenizer (a few hundred ms): keep that off the event loop.
        return await asyncio.to_thread(fit)

    def _hints(
        self,
        now: datetime,
        last_contact: datetime | None,
        state: InnerState,
        appraisal: Appraisal,
        recalled: Sequence[Recalled] = (),
        plans: Sequence[Memory] = (),
        *,
        first_meeting: bool = False,
        was_strained: bool = False,
        addressee: str | None = None,
    ) -> VoiceHints:
        """``addressee``: a third voice she answers (you, in a duet), instead of her partner."""
        # The offline voice says "you" where the prompt says "the user".
        user = addressee or self.user_name or "you"
        if self._voice_persona is None or self._voice_persona[0] != user:
            self._voice_persona = (user, self.persona.filled(user))
        return voice_hints(
            self._voice_persona[1],
            addressee or self.user_name,
            now,
            last_contact,
            state,
            appraisal,
            recalled,
            plans,
            first_meeting=first_meeting,
            was_strained=was_strained,
        )
