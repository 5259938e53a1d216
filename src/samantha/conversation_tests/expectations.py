"""What a step expects: checks on her words, mood, the relationship, memory and the prompt.

Shorthands (``contains: Anna``, ``pleasure: rises``, ``count: 3``) are widened to their full
form by ``before`` validators, so error locations still point at what the author wrote.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from samantha.conversation_tests.errors import flat
from samantha.state.mood import MoodName
from samantha.state.relationship import EventKind


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


def _listed(value: Any) -> Any:
    """One text or several: ``contains: Anna`` and ``contains: [Anna, Theo]`` both work."""
    return (
        [value] if isinstance(value, str | int | float) and not isinstance(value, bool) else value
    )


Texts = Annotated[list[str], BeforeValidator(_listed)]


def _trend(value: Any) -> Any:
    if isinstance(value, str):
        if value not in {"rises", "falls", "steady"}:
            raise ValueError(
                f"'{flat(value)}' is not a change: write rises, falls or steady, or a range like "
                "`{above: 0.2}`"
            )
        return {"trend": value}
    return value


class Measure(Strict):
    """A number of hers checked against the step: ``rises`` or ``{above: 0.2, below: 0.6}``."""

    trend: Literal["rises", "falls", "steady"] | None = None
    above: float | None = None
    below: float | None = None

    @model_validator(mode="after")
    def _something(self) -> Measure:
        if self.trend is None and self.above is None and self.below is None:
            raise ValueError("say what to check: rises, falls, steady, or `{above: 0.2}`")
        return self


Checked = Annotated[Measure, BeforeValidator(_trend)]


def _count(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return {"exactly": value}
    return value


class Count(Strict):
    exactly: int | None = Field(default=None, ge=0)
    at_least: int | None = Field(default=None, ge=0)
    at_most: int | None = Field(default=None, ge=0)


def _check_pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"'{flat(value)}' is not a valid regular expression ({exc})") from exc
    return value


class ReplyExpect(Strict):
    """Checks on her words that need no language model: substrings are case-insensitive."""

    contains: Texts = []
    not_contains: Texts = []
    #: A Python regular expression searched in the reply (case-sensitive; use (?i) if not).
    matches: Texts = []
    not_matches: Texts = []
    max_words: int | None = Field(default=None, ge=0)
    min_words: int | None = Field(default=None, ge=0)

    @field_validator("matches", "not_matches")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        return [_check_pattern(v) for v in value]


Names = Annotated[list[MoodName], BeforeValidator(_listed)]


class MoodExpect(Strict):
    model_config = ConfigDict(populate_by_name=False)

    is_: Names = Field(default=[], alias="is")
    is_not: Names = []
    pleasure: Checked | None = None
    arousal: Checked | None = None
    dominance: Checked | None = None
    intensity: Checked | None = None


Events = Annotated[list[EventKind], BeforeValidator(_listed)]


class RelationshipExpect(Strict):
    stage: Texts = []
    stage_not: Texts = []
    closeness: Checked | None = None
    trust: Checked | None = None
    tension: Checked | None = None
    bond: Checked | None = None
    strained: bool | None = None
    #: Relationship events this step caused (insult, apology, return_after_absence ...).
    events: Events = []
    no_events: Events = []


class MemoryExpect(Strict):
    #: What came to mind for this message includes (or excludes) these texts.
    recalled: Texts = []
    not_recalled: Texts = []
    #: What she learned from this message (or must not have).
    learned: Texts = []
    not_learned: Texts = []
    #: The always-present core blocks (about the user, about herself, their name).
    core_contains: Texts = []
    core_not_contains: Texts = []
    user_name: str | None = None
    count: Annotated[Count, BeforeValidator(_count)] | None = None


class PromptExpect(Strict):
    """What the model was actually sent for this step."""

    contains: Texts = []
    not_contains: Texts = []
    tokens_below: int | None = Field(default=None, ge=1)
    #: Named sections (persona, core memory, mood, time, memories, ...) and text each holds,
    #: or must not hold.
    section: dict[str, Texts] = {}
    section_not: dict[str, Texts] = {}


class Expect(Strict):
    reply: ReplyExpect | None = None
    mood: MoodExpect | None = None
    relationship: RelationshipExpect | None = None
    memory: MemoryExpect | None = None
    prompt: PromptExpect | None = None
    #: After an `idle:` step: she spoke first (true) or stayed quiet (false).
    nudge: bool | None = None
    #: Criteria in plain words, scored by a judge model when one is configured.
    judge: Texts = []
