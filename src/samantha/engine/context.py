"""What a prompt is made of, besides the messages: who the user is to her, the recent
history, and the moment (time, state, core memory, summary) shared by a turn and a greeting."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from samantha.domain.conversation import Message
from samantha.domain.memory import Memory, Recalled
from samantha.engine.parts import Parts
from samantha.engine.prompting import Moment
from samantha.state.inner import InnerState


class Context:
    def __init__(self, parts: Parts) -> None:
        self.p = parts

    async def know_user(self) -> None:
        """Her name for the user, from core memory, once per session."""
        session = self.p.session
        if not session.named:
            core = await self.p.memories.core()
            session.user_name = session.user_name or core.user_name
            session.named = True

    async def recent(self) -> list[Message]:
        p = self.p
        cid = (await p.session.current()).id
        summary = await p.memories.mind.summary(cid)
        return await p.session.recent(summary[1] if summary is not None else None)

    async def moment(
        self,
        now: datetime,
        last_seen: datetime | None,
        state: InnerState,
        recalled: Sequence[Recalled] = (),
        plans: Sequence[Memory] = (),
        care: str | None = None,
    ) -> Moment:
        p = self.p
        summary = None
        if p.session.conversation is not None:
            found = await p.memories.mind.summary(p.session.conversation.id)
            summary = found[0] if found is not None else None
        return Moment(
            now=now,
            last_seen=last_seen,
            state=state,
            core=await p.memories.core(),
            recalled=recalled,
            plans=plans,
            summary=summary,
            user_name=p.session.user_name,
            partner=p.session.partner,
            care=care,
        )
