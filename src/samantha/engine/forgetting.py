"""'Forget that ...': she names what she would forget and waits for a yes. Her answer is the
program's, not the model's, stored like any reply."""

from __future__ import annotations

import re
import time

from samantha.domain.conversation import Conversation, Message, MessageStatus, Role
from samantha.domain.memory import EPISODE_KINDS
from samantha.engine.parts import Parts
from samantha.engine.prompt import Prompt
from samantha.engine.results import ReplyChunk, Timings, TurnEvent, TurnResult
from samantha.state.appraisal import appraise

#: "forget that my sister is called Anna", "forget about the interview".
FORGET_REQUEST = re.compile(
    r"^(?:please\s+|can you\s+|could you\s+)?forget\s+(?:that|about|what i said about)\s+(?P<what>.+)",
    re.IGNORECASE | re.DOTALL,
)
YES = re.compile(r"^\s*(?:yes|yeah|yep|yup|sure|please do|do it|ok(?:ay)?|y)\b", re.IGNORECASE)


class Forgetting:
    def __init__(self, parts: Parts) -> None:
        self.p = parts

    async def handle(
        self, conversation: Conversation, user_message: Message, started: float
    ) -> list[TurnEvent] | None:
        """She names what she would forget and waits for a yes."""
        session, text = self.p.session, user_message.text.strip()
        pending, session.pending_forget = session.pending_forget, None
        if pending is not None:
            if not YES.match(text):
                return None  # anything else: she keeps it, and the talk goes on
            await self.p.memories.forget([m.id for m in pending])
            if session.forget_request is not None:
                # Asking her to forget it said it again: that line goes from the prompt too.
                await self.p.memories.withhold([session.forget_request])
            reply = "Done. I've let that go."
        else:
            request = FORGET_REQUEST.match(text)
            if request is None:
                return None
            what = request.group("what").strip(" .!?")
            found = [
                m for m in await self.p.memories.listing(what, 20) if m.kind not in EPISODE_KINDS
            ]
            if not found:
                reply = f"I don't think I was keeping anything about “{what}”."
            else:
                session.pending_forget = found[:5]
                session.forget_request = user_message.id
                listed = "; ".join(f"“{m.text}”" for m in found[:5])
                reply = f"Do you want me to forget {listed}? Say yes and it's gone."
        return await self._say(conversation, user_message, reply, started)

    async def _say(
        self, conversation: Conversation, user_message: Message, reply: str, started: float
    ) -> list[TurnEvent]:
        """A reply that is the program's, not the model's (confirmations): stored the same way."""
        p = self.p
        name, end, cid = p.persona.name, p.clock.now(), conversation.id
        state = await p.feelings.current()
        message = await p.store.run(
            lambda s: s.conversations.add_message(cid, Role.ASSISTANT, name, reply, end),
            write=True,
        )
        done = (time.perf_counter() - started) * 1000
        return [
            ReplyChunk(reply),
            TurnResult(
                reply=reply,
                status=MessageStatus.COMPLETE,
                user_message=user_message,
                reply_message=message,
                prompt=Prompt(messages=[], tokens=0, accuracy="estimate", budget=0),
                timings=Timings(prepare_ms=done, first_token_ms=done, total_ms=done),
                appraisal=appraise(""),
                before=state,
                after=state,
                events=[],
            ),
        ]
