"""One turn, from the user's words to her stored reply, and its variants (regenerate, edit,
a line heard without answering, her greeting, a preview of the prompt).

Its promise: the user's message is committed before any backend is asked, and whatever part
of a reply arrived is committed too, marked, however the stream ends.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field, replace
from datetime import datetime

from samantha.backends.base import ChatMessage
from samantha.domain.conversation import Conversation, Message, MessageStatus, Role
from samantha.domain.memory import EPISODE_KINDS, Memory, MemoryKind, Recalled
from samantha.engine.care import needs_care
from samantha.engine.context import Context
from samantha.engine.feelings import Felt
from samantha.engine.forgetting import FORGET_REQUEST, Forgetting
from samantha.engine.greeting import Opening
from samantha.engine.parts import Parts
from samantha.engine.prompt import Prompt
from samantha.engine.prompting import Moment, Spoken
from samantha.engine.results import ReplyChunk, Timings, TurnEvent, TurnResult
from samantha.engine.speaking import Line
from samantha.engine.streaming import Streamed
from samantha.engine.text import clean_text
from samantha.errors import BackendError, InputError, SamanthaError
from samantha.memory.mind import Chat
from samantha.state.appraisal import appraise
from samantha.state.inner import InnerState
from samantha.store import Store


@dataclass
class Exchange:
    """A user's line as stored, and what it did to her: what her reply is made from."""

    conversation: Conversation
    message: Message
    last_seen: datetime | None
    felt: Felt
    started: float
    #: Learned from the line as it was stored (rules), before the reply.
    learned: list[Memory] = field(default_factory=list)
    #: Her partner's words (learned from, moving the relationship), not a third voice's.
    from_partner: bool = True
    #: Replies she must not give again (the ones a regenerate threw away), and which try it is.
    avoid: list[str] = field(default_factory=list)
    variant: int = 0


def _empty_check(text: str) -> str:
    text = clean_text(text)
    if not text.strip():
        raise InputError("There is nothing to send: type a message first.")
    return text


