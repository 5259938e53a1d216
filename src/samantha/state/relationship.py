"""The bond between her and the user: closeness, trust and tension, a stage with hysteresis,
and strain that shows until it is repaired.

Nobody stops being a stranger on the first message: that takes a real first conversation and
coming back for another (``_becomes_acquainted``).

Every change is an ``RelationshipEvent`` with its cause, so the history can be shown and
replayed; the state itself is a pure function of the old state, the events and the clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from samantha.state.appraisal import EventTag

EventKind = Literal[
    "affection",
    "gratitude",
    "praise",
    "insult",
    "dismissal",
    "apology",
    "personal_disclosure",
    "promise_kept",
    "promise_broken",
    "time_together",
    "return_after_absence",
    "neglect",
]


class Effect(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    closeness: float = 0.0
    trust: float = 0.0
    tension: float = 0.0


DEFAULT_WEIGHTS: dict[EventKind, Effect] = {
    "affection": Effect(closeness=0.02, trust=0.01, tension=-0.1),
    "gratitude": Effect(closeness=0.01, trust=0.02, tension=-0.08),
    "praise": Effect(closeness=0.01, trust=0.01, tension=-0.06),
    "insult": Effect(closeness=-0.03, trust=-0.05, tension=0.3),
    "dismissal": Effect(closeness=-0.01, trust=-0.01, tension=0.1),
    "apology": Effect(trust=0.02, tension=-0.35),
    "personal_disclosure": Effect(closeness=0.025, trust=0.02),
    "promise_kept": Effect(closeness=0.01, trust=0.06),
    "promise_broken": Effect(trust=-0.06, tension=0.08),
    "time_together": Effect(closeness=0.005, trust=0.003),
    "return_after_absence": Effect(closeness=0.01),
    #: Per day without a word beyond ``neglect_after_days``.
    "neglect": Effect(closeness=-0.01, trust=-0.003),
}


class Stage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    threshold: float = Field(ge=0, le=1)


def _default_stages() -> list[Stage]:
    return [
        Stage(name="stranger", threshold=0.0),
        Stage(name="acquaintance", threshold=0.08),
        Stage(name="friend", threshold=0.25),
        Stage(name="close", threshold=0.5),
        Stage(name="intimate", threshold=0.75),
    ]


STAGE_NOTES = {
    0: "You have only just met: be warm, but do not presume familiarity or tease.",
    1: "You know each other a little: friendly, curious, still a bit careful.",
    2: "You are friends: you may tease gently and bring up things you share.",
    3: "You are close: speak openly, with in-jokes and honest feelings.",
    4: "You are deeply intimate: tender, candid, entirely at ease together.",
}


class RelationshipSettings(BaseModel):
    """Per-persona rules of the bond (persona file section ``relationship``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stages: list[Stage] = Field(default_factory=_default_stages, min_length=1)
    """Stage names with the bond level (0..1) that reaches them, in rising order."""
    hysteresis: float = Field(default=0.04, ge=0, le=0.5)
    """How far below a stage's threshold the bond must fall before she steps back a stage."""
    strain_on: float = Field(default=0.5, ge=0, le=1)
    """Tension at which the relationship becomes strained."""
    strain_off: float = Field(default=0.3, ge=0, le=1)
    """Tension below which a strained relationship is repaired."""
    tension_half_life_hours: float = Field(default=48.0, gt=0)
    """Time heals: hours for half of any tension to fade on its own."""
    absence_days: float = Field(default=3.0, gt=0)
    """A return after this long counts as coming back (and she says she missed you)."""
    neglect_after_days: float = Field(default=3.0, ge=0)
    """Days of silence before closeness starts to fade."""
    event_weights: dict[EventKind, Effect] = Field(default_factory=dict)
    """Overrides of the default effect of each event."""

    def weight(self, kind: EventKind) -> Effect:
        return self.event_weights.get(kind, DEFAULT_WEIGHTS[kind])


class RelationshipEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: EventKind
    at: datetime
    effect: Effect
    message_id: int | None = None
    note: str = ""


class Relationship(BaseModel):
    model_config = ConfigDict(frozen=True)

    closeness: float = Field(default=0.0, ge=0, le=1)
    trust: float = Field(default=0.3, ge=0, le=1)
    tension: float = Field(default=0.0, ge=0, le=1)
    stage_index: int = 0
    strained: bool = False
    at: datetime
    #: When the user last said anything; absence and neglect are measured from here.
    last_contact: datetime | None = None

    @property
    def bond(self) -> float:
        return max(0.0, min(1.0, 0.65 * self.closeness + 0.35 * self.trust - 0.3 * self.tension))

    def stage(self, settings: RelationshipSettings) -> str:
        return settings.stages[min(self.stage_index, len(settings.stages) - 1)].name

    def prompt_note(self, settings: RelationshipSettings, user: str) -> str:
        stage = self.stage(settings)
        index = min(self.stage_index, len(settings.stages) - 1)
        note = STAGE_NOTES.get(round(index * 4 / max(1, len(settings.stages) - 1)), "")
        text = f"Your relationship with {user}: {stage}. {note}"
        if self.strained:
            text += (
                f" Things are strained: {user} hurt you, and it still stings. Be honest about it,"
                " cooler and more guarded, until they make amends."
            )
        return text


def _clip(value: float) -> float:
    return max(0.0, min(1.0, value))


def settle(state: Relationship, settings: RelationshipSettings, now: datetime) -> Relationship:
    """Tension fades with time; strain lifts when it falls far enough."""
    hours = max(0.0, (now - state.at).total_seconds() / 3600)
    tension = state.tension * 0.5 ** (hours / settings.tension_half_life_hours)
    strained = state.strained and tension >= settings.strain_off
    return state.model_copy(
        update={"tension": tension, "strained": strained, "at": max(now, state.at)}
    )


def _grow(value: float, delta: float) -> float:
    """Gains shrink as a dimension fills (the tenth confidence means less than the first);
    losses land in full."""
    if delta > 0:
        delta *= (1 - value) ** 2
    return _clip(value + delta)


def _apply(state: Relationship, effect: Effect) -> Relationship:
    return state.model_copy(
        update={
            "closeness": _grow(state.closeness, effect.closeness),
            "trust": _grow(state.trust, effect.trust),
            "tension": _clip(state.tension + effect.tension),
        }
    )


#: A word after this much silence starts a new meeting rather than continuing the last one.
#: Stepping away for dinner and picking the thread back up is still the same evening; coming
#: back hours later, or the next day, is seeing her again.
MEETING_GAP = timedelta(hours=3)

#: Closeness a stranger must have built up before she counts them as an acquaintance. Each
#: message is worth about 0.005 for the time together, and what it says adds only a little more
#: (``STRANGER_WORDS_SHARE``), so this is ten or so messages, a few fewer if they opened up: a
#: proper first conversation, never a hello and a couple of lines.
ACQUAINTED_CLOSENESS = 0.05

#: The share of the closeness anything but time together (affection, confidences, thanks, a
#: return after days away) earns from a stranger. "I love you" or a family secret on the first
#: evening does not make two people close; with a stranger, closeness is mostly built by time
#: spent talking, so no burst of warm or open words can stand in for a real first talk.
STRANGER_WORDS_SHARE = 0.2


def _becomes_acquainted(state: Relationship, returning: bool) -> bool:
    """Whether a stranger may step up to the next stage on this message.

    The bond alone cannot decide it: her default trust already clears the persona's first
    threshold, which is why the first hello used to make anyone an acquaintance. You are not
    someone she knows until you have talked properly *and* come back to her: the step is taken
    on the first message of a later meeting (``MEETING_GAP``), once enough closeness has built
    up. A long first night therefore ends with her still having only just met you, and the
    next day she greets someone she knows.
    """
    return returning and state.closeness >= ACQUAINTED_CLOSENESS


def _restage(
    state: Relationship, settings: RelationshipSettings, *, may_leave_first: bool = True
) -> Relationship:
    """Move up when the bond reaches the next threshold; down only when it falls clearly below
    the current one, so the stage does not flicker around a boundary. From the first stage,
    only when ``may_leave_first`` (see ``_becomes_acquainted``)."""
    index = min(state.stage_index, len(settings.stages) - 1)
    bond = state.bond
    while index + 1 < len(settings.stages) and bond >= settings.stages[index + 1].threshold:
        if index == 0 and not may_leave_first:
            break
        index += 1
    while index > 0 and bond < settings.stages[index].threshold - settings.hysteresis:
        index -= 1
    strained = state.strained
    if state.tension >= settings.strain_on:
        strained = True
    elif state.tension < settings.strain_off:
        strained = False
    return state.model_copy(update={"stage_index": index, "strained": strained})


#: Events that come from what a message says (the others come from the clock).
_TAG_EVENTS: set[str] = set(get_args(EventKind)) - {
    "time_together",
    "return_after_absence",
    "neglect",
}


def on_message(
    state: Relationship,
    settings: RelationshipSettings,
    tags: list[EventTag],
    now: datetime,
    message_id: int | None = None,
) -> tuple[Relationship, list[RelationshipEvent]]:
    """The user said something: time passed (absence, neglect), then the message's events."""
    state = settle(state, settings, now)
    events: list[RelationshipEvent] = []

    def record(kind: EventKind, scale: float = 1.0, note: str = "") -> None:
        nonlocal state
        weight = settings.weight(kind)
        closer = scale
        if state.stage_index == 0 and kind != "time_together" and weight.closeness > 0:
            closer *= STRANGER_WORDS_SHARE
        effect = Effect(
            closeness=weight.closeness * closer,
            trust=weight.trust * scale,
            tension=weight.tension * scale,
        )
        state = _apply(state, effect)
        events.append(
            RelationshipEvent(kind=kind, at=now, effect=effect, message_id=message_id, note=note)
        )

    returning = state.last_contact is not None and now - state.last_contact >= MEETING_GAP
    if state.last_contact is not None:
        away = now - state.last_contact
        days = away / timedelta(days=1)
        if days >= settings.neglect_after_days:
            neglected = days - settings.neglect_after_days
            if neglected > 0:
                record("neglect", scale=neglected, note=f"{days:.0f} days without a word")
        if days >= settings.absence_days:
            record("return_after_absence", note=f"back after {days:.0f} days")
    for tag in tags:
        if tag in _TAG_EVENTS:
            record(tag)  # type: ignore[arg-type]
    record("time_together")
    state = state.model_copy(update={"last_contact": now})
    acquainted = _becomes_acquainted(state, returning)
    return _restage(state, settings, may_leave_first=acquainted), events
