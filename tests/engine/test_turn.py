"""One turn through the real engine: what is stored, when, and what the model is sent."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from samantha.backends.base import Chunk, ReplyRequest
from samantha.backends.scripted import ScriptedBackend
from samantha.clock import FixedClock
from samantha.domain.conversation import MessageStatus, Role
from samantha.engine import Companion, ReplyChunk, TurnResult
from samantha.errors import BackendUnreachable, InputError, StreamCutOff
from tests.conftest import MakeCompanion, collect


async def test_reply_streams_and_both_messages_are_stored(make_companion: MakeCompanion) -> None:
    backend = ScriptedBackend(replies=["Hello there, Theo."])
    companion = make_companion(backend)
    streamed, result = await collect(companion, "Hi, I'm Theo")
    assert streamed == "Hello there, Theo."
    assert isinstance(result, TurnResult)
    assert result.reply == streamed
    history = await companion.history()
    assert [(m.role, m.text) for m in history] == [
        (Role.USER, "Hi, I'm Theo"),
        (Role.ASSISTANT, "Hello there, Theo."),
    ]
    sent = backend.requests[0].messages
    assert sent[0].role == "system"
    assert "Samantha" in sent[0].content
    assert sent[-1].content == "Hi, I'm Theo"


async def test_user_message_is_committed_before_the_backend_is_called(
    make_companion: MakeCompanion,
) -> None:
    seen: list[int] = []
    companion: Companion

    class Watching(ScriptedBackend):
        async def stream(self, request: ReplyRequest):  # type: ignore[no-untyped-def]
            # A second connection sees only committed data.
            import sqlite3

            conn = sqlite3.connect(companion.store.path)
            seen.append(
                conn.execute("SELECT count(*) FROM messages WHERE role='user'").fetchone()[0]
            )
            conn.close()
            yield Chunk(text="ok")

    companion = make_companion(Watching())
    await collect(companion, "are you there?")
    assert seen == [1]


async def test_stream_failure_keeps_the_partial_reply_marked(make_companion: MakeCompanion) -> None:
    backend = ScriptedBackend(replies=["one two three four five"])
    backend.fail_after = 2
    backend.fail_with = StreamCutOff("The reply was cut off mid-way: send again to retry.")
    companion = make_companion(backend)
    with pytest.raises(StreamCutOff):
        await collect(companion, "tell me a story")
    history = await companion.history()
    assert history[0].text == "tell me a story"
    assert history[1].text == "one two "
    assert history[1].status is MessageStatus.INTERRUPTED


async def test_failure_before_any_text_keeps_the_user_message(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend(replies=[BackendUnreachable("Cannot reach the server: start it.")])
    companion = make_companion(backend)
    with pytest.raises(BackendUnreachable):
        await collect(companion, "hello?")
    history = await companion.history()
    assert [m.text for m in history] == ["hello?"]


async def test_cancelling_a_reply_keeps_what_arrived(make_companion: MakeCompanion) -> None:
    backend = ScriptedBackend(replies=["a b c d e f g h i j"], pace=0.01)
    companion = make_companion(backend)
    got_some = asyncio.Event()

    async def consume() -> None:
        async for event in companion.turn("go on"):
            if isinstance(event, ReplyChunk) and event.text.startswith("c"):
                got_some.set()

    task = asyncio.create_task(consume())
    await got_some.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    history = await companion.history()
    assert history[-1].role is Role.ASSISTANT
    assert history[-1].status is MessageStatus.INTERRUPTED
    assert history[-1].text.startswith("a b c")
    assert "j" not in history[-1].text


@pytest.mark.parametrize("text", ["", "   \n\t "])
async def test_empty_messages_are_refused_with_a_sentence(
    make_companion: MakeCompanion, text: str
) -> None:
    companion = make_companion()
    with pytest.raises(InputError, match="nothing to send"):
        await collect(companion, text)
    assert await companion.history() == []


async def test_a_megabyte_message_is_stored_whole_and_the_prompt_fits(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend(replies=["That's a lot."], context_window=4096)
    companion = make_companion(backend)
    huge = "word " * 200_000 + "THE END"
    _, result = await collect(companion, huge)
    assert isinstance(result, TurnResult)
    history = await companion.history()
    assert history[0].text == huge
    assert result.prompt.tokens <= result.prompt.budget <= 4096
    sent = backend.requests[0].messages[-1].content
    assert sent.endswith("THE END")
    assert "characters omitted" in sent
    assert (
        companion.counter.count("\n".join(m.content for m in backend.requests[0].messages)) < 4096
    )


async def test_odd_characters_are_stored_literally(make_companion: MakeCompanion) -> None:
    companion = make_companion(ScriptedBackend(replies=["ok"] * 3))
    odd = ["nul\x00byte", "[bold red]markup[/] \x1b[31mansi\x1b[0m", "שלום e\u0301 \u202eabc"]
    for text in odd:
        await collect(companion, text)
    stored = [m.text for m in await companion.history() if m.role is Role.USER]
    assert stored == odd


async def test_lone_surrogates_are_replaced_not_fatal(make_companion: MakeCompanion) -> None:
    companion = make_companion(ScriptedBackend(replies=["ok"]))
    await collect(companion, "broken \ud800 paste")
    history = await companion.history()
    assert history[0].text == "broken \ufffd paste"


async def test_oldest_messages_are_dropped_first_when_history_is_long(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend(replies=["fine"] * 60, context_window=1024)
    companion = make_companion(backend, reply_tokens=256)
    for index in range(60):
        await collect(companion, f"message number {index} " + "padding " * 20)
    sent = [m.content for m in backend.requests[-1].messages]
    assert sent[-1].startswith("message number 59")
    assert not any(s.startswith("message number 0 ") for s in sent)
    assert backend.requests[-1].messages[0].role == "system"


async def test_she_knows_how_long_you_were_away(
    make_companion: MakeCompanion, clock: FixedClock
) -> None:
    backend = ScriptedBackend(replies=["hi", "welcome back"])
    companion = make_companion(backend)
    _, first = await collect(companion, "good night")
    clock.advance(timedelta(days=3))
    _, later = await collect(companion, "morning!")
    system = backend.requests[-1].system
    assert "3 days ago" in system
    # What the engine knew when she spoke (the scene the offline voice would render).
    assert isinstance(later, TurnResult)
    assert later.scene is not None
    assert later.scene.time_away == "3 days"
    assert isinstance(first, TurnResult)
    assert first.scene is not None
    assert first.scene.time_away is None


async def test_an_edit_reaches_the_prompt_even_when_the_database_reuses_the_old_id(
    make_companion: MakeCompanion,
) -> None:
    # SQLite gives the edited message the id of the deleted one; no cached form of the old
    # words may stand in for the new ones.
    backend = ScriptedBackend(replies=["Nice to meet you, Teo.", "Sorry! Theo, then."])
    companion = make_companion(backend)
    _, first = await collect(companion, "I'm Teo")
    events = [e async for e in companion.edit_last("I'm Theo")]
    result = events[-1]
    assert isinstance(first, TurnResult)
    assert isinstance(result, TurnResult)
    assert result.user_message.id == first.user_message.id
    assert backend.requests[-1].messages[-1].content == "I'm Theo"
    assert all("Teo" not in m.content.split() for m in backend.requests[-1].messages[1:])


def test_warm_up_loads_the_tokenizer_before_the_first_reply(make_companion: MakeCompanion) -> None:
    companion = make_companion(ScriptedBackend())
    assert not companion.counter.loaded
    companion.warm_up()
    assert companion.counter.loaded


async def test_a_forgotten_fact_leaves_the_prompt_history_but_not_the_transcript(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend(replies=["Anna, lovely.", "Do you want me to forget it?", "Done."])
    companion = make_companion(backend)
    await collect(companion, "My sister is called Anna.")
    fact = next(m for m in await companion.memories() if "Anna" in m.text)
    before = await companion.preview_prompt("hello")
    assert any("Anna" in m.content for m in before.messages[1:])
    await companion.forget(fact.id)
    after = await companion.preview_prompt("hello")
    assert all("Anna" not in m.content for m in after.messages)
    # Still there for the person to read; only the model never sees it again.
    assert any("Anna" in m.text for m in await companion.history())
    # A new session reads the same from the database.
    fresh = make_companion(ScriptedBackend())
    again = await fresh.preview_prompt("hello")
    assert all("Anna" not in m.content for m in again.messages)


async def test_asking_her_to_forget_leaves_no_trace_in_the_prompt(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend(replies=["Anna, lovely."])
    companion = make_companion(backend)
    await collect(companion, "My sister is called Anna.")
    asked, _ = await collect(companion, "Forget that my sister is called Anna")
    assert "Say yes" in asked
    done, _ = await collect(companion, "yes")
    assert done == "Done. I've let that go."
    prompt = await companion.preview_prompt("hello")
    assert all("Anna" not in m.content for m in prompt.messages)
    assert (await companion.core_memory()).about_user.count("Anna") == 0


async def test_half_a_character_from_a_backend_never_loses_her_reply(
    make_companion: MakeCompanion,
) -> None:
    companion = make_companion(ScriptedBackend(replies=["Half \ud800 a character."]))
    reply, result = await collect(companion, "hi")
    assert isinstance(result, TurnResult)
    assert result.reply_message is not None
    assert "\ufffd" in reply
    history = await companion.history()
    assert history[-1].text == "Half \ufffd a character."
