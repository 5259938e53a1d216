"""Mood dynamics: bounded, decaying toward baseline over real time, named by octant."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from samantha.mood import PAD, Mood, Temperament

T0 = datetime(2026, 1, 1, tzinfo=UTC)
unit = st.floats(min_value=-1, max_value=1, allow_nan=False)
big = st.floats(min_value=-50, max_value=50, allow_nan=False)
pads = st.builds(PAD, pleasure=unit, arousal=unit, dominance=unit)
temperaments = st.builds(
    Temperament,
    baseline=pads,
    volatility=st.floats(min_value=0, max_value=1),
    half_life_hours=st.floats(min_value=0.1, max_value=500),
)


@given(pads, temperaments, st.lists(st.tuples(big, big, big), max_size=20))
def test_mood_stays_within_bounds_whatever_happens(
    start: PAD, temperament: Temperament, impulses: list[tuple[float, float, float]]
) -> None:
    mood = Mood(pad=start, at=T0)
    for step, (p, a, d) in enumerate(impulses):
        impulse = PAD.clamped(p, a, d)
        mood = mood.moved(impulse, temperament, T0 + timedelta(minutes=step), scale=abs(p) + 1)
        for value in (mood.pad.pleasure, mood.pad.arousal, mood.pad.dominance):
            assert -1 <= value <= 1
        assert 0 <= mood.intensity <= 1


@given(pads, temperaments, st.lists(st.floats(min_value=0, max_value=1000), min_size=2, max_size=8))
def test_decay_moves_monotonically_toward_baseline(
    start: PAD, temperament: Temperament, hours: list[float]
) -> None:
    mood = Mood(pad=start, at=T0)
    distances = [
        mood.settled(temperament, T0 + timedelta(hours=h)).pad.distance(temperament.baseline)
        for h in sorted(hours)
    ]
    for earlier, later in itertools.pairwise(distances):
        assert later <= earlier + 1e-9


@given(pads, temperaments)
def test_a_long_wait_returns_to_baseline(start: PAD, temperament: Temperament) -> None:
    later = T0 + timedelta(hours=temperament.half_life_hours * 40)
    settled = Mood(pad=start, at=T0).moved(PAD(), temperament, later)
    assert settled.pad.distance(temperament.baseline) < 1e-6


def test_half_life_halves_the_departure() -> None:
    temperament = Temperament(baseline=PAD(), half_life_hours=6)
    mood = Mood(pad=PAD(pleasure=-0.8), at=T0)
    assert abs(mood.settled(temperament, T0 + timedelta(hours=6)).pad.pleasure + 0.4) < 1e-9


def test_octant_names() -> None:
    def name(p: float, a: float, d: float) -> str:
        return Mood(pad=PAD(pleasure=p, arousal=a, dominance=d), at=T0).name

    assert name(0.5, 0.5, 0.5) == "exuberant"
    assert name(0.5, -0.5, 0.5) == "relaxed"
    assert name(0.5, -0.5, -0.5) == "docile"
    assert name(0.5, 0.5, -0.5) == "dependent"
    assert name(-0.5, -0.5, -0.5) == "bored"
    assert name(-0.5, -0.5, 0.5) == "disdainful"
    assert name(-0.5, 0.5, -0.5) == "anxious"
    assert name(-0.5, 0.5, 0.5) == "hostile"
