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
    "exuberant",
    "relaxed",
    "docile",
    "dependent",
    "bored",
    "disdainful",
    "anxious",
    "hostile",
    "sad",
    "cheerful",
    "content",
    "upset",
    "alert",
    "calm",
    "neutral",
]

#: Within this distance of 0 an axis is neither high nor low, and does not pick the name: a
#: dominance of exactly 0 is not "in control", so 0.0 must never count as positive.
NEUTRAL_BAND = 0.05
#: Mehrabian's -P-A-D octant holds both sadness and boredom; his ratings put "sad" at arousal
#: -.27 and "bored" at -.62. Above this arousal (quiet, not listless) the octant is "sad".
LISTLESS = -0.3

#: Mehrabian's octants, keyed by the signs of (pleasure, arousal, dominance), each clearly
#: outside the neutral band.
_OCTANTS: dict[tuple[int, int, int], MoodName] = {
    (1, 1, 1): "exuberant",
    (1, -1, 1): "relaxed",
    (1, -1, -1): "docile",
    (1, 1, -1): "dependent",
    (-1, -1, -1): "bored",
    (-1, -1, 1): "disdainful",
    (-1, 1, -1): "anxious",
    (-1, 1, 1): "hostile",
}
#: When an axis is in the neutral band, the name comes from pleasure and arousal alone (the
#: circumplex's quadrants); an arousal in the band counts as calm, not as excited.
_QUADRANTS: dict[tuple[int, int], MoodName] = {
    (1, 1): "cheerful",
    (1, -1): "content",
    (1, 0): "content",
    (-1, 1): "upset",
    (-1, -1): "sad",
    (-1, 0): "sad",
    (0, 1): "alert",
    (0, -1): "calm",
    (0, 0): "neutral",
}


def _sign(value: float) -> int:
    return 0 if abs(value) < NEUTRAL_BAND else 1 if value > 0 else -1


def mood_name(pleasure: float, arousal: float, dominance: float) -> MoodName:
    """The name of a point: its octant when every axis is clearly high or low, otherwise its
    pleasure-arousal quadrant; "sad" rather than "bored" unless arousal is listless."""
    p, a, d = _sign(pleasure), _sign(arousal), _sign(dominance)
    if 0 in (p, a, d):
        return _QUADRANTS[(p, a)]
    if (p, a, d) == (-1, -1, -1) and arousal > LISTLESS:
        return "sad"
    return _OCTANTS[(p, a, d)]


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
    "sad": "You feel sad, for them or with them: be gentle and slow, stay with what they said, no jokes.",
    "cheerful": "You feel bright and lively: be warm and quick, and smile easily.",
    "content": "You feel quietly glad: be warm, easy and unhurried.",
    "upset": "You feel shaken and troubled: use short, careful sentences, no jokes.",
    "alert": "You feel wide awake and attentive: be focused and ask what matters.",
    "calm": "You feel quiet and still: be brief, plain and gentle.",
    "neutral": "You feel even and attentive: be plain and natural.",
}


def _not_past_zero(before: float, after: float) -> float:
    """``after``, stopped at 0 if it crossed to the other side of it from ``before``."""
    return 0.0 if before * after < 0 else after


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
        if keep == 1:
            return self  # exactly: target + (x - target) can differ from x in the last digit
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
        return mood_name(p.pleasure, p.arousal, p.dominance)

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
        returns toward the extremes (``PAD.pushed``).

        A softened push (``scale`` below 1: her own words, which move her a little) can bring an
        axis back to neutral but never carry it past: her cheerful reply to your bad news may
        lift her toward 0, but it does not turn your news into her high spirits."""
        base = self.settled(temperament, now)
        pad = base.pad.pushed(impulse, temperament.volatility * scale)
        if scale < 1:
            pad = PAD(
                pleasure=_not_past_zero(base.pad.pleasure, pad.pleasure),
                arousal=_not_past_zero(base.pad.arousal, pad.arousal),
                dominance=_not_past_zero(base.pad.dominance, pad.dominance),
            )
        return Mood(pad=pad, at=base.at)

    def style_note(self) -> str:
        name = self.name
        note = STYLE_NOTES[name]
        if self.intensity < 0.2 and name != "neutral":
            return "Only faintly: " + note[0].lower() + note[1:]
        return note


def resting(temperament: Temperament, at: datetime) -> Mood:
    return Mood(pad=temperament.baseline, at=at)
