"""The shape of a ``*.convo.yaml`` file, as pydantic models that forbid unknown keys.

Shorthands keep scripts readable (``mood: relaxed``, ``pleasure: rises``, ``contains: Anna``,
``- greet``); each is widened to its full form by a ``before`` validator, so error locations
still point at what the author wrote.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from samantha.config import Settings
from samantha.conversation_tests.errors import flat
from samantha.conversation_tests.expectations import Expect, Strict
from samantha.domain.memory import MemoryKind
from samantha.state.mood import MoodName

#: Steps written as a bare word (``- greet``) and the key they stand for.
BARE_STEPS = ("new_conversation", "greet", "diary")
ACTIONS = ("user", "wait", "new_conversation", "greet", "remember", "idle", "write", "diary")


_UNITS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "week": 7 * 86400,
}
_SPAN = re.compile(r"(\d+(?:\.\d+)?|an?|one)\s*(second|minute|hour|day|week)s?", re.IGNORECASE)
_JOINERS = re.compile(r"^(?:\s|,|and)*$", re.IGNORECASE)


def parse_duration(value: Any) -> timedelta:
    """'3 days', '1 week and 2 hours', 'an hour', '90 minutes'."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("write a duration with its unit, like `3 days` or `12 hours`")
    total, end = 0.0, 0
    for match in _SPAN.finditer(value):
        if not _JOINERS.match(value[end : match.start()]):
            break
        amount = match.group(1).lower()
        count = 1.0 if amount in {"a", "an", "one"} else float(amount)
        total += count * _UNITS[match.group(2).lower()]
        end = match.end()
    if end == 0 or not _JOINERS.match(value[end:]):
        raise ValueError(
            f"'{flat(value)}' is not a duration: write a number and a unit, like `3 days` or `12 hours`"
        )
    if total <= 0:
        raise ValueError("a wait must be longer than zero: write something like `1 hour`")
    if total > 100 * 365 * 86400:
        raise ValueError("a wait of more than a hundred years is not a story: shorten it")
    return timedelta(seconds=total)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _moment(value: Any) -> Any:
    """A bare date starts at midnight; a time without a zone is UTC."""
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    return value


Moment = Annotated[datetime, BeforeValidator(_moment)]


def _memory(value: Any) -> Any:
    return {"text": value} if isinstance(value, str) else value


class GivenMemory(Strict):
    text: str = Field(min_length=1, max_length=500)
    kind: Literal[
        MemoryKind.FACT,
        MemoryKind.PERSON,
        MemoryKind.PREFERENCE,
        MemoryKind.PLAN,
        MemoryKind.FEELING,
        MemoryKind.PROMISE,
    ] = MemoryKind.FACT
    importance: int = Field(default=5, ge=1, le=10)
    due: Moment | None = None


Remembered = Annotated[GivenMemory, BeforeValidator(_memory)]


