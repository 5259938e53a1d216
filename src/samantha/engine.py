"""The Companion: one turn from the user's words to her stored reply (ARCHITECTURE.md).

Every front end (TUI, CLI, conversation scripts, duet) drives this class and nothing else.
Its promise: the user's message is committed before the backend is asked, and whatever part
of a reply arrived is committed too, marked, however the stream ends.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel

from samantha.appraisal import APPRAISAL_INSTRUCTIONS, Appraisal, appraise, parse_verdict
from samantha.backends.base import (
    Backend,
    ChatMessage,
    ReplyRequest,
    VoiceHints,
    create_backend,
)
from samantha.clock import Clock, SystemClock
from samantha.config import Paths, Settings
from samantha.errors import InputError, SamanthaError
from samantha.inner_state import InnerState
from samantha.models import Conversation, EventRecord, Message, MessageStatus, Role, StateSnapshot
from samantha.persona import Persona, find_persona, load_persona
from samantha.prompt import Prompt, compose, system_text
from samantha.relationship import RelationshipEvent, on_message
from samantha.store import Store
from samantha.timefmt import humanize
from samantha.tokens import TokenCounter

#: How many stored messages a turn considers; the token budget decides how many are sent.
HISTORY_FETCH = 400
#: After this long without a word, she mentions the time away.
ABSENCE = timedelta(hours=12)


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


TurnEvent = ReplyChunk | TurnResult


_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Lone surrogates (from a broken paste) cannot be stored as UTF-8; replace just those."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = _SURROGATES.sub("\ufffd", text)
    return text


class Companion:
    def __init__(
        self,
        *,
        persona: Persona,
        backend: Backend,
        store: Store,
        settings: Settings | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.persona = persona
        self.backend = backend
        self.store = store
        self.settings = settings or Settings()
        self.clock: Clock = clock or SystemClock()
        self.counter = TokenCounter(backend.model)
        self.use_tokenizer = not backend.is_offline
        self.conversation: Conversation | None = None
        self.user_name: str | None = None
        self._token_cache: dict[int, int] = {}
        self._state: InnerState | None = None
        #: The conversation's recent messages, kept between turns and topped up from the
        #: database (which also picks up what another samantha process wrote meanwhile).
        self._history: list[Message] = []
        self._chat_cache: dict[int, object] = {}

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
        key = self.persona.key
        latest = await self.store.run(lambda s: s.conversations.latest(key))
        self.conversation = latest or await self.new_conversation()
        self._history = []
        return self.conversation

    async def new_conversation(self, title: str = "") -> Conversation:
        key, now = self.persona.key, self.clock.now()
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
        key = self.persona.key
        return await self.store.run(lambda s: s.conversations.last_user_message_at(key))

    # -- mood and relationship -------------------------------------------------------------

    async def inner_state(self) -> InnerState:
        """How she is right now: the last stored state, settled over the time since."""
        persona = self.persona
        if self._state is None:
            snap = await self.store.run(lambda s: s.state.latest(persona.key))
            if snap is None:
                self._state = InnerState.first_meeting(
                    persona.temperament, persona.relationship, self.clock.now()
                )
            else:
                self._state = InnerState.from_snapshot(snap, persona.relationship)
        return self._state.settled(persona.temperament, persona.relationship, self.clock.now())

    async def set_inner_state(self, state: InnerState) -> None:
        """Replace her state (conversation scripts start from a given mood or stage)."""
        key, now = self.persona.key, self.clock.now()
        await self.store.run(lambda s: s.state.save(state.snapshot(key, now, None)), write=True)
        self._state = state

    async def relationship_events(self, limit: int = 50) -> list[EventRecord]:
        key = self.persona.key
        return await self.store.run(lambda s: s.state.events(key, limit))

    async def state_history(self, since: datetime | None = None) -> list[StateSnapshot]:
        key = self.persona.key
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

    # -- the turn ------------------------------------------------------------------------

    async def turn(self, text: str) -> AsyncGenerator[TurnEvent, None]:
        """Yield her reply as ``ReplyChunk``s, then one ``TurnResult``.

        Raises ``SamanthaError`` with the sentence to show; by then the user's message and
        any partial reply are already stored.
        """
        started = time.perf_counter()
        text = clean_text(text)
        if not text.strip():
            raise InputError("There is nothing to send: type a message first.")
        conversation = self.conversation or await self.resume()
        now = self.clock.now()
        persona = self.persona
        speaker = self.user_name or "you"

        def remember(s: Store) -> tuple[Message, datetime | None]:
            seen = s.conversations.last_user_message_at(persona.key)
            return s.conversations.add_message(conversation.id, Role.USER, speaker, text, now), seen

        # The user's words are safe on disk before any backend (appraiser or reply) is asked.
        user_message, last_seen = await self.store.run(remember, write=True)
        before = await self.inner_state()
        appraisal = await self._appraise_message(text)
        mood = before.mood.moved(appraisal.impulse, persona.temperament, now)
        relationship, events = on_message(
            before.relationship, persona.relationship, appraisal.tags, now, user_message.id
        )
        heard = InnerState.of(mood, relationship, persona.relationship)

        def feel(s: Store) -> None:
            for event in events:
                e = event.effect
                s.state.add_event(
                    persona.key,
                    now,
                    event.kind,
                    event.message_id,
                    e.closeness,
                    e.trust,
                    e.tension,
                    event.note,
                )
            s.state.save(heard.snapshot(persona.key, now, user_message.id))

        # What the message did to her, and why: one transaction.
        await self.store.run(feel, write=True)
        self._state = heard
        history = await self._recent(conversation)
        prompt = await self._compose(history, now, last_seen, heard)
        request = ReplyRequest(
            messages=prompt.messages,
            max_tokens=self.reply_tokens,
            temperature=self.persona.temperature,
            hints=self._hints(now, last_seen, heard, appraisal),
        )
        prepared = time.perf_counter()
        parts: list[str] = []
        first_token: float | None = None
        completion_tokens: int | None = None
        server_prompt_tokens: int | None = None
        finished = False
        try:
            async for chunk in self.backend.stream(request):
                if chunk.usage is not None:
                    completion_tokens = chunk.usage.completion_tokens
                    server_prompt_tokens = chunk.usage.prompt_tokens
                if chunk.text:
                    if first_token is None:
                        first_token = time.perf_counter()
                    parts.append(chunk.text)
                    yield ReplyChunk(chunk.text)
            finished = True
        except SamanthaError:
            await self._save_partial(conversation, parts)
            raise
        finally:
            if not finished:
                # Cancelled (Esc, Ctrl-C) or closed early: keep what she had said, marked.
                await asyncio.shield(self._save_partial(conversation, parts))
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

        def settle_turn(s: Store) -> Message:
            message = s.conversations.add_message(
                conversation.id, Role.ASSISTANT, persona.name, reply, end, tokens=completion_tokens
            )
            s.state.save(after.snapshot(persona.key, end, message.id))
            return message

        reply_message = await self.store.run(settle_turn, write=True)
        self._state = after
        done = time.perf_counter()
        yield TurnResult(
            reply=reply,
            status=MessageStatus.COMPLETE,
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
        )

    async def _recent(self, conversation: Conversation) -> list[Message]:
        """The last ``HISTORY_FETCH`` messages: all of them once, then only what is new."""
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
        return self._history

    @property
    def reply_tokens(self) -> int:
        return self.persona.max_reply_tokens or self.settings.reply_tokens

    async def _compose(
        self, history: list[Message], now: datetime, last_seen: datetime | None, state: InnerState
    ) -> Prompt:
        user = self.user_name or "the user"
        notes = [
            f"Your mood: {state.mood.label}. {state.mood.style_note()}",
            state.relationship.prompt_note(self.persona.relationship, user),
        ]
        system = system_text(self.persona, now, self.user_name, last_seen, notes)
        window, reserve = self.backend.context_window, self.reply_tokens
        if not self.use_tokenizer:
            # The offline voice has no tokenizer of its own; counting is a labelled estimate.
            from samantha.tokens import EstimateCounter

            return compose(
                system, history, EstimateCounter(), window, reserve, chats=self._chat_cache
            )
        # Counting can load a tokenizer (a few hundred ms once): keep it off the event loop.
        return await asyncio.to_thread(
            compose,
            system,
            history,
            self.counter,
            window,
            reserve,
            self._token_cache,
            self._chat_cache,
        )

    def _hints(
        self,
        now: datetime,
        last_seen: datetime | None,
        state: InnerState,
        appraisal: Appraisal,
    ) -> VoiceHints:
        voice = self.persona.offline_voice
        user = self.user_name or "you"
        away = humanize(now - last_seen) if last_seen and now - last_seen > ABSENCE else None
        return VoiceHints(
            character=self.persona.name,
            user_name=self.user_name,
            openers=voice.openers,
            comfort=[self.persona.fill(t, user) for t in voice.comfort],
            delight=[self.persona.fill(t, user) for t in voice.delight],
            curiosity=[self.persona.fill(t, user) for t in voice.curiosity],
            musings=[self.persona.fill(t, user) for t in voice.musings],
            self_questions=[self.persona.fill(t, user) for t in voice.self_questions],
            greetings=[self.persona.fill(t, user) for t in self.persona.greetings],
            hurt=[self.persona.fill(t, user) for t in voice.hurt],
            forgiving=[self.persona.fill(t, user) for t in voice.forgiving],
            mood=state.mood.name,
            mood_intensity=state.mood.intensity,
            strained=state.relationship.strained,
            events=list(appraisal.tags),
            time_away=away,
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
