"""She speaks first (a greeting when a session opens), and the prompt a message would send
(a preview for the screens and scripts): both read the same context as a turn."""

from __future__ import annotations

from datetime import timedelta

from samantha.backends.base import ChatMessage
from samantha.domain.conversation import Message, Role
from samantha.engine.context import Context
from samantha.engine.parts import Parts
from samantha.engine.prompt import Prompt
from samantha.engine.prompting import Spoken
from samantha.engine.results import Greeting
from samantha.engine.speaking import Line
from samantha.engine.text import clean_text
from samantha.state.appraisal import appraise

#: A greeting is not repeated when the conversation moved this recently.
QUIET_BEFORE_GREETING = timedelta(hours=1)


class Opening:
    def __init__(self, parts: Parts, context: Context) -> None:
        self.p = parts
        self.context = context

    async def greet(self) -> Greeting | None:
        """She speaks first when a session opens: hello on first meeting, and later what she
        knows of the time away and of plans that were due. Stored as her message. Nothing when
        the conversation is fresh from a moment ago."""
        p = self.p
        conversation = await p.session.current()
        await self.context.know_user()
        now = p.clock.now()
        last_seen = await p.records.last_seen()
        cid = conversation.id
        latest = await p.store.run(lambda s: s.conversations.recent_messages(cid, 1))
        recent = [m.created_at for m in latest] + ([last_seen] if last_seen else [])
        if recent and now - max(recent) < QUIET_BEFORE_GREETING:
            return None
        user = p.session.user_name or "the user"
        state = await p.feelings.current()
        _, plans = await p.memories.for_message("", 0, now, ())
        moment = await self.context.moment(now, last_seen, state, (), plans)
        prompt = await p.builder.build([], moment)
        instruction = (
            f"{user} has just opened the app. Greet them first, in one or two sentences, as "
            "yourself: mind how long it has been and ask about anything that was due."
            if last_seen
            else f"You are meeting {user} for the first time. Introduce yourself in one or two sentences."
        )
        messages = [*prompt.messages, ChatMessage(role="user", content=f"({instruction})")]
        scene = p.builder.scene(
            moment,
            appraise(""),
            Spoken.of(messages),
            first_meeting=last_seen is None,
            opening=True,
        )
        line = Line(messages, scene, min(200, p.reply_tokens), p.persona.temperature)
        parts = [chunk.text async for chunk in p.speaker.speak(line)]
        reply = "".join(parts).strip()
        if not reply:
            return None
        name = p.persona.name
        message = await p.store.run(
            lambda s: s.conversations.add_message(cid, Role.ASSISTANT, name, reply, now),
            write=True,
        )
        return Greeting(**message.model_dump(), prompt=prompt, scene=scene)

    async def preview(self, text: str) -> Prompt:
        """The prompt ``text`` would send now, section by section; nothing is stored."""
        p = self.p
        conversation = await p.session.current()
        await self.context.know_user()
        now = p.clock.now()
        last_seen = await p.records.last_seen()
        history = list(await self.context.recent())
        draft = Message(
            id=-1,  # never a stored id; its cached conversions are dropped below
            conversation_id=conversation.id,
            role=Role.USER,
            speaker=p.session.user_name or "you",
            text=clean_text(text),
            created_at=now,
        )
        recalled = await p.memories.recall(text, p.settings.recall_k, {m.id for m in history})
        _, plans = await p.memories.for_message("", 0, now, ())
        state = await p.feelings.current()
        moment = await self.context.moment(now, last_seen, state, recalled, plans)
        try:
            return await p.builder.build([*history, draft], moment)
        finally:
            p.builder.forget_draft(draft.id)
