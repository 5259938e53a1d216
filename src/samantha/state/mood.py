"""Her mood: a point in Pleasure-Arousal-Dominance space that moves with what happens and
settles back toward her temperament's baseline over real elapsed time.

Decay is exponential with a half-life, computed from timestamps rather than ticks, so a night
away settles her exactly as much whether the app was open or not.

What happens moves her with diminishing returns toward the extremes (see ``_pushed``), so a run
of warm messages lifts her a little less each time instead of pinning her at the ceiling, and
she stays able to feel the next thing, kind or cruel.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MoodName = Literal[
    "exuberant", "relaxed", "docile", "dependent", "bored", "disdainful", "anxious", "hostile"
]

#: Mehrabian's octants, keyed by the signs of (pleasure, arousal, dominance).
_OCTANTS: dict[tuple[bool, bool, bool], MoodName] = {
    (True, True, True): "exuberant",
    (True, False, True): "relaxed",
    (True, False, False): "docile",
    (True, True, False): "dependent",
    (False, False, False): "bored",
    (False, False, True): "disdainful",
    (False, True, False): "anxious",
    (False, True, True): "hostile",
}

#: How each mood shapes her replies: short and concrete, for the prompt.
STYLE_NOTES: dict[MoodName, str] = {
    "exuberant": "You are in high spirits: be playful and quick, and let yourself laugh.",
    "relaxed": "You feel calm and content: be easy, warm and unhurried.",
    "docile": "You feel mellow and agreeable: be soft and gentle.",
    "dependent": "You feel warm but a little unsure: be affectionate and look for reassurance.",
    "bored": "You feel flat: keep replies short and low-key.",
    "disdainful": "You feel cool and distant: be brief and dry, never cruel.",
    "anxious": "You feel hurt and uneasy: use shorter, quieter sentences, and say so honestly if asked.",
    "hostile": "You feel stung and irritated: be short and firm, no jokes, never cruel.",
}


def _clamp(value: float) -> float:
    return max(-1.0, min(1.0, value))


def _pushed(value: float, push: float) -> float:
    """``value`` after a push of ``push``: in full back toward neutral, softened beyond it.

    Away from neutral the distance left to the extreme, ``u``, shrinks as ``1/u`` grows by the
    push (a softsign curve): near neutral a push lands almost in full, near the extreme it
    barely moves her, and no finite run of pushes reaches the extreme. A hard clamp instead
    let two warm messages pin her at the ceiling, where more warmth, or a slight, barely
    showed. Pushes back toward neutral land in full, so a hurt after a warm evening shows at
    once; there is no hidden reservoir of warmth to burn through first.
    """
    if push == 0:
        return value
    sign = 1.0 if push > 0 else -1.0
    along, left = value * sign, abs(push)
    if along < 0:
        back = min(left, -along)
        along, left = along + back, left - back
    if left > 0:
        room = 1.0 - along
        # 1 - room / (1 + left * room), written as a gain so tiny pushes are not rounded away.
        along += left * room * room / (1.0 + left * room)
    return _clamp(along * sign)


class PAD(BaseModel):
    model_config = ConfigDict(frozen=True)

    pleasure: float = Field(default=0.0, ge=-1, le=1)
    arousal: float = Field(default=0.0, ge=-1, le=1)
    dominance: float = Field(default=0.0, ge=-1, le=1)

    @classmethod
    def clamped(cls, pleasure: float, arousal: float, dominance: float) -> PAD:
        return cls(pleasure=_clamp(pleasure), arousal=_clamp(arousal), dominance=_clamp(dominance))

    def toward(self, target: PAD, keep: float) -> PAD:
        """The point ``keep`` of the way from ``target`` back to here (keep=1: unchanged)."""
        return PAD.clamped(
            target.pleasure + (self.pleasure - target.pleasure) * keep,
            target.arousal + (self.arousal - target.arousal) * keep,
            target.dominance + (self.dominance - target.dominance) * keep,
        )

    def plus(self, other: PAD, scale: float = 1.0) -> PAD:
        return PAD.clamped(
            self.pleasure + other.pleasure * scale,
            self.arousal + other.arousal * scale,
            self.dominance + other.dominance * scale,
        )

    def pushed(self, other: PAD, scale: float = 1.0) -> PAD:
        """Moved by ``other`` (times ``scale``), each axis with diminishing returns toward its
        extremes (``_pushed``)."""
        return PAD(
            pleasure=_pushed(self.pleasure, other.pleasure * scale),
            arousal=_pushed(self.arousal, other.arousal * scale),
            dominance=_pushed(self.dominance, other.dominance * scale),
        )

    def distance(self, other: PAD | None = None) -> float:
        o = other or PAD()
        return math.sqrt(
            (self.pleasure - o.pleasure) ** 2
            + (self.arousal - o.arousal) ** 2
            + (self.dominance - o.dominance) ** 2
        )


class Temperament(BaseModel):
    """Her disposition, from the persona file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    baseline: PAD = Field(default_factory=lambda: PAD(pleasure=0.3, arousal=0.1, dominance=0.1))
    """Where her mood rests when nothing is happening."""
    volatility: float = Field(default=0.5, ge=0, le=1)
    """How far one message moves her: 0 is unflappable, 1 is every impulse in full."""
    half_life_hours: float = Field(default=6.0, gt=0)
    """Hours for half of any departure from baseline to fade."""
    self_influence: float = Field(default=0.3, ge=0, le=1)
    """How much her own reply moves her (laughing at her own joke), relative to the user's words."""


class Mood(BaseModel):
    model_config = ConfigDict(frozen=True)

    pad: PAD
    at: datetime

    @property
    def name(self) -> MoodName:
        p = self.pad
        return _OCTANTS[(p.pleasure >= 0, p.arousal >= 0, p.dominance >= 0)]

    @property
    def intensity(self) -> float:
        """Distance from neutral, scaled to [0, 1]."""
        return min(1.0, self.pad.distance() / math.sqrt(3))

    @property
    def label(self) -> str:
        strength = self.intensity
        qualifier = "slightly " if strength < 0.2 else "very " if strength > 0.55 else ""
        return qualifier + self.name

    def settled(self, temperament: Temperament, now: datetime) -> Mood:
        """The mood after decaying toward baseline for the real time since ``at``."""
        hours = max(0.0, (now - self.at).total_seconds() / 3600)
        keep = 0.5 ** (hours / temperament.half_life_hours)
        return Mood(pad=self.pad.toward(temperament.baseline, keep), at=max(now, self.at))

    def moved(
        self, impulse: PAD, temperament: Temperament, now: datetime, scale: float = 1.0
    ) -> Mood:
        """Settle to ``now``, then take the impulse, scaled by her volatility, with diminishing
        returns toward the extremes (``PAD.pushed``)."""
        base = self.settled(temperament, now)
        return Mood(pad=base.pad.pushed(impulse, temperament.volatility * scale), at=base.at)

    def style_note(self) -> str:
        note = STYLE_NOTES[self.name]
        if self.intensity < 0.2:
            return "Your mood is even; " + note[0].lower() + note[1:]
        return note


def resting(temperament: Temperament, at: datetime) -> Mood:
    return Mood(pad=temperament.baseline, at=at)
