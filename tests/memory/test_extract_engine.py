"""The extractor through the real engine: what reaches core memory and the prompt."""

from __future__ import annotations

from samantha.domain.memory import MemoryKind
from samantha.engine import TurnResult
from tests.conftest import MakeCompanion, collect


def _prompt_text(messages: list[object]) -> str:
    return "\n".join(str(getattr(m, "content", "")) for m in messages)


async def test_a_question_about_a_name_stores_nothing(make_companion: MakeCompanion) -> None:
    companion = make_companion()
    await collect(companion, "What is my sister's name?")
    await collect(companion, "What do I have coming up this week?")
    kinds = [k for k in MemoryKind if k not in {MemoryKind.EPISODE, MemoryKind.REPLY}]
    assert [m for m in await companion.memories() if m.kind in kinds] == []
    core = await companion.core_memory()
    assert "What" not in core.about_user


async def test_an_event_today_is_no_plan_in_the_prompt(make_companion: MakeCompanion) -> None:
    companion = make_companion()
    await collect(companion, "my cat died this morning")
    await companion.new_conversation()
    prompt = await companion.preview_prompt("hi")
    text = _prompt_text(list(prompt.messages))
    assert "My cat died this morning" in text
    assert "Coming up" not in text
    assert "Ask how it went" not in text


async def test_a_plan_sentence_of_a_thousand_characters_does_not_fail_the_turn(
    make_companion: MakeCompanion,
) -> None:
    companion = make_companion()
    plan = (
        "On Friday I am going to visit the old harbour and then walk along the river with "
        "my friends, " * 20
    )
    assert len(plan) > 1000
    reply, result = await collect(companion, plan)
    assert reply
    assert isinstance(result, TurnResult)
    plans = [m for m in await companion.memories() if m.kind is MemoryKind.PLAN]
    assert len(plans) == 1
    assert len(plans[0].text) <= 300
    assert plans[0].due_at is not None


async def test_the_users_name_is_in_the_prompt_once(make_companion: MakeCompanion) -> None:
    companion = make_companion()
    await collect(companion, "Hi, I'm Theo.")
    await collect(companion, "My name is Theo and I work as a nurse.")
    await collect(companion, "I am a nurse.")
    await companion.new_conversation()
    prompt = await companion.preview_prompt("hello")
    core = next(s for s in prompt.sections if s.name == "core memory")
    assert core.text.count("name is Theo") == 1  # "Their name is Theo.", not "My name is" too
    assert core.text.count("nurse") == 1