def _mood(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


class GivenMood(Strict):
    """A named mood (a point well inside that octant) or explicit PAD values."""

    name: MoodName | None = None
    pleasure: float | None = Field(default=None, ge=-1, le=1)
    arousal: float | None = Field(default=None, ge=-1, le=1)
    dominance: float | None = Field(default=None, ge=-1, le=1)


class GivenRelationship(Strict):
    closeness: float | None = Field(default=None, ge=0, le=1)
    trust: float | None = Field(default=None, ge=0, le=1)
    tension: float | None = Field(default=None, ge=0, le=1)
    stage: str | None = None
    strained: bool | None = None


class GivenState(Strict):
    mood: Annotated[GivenMood, BeforeValidator(_mood)] | None = None
    relationship: GivenRelationship | None = None
    memories: list[Remembered] = []
    user_name: str | None = Field(default=None, min_length=1, max_length=64)


def _backend(value: Any) -> Any:
    if isinstance(value, str):
        return {"scripted": []} if value == "scripted" else {"name": value}
    return value


class BackendChoice(Strict):
    """``offline``, ``scripted`` (replies in order), or a backend configured on this machine."""

    name: str | None = None
    scripted: list[str] | None = None
    context_window: int | None = Field(default=None, ge=512)

    @model_validator(mode="after")
    def _one(self) -> BackendChoice:
        if (self.name is None) == (self.scripted is None):
            raise ValueError(
                "write `backend: offline`, a configured backend's name, or `scripted:` with replies"
            )
        return self

    @property
    def label(self) -> str:
        return "scripted" if self.scripted is not None else str(self.name)


def _step(value: Any) -> Any:
    if isinstance(value, str):
        if value in BARE_STEPS:
            return {value: True}
        near = difflib.get_close_matches(value, [*BARE_STEPS, *ACTIONS], n=1, cutoff=0.6)
        hint = (
            f"did you mean '{near[0]}'?"
            if near
            else "write `- user: hello`, `- wait: 3 days`, `- new_conversation` or `- greet`"
        )
        raise ValueError(f"'{flat(value)}' is not a step: {hint}")
    if isinstance(value, dict):
        # `- greet:` with an expect block under it reads as {"greet": None, "expect": ...}.
        return {k: (True if k in BARE_STEPS and v is None else v) for k, v in value.items()}
    return value


def _issue(value: Any) -> Any:
    return {"reason": value} if isinstance(value, str) else value


class KnownIssue(Strict):
    """Expectations that fail today for a known reason (a bug reported, not yet fixed).

    Without its own ``expect`` it covers the step's; with one, the step's must still hold and
    only these are expected to fail. Strict: if they all hold, the step fails, so the mark is
    removed once the problem is fixed.
    """

    reason: str = Field(min_length=1)
    expect: Expect | None = None


class Step(Strict):
    user: str | None = None
    wait: Duration | None = None
    new_conversation: bool = False
    greet: bool = False
    remember: Remembered | None = None
    #: The chat stays open and quiet this long; then she may speak first (``expect: nudge``).
    idle: Duration | None = None
    #: A piece she writes (``samantha write``): her reply is the piece.
    write: str | None = None
    #: She writes her diary for each finished day with talk in it; her reply is the entries.
    diary: bool = False
    expect: Expect | None = None
    xfail: Annotated[KnownIssue, BeforeValidator(_issue)] | None = None

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        actions = [name for name in ACTIONS if getattr(self, name) not in (None, False)]
        if len(actions) > 1:
            raise ValueError(
                f"a step does one thing, but this one has {' and '.join(actions)}: "
                "split it into separate steps"
            )
        if self.user is not None and not self.user.strip():
            raise ValueError("the user's message is empty: write what they say after `user:`")
        if not actions and self.expect is None:
            raise ValueError("the step is empty: give it `user:`, `wait:` or `expect:`")
        for expect, where in ((self.expect, "expect"), (self.known, "xfail.expect")):
            if expect is not None:
                self._fits(expect, where)
        if self.xfail is not None and self.known is None:
            raise ValueError(
                "'xfail' marks expectations that fail: add an `expect:` block or remove it"
            )
        return self

    def _fits(self, expect: Expect, where: str) -> None:
        speaks = self.user is not None or self.greet or bool(self.write) or self.diary
        speaks = speaks or self.idle is not None
        if expect.nudge is not None and self.idle is None:
            raise ValueError(f"'{where}.nudge' is only known after an `idle:` step")
        for part in ("reply", "prompt", "judge"):
            if getattr(expect, part) and not speaks:
                raise ValueError(
                    f"'{where}.{part}' needs her to speak: put it on a `user:` or `greet` step"
                )
        memory = expect.memory
        learned = memory and (
            memory.recalled or memory.not_recalled or memory.learned or memory.not_learned
        )
        if learned and self.user is None:
            raise ValueError("what she recalled or learned is only known after a `user:` step")

    @property
    def known(self) -> Expect | None:
        """The expectations the xfail mark covers."""
        if self.xfail is None:
            return None
        return self.xfail.expect or self.expect

    @property
    def action(self) -> str:
        for name in ACTIONS:
            if getattr(self, name) not in (None, False):
                return name
        return "check"


StepItem = Annotated[Step, BeforeValidator(_step)]


class Script(Strict):
    """A whole conversation script."""

    title: str | None = None
    about: str | None = None
    persona: str = Field(default="samantha", min_length=1)
    backend: Annotated[BackendChoice, BeforeValidator(_backend)] = BackendChoice(name="offline")
    start: Moment | None = None
    #: Engine settings for this script (recall_k, memory_tokens, reply_tokens ...).
    settings: dict[str, Any] = {}
    state: GivenState | None = None
    steps: list[StepItem] = Field(min_length=1)

    @field_validator("start")
    @classmethod
    def _countable(cls, value: datetime | None) -> datetime | None:
        if value is not None and not 1970 <= value.year <= 2999:
            raise ValueError("it must be between the years 1970 and 2999, like 2026-03-02 09:30")
        return value

    @field_validator("steps")
    @classmethod
    def _waits_fit(cls, steps: list[Step]) -> list[Step]:
        total = sum((s.wait for s in steps if s.wait is not None), timedelta())
        if total > timedelta(days=365 * 1000):
            raise ValueError("the waits add up to more than a thousand years: shorten them")
        return steps


#: Keys a script may not set under `settings:`, and where they belong instead.
NOT_SETTINGS = {
    "backend": "the script's `backend:`",
    "model": "`samantha test --model`",
    "base_url": "`samantha test --base-url`",
    "api_key": "the environment or your config file",
    "persona": "the script's `persona:`",
}


class ScriptSettings(Settings):
    """Settings from the script alone: a suite must not change with the machine it runs on, so
    neither SAMANTHA_* variables nor the config file are read (backends aside, see runner)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)
