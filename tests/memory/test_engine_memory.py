"""Memory through the real engine: what she recalls, what she is sent, what she forgets."""

from __future__ import annotations

from datetime import timedelta

from samantha.backends.base import ChatMessage
from samantha.backends.scripted import ScriptedBackend
from samantha.clock import FixedClock
from samantha.config import Settings
from samantha.domain.memory import MemoryKind
from samantha.engine import TurnResult
from samantha.voice.offline import VoiceRenderer
from tests.conftest import MakeCompanion, collect


def offline() -> VoiceRenderer:
    return VoiceRenderer(Settings(backend="offline", offline_pace=0).backend_spec())


async def result_of(companion: object, text: str) -> TurnResult:
    _, result = await collect(companion, text)  # type: ignore[arg-type]
    assert isinstance(result, TurnResult)
    return result


async def test_a_week_later_she_recalls_the_sister_and_asks_about_the_interview(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    backend = ScriptedBackend(replies=["Good luck!", "Hello again!", "Anna, right?"])
    companion = make_companion(backend)
    first = await result_of(companion, "My sister is called Anna and my interview is on Friday.")
    assert {m.text for m in first.extracted} >= {
        "My sister is called Anna.",
        "My interview is on Friday.",
    }
    clock.advance(timedelta(days=7))
    await companion.new_conversation()
    greeting = await companion.greet()
    assert greeting is not None
    assert greeting.text == "Hello again!"
    greeting_system = backend.requests[1].system
    assert "My interview is on Friday" in greeting_system
    assert "Just past" in greeting_system
    assert "7 days ago" in greeting_system
    asked = await result_of(companion, "How is my family doing, do you think?")
    assert any("Anna" in r.memory.text for r in asked.recalled)
    assert "My sister is called Anna." in backend.requests[2].system
    names = [s.name for s in asked.prompt.sections]
    assert names.index("memories") < names.index("history")


async def test_the_offline_voice_remembers_out_loud(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    companion = make_companion(offline())
    await collect(companion, "My sister is called Anna and my interview is on Friday.")
    clock.advance(timedelta(days=7))
    await companion.new_conversation()
    greeting = await companion.greet()
    assert greeting is not None
    assert "7 days" in greeting.text
    assert "your interview is on Friday" in greeting.text
    reply, _ = await collect(companion, "Tell me about my sister?")
    assert "your sister is called Anna" in reply


async def test_first_meeting_she_introduces_herself(make_companion: MakeCompanion) -> None:
    companion = make_companion(offline())
    greeting = await companion.greet()
    assert greeting is not None
    assert greeting.text in [g.replace("{{char}}", "Samantha") for g in companion.persona.greetings]
    assert await companion.greet() is None  # moments later there is nothing new to say


async def test_her_name_for_the_user_is_learned_and_used(make_companion: MakeCompanion) -> None:
    backend = ScriptedBackend(replies=["Hi Theo.", "Sure."])
    companion = make_companion(backend)
    await collect(companion, "Call me Theo.")
    assert companion.user_name == "Theo"
    assert (await companion.core_memory()).user_name == "Theo"
    await collect(companion, "What should we talk about?")
    system = backend.requests[1].system
    assert "Their name is Theo." in system
    history = await companion.history()
    assert history[-2].speaker == "Theo"


async def test_forget_that_asks_first_then_erases(make_companion: MakeCompanion) -> None:
    backend = ScriptedBackend(replies=["Noted.", "Your sister?"])
    companion = make_companion(backend)
    await collect(companion, "My sister is called Anna.")
    asked, _ = await collect(companion, "forget that my sister is called Anna")
    assert "Do you want me to forget" in asked
    assert "My sister is called Anna." in asked
    assert any("Anna" in m.text for m in await companion.memories())
    done, _ = await collect(companion, "yes")
    assert done == "Done. I've let that go."
    assert not any("Anna" in m.text for m in await companion.memories())
    result = await result_of(companion, "How is my sister doing?")
    assert all("Anna" not in r.memory.text for r in result.recalled)
    assert "Anna" not in result.prompt.system
    # Only two requests reached the model: the confirmations are hers, not the model's.
    assert len(backend.requests) == 2


async def test_forget_is_cancelled_by_anything_but_yes(make_companion: MakeCompanion) -> None:
    companion = make_companion(ScriptedBackend(replies=["Noted.", "Okay."]))
    await collect(companion, "I love jazz.")
    await collect(companion, "forget about jazz")
    await collect(companion, "no wait, keep it")
    assert any("jazz" in m.text for m in await companion.memories())


async def test_deleting_a_conversation_takes_the_memories_drawn_only_from_it(
    make_companion: MakeCompanion,
) -> None:
    companion = make_companion(ScriptedBackend())
    first = await companion.new_conversation()
    await collect(companion, "My sister is called Anna.")
    await collect(companion, "I love jazz.")
    await companion.new_conversation()
    await collect(companion, "I love jazz.")  # the same fact, now also from here
    removed = await companion.delete_conversation(first.id)
    texts = {m.text for m in await companion.memories()}
    assert "My sister is called Anna." not in texts
    assert "I love jazz." in texts
    assert removed >= 2  # the sister, and the first conversation's episodes
    assert all(c.conversation.id != first.id for c in await companion.list_conversations())


async def test_bad_json_from_the_model_falls_back_and_the_turn_completes(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend(replies=["Lovely.", "this is {not json"])
    backend.follows_instructions = True
    companion = make_companion(backend)
    result = await result_of(companion, "My sister is called Anna.")
    assert result.reply == "Lovely."
    assert {m.text for m in result.extracted} == {"My sister is called Anna."}
    assert len(backend.requests) == 2  # the reply, then the extraction


async def test_model_extraction_adds_what_rules_miss(make_companion: MakeCompanion) -> None:
    extraction = (
        'Here you go: {"facts": [{"kind": "fact", "text": "My grandmother taught me to bake.",'
        ' "importance": 6, "date": null}], "user_name": null}'
    )
    backend = ScriptedBackend(replies=["How lovely.", extraction])
    backend.follows_instructions = True
    companion = make_companion(backend)
    result = await result_of(companion, "Baking always reminds me of Gran's kitchen.")
    assert "My grandmother taught me to bake." in {m.text for m in result.extracted}
    assert "JSON" in backend.requests[1].system


async def test_memorys_question_follows_the_conversation_a_server_has_cached(
    make_companion: MakeCompanion,
) -> None:
    """A server that keeps one prompt cached (llama.cpp) would lose the conversation to a
    question of memory's own: the question follows her prompt and reply instead, and the next
    turn's prompt begins with what the question began with."""
    extraction = '{"facts": [], "user_name": null}'
    backend = ScriptedBackend(replies=["How lovely.", extraction, "It is.", extraction])
    backend.follows_instructions = True
    companion = make_companion(backend)
    await result_of(companion, "Baking always reminds me of Gran's kitchen.")
    await result_of(companion, "She made bread every Sunday.")
    reply, question, after = backend.requests[0], backend.requests[1], backend.requests[2]
    assert question.messages[: len(reply.messages)] == reply.messages
    assert question.messages[len(reply.messages)] == ChatMessage(
        role="assistant", content="How lovely."
    )
    assert question.messages[-2].role == "system"
    assert "JSON" in question.messages[-2].content
    assert question.messages[-1].content == "Baking always reminds me of Gran's kitchen."
    # The next prompt shares the lead and the conversation up to the moment of turn one.
    assert after.messages[0] == question.messages[0]
    assert after.messages[1] == question.messages[2]


async def test_a_question_that_would_overflow_the_window_goes_alone(
    make_companion: MakeCompanion,
) -> None:
    extraction = '{"facts": [], "user_name": null}'
    backend = ScriptedBackend(replies=["Mm.", extraction], context_window=700)
    backend.follows_instructions = True
    companion = make_companion(backend, reply_tokens=200)
    await result_of(companion, "Baking reminds me of Gran. " * 40)
    question = backend.requests[1]
    assert [m.role for m in question.messages] == ["system", "user"]
    assert "JSON" in question.messages[0].content


async def test_old_turns_fold_into_a_summary_instead_of_vanishing(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend(context_window=1024)
    backend.fallback = "I hear you, and I am listening closely to every word you say."
    companion = make_companion(backend, reply_tokens=200)
    for n in range(40):
        await collect(companion, f"Message number {n}: the garden had {n} tomatoes today.")
    result = await result_of(companion, "What did I say at the start?")
    names = {s.name: s for s in result.prompt.sections}
    assert "summary" in names
    assert not names["summary"].dropped
    import re

    system = result.prompt.system
    in_view = [m.content for m in result.prompt.messages[1:]]
    oldest_in_view = min(int(n) for t in in_view for n in re.findall(r"number (\d+)", t))
    summarised = [int(n) for n in re.findall(r"number (\d+)", names["summary"].text)]
    # Turns that left the window are still there, in the summary.
    assert summarised
    assert min(summarised) < oldest_in_view
    assert "Message number" in system
    assert result.prompt.tokens <= result.prompt.budget


async def test_enough_new_facts_bring_a_reflection_with_its_sources(
    make_companion: MakeCompanion,
) -> None:
    companion = make_companion(ScriptedBackend())
    said = [
        "My sister is called Anna.",
        "My brother is called Bruno.",
        "I work as a nurse at the hospital.",
        "I live in Lisbon.",
        "My interview is on Friday.",
    ]
    reflections = []
    for text in said:
        result = await result_of(companion, text)
        reflections += [m for m in result.extracted if m.kind is MemoryKind.REFLECTION]
    assert len(reflections) == 1
    insight = reflections[0]
    assert insight.text.startswith("What has mattered to them lately")
    assert len(insight.source_ids) >= 2


async def test_regenerate_replaces_only_her_last_reply(make_companion: MakeCompanion) -> None:
    backend = ScriptedBackend(replies=["First try.", "Second try."])
    companion = make_companion(backend)
    await collect(companion, "Tell me a joke")
    events = [e async for e in companion.regenerate()]
    assert isinstance(events[-1], TurnResult)
    assert events[-1].reply == "Second try."
    texts = [m.text for m in await companion.history()]
    assert texts == ["Tell me a joke", "Second try."]
    assert backend.requests[1].messages[-1].content == "Tell me a joke"


async def test_edit_last_resends_the_new_words(make_companion: MakeCompanion) -> None:
    backend = ScriptedBackend(replies=["Paris!", "Lisbon!"])
    companion = make_companion(backend)
    await collect(companion, "I live in Paris")
    events = [e async for e in companion.edit_last("I live in Lisbon")]
    assert isinstance(events[-1], TurnResult)
    texts = [m.text for m in await companion.history()]
    assert texts == ["I live in Lisbon", "Lisbon!"]
    facts = {m.text for m in await companion.memories()}
    assert "I live in Lisbon." in facts
    assert "I live in Paris." not in facts


async def test_search_all_history_and_rename(make_companion: MakeCompanion) -> None:
    companion = make_companion(ScriptedBackend())
    first = await companion.new_conversation()
    await collect(companion, "We talked about volcanoes once.")
    await companion.new_conversation()
    await collect(companion, "Now about oceans.")
    hits = await companion.search_messages("volcano")
    assert [h.conversation_id for h in hits] == [first.id]
    renamed = await companion.rename_conversation(first.id, "  Volcanoes  ")
    assert renamed.title == "Volcanoes"
    listed = await companion.list_conversations()
    assert [c.message_count for c in listed] == [2, 2]


async def test_preview_shows_the_sections_in_order_and_stores_nothing(
    make_companion: MakeCompanion,
) -> None:
    companion = make_companion(ScriptedBackend(replies=["ok"]))
    await collect(companion, "My sister is called Anna.")
    await collect(companion, "We had pancakes at the harbour last night.")
    await companion.new_conversation()  # so the harbour is remembered, not in view
    before = await companion.history()
    prompt = await companion.preview_prompt("How is my sister? Remember the harbour?")
    names = [s.name for s in prompt.sections]
    assert names == ["persona", "core memory", "mood", "time", "memories", "history"]
    assert prompt.messages[-1].content == "How is my sister? Remember the harbour?"
    assert await companion.history() == before