class Turns:
    def __init__(self, parts: Parts) -> None:
        self.p = parts
        self.context = Context(parts)
        self.forgetting = Forgetting(parts)
        self.opening = Opening(parts, self.context)
        # What other rooms (keepsakes, the façade) read of the context, through the turn.
        self.know_user = self.context.know_user
        self.moment = self.context.moment
        self.recent = self.context.recent
        self.greet = self.opening.greet
        self.preview = self.opening.preview

    # -- the user speaks -------------------------------------------------------------------

    async def turn(self, text: str, speaker: str | None = None) -> AsyncGenerator[TurnEvent, None]:
        started = time.perf_counter()
        text = _empty_check(text)
        p, session = self.p, self.p.session
        conversation = await session.current()
        await self.context.know_user()
        now = p.clock.now()
        partner = session.partner or session.user_name
        guest = speaker is not None and speaker != partner
        learn = not guest and not FORGET_REQUEST.match(text.strip()) and not session.pending_forget
        last_seen, last_contact, added = await p.memories.heard_before(
            p.key, speaker or partner or "you", text, now, conversation.id, learn
        )
        session.last_contact = last_contact
        if added.user_name and session.partner is None:
            # In a group talk the partner keeps the name she knows them by ("Call me Al"
            # must not make Alan's next lines someone else's).
            session.user_name = added.user_name
        if not guest:
            handled = await self.forgetting.handle(conversation, added.message, started)
            if handled is not None:
                for event in handled:
                    yield event
                return
        felt = await p.feelings.hear(text, added.message.id, now, from_partner=not guest)
        exchange = Exchange(
            conversation, added.message, last_seen, felt, started, added.facts, not guest
        )
        async with aclosing(self.respond(exchange)) as reply:
            async for event in reply:
                yield event

    async def hear(self, text: str, speaker: str, *, learn: bool = False) -> Message:
        """Keep a line said to the room without answering it (a duet: you stepped in, so her
        partner's last line waits while she answers you)."""
        text = _empty_check(text)
        conversation = await self.p.session.current()
        now = self.p.clock.now()
        added = await self.p.memories.add_message(speaker, text, now, conversation.id, learn=learn)
        return added.message

    async def regenerate(self) -> AsyncGenerator[TurnEvent, None]:
        """Her last reply again: the old one is removed, the user's message stays as it was."""
        started = time.perf_counter()
        p = self.p
        conversation = await p.session.current()
        await self.context.know_user()
        cid, stream = conversation.id, p.memories.stream

        def clear(s: Store) -> tuple[Message, list[str]] | None:
            recent = s.conversations.recent_messages(cid, 20)
            users = [m for m in recent if m.role is Role.USER]
            if not users:
                return None
            last, removed = users[-1], []
            for message in recent:
                if message.id > last.id:
                    gone = s.memories.episodes_of([message.id])
                    s.memories.delete(gone)
                    stream.discard_vectors(gone)
                    s.conversations.delete_message(message.id)
                    removed.append(message.text)
            return last, removed

        cleared = await p.memories.write(clear)
        if cleared is None:
            raise InputError("There is no reply to regenerate yet: say something first.")
        user_message, removed = cleared
        p.session.retries += 1
        p.session.stale()
        key, before_id = p.key, user_message.id
        last_seen = await p.store.run(
            lambda s: s.conversations.last_user_message_at(key, before_id=before_id)
        )
        state = await p.feelings.current()
        felt = Felt(state, state, appraise(""), [])
        exchange = Exchange(
            conversation,
            user_message,
            last_seen,
            felt,
            started,
            avoid=removed,
            variant=p.session.retries,
        )
        async with aclosing(self.respond(exchange)) as reply:
            async for event in reply:
                yield event

    async def edit_last(self, text: str) -> AsyncGenerator[TurnEvent, None]:
        """Replace the user's last message (and her reply to it) with ``text``, and answer that."""
        text = _empty_check(text)
        p = self.p
        cid, stream = (await p.session.current()).id, p.memories.stream

        def clear(s: Store) -> bool:
            recent = s.conversations.recent_messages(cid, 20)
            users = [m for m in recent if m.role is Role.USER]
            if not users:
                return False
            for message in (m for m in recent if m.id >= users[-1].id):
                gone = s.memories.derived_only_from_message(message.id)
                s.memories.delete(gone)
                stream.discard_vectors(gone)
                s.conversations.delete_message(message.id)
            return True

        if not await p.memories.write(clear):
            raise InputError("There is no message of yours to edit yet.")
        p.session.stale()
        async with aclosing(self.turn(text)) as reply:
            async for event in reply:
                yield event

    # -- she answers -----------------------------------------------------------------------

    async def respond(self, ex: Exchange) -> AsyncGenerator[TurnEvent, None]:
        p, heard = self.p, ex.felt.after
        now = ex.message.created_at
        history = await self.context.recent()
        recalled, plans = await p.memories.for_message(
            ex.message.text, p.settings.recall_k, now, {m.id for m in history}
        )
        care = p.settings.crisis_help if needs_care(ex.message.text) else None
        moment = await self.context.moment(now, ex.last_seen, heard, recalled, plans, care)
        # A server may have told its context window since the last prompt (asked, or overflowed).
        p.builder.window = p.speaker.source.context_window
        prompt = await p.builder.build(history, moment)
        scene_moment = moment
        if p.session.last_contact is not None:
            scene_moment = _with_last_seen(moment, p.session.last_contact)
        if p.speaker.offline and _asks(ex.message.text) and not _facts_in(recalled):
            # A model reads a fact told a moment ago in the history, so recall leaves those
            # messages out; the offline voice reads no history, and without them "I'll
            # remember that" would be followed by "you haven't told me".
            recent, _ = await p.memories.for_message(ex.message.text, p.settings.recall_k, now, ())
            scene_moment = replace(scene_moment, recalled=recent)
        spoken = Spoken.of(prompt.messages)
        scene = p.builder.scene(
            scene_moment,
            ex.felt.appraisal,
            replace(spoken, said=[*spoken.said, *ex.avoid]),
            # They had never spoken to her before this (her own greeting aside): a first meeting.
            first_meeting=ex.last_seen is None,
            was_strained=ex.felt.before.relationship.strained,
            addressee=None if ex.from_partner else ex.message.speaker,
            variant=ex.variant,
        )
        line = Line(prompt.messages, scene, p.reply_tokens, p.persona.temperature)
        prepared = time.perf_counter()
        streamed = Streamed(p.reply_tokens)
        spoke = False
        try:
            async with aclosing(self._stream(streamed, line, ex.conversation)) as chunks:
                async for text in chunks:
                    spoke = spoke or bool(text.strip())
                    yield ReplyChunk(text)
        except (SamanthaError, asyncio.CancelledError, GeneratorExit):
            # Failed or stopped before a word: she has not answered it.
            if not spoke:
                await self._unanswered(ex.message)
            raise
        ended = time.perf_counter()
        if not streamed.text.strip() and streamed.cut == "tool_calls":
            await self._unanswered(ex.message)
            raise BackendError(
                "The model answered with a tool call instead of words: pick a chat model, "
                "or turn tool use off on the server."
            )
        reply_message, after = await self._settle(ex, streamed)
        asked_model = p.memories.mind.uses_model
        learned = await self._learn(ex, reply_message, history, prompt)
        notice = None
        if asked_model and not p.memories.mind.uses_model:
            notice = (
                f"{p.speaker.source.model} could not give memory the JSON it asks for, so "
                "she learns by rules for the rest of this session."
            )
        yield TurnResult(
            reply=streamed.text,
            status=reply_message.status,
            user_message=ex.message,
            reply_message=reply_message,
            prompt=prompt,
            completion_tokens=streamed.completion_tokens,
            server_prompt_tokens=streamed.prompt_tokens,
            timings=_timings(ex.started, prepared, streamed.first_token, _speed(streamed, ended)),
            appraisal=ex.felt.appraisal,
            before=ex.felt.before,
            after=after,
            events=ex.felt.events,
            recalled=recalled,
            extracted=[*ex.learned, *learned],
            scene=line.scene,
            cut_reason=streamed.cut,
            notice=notice,
        )

    async def _stream(
        self, streamed: Streamed, line: Line, conversation: Conversation
    ) -> AsyncGenerator[str, None]:
        """Her words as they come; if the stream fails or is closed early (Esc, Ctrl-C), what
        she had said is kept, marked as interrupted."""
        finished = False
        try:
            async with aclosing(streamed.read(self.p.speaker.speak(line))) as words:  # type: ignore[type-var]
                async for text in words:
                    yield text
            finished = True
        except SamanthaError:
            await self._save_partial(conversation, streamed)
            raise
        finally:
            if not finished:
                await asyncio.shield(self._save_partial(conversation, streamed))

    async def _settle(self, ex: Exchange, streamed: Streamed) -> tuple[Message, InnerState]:
        """Her reply, its memory and how it left her: one transaction."""
        p, reply = self.p, streamed.text
        end = p.clock.now()
        after = p.feelings.after_own_words(ex.felt.after, reply, end)
        # Cut short (the cap, the server's limit or filter), her reply is marked so: she sees
        # it was cut next turn, and the front end says why.
        status = MessageStatus.INTERRUPTED if streamed.cut else MessageStatus.COMPLETE
        name, key, cid, tokens = (
            p.persona.name,
            p.key,
            ex.conversation.id,
            streamed.completion_tokens,
        )

        answered = ex.message.id if ex.message.status is MessageStatus.ERROR else None
        stream = p.memories.stream

        def settle(s: Store) -> Message:
            if answered is not None:
                s.conversations.set_status(answered, MessageStatus.COMPLETE)
            message = s.conversations.add_message(
                cid, Role.ASSISTANT, name, reply, end, status, tokens
            )
            memory = s.memories.add(key, MemoryKind.REPLY, reply[:4000], 1, end, [message.id])
            stream.embed(s, [memory])
            s.state.save(after.snapshot(key, end, message.id))
            return message

        # Not through ``memories.write``: her reply changes no core memory, and dropping that
        # cache made every next turn read it again (a hop to the database thread).
        message = await p.store.run(settle, write=True)
        if answered is not None:
            p.session.restatus(answered, MessageStatus.COMPLETE)
        p.feelings.kept(after)
        return message, after

    async def _learn(
        self, ex: Exchange, reply: Message, history: list[Message], prompt: Prompt
    ) -> list[Memory]:
        p, session, end = self.p, self.p.session, reply.created_at
        user = session.user_name or "the user"
        learned: list[Memory] = []
        if ex.from_partner:
            # Memory's questions follow the conversation just had, so a server's cached
            # prompt still begins with it when the next turn comes.
            said = ChatMessage(role="assistant", content=reply.text)
            spent = prompt.tokens + math.ceil(len(reply.text.encode()) / 2.5)
            chat = Chat([*prompt.messages, said], p.builder.window - spent)
            learned, name = await p.memories.learn(
                ex.message, end, user, p.persona.name, bool(ex.learned), chat
            )
            if name and session.partner is None:
                session.user_name = name
        if prompt.dropped:
            await p.memories.mind.summarise(
                ex.conversation.id, history[: prompt.dropped], end, user, p.persona.name
            )
        return learned

    async def _unanswered(self, message: Message) -> None:
        """Her reply to ``message`` failed before a word: it is marked, so the next prompt
        joins it to what they say next instead of showing her ignoring it."""
        if message.role is not Role.USER:
            return
        message_id = message.id
        await asyncio.shield(
            self.p.store.run(
                lambda s: s.conversations.set_status(message_id, MessageStatus.ERROR),
                write=True,
            )
        )
        self.p.session.restatus(message_id, MessageStatus.ERROR)

    async def _save_partial(self, conversation: Conversation, streamed: Streamed) -> None:
        reply = streamed.text
        if not reply.strip():
            return
        streamed.parts.clear()
        name, at, cid = self.p.persona.name, self.p.clock.now(), conversation.id
        await self.p.store.run(
            lambda s: s.conversations.add_message(
                cid, Role.ASSISTANT, name, reply, at, status=MessageStatus.INTERRUPTED
            ),
            write=True,
        )


def _asks(text: str) -> bool:
    return text.rstrip().endswith("?")


def _facts_in(recalled: Sequence[Recalled]) -> bool:
    return any(r.memory.kind not in EPISODE_KINDS for r in recalled)


def _with_last_seen(moment: Moment, last_contact: datetime) -> Moment:
    return replace(moment, last_seen=last_contact)


def _timings(
    started: float, prepared: float, first_token: float | None, speed: float | None = None
) -> Timings:
    done = time.perf_counter()
    return Timings(
        prepare_ms=(prepared - started) * 1000,
        first_token_ms=(first_token - started) * 1000 if first_token else None,
        total_ms=(done - started) * 1000,
        tokens_per_second=speed,
    )


def _speed(streamed: Streamed, ended: float) -> float | None:
    """Tokens per second from the first token to the last (the first token's wait is the
    prompt's, shown as time to first token)."""
    if streamed.first_token is None:
        return None
    tokens = streamed.completion_tokens or len(streamed.parts)
    elapsed = ended - streamed.first_token
    return (tokens - 1) / elapsed if tokens > 1 and elapsed > 0 else None


__all__ = ["FORGET_REQUEST", "Turns"]
