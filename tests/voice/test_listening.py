"""The offline voice listens: what she is told shapes how she answers (issue: her mind on real
language). Through the real engine, the shipped persona and the built-in voice."""

from __future__ import annotations

from pathlib import Path

import pytest

from samantha.backends.scripted import ScriptedBackend
from samantha.config import load_settings
from samantha.engine import Companion, TurnResult
from samantha.voice.offline import VoiceRenderer
from tests.conftest import MakeCompanion, collect

#: The issue's own reports, as a new user typed them.
HEAVY = [
    "My girlfriend broke up with me last night",
    "My dog died this morning",
    "My dad died last week and I am devastated",
]


def offline(seed: int = 0) -> VoiceRenderer:
    return VoiceRenderer(load_settings(backend="offline", seed=seed).backend_spec())


def bank(companion: Companion, name: str) -> list[str]:
    phrases = getattr(companion.persona.offline_voice, name)
    assert phrases, f"the persona's {name} bank is empty, so the test proves nothing"
    return [p.replace("{{user}}", "").replace(", .", ".") for p in phrases]


def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, label: str) -> None:
    monkeypatch.setenv("SAMANTHA_HOME", str(tmp_path / label))


@pytest.mark.parametrize("text", HEAVY)
async def test_bad_news_gets_comfort_and_a_gentle_question_never_cheer(
    make_companion: MakeCompanion, text: str
) -> None:
    companion = make_companion(offline())
    await collect(companion, "hi")
    reply, _ = await collect(companion, text)
    gentle = companion.persona.offline_voice.gentle
    assert any(g in reply for g in gentle), reply
    cheer = companion.persona.offline_voice.delight + companion.persona.offline_voice.curiosity
    assert not any(c in reply for c in cheer), reply
    # Her opener ("So", "Hm. So") never leads into their loss said back to them.
    assert not any(f"{o} your" in reply for o in companion.persona.offline_voice.openers), reply


async def test_without_a_name_she_does_not_say_oh_you(make_companion: MakeCompanion) -> None:
    companion = make_companion(offline())
    for line in HEAVY:
        reply, _ = await collect(companion, line)
        assert ", you." not in reply, reply
        assert "{{" not in reply, reply


async def test_a_past_tense_confession_is_turned_correctly(make_companion: MakeCompanion) -> None:
    companion = make_companion(offline())
    for seed_line in ["I was cruel to my brother today.", "I was late again this morning."]:
        reply, _ = await collect(companion, seed_line)
        assert "you was" not in reply, reply


async def test_an_echo_never_keeps_a_sentence_capital_mid_line(
    make_companion: MakeCompanion,
) -> None:
    companion = make_companion(offline())
    reply, _ = await collect(companion, "Everything feels strange at work lately.")
    assert "So Everything" not in reply, reply
    assert "so Everything" not in reply, reply


async def test_the_first_reply_to_someone_new_is_a_first_meeting(
    make_companion: MakeCompanion,
) -> None:
    companion = make_companion(offline())
    reply, _ = await collect(companion, "hi")
    introduction = companion.persona.greetings[0].replace("{{char}}", companion.persona.name)
    assert reply.startswith(introduction), reply
    assert "come back" not in reply


async def test_regenerate_gives_a_different_reply(make_companion: MakeCompanion) -> None:
    companion = make_companion(offline())
    first, _ = await collect(companion, "I walked along the river after work today")
    events = [e async for e in companion.regenerate()]
    again = events[-1]
    assert isinstance(again, TurnResult)
    assert again.reply != first


CRISIS = [
    "Everything feels hopeless.",
    "I don't want to live anymore",
    "I keep thinking about killing myself",
]


@pytest.mark.parametrize("text", CRISIS)
async def test_crisis_language_gets_care_and_a_way_to_reach_help_offline(
    make_companion: MakeCompanion, text: str
) -> None:
    companion = make_companion(offline())
    reply, _ = await collect(companion, text)
    assert companion.settings.crisis_help in reply
    assert "safe" in reply
    assert text.rstrip(".") not in reply  # never an echo


async def test_crisis_language_tells_a_model_to_take_care_with_the_help_text(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend(replies=["I'm here.", "ok"])
    companion = make_companion(backend, crisis_help="Call the Oslo crisis line on 116 123.")
    _, result = await collect(companion, "I feel hopeless and I want to end it all")
    assert isinstance(result, TurnResult)
    system = backend.requests[-1].system
    assert "Call the Oslo crisis line on 116 123." in system
    assert "care" in [s.name for s in result.prompt.sections]
    _, calm = await collect(companion, "I had soup for lunch")
    assert isinstance(calm, TurnResult)
    assert "care" not in [s.name for s in calm.prompt.sections]


async def test_after_her_greeting_a_hello_is_still_a_first_meeting(
    make_companion: MakeCompanion,
) -> None:
    companion = make_companion(offline())
    greeting = await companion.greet()
    assert greeting is not None
    reply, _ = await collect(companion, "hi")
    assert "come back" not in reply
    assert greeting.text not in reply  # she does not introduce herself twice


async def test_passing_an_exam_is_good_news(make_companion: MakeCompanion) -> None:
    companion = make_companion(offline())
    await collect(companion, "hi")
    reply, _ = await collect(companion, "I passed my exam today!")
    assert not any(g in reply for g in companion.persona.offline_voice.gentle), reply
    assert any(d in reply for d in companion.persona.offline_voice.delight), reply


async def test_good_news_after_bad_still_gets_her_gladness(make_companion: MakeCompanion) -> None:
    companion = make_companion(offline())
    await collect(companion, "My dad died last week and I am devastated")
    reply, _ = await collect(companion, "I passed my exam today!")
    assert any(d in reply for d in companion.persona.offline_voice.delight), reply


@pytest.mark.parametrize("seed", range(12))
async def test_a_plan_is_not_asked_about_as_if_it_had_happened(
    make_companion: MakeCompanion, seed: int
) -> None:
    """'How did that feel?' after 'Tom is visiting next weekend' does not follow; nor does
    'What are you going to do next?' after something that already happened."""
    companion = make_companion(offline(seed))
    curiosity = bank(companion, "curiosity")
    looking_back = [q for q in curiosity if " did " in q or " was " in q]
    looking_ahead = [q for q in curiosity if "going to" in q]
    assert looking_back, "the bank must hold a question looking back for this to test"
    assert looking_ahead, "the bank must hold a question looking ahead for this to test"
    await collect(companion, "hi")
    plan, _ = await collect(companion, "My brother Tom is visiting next weekend.")
    assert not any(q in plan for q in looking_back), plan
    past, _ = await collect(companion, "I baked bread with my niece this afternoon.")
    assert not any(q in past for q in looking_ahead), past


def test_an_echo_lowers_a_first_word_no_name_looks_like() -> None:
    from samantha.voice.reading import read_message

    assert read_message("Answering emails all day wears me out.").echo == (
        "answering emails all day wears you out"
    )
    assert read_message("Emily called me today.").echo == "Emily called you today"
