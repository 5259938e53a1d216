"""The bond: stages with hysteresis, strain that holds until repaired, neglect over time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from samantha.relationship import (
    Relationship,
    RelationshipSettings,
    _restage,
    on_message,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SETTINGS = RelationshipSettings()


def test_kind_words_over_time_raise_the_stage() -> None:
    state = Relationship(at=T0)
    for turn in range(30):
        state, _ = on_message(
            state, SETTINGS, ["personal_disclosure", "gratitude"], T0 + timedelta(minutes=turn)
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
    from samantha.relationship import Effect

    gentle = RelationshipSettings(event_weights={"insult": Effect(tension=0.01)})
    state, _ = on_message(Relationship(at=T0), gentle, ["insult"], T0)
    assert state.tension < 0.02
    assert not state.strained
