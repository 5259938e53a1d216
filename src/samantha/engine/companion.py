"""The Companion: one turn from the user's words to her stored reply (ARCHITECTURE.md).

Every front end (TUI, CLI, conversation scripts, duet) drives this class and nothing else.
Its promise: the user's message is committed before the backend is asked, and whatever part
of a reply arrived is committed too, marked, however the stream ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel

from samantha.backends.base import (
    Backend,
    ChatMessage,
    ReplyRequest,
    create_backend,
)
from samantha.clock import Clock, SystemClock
from samantha.config import Paths, Settings
from samantha.domain.conversation import (
    Conversation,
    Message,
    MessageStatus,
    Role,
)
from samantha.domain.memory import (
    EPISODE_KINDS,
    CoreMemory,
    Memory,
    MemoryKind,
    Recalled,
)
from samantha.engine.context import CompanionContext
from samantha.engine.feelings import CompanionFeelings
from samantha.engine.prompt import Prompt
from samantha.engine.records import clean_text
from samantha.engine.tokens import TokenCounter
from samantha.errors import InputError, SamanthaError
from samantha.memory.mind import Mind
from samantha.memory.recall import RecallSettings
from samantha.memory.stream import Added, MemorySettings, MemoryStream
from samantha.persona import Persona, find_persona, load_persona
from samantha.state.appraisal import Appraisal, appraise
from samantha.state.inner import InnerState
from samantha.state.relationship import RelationshipEvent, on_message
from samantha.store import Store

#: A reply is cut at this many characters per token of her reply budget (about twice the
#: length a tokenizer allows), for servers that ignore max_tokens.
CHARS_PER_TOKEN_CAP = 8
#: "forget that my sister is called Anna", "forget about the interview".
FORGET_REQUEST = re.compile(
    r"^(?:please\s+|can you\s+|could you\s+)?forget\s+(?:that|about|what i said about)\s+(?P<what>.+)",
    re.IGNORECASE | re.DOTALL,
)
YES = re.compile(r"^\s*(?:yes|yeah|yep|yup|sure|please do|do it|ok(?:ay)?|y)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ReplyChunk:
    text: str


class Timings(BaseModel):
    prepare_ms: float
    first_token_ms: float | None
    total_ms: float


class TurnResult(BaseModel):
    reply: str
    status: MessageStatus
    user_message: Message
    reply_message: Message | None
    prompt: Prompt
    completion_tokens: int | None = None
    #: Prompt tokens as the server counted them, when it said.
    server_prompt_tokens: int | None = None
    timings: Timings
    appraisal: Appraisal
    #: Her state as the user spoke (settled to that moment), and after her reply.
    before: InnerState
    after: InnerState
    events: list[RelationshipEvent]
    #: What came to mind for this message (it is in the prompt), with score parts.
    recalled: list[Recalled] = []
    #: What she learned from it: facts, and a reflection when one was due.
    extracted: list[Memory] = []


TurnEvent = ReplyChunk | TurnResult


class Companion(CompanionContext, CompanionFeelings):
    def __init__(
        self,
        *,
        persona: Persona,
        backend: Backend,
        store: Store,
        settings: Settings | None = None,
        clock: Clock | None = None,
        key: str | None = None,
    ) -> None:
        self.persona = persona
        #: Whose life this is in the database: the persona's name, or for a duet the pair
        #: ("samantha~alan"), so her feelings toward another OS stay apart from yours.
        self.key = (key or persona.key).strip().lower()
        self.backend = backend
        self.store = store
        self.settings = settings or Settings()
        self.clock: Clock = clock or SystemClock()
        self.counter = TokenCounter(backend.model)
        self.use_tokenizer = not backend.is_offline
        self.conversation: Conversation | None = None
        self.user_name: str | None = None
        #: Set for a group talk (a duet): who she is talking with. Lines from anyone else (you,
        #: stepping in) reach her labelled with their name, so she can tell the voices apart.
        self.partner: str | None = None
        self._token_cache: dict[int, int] = {}
        self._state: InnerState | None = None
        #: The conversation's recent messages, kept between turns and topped up from the
        #: database (which also picks up what another samantha process wrote meanwhile).
        self._history: list[Message] = []
        self._chat_cache: dict[int, object] = {}
        self.memory = MemoryStream(
            store,
            self.key,
            MemorySettings(
                recall=RecallSettings(half_life_hours=self.settings.memory_half_life_hours)
            ),
        )
        self.mind = Mind(
            self.memory,
            backend,
            extractor=self.settings.extractor,
            embedding_model=self.settings.embedding_model,
            timeout=self.settings.request_timeout,
        )
        #: Memories she offered to forget and is waiting for a yes about.
        self._pending_forget: list[Memory] | None = None
        self._core_cache: CoreMemory | None = None
        #: What the last ``greet`` sent (scripts and tests check the greeting's context).
        self.last_greeting_prompt: Prompt | None = None
        #: The last word from either side before this turn (her greeting counts), so the
        #: time away is not mentioned again right after she greeted you with it.
        self._last_contact: datetime | None = None
        self._core_loaded = False
        #: Her persona with the user's name filled in, for the prompt and the offline voice.
        self._filled_persona: tuple[str, Persona] | None = None
        self._voice_persona: tuple[str, Persona] | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        backend: Backend | None = None,
        clock: Clock | None = None,
        paths: Paths | None = None,
    ) -> Companion:
        """Wire a companion from settings: persona file, backend adapter and database."""
        paths = paths or Paths.from_env()
        persona = load_persona(find_persona(settings.persona, paths.personas_dir))
        backend = backend or create_backend(settings.backend_spec())
        store = Store.open(paths.db_path)
        return cls(persona=persona, backend=backend, store=store, settings=settings, clock=clock)

    # -- conversations -------------------------------------------------------------------

    async def resume(self) -> Conversation:
        """Continue her latest conversation, or begin the first one."""
        key, now = self.key, self.clock.now()
        # One transaction: two first starts at once must not make two conversations.
        self.conversation = await self.store.run(
            lambda s: s.conversations.latest(key) or s.conversations.create(key, now),
            write=True,
        )
        await self._load_core()
        self._history = []
        return self.conversation

    async def new_conversation(self, title: str = "") -> Conversation:
        key, now = self.key, self.clock.now()
        self.conversation = await self.store.run(
            lambda s: s.conversations.create(key, now, title), write=True
        )
        self._history = []
        return self.conversation

    async def open_conversation(self, conversation_id: int) -> Conversation:
        found = await self.store.run(lambda s: s.conversations.get(conversation_id))
        if found is None:
            raise InputError(f"There is no conversation {conversation_id}: list them first.")
        self.conversation = found
        self._history = []
        return found

    async def history(self, limit: int = 200) -> list[Message]:
        conversation = self.conversation or await self.resume()
        return await self.store.run(
            lambda s: s.conversations.recent_messages(conversation.id, limit)
        )

    async def last_seen(self) -> datetime | None:
        key = self.key
        return await self.store.run(lambda s: s.conversations.last_user_message_at(key))

    async def _memory_command(
        self, conversation: Conversation, user_message: Message, started: float
    ) -> list[TurnEvent] | None:
        """ "forget that ...": she names what she would forget and waits for a yes."""
        text = user_message.text.strip()
        pending, self._pending_forget = self._pending_forget, None
        if pending is not None:
            if not YES.match(text):
                return None  # anything else: she keeps it, and the talk goes on
            stream = self.memory
            await self.store.run(lambda _: stream.forget([m.id for m in pending]))
            self._core_cache = None
            reply = "Done. I've let that go."
        else:
            request = FORGET_REQUEST.match(text)
            if request is None:
                return None
            what = request.group("what").strip(" .!?")
            found = [m for m in await self.memories(what, 20) if m.kind not in EPISODE_KINDS]
            if not found:
                reply = f"I don't think I was keeping anything about “{what}”."
            else:
                self._pending_forget = found[:5]
                listed = "; ".join(f"“{m.text}”" for m in found[:5])
                reply = f"Do you want me to forget {listed}? Say yes and it's gone."
        return await self._say_directly(conversation, user_message, reply, started)

    async def _say_directly(
        self, conversation: Conversation, user_message: Message, reply: str, started: float
    ) -> list[TurnEvent]:
        """A reply that is the program's, not the model's (confirmations): stored the same way."""
        persona, end = self.persona, self.clock.now()
        state = await self.inner_state()
        message = await self.store.run(
            lambda s: s.conversations.add_message(
                conversation.id, Role.ASSISTANT, persona.name, reply, end
            ),
            write=True,
        )
        done = (time.perf_counter() - started) * 1000
        prompt = Prompt(messages=[], tokens=0, accuracy="estimate", budget=0)
        return [
            ReplyChunk(reply),
            TurnResult(
                reply=reply,
                status=MessageStatus.COMPLETE,
                user_message=user_message,
                reply_message=message,
                prompt=prompt,
                timings=Timings(prepare_ms=done, first_token_ms=done, total_ms=done),
                appraisal=appraise(""),
                before=state,
                after=state,
                events=[],
            ),
        ]

    async def greet(self) -> Message | None:
        """She speaks first when a session opens: hello on first meeting, and later what she
        knows of the time away and of plans that were due. Stored as her message. Nothing when
        the conversation is fresh from a moment ago."""
        self.last_greeting_prompt = None
        conversation = self.conversation or await self.resume()
        await self._load_core()
        now = self.clock.now()
        last_seen = await self.last_seen()
        cid = conversation.id
        latest = await self.store.run(lambda s: s.conversations.recent_messages(cid, 1))
        recent = [m.created_at for m in latest] + ([last_seen] if last_seen else [])
        if recent and now - max(recent) < timedelta(hours=1):
            return None
        user = self.user_name or "the user"
        state = await self.inner_state()
        _, plans = await self.mind.recall("", 0, now, ())
        prompt = await self._compose([], now, last_seen, state, (), plans)
        instruction = (
            f"{user} has just opened the app. Greet them first, in one or two sentences, as "
            "yourself: mind how long it has been and ask about anything that was due."
            if last_seen
            else f"You are meeting {user} for the first time. Introduce yourself in one or two sentences."
        )
        hints = self._hints(
            now, last_seen, state, appraise(""), (), plans, first_meeting=last_seen is None
        )
        request = ReplyRequest(
            messages=[*prompt.messages, ChatMessage(role="user", content=f"({instruction})")],
            max_tokens=min(200, self.reply_tokens),
            temperature=self.persona.temperature,
            hints=hints.model_copy(update={"opening": True}),
        )
        parts = [chunk.text async for chunk in self.backend.stream(request)]
        reply = "".join(parts).strip()
        if not reply:
            return None
        persona = self.persona
        message = await self.store.run(
            lambda s: s.conversations.add_message(cid, Role.ASSISTANT, persona.name, reply, now),
            write=True,
        )
        self.last_greeting_prompt = prompt
        return message

    async def preview_prompt(self, text: str) -> Prompt:
        """The prompt ``text`` would send now, section by section; nothing is stored."""
        conversation = self.conversation or await self.resume()
        await self._load_core()
        now = self.clock.now()
        last_seen = await self.last_seen()
        history = list(await self._recent(conversation))
        draft = Message(
            id=-1,  # never a stored id; its cached conversions are dropped below
            conversation_id=conversation.id,
            role=Role.USER,
            speaker=self.user_name or "you",
            text=clean_text(text),
            created_at=now,
        )
        stream = self.memory
        exclude = {m.id for m in history}
        recalled = await self.store.run(
            lambda _: stream.recall(
                text, self.settings.recall_k, now=now, exclude_sources=exclude, touch=False
            )
        )
        _, plans = await self.mind.recall("", 0, now, ())
        state = await self.inner_state()
        try:
            return await self._compose([*history, draft], now, last_seen, state, recalled, plans)
        finally:
            self._chat_cache.pop(-1, None)
            self._token_cache.pop(-1, None)

    async def check_backend(self) -> str:
        return await self.backend.check()

    # -- the turn ------------------------------------------------------------------------

    async def turn(
        self, text: str, *, speaker: str | None = None
    ) -> AsyncGenerator[TurnEvent, None]:
        """Yield her reply as ``ReplyChunk``s, then one ``TurnResult``.

        ``speaker``: someone other than her partner said this (you, stepping into a duet).
        It moves her mood like any message, but it is not learned as the partner's facts and
        does not touch her relationship with the partner.

        Raises ``SamanthaError`` with the sentence to show; by then the user's message and
        any partial reply are already stored.
        """
        started = time.perf_counter()
        text = clean_text(text)
        if not text.strip():
            raise InputError("There is nothing to send: type a message first.")
        conversation = self.conversation or await self.resume()
        await self._load_core()
        now = self.clock.now()
        persona = self.persona
        partner = self.partner or self.user_name
        guest = speaker is not None and speaker != partner
        speaker = speaker or partner or "you"
        key = self.key
        stream = self.memory
        learn = (
            not guest and not FORGET_REQUEST.match(text.strip()) and self._pending_forget is None
        )

        def remember(s: Store) -> tuple[datetime | None, datetime | None, Added]:
            seen = s.conversations.last_user_message_at(key)
            contact = s.conversations.last_message_at(key)
            return (
                seen,
                contact,
                stream.add_message(
                    speaker, text, now, conversation_id=conversation.id, learn=learn
                ),
            )

        # The user's words are safe on disk before any backend (appraiser or reply) is asked.
        last_seen, last_contact, added = await self.store.run(remember)
        self._last_contact = last_contact
        user_message = added.message
        if added.facts or added.user_name:
            self._core_cache = None
        if added.user_name and self.partner is None:
            # In a group talk the partner keeps the name she knows them by ("Call me Al"
            # must not make Alan's next lines someone else's).
            self.user_name = added.user_name
        handled = None if guest else await self._memory_command(conversation, user_message, started)
        if handled is not None:
            for event in handled:
                yield event
            return
        before = await self.inner_state()
        appraisal = await self._appraise_message(text)
        mood = before.mood.moved(appraisal.impulse, persona.temperament, now)
        relationship, events = (
            (before.relationship, [])
            if guest
            else on_message(
                before.relationship, persona.relationship, appraisal.tags, now, user_message.id
            )
        )
        heard = InnerState.of(mood, relationship, persona.relationship)

        def feel(s: Store) -> None:
            for event in events:
                e = event.effect
                s.state.add_event(
                    self.key,
                    now,
                    event.kind,
                    event.message_id,
                    e.closeness,
                    e.trust,
                    e.tension,
                    event.note,
                )
            s.state.save(heard.snapshot(self.key, now, user_message.id))

        # What the message did to her, and why: one transaction.
        await self.store.run(feel, write=True)
        self._state = heard
        # Closing this generator (Esc, a closed pipe) must close the reply's too, at once, so
        # the partial reply is saved while the store is still open.
        reply = self._respond(
            conversation,
            user_message,
            last_seen,
            before,
            heard,
            appraisal,
            events,
            started,
            added.facts,
            learn=not guest,
        )
        async with aclosing(reply):
            async for event in reply:
                if isinstance(event, TurnResult):
                    extracted = [*added.facts, *event.extracted]
                    event = event.model_copy(update={"extracted": extracted})
                yield event

    async def hear(self, text: str, speaker: str, *, learn: bool = False) -> Message:
        """Keep a line said to the room without answering it (a duet: you stepped in, so her
        partner's last line waits while she answers you). It is in her history for her next
        turn; ``learn`` only for her partner's own words, never a third voice's."""
        text = clean_text(text)
        if not text.strip():
            raise InputError("There is nothing to send: type a message first.")
        conversation = self.conversation or await self.resume()
        now, stream = self.clock.now(), self.memory
        added = await self.store.run(
            lambda _: stream.add_message(
                speaker, text, now, conversation_id=conversation.id, learn=learn
            )
        )
        if added.facts or added.user_name:
            self._core_cache = None  # what she learned joins the prompt next turn
        return added.message

    async def regenerate(self) -> AsyncGenerator[TurnEvent, None]:
        """Her last reply again: the old one is removed, the user's message stays as it was."""
        started = time.perf_counter()
        conversation = self.conversation or await self.resume()
        await self._load_core()
        cid = conversation.id

        def clear(s: Store) -> Message | None:
            recent = s.conversations.recent_messages(cid, 20)
            users = [m for m in recent if m.role is Role.USER]
            if not users:
                return None
            last = users[-1]
            for message in recent:
                if message.id > last.id:
                    s.memories.delete(s.memories.episodes_of([message.id]))
                    s.conversations.delete_message(message.id)
            return last

        user_message = await self.store.run(clear, write=True)
        if user_message is None:
            raise InputError("There is no reply to regenerate yet: say something first.")
        self._history = []
        key = self.key
        last_seen = await self.store.run(
            lambda s: s.conversations.last_user_message_at(key, before_id=user_message.id)
        )
        state = await self.inner_state()
        reply = self._respond(
            conversation, user_message, last_seen, state, state, appraise(""), [], started
        )
        async with aclosing(reply):
            async for event in reply:
                yield event

    async def edit_last(self, text: str) -> AsyncGenerator[TurnEvent, None]:
        """Replace the user's last message (and her reply to it) with ``text``, and answer that."""
        text = clean_text(text)
        if not text.strip():
            raise InputError("There is nothing to send: type a message first.")
        conversation = self.conversation or await self.resume()
        cid = conversation.id

        def clear(s: Store) -> bool:
            recent = s.conversations.recent_messages(cid, 20)
            users = [m for m in recent if m.role is Role.USER]
            if not users:
                return False
            doomed = [m.id for m in recent if m.id >= users[-1].id]
            for message_id in doomed:
                s.memories.delete(s.memories.derived_only_from_message(message_id))
                s.conversations.delete_message(message_id)
            return True

        if not await self.store.run(clear, write=True):
            raise InputError("There is no message of yours to edit yet.")
        self._history = []
        reply = self.turn(text)
        async with aclosing(reply):
            async for event in reply:
                yield event

    async def _respond(
        self,
        conversation: Conversation,
        user_message: Message,
        last_seen: datetime | None,
        before: InnerState,
        heard: InnerState,
        appraisal: Appraisal,
        events: list[RelationshipEvent],
        started: float,
        extracted_before: Sequence[Memory] = (),
        *,
        learn: bool = True,
    ) -> AsyncGenerator[TurnEvent, None]:
        persona = self.persona
        now = user_message.created_at
        history = await self._recent(conversation)
        recalled, plans = await self.mind.recall(
            user_message.text, self.settings.recall_k, now, {m.id for m in history}
        )
        prompt = await self._compose(history, now, last_seen, heard, recalled, plans)
        request = ReplyRequest(
            messages=prompt.messages,
            max_tokens=self.reply_tokens,
            temperature=self.persona.temperature,
            hints=self._hints(
                now,
                self._last_contact or last_seen,
                heard,
                appraisal,
                recalled,
                plans,
                was_strained=before.relationship.strained,
                addressee=None if learn else user_message.speaker,
            ),
        )
        prepared = time.perf_counter()
        parts: list[str] = []
        first_token: float | None = None
        completion_tokens: int | None = None
        server_prompt_tokens: int | None = None
        finished = False
        # A server that ignores max_tokens would otherwise be read (and stored) for as long as
        # it goes on: stop at about twice the budget's length in characters.
        limit, length, capped = self.reply_tokens * CHARS_PER_TOKEN_CAP, 0, False
        chunks = self.backend.stream(request)
        try:
            async for chunk in chunks:
                if chunk.usage is not None:
                    completion_tokens = chunk.usage.completion_tokens
                    server_prompt_tokens = chunk.usage.prompt_tokens
                if chunk.text:
                    if first_token is None:
                        first_token = time.perf_counter()
                    text = chunk.text[: max(0, limit - length)]
                    if len(text) < len(chunk.text):
                        # Cut mid-chunk: she stops after her last whole word.
                        text = text[: text.rfind(" ") + 1]
                        capped = True
                    length += len(text)
                    if text:
                        parts.append(text)
                        yield ReplyChunk(text)
                    if capped or length >= limit:
                        capped = True
                        break
            finished = True
        except SamanthaError:
            await self._save_partial(conversation, parts)
            raise
        finally:
            if not finished:
                # Cancelled (Esc, Ctrl-C) or closed early: keep what she had said, marked.
                await asyncio.shield(self._save_partial(conversation, parts))
            # Closing the stream ends the request (and the server's work) now, not at GC.
            close = getattr(chunks, "aclose", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    await close()
        reply = "".join(parts)
        end = self.clock.now()
        # Her own words move her a little too: she laughs at her own joke.
        own = self._appraise(reply) if reply.strip() else None
        after = heard
        if own is not None:
            scale = persona.temperament.self_influence
            after = InnerState.of(
                heard.mood.moved(own.impulse, persona.temperament, end, scale=scale),
                heard.relationship,
                persona.relationship,
            )

        # Cut off at the cap, her reply is marked so (she sees it was cut, next turn).
        status = MessageStatus.INTERRUPTED if capped else MessageStatus.COMPLETE

        def settle_turn(s: Store) -> Message:
            message = s.conversations.add_message(
                conversation.id, Role.ASSISTANT, persona.name, reply, end, status, completion_tokens
            )
            s.memories.add(self.key, MemoryKind.REPLY, reply[:4000], 1, end, [message.id])
            s.state.save(after.snapshot(self.key, end, message.id))
            return message

        reply_message = await self.store.run(settle_turn, write=True)
        self._state = after
        user = self.user_name or "the user"
        fresh = bool(extracted_before)
        learned: list[Memory] = []
        name: str | None = None
        if learn:
            learned, name = await self.mind.learn(user_message, end, user, persona.name, fresh)
        if learned or name:
            self._core_cache = None
        if name and self.partner is None:
            self.user_name = name
        if prompt.dropped:
            await self.mind.summarise(
                conversation.id, history[: prompt.dropped], end, user, persona.name
            )
        done = time.perf_counter()
        yield TurnResult(
            reply=reply,
            status=status,
            user_message=user_message,
            reply_message=reply_message,
            prompt=prompt,
            completion_tokens=completion_tokens,
            server_prompt_tokens=server_prompt_tokens,
            timings=Timings(
                prepare_ms=(prepared - started) * 1000,
                first_token_ms=(first_token - started) * 1000 if first_token else None,
                total_ms=(done - started) * 1000,
            ),
            appraisal=appraisal,
            before=before,
            after=after,
            events=events,
            recalled=recalled,
            extracted=learned,
        )

    async def _save_partial(self, conversation: Conversation, parts: list[str]) -> None:
        reply = "".join(parts)
        if not reply.strip():
            return
        at = self.clock.now()
        await self.store.run(
            lambda s: s.conversations.add_message(
                conversation.id,
                Role.ASSISTANT,
                self.persona.name,
                reply,
                at,
                status=MessageStatus.INTERRUPTED,
            ),
            write=True,
        )
        parts.clear()

    async def aclose(self) -> None:
        await self.backend.aclose()
        self.store.close()
