"""A line that tells her nothing ("I don't know.") is not said back as news with a question
about it ("Wait, so you don't know. What was the best part?"), and a wish not to talk about
something is respected, not probed ("How did that feel, right in the moment?")."""

from __future__ import annotations

import pytest

from samantha.voice.reading import read_message
from tests.conftest import MakeCompanion, collect
from tests.voice.test_listening import offline

NOT_NEWS = [
    "I don't know.",
    "i dont know",
    "I'm not sure",
    "idk",
    "dunno",
    "Never mind.",
    "I guess so",
    "I don't think so.",
]
DECLINES = [
    "I don't want to talk about it.",
    "i dont wanna talk about it",
    "Can we not talk about that?",
]


@pytest.mark.parametrize("text", NOT_NEWS + DECLINES)
def test_nothing_told_is_not_echoed(text: str) -> None:
    assert read_message(text).echo is None


def test_something_told_with_the_same_words_is_still_echoed() -> None:
    reading = read_message("I don't know what to do about my job.")
    assert reading.echo == "you don't know what to do about your job"
    assert not reading.declines


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("text", DECLINES)
async def test_a_wish_not_to_talk_is_respected(
    make_companion: MakeCompanion, text: str, seed: int
) -> None:
    companion = make_companion(offline(seed))
    await collect(companion, "hi")
    reply, _ = await collect(companion, text)
    voice = companion.persona.offline_voice
    assert "?" not in reply, reply
    assert not any(c in reply for c in voice.curiosity + voice.gentle), reply
    assert "don't have to" in reply, reply


@pytest.mark.parametrize("seed", range(4))
async def test_i_dont_know_gets_no_question_about_it(
    make_companion: MakeCompanion, seed: int
) -> None:
    companion = make_companion(offline(seed))
    await collect(companion, "hi")
    reply, _ = await collect(companion, "I don't know.")
    voice = companion.persona.offline_voice
    assert "you don't know" not in reply.lower(), reply
    assert not any(c in reply for c in voice.curiosity), reply


@pytest.mark.parametrize(
    "text", ["Call me crazy but I think he likes me.", "call me maybe", "I'm Sad", "I'm Bored"]
)
def test_a_word_where_a_name_would_be_is_no_name(text: str) -> None:
    """Memory keeps no name from these; she does not greet one either ('Crazy! Okay, Crazy.
    It suits you, I think.', 'Oh, Sad. That sounds really heavy.')."""
    assert read_message(text).name is None


@pytest.mark.parametrize(("text", "name"), [("I'm Alex!", "Alex"), ("call me theo", "Theo")])
def test_a_name_is_still_heard(text: str, name: str) -> None:
    assert read_message(text).name == name


@pytest.mark.parametrize(
    "text",
    [
        "remember that I",
        "Remember when we went to Paris.",
        "forget what I said about work",
        "Remember to drink water.",
    ],
)
def test_a_request_to_remember_or_forget_is_not_said_back(text: str) -> None:
    """'So remember when you went to Paris.' would tell them to remember."""
    assert read_message(text).echo is None
