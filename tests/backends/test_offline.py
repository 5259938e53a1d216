"""The offline voice, through the real engine and the shipped persona: still recognisably her."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from samantha.config import load_settings
from samantha.engine import Companion, ReplyChunk, TurnResult
from samantha.voice.offline import VoiceRenderer
from tests.conftest import MakeCompanion, collect

CONVERSATION = [
    "Hi there",
    "I walked along the river after work today",
    "My sister is visiting next week",
    "Do you ever get bored?",
]


def offline(seed: int = 0) -> VoiceRenderer:
    return VoiceRenderer(load_settings(backend="offline", seed=seed).backend_spec())


def bank(companion: Companion, name: str, user: str = "you") -> list[str]:
    """One of the persona's offline phrase banks, filled in as the voice fills it (with no
    name, "Oh, {{user}}." is "Oh.")."""
    phrases = getattr(companion.persona.offline_voice, name)
    if user == "you":
        phrases = [re.sub(r",\s*\{\{user\}\}(?=[.!?,])", "", t) for t in phrases]
    return [companion.persona.fill(t, user) for t in phrases]


def uses(reply: str, phrases: list[str]) -> bool:
    assert phrases, "the persona's bank is empty, so the test proves nothing"
    return any(p in reply for p in phrases)


async def talk(companion: Companion, lines: list[str]) -> list[str]:
    return [(await collect(companion, line))[0] for line in lines]


async def test_different_messages_get_different_replies(make_companion: MakeCompanion) -> None:
    companion = make_companion(offline())
    replies = await talk(companion, CONVERSATION)
    assert all(r.strip() for r in replies)
    assert len(set(replies)) == len(replies), replies


async def test_same_seed_and_conversation_give_the_same_replies(
    make_companion: MakeCompanion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: dict[str, list[str]] = {}
    for label, seed in [("first", 3), ("again", 3), ("other", 4)]:
        # A fresh database each time, so each run is the same conversation from the start.
        monkeypatch.setenv("SAMANTHA_HOME", str(tmp_path / label))
        runs[label] = await talk(make_companion(offline(seed)), CONVERSATION)
    assert runs["first"] == runs["again"]
    assert runs["first"] != runs["other"]


async def test_she_takes_the_name_she_is_given(make_companion: MakeCompanion) -> None:
    companion = make_companion(offline())
    reply, _ = await collect(companion, "call me Theo")
    assert "Theo" in reply
    reply, _ = await collect(companion, "my name is ada, by the way")
    assert "Ada" in reply


async def test_sadness_gets_comfort_and_joy_gets_delight(
    make_companion: MakeCompanion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    homes = iter(range(100))

    async def first_reply(text: str) -> tuple[str, Companion]:
        # Each message opens a new relationship, so one reply's mood cannot colour the next.
        monkeypatch.setenv("SAMANTHA_HOME", str(tmp_path / f"home{next(homes)}"))
        companion = make_companion(offline())
        return (await collect(companion, text))[0], companion

    sad, companion = await first_reply("I feel so sad and lonely tonight")
    happy, _ = await first_reply("I got the job and I'm so happy!")
    not_happy, _ = await first_reply("Honestly I'm not happy with how things went")
    comfort, delight = bank(companion, "comfort"), bank(companion, "delight")

    assert uses(sad, comfort), sad
    assert not uses(sad, delight), sad
    assert uses(happy, delight), happy
    assert not uses(happy, comfort), happy
    assert uses(not_happy, comfort), not_happy
    assert not uses(not_happy, delight), not_happy


async def test_questions_about_her_get_her_own_answers(make_companion: MakeCompanion) -> None:
    companion = make_companion(offline())
    mine = bank(companion, "self_questions")
    about_her, _ = await collect(companion, "What are you, really?")
    about_weather, _ = await collect(companion, "Is it going to rain tomorrow?")
    assert uses(about_her, mine), about_her
    assert not uses(about_weather, mine), about_weather


async def test_she_streams_word_by_word(make_companion: MakeCompanion) -> None:
    companion = make_companion(offline())
    chunks: list[str] = []
    result: TurnResult | None = None
    async for event in companion.turn("I spent the whole afternoon painting the fence"):
        if isinstance(event, ReplyChunk):
            chunks.append(event.text)
        else:
            result = event
    assert result is not None
    assert len(chunks) > 3
    assert "".join(chunks) == result.reply
    assert all(len(chunk.split()) == 1 for chunk in chunks), chunks
    history = await companion.history()
    assert history[-1].text == result.reply


async def test_she_is_offline_and_needs_nothing(make_companion: MakeCompanion) -> None:
    backend = offline()
    companion = make_companion(backend)
    assert companion.speaks_offline
    assert companion.voice_label == "offline voice"
    assert not backend.needs_key
    assert "offline" in await backend.check()


async def test_requests_are_not_echoed_back_as_statements(make_companion: MakeCompanion) -> None:
    companion = make_companion(offline())
    reply, _ = await collect(companion, "Tell me something you wonder about.")
    assert "tell you" not in reply.lower()
    assert "me wonder" not in reply.lower()
