"""The bond: stages with hysteresis, strain that holds until repaired, neglect over time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import get_args

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from samantha.persona import load_persona
from samantha.persona.loader import shipped_personas_dir
from samantha.state.appraisal import EventTag
from samantha.state.relationship import (
    ACQUAINTED_CLOSENESS,
    MEETING_GAP,
    Relationship,
    RelationshipSettings,
    _restage,
    on_message,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SETTINGS = RelationshipSettings()


def test_kind_words_over_time_raise_the_stage() -> None:
    # Four evenings of ten open, grateful messages (it used to be thirty in half an hour).
    state = Relationship(at=T0)
    for day in range(4):
        for turn in range(10):
            state, _ = on_message(
                state,
                SETTINGS,
                ["personal_disclosure", "gratitude"],
                T0 + timedelta(days=day, minutes=turn),
            )
    assert state.stage(SETTINGS) in {"friend", "close"}
    assert state.closeness > 0.5


def test_stage_does_not_flicker_at_a_boundary() -> None:
    friend = SETTINGS.stages[2].threshold
    # Bond just above the friend threshold, then a hair below it: still a friend.
    state = _restage(
        Relationship(at=T0, closeness=(friend + 0.01 - 0.35 * 0.3) / 0.65, trust=0.3), SETTINGS
    )
    assert state.stage(SETTINGS) == "friend"
    dipped = _restage(
        state.model_copy(update={"closeness": state.closeness - 0.02 / 0.65}), SETTINGS
    )
    assert dipped.bond < friend
    assert dipped.stage(SETTINGS) == "friend"
    fell = _restage(dipped.model_copy(update={"closeness": dipped.closeness - 0.1}), SETTINGS)
    assert fell.stage(SETTINGS) == "acquaintance"


def test_repeated_insults_strain_and_an_apology_repairs() -> None:
    state = Relationship(at=T0)
    for turn in range(2):
        state, events = on_message(state, SETTINGS, ["insult"], T0 + timedelta(minutes=turn))
        assert any(e.kind == "insult" and e.effect.tension > 0 for e in events)
    assert state.strained
    state, _ = on_message(state, SETTINGS, [], T0 + timedelta(minutes=5))
    assert state.strained  # small talk does not repair it
    state, events = on_message(state, SETTINGS, ["apology"], T0 + timedelta(minutes=6))
    assert not state.strained
    assert [e.kind for e in events] == ["apology", "time_together"]


def test_time_alone_heals_tension_but_slowly() -> None:
    state = Relationship(at=T0)
    for turn in range(2):
        state, _ = on_message(state, SETTINGS, ["insult"], T0 + timedelta(minutes=turn))
    half_day, _ = on_message(state, SETTINGS, [], T0 + timedelta(hours=12))
    assert half_day.strained
    assert half_day.tension < state.tension
    week, _ = on_message(state, SETTINGS, [], T0 + timedelta(days=7))
    assert not week.strained


def test_three_weeks_of_silence_lower_closeness_and_count_as_a_return() -> None:
    state = Relationship(at=T0, closeness=0.5, trust=0.5, last_contact=T0)
    later, events = on_message(state, SETTINGS, [], T0 + timedelta(weeks=3))
    kinds = [e.kind for e in events]
    assert "neglect" in kinds
    assert "return_after_absence" in kinds
    assert later.closeness < state.closeness - 0.1


def test_persona_weights_override_defaults() -> None:
    from samantha.state.relationship import Effect

    gentle = RelationshipSettings(event_weights={"insult": Effect(tension=0.01)})
    state, _ = on_message(Relationship(at=T0), gentle, ["insult"], T0)
    assert state.tension < 0.02
    assert not state.strained


# -- "stranger" lasts until a real acquaintance: a proper first talk, and coming back --------


def evening(
    state: Relationship,
    start: datetime,
    tags: list[list[EventTag]],
    settings: RelationshipSettings = SETTINGS,
    every: timedelta = timedelta(minutes=2),
) -> tuple[Relationship, list[str]]:
    """One sitting: a message every ``every`` from ``start``; the stage after each."""
    stages = []
    for turn, message_tags in enumerate(tags):
        state, _ = on_message(state, settings, message_tags, start + every * turn)
        stages.append(state.stage(settings))
    return state, stages


def test_a_first_hello_leaves_her_a_stranger() -> None:
    state, stages = evening(Relationship(at=T0), T0, [["affection", "personal_disclosure"]])
    assert stages == ["stranger"]
    assert state.bond >= SETTINGS.stages[1].threshold  # the bond alone would have said otherwise


def test_a_long_warm_first_evening_is_still_a_first_meeting() -> None:
    talk: list[list[EventTag]] = [["personal_disclosure", "gratitude"], [], ["affection"]] * 10
    state, stages = evening(Relationship(at=T0), T0, talk)
    assert set(stages) == {"stranger"}
    assert state.closeness >= ACQUAINTED_CLOSENESS
    # The next morning he is someone she knows.
    morning, _ = on_message(state, SETTINGS, [], T0 + timedelta(hours=14))
    assert morning.stage(SETTINGS) != "stranger"


def test_a_dozen_plain_messages_and_a_second_evening_make_an_acquaintance() -> None:
    state, stages = evening(Relationship(at=T0), T0, [[]] * 12)
    assert set(stages) == {"stranger"}
    state, stages = evening(state, T0 + timedelta(days=1), [[]] * 2)
    assert stages == ["acquaintance", "acquaintance"]


def test_a_short_first_chat_takes_another_meeting() -> None:
    state, _ = evening(Relationship(at=T0), T0, [[]] * 3)
    # The next day they talk properly, but she has only met him briefly once before ...
    state, stages = evening(state, T0 + timedelta(days=1), [[]] * 12)
    assert set(stages) == {"stranger"}
    # ... and the time after, she knows him.
    state, stages = evening(state, T0 + timedelta(days=2), [[]])
    assert stages == ["acquaintance"]


def test_stepping_away_for_an_hour_is_the_same_meeting() -> None:
    state, _ = evening(Relationship(at=T0), T0, [["personal_disclosure"]] * 12)
    back = T0 + timedelta(minutes=22) + MEETING_GAP - timedelta(minutes=1)
    state, stages = evening(state, back, [[]])
    assert stages == ["stranger"]


@pytest.mark.parametrize("name", ["samantha", "alan", "edith"])
def test_each_companion_knows_him_after_an_evening_and_a_return(name: str) -> None:
    settings = load_persona(shipped_personas_dir() / f"{name}.yaml").relationship
    first, second = settings.stages[0].name, settings.stages[1].name
    state, stages = evening(Relationship(at=T0), T0, [["personal_disclosure"], []] * 6, settings)
    assert set(stages) == {first}
    state, stages = evening(state, T0 + timedelta(days=1), [[]], settings)
    assert stages == [second]


tag_lists = st.lists(st.sampled_from(list(get_args(EventTag))), max_size=4)


@given(
    st.lists(st.tuples(tag_lists, st.integers(min_value=0, max_value=170)), max_size=60),
)
def test_no_single_meeting_takes_her_past_stranger(
    messages: list[tuple[list[EventTag], int]],
) -> None:
    """However long and however warm, one sitting (no silence of MEETING_GAP) is a first
    meeting."""
    state, now = Relationship(at=T0), T0
    for tags, minutes_after in messages:
        now += timedelta(minutes=minutes_after)
        state, _ = on_message(state, SETTINGS, tags, now)
        assert state.stage(SETTINGS) == "stranger"


@given(
    st.lists(
        st.lists(st.sampled_from(list(get_args(EventTag))), max_size=3, unique=True),
        min_size=1,
        max_size=3,
    ),
    st.integers(min_value=3, max_value=24 * 14),
)
@example([["personal_disclosure", "affection", "gratitude"]] * 3, 72)  # the closest it comes
def test_a_few_messages_are_not_enough_even_across_days(
    messages: list[list[EventTag]], hours: int
) -> None:
    """Three messages, however far apart and however warm and open, never make an
    acquaintance: from a stranger, anything but time together earns only STRANGER_WORDS_SHARE
    of its closeness (even a return after days away)."""
    state, now = Relationship(at=T0), T0
    for tags in messages:
        state, _ = on_message(state, SETTINGS, tags, now)
        now += timedelta(hours=hours)
    assert state.stage(SETTINGS) == "stranger"


def test_from_a_stranger_warm_words_count_for_less() -> None:
    stranger, events = on_message(Relationship(at=T0), SETTINGS, ["affection"], T0)
    friend = Relationship(at=T0, closeness=0.3, stage_index=2)
    closer, _ = on_message(friend, SETTINGS, ["affection"], T0)
    assert stranger.closeness < 0.01
    assert closer.closeness - friend.closeness > 0.01
    # The smaller share is what is recorded, so the history shows what really happened.
    assert events[0].kind == "affection"
    assert events[0].effect.closeness == SETTINGS.weight("affection").closeness * 0.2
