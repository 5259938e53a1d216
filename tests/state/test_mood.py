"""Mood dynamics: bounded, decaying toward baseline over real time, named by octant."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from samantha.state.appraisal import appraise
from samantha.state.mood import PAD, Mood, Temperament, resting

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


def test_zero_dominance_is_not_counted_as_in_control() -> None:
    """0.0 used to count as positive, so grief at dominance 0 was named hostile."""

    def name(p: float, a: float, d: float) -> str:
        return Mood(pad=PAD(pleasure=p, arousal=a, dominance=d), at=T0).name

    assert name(-0.3, 0.3, 0.0) == "upset"
    assert name(-0.3, -0.2, 0.0) == "sad"
    assert name(0.3, 0.3, 0.0) == "cheerful"
    assert name(0.3, -0.3, 0.0) == "content"
    assert name(0.0, 0.0, 0.0) == "neutral"
    assert name(0.0, 0.3, 0.4) == "alert"
    assert name(0.01, -0.3, -0.4) == "calm"
    # Arousal in the band reads as calm, never as excited.
    assert name(-0.3, 0.0, 0.5) == "sad"
    assert name(0.3, 0.02, 0.5) == "content"
    # Just outside the band the octant names hold.
    assert name(-0.3, 0.3, 0.06) == "hostile"
    assert name(-0.3, 0.3, -0.06) == "anxious"


def test_the_sad_octant_is_bored_only_when_listless() -> None:
    def name(p: float, a: float, d: float) -> str:
        return Mood(pad=PAD(pleasure=p, arousal=a, dominance=d), at=T0).name

    assert name(-0.5, -0.2, -0.3) == "sad"
    assert name(-0.5, -0.35, -0.3) == "bored"


@given(unit, unit, unit)
def test_every_point_has_a_name_and_a_style_note(p: float, a: float, d: float) -> None:
    mood = Mood(pad=PAD(pleasure=p, arousal=a, dominance=d), at=T0)
    assert mood.style_note()
    if min(abs(p), abs(a), abs(d)) < 0.05:
        assert mood.name not in {
            "exuberant",
            "relaxed",
            "docile",
            "dependent",
            "disdainful",
            "anxious",
            "hostile",
        }


@given(pads, st.builds(PAD, pleasure=unit, arousal=unit, dominance=unit), st.floats(0, 0.99))
def test_her_own_words_never_carry_a_feeling_past_neutral(
    start: PAD, impulse: PAD, scale: float
) -> None:
    temperament = Temperament(baseline=start, volatility=1)
    before = Mood(pad=start, at=T0)
    after = before.moved(impulse, temperament, T0, scale=scale)
    for old, new in zip(
        (start.pleasure, start.arousal, start.dominance),
        (after.pad.pleasure, after.pad.arousal, after.pad.dominance),
        strict=True,
    ):
        assert old * new >= 0


def test_a_full_push_still_turns_her_mood_over() -> None:
    temperament = Temperament(baseline=PAD(pleasure=0.1), volatility=1)
    mood = Mood(pad=PAD(pleasure=0.1), at=T0).moved(PAD(pleasure=-0.8), temperament, T0)
    assert mood.pad.pleasure < 0


# -- diminishing returns: warmth lifts her less and less, and she still feels the next thing --

#: Samantha's temperament, as shipped (bright baseline, volatile): the one that saturated.
SAMANTHA = Temperament(
    baseline=PAD(pleasure=0.35, arousal=0.2, dominance=0.1), volatility=0.6, half_life_hours=3
)
WARM = [
    "Thank you so much, you're wonderful!",
    "I really like you, you know.",
    "You make me so happy.",
    "I love talking with you.",
    "You're the best.",
]


def warm_evening(count: int = 10) -> list[Mood]:
    mood = resting(SAMANTHA, T0)
    moods = [mood]
    for turn in range(count):
        impulse = appraise(WARM[turn % len(WARM)]).impulse
        mood = mood.moved(impulse, SAMANTHA, T0 + timedelta(minutes=2 * (turn + 1)))
        moods.append(mood)
    return moods


def test_ten_warm_messages_leave_her_clearly_below_the_ceiling() -> None:
    moods = warm_evening(10)
    pleasures = [m.pad.pleasure for m in moods]
    assert pleasures[-1] < 0.9
    # Every one of them still lifts her, a little less each time.
    lifts = [later - earlier for earlier, later in itertools.pairwise(pleasures)]
    assert all(lift > 0.005 for lift in lifts)
    assert lifts[-1] < lifts[0] / 4
    assert moods[-1].name == "exuberant"


def test_a_hurt_after_a_warm_evening_still_shows() -> None:
    warm = warm_evening(10)[-1]
    hurt = warm.moved(appraise("You're useless.").impulse, SAMANTHA, warm.at + timedelta(minutes=2))
    assert warm.pad.pleasure - hurt.pad.pleasure > 0.4
    assert hurt.intensity < warm.intensity


def test_warmth_still_shows_after_a_few_warm_messages() -> None:
    """The old clamp pinned her at +1.0 after two messages: a third changed nothing."""
    second, third = warm_evening(3)[-2:]
    assert third.pad.pleasure - second.pad.pleasure > 0.05


warm_impulses = st.lists(
    st.builds(
        PAD,
        pleasure=st.floats(min_value=0, max_value=1),
        arousal=unit,
        dominance=unit,
    ),
    min_size=1,
    max_size=40,
)
below_ceiling = st.builds(
    PAD, pleasure=st.floats(min_value=-1, max_value=0.95), arousal=unit, dominance=unit
)


@given(below_ceiling, st.floats(min_value=0, max_value=1), warm_impulses)
def test_no_run_of_warmth_reaches_the_ceiling(
    start: PAD, volatility: float, impulses: list[PAD]
) -> None:
    """However many warm messages, she ends below the harmonic bound: 1/(1 - p) grows by at most
    the total push, so ten full-strength messages from a resting 0.35 stay under 0.92."""
    temperament = Temperament(baseline=start, volatility=volatility)
    mood = Mood(pad=start, at=T0)
    for impulse in impulses:
        mood = mood.moved(impulse, temperament, T0)
    total = sum(impulse.pleasure for impulse in impulses) * volatility
    bound = 1 - 1 / (1 / (1 - max(0.0, start.pleasure)) + total)
    assert mood.pad.pleasure < 1
    assert mood.pad.pleasure <= bound + 1e-9


@given(
    below_ceiling,
    st.floats(min_value=0.1, max_value=1),
    warm_impulses,
    st.floats(min_value=-1, max_value=-0.3),
)
def test_any_hurt_after_warmth_lands(
    start: PAD, volatility: float, impulses: list[PAD], hurt: float
) -> None:
    """A push back toward neutral lands in full: there is no hidden store of warmth to burn
    through first, so the drop is the whole push (or all the way to neutral, and beyond)."""
    temperament = Temperament(baseline=start, volatility=volatility)
    mood = Mood(pad=start, at=T0)
    for impulse in impulses:
        mood = mood.moved(impulse, temperament, T0)
    before = mood.pad.pleasure
    after = mood.moved(PAD(pleasure=hurt), temperament, T0).pad.pleasure
    push = -hurt * volatility
    assert before - after >= min(push, max(0.0, before)) - 1e-9
    if before >= push:
        assert abs((before - after) - push) < 1e-9


@given(unit, st.floats(min_value=-5, max_value=5, allow_nan=False))
def test_a_push_moves_her_its_way_by_at_most_its_size(value: float, push: float) -> None:
    moved = PAD(pleasure=value).pushed(PAD(pleasure=1), scale=push).pleasure
    assert -1 <= moved <= 1
    assert abs(moved - value) <= abs(push) + 1e-12
    if push > 0:
        assert moved >= value
    elif push < 0:
        assert moved <= value
    else:
        assert moved == value


@given(unit, st.floats(min_value=0, max_value=2), st.floats(min_value=0, max_value=2))
def test_a_bigger_push_moves_her_further(value: float, small: float, extra: float) -> None:
    near = PAD(pleasure=value).pushed(PAD(pleasure=1), scale=small).pleasure
    far = PAD(pleasure=value).pushed(PAD(pleasure=1), scale=small + extra).pleasure
    assert far >= near - 1e-12


def test_near_neutral_a_push_lands_almost_in_full() -> None:
    assert abs(PAD().pushed(PAD(pleasure=0.05)).pleasure - 0.05) < 0.003
    assert PAD(pleasure=-0.5).pushed(PAD(pleasure=0.3)).pleasure == 0.3 - 0.5


def test_decay_after_a_warm_evening_keeps_its_half_life() -> None:
    warm = warm_evening(10)[-1]
    later = warm.settled(SAMANTHA, warm.at + timedelta(hours=SAMANTHA.half_life_hours))
    departure = warm.pad.pleasure - SAMANTHA.baseline.pleasure
    assert abs(later.pad.pleasure - (SAMANTHA.baseline.pleasure + departure / 2)) < 1e-9
