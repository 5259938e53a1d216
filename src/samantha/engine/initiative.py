"""She speaks first when the chat has gone quiet: one thing grounded in memory and time (a plan
coming up, something heavy told lately), never out of nothing.

Whether she speaks is ``decide``: a pure function of the clock, the conversation, what she
remembers and the settings, so a conversation script can move the clock and expect (or
forbid) a nudge. ``Initiative`` reads those from the store, asks ``decide``, and stores what
she says as her message with its reason.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal

from samantha.backends.base import ChatMessage
from samantha.config import Settings
from samantha.domain.conversation import Message, Role
from samantha.domain.memory import Memory, MemoryKind
from samantha.engine.parts import Parts
from samantha.engine.prompting import Spoken
from samantha.engine.speaking import Line
from samantha.engine.turn import Turns
from samantha.state.appraisal import appraise
from samantha.store import Store
from samantha.voice.keepsake import compose_nudge

Reason = Literal["plan_today", "plan_tomorrow", "heavy"]
#: A goodbye ends the talk: she does not call after someone who said good night.
GOODBYE = re.compile(
    r"\b(?:bye|goodbye|good night|goodnight|night night|see you|see ya|talk (?:to you )?"
    r"(?:later|tomorrow|soon)|gotta go|got to go|have to go|need to go|i'm off|signing off|"
    r"heading (?:off|out|to bed)|going to (?:bed|sleep)|off to (?:bed|sleep)|ttyl|cya)\b",
    re.IGNORECASE,
)
#: How far back something heavy is still worth asking after.
HEAVY_WITHIN = timedelta(hours=36)
#: A message this low in valence is heavy (VADER's compound score).
HEAVY_VALENCE = -0.4
#: She does not bring up the same memory again within this span.
NOT_AGAIN_WITHIN = timedelta(days=3)


@dataclass(frozen=True)
class NudgeSettings:
    """When she may speak first (the settings' nudge fields, read once per decision)."""

    enabled: bool = False
    idle: timedelta = timedelta(hours=1)
    per_day: int = 3
    quiet_from: time = time(22, 0)
    quiet_until: time = time(8, 0)

    @classmethod
    def of(cls, settings: Settings) -> NudgeSettings:
        start, _, end = settings.quiet_hours.partition("-")
        return cls(
            enabled=settings.nudge,
            idle=timedelta(minutes=settings.nudge_after_minutes),
            per_day=settings.nudges_per_day,
            quiet_from=time.fromisoformat(start.strip()),
            quiet_until=time.fromisoformat(end.strip()),
        )

    def quiet_at(self, moment: time) -> bool:
        start, end = self.quiet_from, self.quiet_until
        if start == end:
            return False
        if start < end:
            return start <= moment < end
        return moment >= start or moment < end


@dataclass(frozen=True)
class Ground:
    """What she would speak of, and the memory (or message) it comes from."""

    reason: Reason
    text: str
    memory_id: int | None = None


@dataclass(frozen=True)
class Decision:
    """Whether she speaks first now, and why (or why not), in words."""

    speak: bool
    why: str
    ground: Ground | None = None


def decide(
    now: datetime,
    history: Sequence[Message],
    memories: Sequence[Memory],
    settings: NudgeSettings,
    *,
    nudged: Collection[int] = (),
    today: int = 0,
    spoken_of: Collection[int] = (),
) -> Decision:
    """Whether she says something now, unprompted.

    ``history``: the conversation, oldest first; ``nudged``: which of its messages were her
    speaking first; ``today``: how many times she did so today; ``memories``: plans and
    feelings she might speak of; ``spoken_of``: memories she already brought up lately.
    """
    if not settings.enabled:
        return Decision(False, "speaking first is off")
    local = now.astimezone()
    if settings.quiet_at(local.time()):
        return Decision(False, "quiet hours")
    if not any(m.role is Role.USER for m in history):
        return Decision(False, "they have said nothing yet")
    last = history[-1]
    if last.id in nudged:
        return Decision(False, "she spoke first already and is waiting for an answer")
    said = [m for m in history if m.role is Role.USER]
    if GOODBYE.search(said[-1].text):
        return Decision(False, "the last thing they said was goodbye")
    if now - last.created_at < settings.idle:
        return Decision(False, "not quiet for long enough")
    if today >= settings.per_day:
        return Decision(False, f"she has spoken first {today} times today")
    ground = _ground(now, history, memories, spoken_of, nudged)
    if ground is None:
        return Decision(False, "nothing she knows calls for it")
    return Decision(True, ground.reason, ground)


def _ground(
    now: datetime,
    history: Sequence[Message],
    memories: Sequence[Memory],
    spoken_of: Collection[int],
    nudged: Collection[int],
) -> Ground | None:
    local = now.astimezone()
    day = local.date()
    ahead = [
        m
        for m in memories
        if m.kind is MemoryKind.PLAN
        and m.due_at is not None
        and m.superseded_at is None
        and m.id not in spoken_of
    ]
    for m in sorted(ahead, key=lambda m: m.due_at or now):
        due = (m.due_at or now).astimezone()
        if due.date() == day and (due >= local or due.time() == time(0)):
            return Ground("plan_today", m.text, m.id)
    for m in sorted(ahead, key=lambda m: m.due_at or now):
        if (m.due_at or now).astimezone().date() == day + timedelta(days=1):
            return Ground("plan_tomorrow", m.text, m.id)
    # Something heavy she has not asked after yet: said since she last spoke first.
    asked = max((m.id for m in history if m.id in nudged), default=0)
    for message in reversed(history):
        if message.id <= asked:
            break
        if message.role is not Role.USER or now - message.created_at > HEAVY_WITHIN:
            continue
        if appraise(message.text).valence <= HEAVY_VALENCE:
            return Ground("heavy", _first_sentence(message.text), None)
    return None


def _first_sentence(text: str) -> str:
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    heavy = [s for s in sentences if appraise(s).valence <= HEAVY_VALENCE]
    return (heavy or sentences)[0][:200]


@dataclass(frozen=True)
class Spoke:
    """She spoke first: her message as stored, and why."""

    message: Message
    decision: Decision


class Initiative:
    def __init__(self, parts: Parts) -> None:
        self.p = parts

    async def consider(self) -> Decision:
        """Whether she would speak first now (nothing is stored)."""
        p = self.p
        now, key = p.clock.now(), p.key
        cid = (await p.session.current()).id
        start_of_day = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        stream = p.memories.stream

        def read(s: Store) -> tuple[list[Message], set[int], int, set[int], list[Memory]]:
            history = s.conversations.recent_messages(cid, 60)
            # What she was asked to forget is no reason to speak (session.py does the same).
            hidden = s.conversations.withheld([m.id for m in history])
            history = [m for m in history if m.id not in hidden]
            nudged = s.keepsakes.nudge_ids([m.id for m in history])
            today = len(s.keepsakes.nudges_since(key, start_of_day))
            lately = s.keepsakes.nudges_since(key, now - NOT_AGAIN_WITHIN)
            spoken = {n.memory_id for n in lately if n.memory_id is not None}
            # From midnight: a plan for today kept without a time is due at its start.
            plans = stream.due_plans(now, back=now - start_of_day, ahead=timedelta(days=2))
            return history, nudged, today, spoken, plans

        history, nudged, today, spoken, plans = await p.store.run(read)
        # Appraising the talk for something heavy is CPU work, asked every quiet minute: off
        # the front end's event loop.
        return await asyncio.to_thread(
            decide,
            now,
            history,
            plans,
            NudgeSettings.of(p.settings),
            nudged=nudged,
            today=today,
            spoken_of=spoken,
        )

    async def nudge(self) -> Spoke | None:
        """Say one thing first, if ``decide`` says so; stored as her message with its reason."""
        decision = await self.consider()
        if not decision.speak or decision.ground is None:
            return None
        p = self.p
        ground = decision.ground
        user = p.session.user_name or (await p.memories.core()).user_name
        if p.speaker.offline:
            text = compose_nudge(ground.reason, ground.text, user)
        else:
            text = await self._from_model(ground, user or "the user")
        if not text:
            return None
        name, now, key, cid = p.persona.name, p.clock.now(), p.key, (await p.session.current()).id
        reason = f"{ground.reason}: {ground.text}"[:300]

        def keep(s: Store) -> Message:
            message = s.conversations.add_message(cid, Role.ASSISTANT, name, text, now)
            s.keepsakes.add_nudge(message.id, key, now, ground.reason, ground.memory_id)
            s.memories.add(key, MemoryKind.REPLY, text[:4000], 1, now, [message.id])
            return message

        message = await p.memories.write(keep)
        return Spoke(message, Decision(True, reason, ground))

    async def _from_model(self, ground: Ground, user: str) -> str:
        p = self.p
        turns = Turns(p)
        await turns.know_user()
        now = p.clock.now()
        state = await p.feelings.current()
        history = await turns.recent()
        moment = await turns.moment(now, None, state)
        prompt = await p.builder.build(history, moment)
        about = {
            "plan_today": f'they told you "{ground.text}", and it is today',
            "plan_tomorrow": f'they told you "{ground.text}", and it is tomorrow',
            "heavy": f'earlier they told you "{ground.text}", which was heavy',
        }[ground.reason]
        ask = (
            f"{user} has gone quiet for a while. You may say one short thing first, as yourself: "
            f"{about}. One or two sentences; a question they can answer or ignore."
        )
        messages = [*prompt.messages, ChatMessage(role="user", content=f"({ask})")]
        scene = p.builder.scene(moment, appraise(""), Spoken.of(messages))
        line = Line(messages, scene, min(200, p.reply_tokens), p.persona.temperature)
        parts = [chunk.text async for chunk in p.speaker.speak(line)]
        return "".join(parts).strip()


__all__ = ["GOODBYE", "Decision", "Ground", "Initiative", "NudgeSettings", "Spoke", "decide"]
