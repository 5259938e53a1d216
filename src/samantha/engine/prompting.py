"""The prompt builder: her persona filled with the user's name, the sections of one turn, and
the whole fitted to the window. It owns the caches that make that cheap turn after turn (token
counts and chat forms per message, the filled persona) and the scene the offline voice renders."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from samantha.backends.base import ChatMessage
from samantha.domain.conversation import Message, MessageStatus, Role
from samantha.domain.memory import CoreMemory, Memory, Recalled
from samantha.engine.prompt import Prompt, compose
from samantha.engine.sections import prompt_sections, scene_for
from samantha.engine.tokens import EstimateCounter, TokenCounter
from samantha.persona import Persona
from samantha.state.appraisal import Appraisal
from samantha.state.inner import InnerState
from samantha.voice.scene import Scene


@dataclass(frozen=True)
class Moment:
    """What one prompt is built from, besides the messages: when, and what she knows."""

    now: datetime
    last_seen: datetime | None
    state: InnerState
    core: CoreMemory
    recalled: Sequence[Recalled] = ()
    plans: Sequence[Memory] = ()
    summary: str | None = None
    user_name: str | None = None
    partner: str | None = None
    #: The way to reach help, when the message sounds like a crisis (``engine.care``).
    care: str | None = None


@dataclass(frozen=True)
class Spoken:
    """What the offline voice reads off the messages: the line it answers, her replies so
    far, and where in the talk it is (with the seed, what makes a reply repeatable)."""

    text: str
    said: list[str]
    position: int

    @classmethod
    def of(cls, messages: Sequence[ChatMessage]) -> Spoken:
        users = [m.content for m in messages if m.role == "user"]
        return cls(
            text=users[-1] if users else "",
            said=[m.content for m in messages if m.role == "assistant"],
            # The talk's length (and the one system text it used to be sent with): the
            # moment's own system message must not reseed what she says.
            position=1 + sum(1 for m in messages if m.role != "system"),
        )


class PromptBuilder:
    def __init__(
        self,
        persona: Persona,
        counter: TokenCounter,
        *,
        window: int,
        reply_tokens: int,
        memory_tokens: int,
    ) -> None:
        self.persona = persona
        self.counter = counter
        self.window = window
        self.reply_tokens = reply_tokens
        self.memory_tokens = memory_tokens
        self._token_cache: dict[int, int] = {}
        self._chat_cache: dict[int, object] = {}
        #: The text each cached message had: SQLite may give a new message the id of one
        #: just deleted (an edit, a regenerate), and its cached forms must not outlive it.
        self._cached_as: dict[int, Message] = {}
        self._filled: tuple[str, Persona] | None = None
        self._voiced: tuple[str, Persona] | None = None

    def filled(self, user_name: str | None) -> Persona:
        """Her persona with the user's name in every field, made once per name (it is used
        for the prompt and the lorebook on every turn)."""
        user = user_name or "the user"
        if self._filled is None or self._filled[0] != user:
            self._filled = (user, self.persona.filled(user))
        return self._filled[1]

    async def build(self, history: list[Message], moment: Moment) -> Prompt:
        history, spans = _join_unanswered(history)
        self._drop_stale(history)
        sections = prompt_sections(
            self.filled(moment.user_name),
            moment.user_name,
            moment.core,
            history,
            moment.now,
            moment.last_seen,
            moment.state,
            moment.recalled,
            moment.plans,
            moment.summary,
            self.memory_tokens,
            care=moment.care,
            window=self.window,
        )
        fit = partial(
            compose,
            sections,
            history,
            self.counter,
            self.window,
            self.reply_tokens,
            self._token_cache,
            self._chat_cache,
            moment.partner,
        )
        if self.counter.loaded:
            # Counting is fast (and cached per message): a thread hop would cost more.
            prompt = fit()
        else:
            # The first count loads a tokenizer (a few hundred ms): keep it off the event loop.
            prompt = await asyncio.to_thread(fit)
        if prompt.dropped and len(spans) != sum(spans):
            # Left out counts stored messages: the summary folds in exactly those.
            prompt = prompt.model_copy(update={"dropped": sum(spans[: prompt.dropped])})
        return prompt

    def _drop_stale(self, history: Sequence[Message]) -> None:
        seen = self._cached_as
        for message in history:
            known = seen.get(message.id)
            if known is message:
                continue
            if known is not None and (known.text, known.role, known.speaker) != (
                message.text,
                message.role,
                message.speaker,
            ):
                self.forget_draft(message.id)
            seen[message.id] = message
        if len(seen) > 4 * len(history) + 1000:
            keep = {m.id for m in history}
            self._cached_as = {k: v for k, v in seen.items() if k in keep}

    def forget_draft(self, message_id: int) -> None:
        """A message that was never stored (a preview's draft) leaves no cached conversions."""
        self._chat_cache.pop(message_id, None)
        self._token_cache.pop(message_id, None)

    def scene(
        self,
        moment: Moment,
        appraisal: Appraisal,
        spoken: Spoken,
        *,
        first_meeting: bool = False,
        was_strained: bool = False,
        addressee: str | None = None,
        opening: bool = False,
        variant: int = 0,
    ) -> Scene:
        """What the offline voice needs for this line. ``addressee``: a third voice she
        answers (you, in a duet), instead of her partner."""
        # The offline voice says "you" where the prompt says "the user".
        user = addressee or moment.user_name or "you"
        if self._voiced is None or self._voiced[0] != user:
            # Without a name the voice fills {{user}} itself ("Oh, {{user}}." is "Oh.").
            self._voiced = (user, self.persona.filled(user if user != "you" else "{{user}}"))
        scene = scene_for(
            self._voiced[1],
            addressee or moment.user_name,
            moment.now,
            moment.last_seen,
            moment.state,
            appraisal,
            moment.recalled,
            moment.plans,
            first_meeting=first_meeting,
            was_strained=was_strained,
            asked=spoken.text,
            known=moment.core.about_user,
        )
        return scene.model_copy(
            update={
                "text": spoken.text,
                "said": spoken.said,
                "position": spoken.position,
                "opening": opening,
                "valence": appraisal.valence,
                "pleasure": appraisal.pleasure,
                "care": moment.care,
                "variant": variant,
            }
        )


def _join_unanswered(history: list[Message]) -> tuple[list[Message], list[int]]:
    """Their messages she never answered (her reply failed), each joined to the one they
    sent next: two of their turns in a row would show her ignoring the first, and some chat
    templates refuse them. Also how many stored messages each one sent stands for."""
    if not any(m.status is MessageStatus.ERROR for m in history):
        return history, [1] * len(history)
    joined: list[Message] = []
    spans: list[int] = []
    for message in history:
        if joined:
            before = joined[-1]
            if (
                before.status is MessageStatus.ERROR
                and before.role is Role.USER
                and message.role is Role.USER
                and message.speaker == before.speaker
            ):
                text = f"{before.text}\n\n{message.text}"
                joined[-1] = message.model_copy(update={"text": text})
                spans[-1] += 1
                continue
        joined.append(message)
        spans.append(1)
    return joined, spans


def counter_for(model: str, *, exact: bool) -> TokenCounter:
    """A tokenizer for a model's text; for the offline voice, which has none of its own,
    counting is a labelled estimate."""
    return TokenCounter(model) if exact else EstimateCounter()
