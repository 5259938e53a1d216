"""Mood and relationship arcs through the real engine, with a fixed clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from samantha.backends.scripted import ScriptedBackend
from samantha.clock import FixedClock
from samantha.engine import TurnResult
from tests.conftest import MakeCompanion, collect


async def turn(companion, text: str) -> TurnResult:  # type: ignore[no-untyped-def]
    _, result = await collect(companion, text)
    assert isinstance(result, TurnResult)
    return result


async def test_warm_messages_lift_her_mood(make_companion: MakeCompanion) -> None:
    companion = make_companion(ScriptedBackend(replies=["mm"] * 5))
    start = (await companion.inner_state()).mood
    for text in ["Thank you, you're wonderful", "I love talking with you!", "You're so funny"]:
        result = await turn(companion, text)
    assert result.after.mood.pad.pleasure > start.pad.pleasure
    assert result.after.mood.name in {"exuberant", "relaxed"}
    assert result.after.relationship.closeness > 0


async def test_insults_hurt_strain_and_show_in_the_prompt(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    backend = ScriptedBackend(replies=["..."] * 6)
    companion = make_companion(backend)
    first = await turn(companion, "You're useless.")
    assert first.after.mood.pad.pleasure < first.before.mood.pad.pleasure
    assert first.after.relationship.tension > first.before.relationship.tension
    assert "insult" in first.appraisal.tags
    second = await turn(companion, "Seriously, you are so stupid.")
    assert second.after.relationship.strained
    assert second.after.mood.name in {"anxious", "hostile", "bored", "disdainful"}
    assert "Things are strained" in backend.requests[-1].system

    clock.advance(timedelta(hours=12))
    later = await companion.inner_state()
    # Her mood has settled back near her temperament; the relationship still remembers.
    baseline = companion.persona.temperament.baseline
    assert later.mood.pad.distance(baseline) < 0.15
    assert later.relationship.strained

    repaired = await turn(companion, "I'm sorry. I didn't mean that.")
    assert not repaired.after.relationship.strained
    assert "Things are strained" not in backend.requests[-1].system
    kinds = [e.kind for e in await companion.relationship_events()]
    assert kinds.count("insult") == 2
    assert "apology" in kinds


async def test_events_cite_the_message_that_caused_them(make_companion: MakeCompanion) -> None:
    companion = make_companion(ScriptedBackend(replies=["thank you"]))
    result = await turn(companion, "My sister Anna is visiting, and I'm grateful for you")
    stored = await companion.relationship_events()
    assert {e.kind for e in stored} >= {"personal_disclosure", "gratitude", "time_together"}
    assert {e.message_id for e in stored} == {result.user_message.id}


async def test_three_weeks_away_she_missed_you(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    from samantha.config import load_settings
    from samantha.voice.offline import VoiceRenderer

    companion = make_companion(VoiceRenderer(load_settings().backend_spec()))
    for text in ["My name is Theo", "I told you about my sister", "Thanks for listening"]:
        await turn(companion, text)
    before = await companion.inner_state()
    clock.advance(timedelta(weeks=3))
    result = await turn(companion, "Hey, it's me again")
    assert "missed" in result.reply
    assert "3 weeks" in result.reply
    assert result.after.relationship.closeness < before.relationship.closeness
    assert {"neglect", "return_after_absence"} <= {e.kind for e in result.events}


async def test_state_survives_a_restart(make_companion: MakeCompanion) -> None:
    first = make_companion(ScriptedBackend(replies=["..."]))
    result = await turn(first, "You're useless and boring.")
    first.store.close()
    second = make_companion(ScriptedBackend())
    state = await second.inner_state()
    assert state.relationship.tension == result.after.relationship.tension
    assert state.mood.pad == result.after.mood.pad


async def test_her_own_reply_moves_her(make_companion: MakeCompanion) -> None:
    companion = make_companion(ScriptedBackend(replies=["Ha! That is hilarious, I love it!!"]))
    result = await turn(companion, "It's raining.")
    heard = result.before.mood.moved(
        result.appraisal.impulse, companion.persona.temperament, result.user_message.created_at
    )
    assert result.after.mood.pad.pleasure > heard.pad.pleasure


async def test_model_appraiser_is_used_when_configured(make_companion: MakeCompanion) -> None:
    verdict = (
        '```json\n{"pleasure": -0.9, "arousal": 0.6, "dominance": -0.3, "tags": ["insult"]}\n```'
    )
    backend = ScriptedBackend(replies=[verdict, "I see."])
    companion = make_companion(backend, appraiser="model")
    result = await turn(companion, "The weather is fine.")  # the lexicon would call this neutral
    assert result.appraisal.source == "model"
    assert result.appraisal.tags == ["insult"]
    assert result.appraisal.pleasure == -0.9
    assert backend.requests[0].messages[-1].content == "The weather is fine."
    assert "JSON" in backend.requests[0].system
    assert result.reply == "I see."


async def test_model_appraiser_falls_back_to_the_lexicon(make_companion: MakeCompanion) -> None:
    from samantha.errors import BackendTimeout

    replies: list[str | BaseException] = [
        "Sure! I think it's positive.",  # not JSON
        "ok",
        '{"pleasure": 7, "arousal": 0, "dominance": 0}',  # out of range
        "ok",
        BackendTimeout("The server did not answer in time: check it."),
        "ok",
    ]
    companion = make_companion(ScriptedBackend(replies=replies), appraiser="model")
    for _ in range(3):
        result = await turn(companion, "Thank you so much!")
        assert result.appraisal.source == "lexicon"
        assert "gratitude" in result.appraisal.tags
        assert result.reply == "ok"


async def test_the_message_is_stored_before_the_model_appraiser_is_asked(
    make_companion: MakeCompanion,
) -> None:
    from samantha.errors import BackendUnreachable

    failing = ScriptedBackend(
        replies=[BackendUnreachable("Cannot reach it: start it."), BackendUnreachable("x: y.")]
    )
    companion = make_companion(failing, appraiser="model")
    with pytest.raises(BackendUnreachable):
        await collect(companion, "are you there?")
    assert [m.text for m in await companion.history()] == ["are you there?"]
