"""A message whose reply failed: marked, never shown as ignored, answered when sent again."""

from __future__ import annotations

import pytest

from samantha.backends.scripted import ScriptedBackend
from samantha.domain.conversation import MessageStatus, Role
from samantha.engine import TurnResult
from samantha.errors import BackendUnreachable, SamanthaError
from tests.conftest import MakeCompanion, collect


async def test_a_failed_reply_marks_the_message_and_the_next_prompt_joins_it(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend()
    backend.queue(BackendUnreachable("Cannot reach the server: start it."), "Both, gladly.")
    companion = make_companion(backend)

    with pytest.raises(SamanthaError):
        await collect(companion, "Can you help me plan a trip?")
    history = await companion.history()
    assert [(m.role, m.status) for m in history] == [(Role.USER, MessageStatus.ERROR)]

    _, result = await collect(companion, "And a birthday dinner?")
    assert isinstance(result, TurnResult)
    sent = [m for m in backend.requests[-1].messages if m.role != "system"]
    # One turn of theirs holding both: she is not shown ignoring the first.
    assert [(m.role, m.content) for m in sent] == [
        ("user", "Can you help me plan a trip?\n\nAnd a birthday dinner?")
    ]
    # The transcript keeps both, as they were sent; the failed one keeps its mark.
    history = await companion.history()
    assert [(m.text, m.status) for m in history] == [
        ("Can you help me plan a trip?", MessageStatus.ERROR),
        ("And a birthday dinner?", MessageStatus.COMPLETE),
        ("Both, gladly.", MessageStatus.COMPLETE),
    ]
    # Later prompts still show the two as the one turn she answered.
    await collect(companion, "Thanks!")
    later = [m.content for m in backend.requests[-1].messages if m.role != "system"]
    assert later[:2] == ["Can you help me plan a trip?\n\nAnd a birthday dinner?", "Both, gladly."]


async def test_sending_again_answers_the_failed_message_and_clears_its_mark(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend()
    backend.queue(BackendUnreachable("Cannot reach the server: start it."), "Of course.")
    companion = make_companion(backend)
    with pytest.raises(SamanthaError):
        await collect(companion, "Can you help me plan a trip?")

    events = [event async for event in companion.regenerate()]
    result = events[-1]
    assert isinstance(result, TurnResult)
    assert result.reply == "Of course."
    history = await companion.history()
    assert [(m.text, m.status) for m in history] == [
        ("Can you help me plan a trip?", MessageStatus.COMPLETE),
        ("Of course.", MessageStatus.COMPLETE),
    ]


async def test_a_reply_that_broke_off_mid_way_leaves_the_message_answered(
    make_companion: MakeCompanion,
) -> None:
    backend = ScriptedBackend(replies=["One two three four five."])
    backend.fail_after = 2
    companion = make_companion(backend)
    with pytest.raises(SamanthaError):
        await collect(companion, "Tell me something.")
    history = await companion.history()
    # What arrived is her (interrupted) answer: the message is not unanswered.
    assert [(m.role, m.status) for m in history] == [
        (Role.USER, MessageStatus.COMPLETE),
        (Role.ASSISTANT, MessageStatus.INTERRUPTED),
    ]
