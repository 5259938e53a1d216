"""Her diary: one entry a day with talk in it, in her words, from the day's messages and how her
mood moved; her memory too, with the day's messages as its sources."""

from __future__ import annotations

from datetime import timedelta

import pytest

from samantha.backends.scripted import ScriptedBackend
from samantha.clock import FixedClock
from samantha.config import load_settings
from samantha.domain.memory import MemoryKind
from samantha.engine import Companion
from samantha.engine.diary import feeling_word
from samantha.errors import InputError
from samantha.state.mood import PAD
from samantha.voice.offline import VoiceRenderer
from tests.conftest import MakeCompanion, collect

SAD_DAY = (
    "My grandmother died this morning.",
    "I feel awful and I can't stop crying.",
    "We were so close when I was little.",
)


def offline(make_companion: MakeCompanion) -> Companion:
    return make_companion(VoiceRenderer(load_settings().backend_spec()))


async def talk(companion: Companion, clock: FixedClock, *lines: str) -> None:
    for line in lines:
        await collect(companion, line)
        clock.advance(timedelta(minutes=5))


def test_mood_words_are_read_against_where_she_rests() -> None:
    cheerful = PAD(pleasure=0.35, arousal=0.2)
    assert feeling_word(-0.2, 0.1, cheerful) == "sad"
    assert feeling_word(-0.2, 0.5, cheerful) == "worried"
    # A small dip below a cheerful rest is still herself: only a deep one is sadness.
    assert feeling_word(0.1, 0.2, cheerful) == "like myself"
    assert feeling_word(0.36, 0.2, cheerful) == "like myself"
    assert feeling_word(0.45, 0.2, cheerful) == "happy"
    assert feeling_word(0.6, 0.5, cheerful) == "excited"


async def test_one_entry_for_a_sad_day_with_fitting_mood_words(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    companion = offline(make_companion)
    await talk(companion, clock, "Hi, I'm Theo.", *SAD_DAY)
    assert await companion.write_diary() == []  # the day is not over
    clock.advance(timedelta(days=1))
    (entry,) = await companion.write_diary()
    assert entry.day == (clock.now() - timedelta(days=1)).astimezone().date()
    assert "grandmother" in entry.text
    assert "sad" in entry.text
    assert "happy" not in entry.text
    assert "excited" not in entry.text
    assert "whether Theo is all right" in entry.text
    # Once a day: a second start writes nothing new.
    assert await companion.write_diary() == []
    assert [e.id for e in await companion.diary_entries()] == [entry.id]


async def test_the_entry_is_her_memory_with_the_days_messages_as_sources(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    companion = offline(make_companion)
    await talk(companion, clock, *SAD_DAY)
    clock.advance(timedelta(days=1))
    (entry,) = await companion.write_diary()
    assert entry.memory_id is not None
    memory = await companion.memory_item(entry.memory_id)
    assert memory is not None
    assert memory.kind is MemoryKind.REFLECTION
    assert memory.text.startswith("From my diary")
    history = await companion.history()
    assert sorted(memory.source_ids) == sorted(m.id for m in history)
    recalled = await companion.recall("my diary about the grandmother")
    assert entry.memory_id in {r.memory.id for r in recalled}


async def test_deleting_a_message_it_drew_on_marks_the_entry(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    companion = offline(make_companion)
    await talk(companion, clock, *SAD_DAY)
    clock.advance(timedelta(days=1))
    (entry,) = await companion.write_diary()
    assert not entry.marked
    first = (await companion.history())[0].id
    await companion.store.run(lambda s: s.conversations.delete_message(first), write=True)
    assert (await companion.diary_entry(entry.id)).marked


async def test_deleting_the_conversation_marks_the_entry(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    companion = offline(make_companion)
    await talk(companion, clock, *SAD_DAY)
    clock.advance(timedelta(days=1))
    (entry,) = await companion.write_diary()
    conversation = companion.conversation
    assert conversation is not None
    await companion.delete_conversation(conversation.id)
    assert (await companion.diary_entry(entry.id)).marked


async def test_edit_and_delete(make_companion: MakeCompanion, clock: FixedClock) -> None:
    companion = offline(make_companion)
    await talk(companion, clock, *SAD_DAY)
    entry = await companion.diary_today()
    assert entry is not None
    assert await companion.diary_today() == entry  # today's, once
    edited = await companion.edit_diary(entry.id, "A quiet, sad day. I stayed close.")
    assert edited.text == "A quiet, sad day. I stayed close."
    assert edited.edited_at is not None
    assert entry.memory_id is not None
    memory = await companion.memory_item(entry.memory_id)
    assert memory is not None
    assert memory.text.endswith("A quiet, sad day. I stayed close.")
    await companion.delete_diary(entry.id)
    assert await companion.diary_entries() == []
    assert await companion.memory_item(entry.memory_id) is None
    with pytest.raises(InputError):
        await companion.diary_entry(entry.id)


async def test_no_entry_for_a_day_without_talk(make_companion: MakeCompanion) -> None:
    companion = offline(make_companion)
    assert await companion.diary_today() is None
    assert await companion.write_diary() == []


async def test_a_model_writes_it_from_the_days_talk(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    backend = ScriptedBackend(replies=["I'm so sorry.", "Dear diary, a heavy day."])
    companion = make_companion(backend)
    await talk(companion, clock, SAD_DAY[0])
    clock.advance(timedelta(days=1))
    (entry,) = await companion.write_diary()
    assert entry.text == "Dear diary, a heavy day."
    ask = backend.requests[-1].messages[-1].content
    assert "diary entry" in ask
    assert "My grandmother died this morning." in ask


async def test_forgetting_a_fact_it_drew_on_marks_the_entry(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    companion = offline(make_companion)
    await talk(companion, clock, *SAD_DAY)
    clock.advance(timedelta(days=1))
    (entry,) = await companion.write_diary()
    fact = next(
        m
        for m in await companion.memories()
        if "grandmother" in m.text.lower() and m.kind is not MemoryKind.REFLECTION
    )
    await companion.forget(fact.id)
    assert (await companion.diary_entry(entry.id)).marked


async def test_the_diary_does_not_retell_what_she_was_asked_to_forget(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    backend = ScriptedBackend(replies=["I'm sorry.", "Bread!", "A quiet day."])
    companion = make_companion(backend)
    await talk(companion, clock, "My grandmother died this morning.", "I baked bread with Ana.")
    fact = next(m for m in await companion.memories() if "grandmother" in m.text.lower())
    await companion.forget(fact.id)
    clock.advance(timedelta(days=1))
    (entry,) = await companion.write_diary()
    ask = backend.requests[-1].messages[-1].content
    assert "bread" in ask
    assert "grandmother" not in ask
    assert entry.text == "A quiet day."


def test_a_sentence_about_someone_unnamed_still_begins_with_a_capital() -> None:
    from samantha.voice.keepsake import compose_diary

    entry = compose_diary(
        "Friday 4 December", ["my dog died this morning"], ["sad"], None, "my person"
    )
    assert "Today my person and I talked. My person told me" in entry
