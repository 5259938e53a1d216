"""A prompt shaped for the window: section budgets that scale with it, a compact persona for a
small model, no Markdown bullets, no fact twice, and her own words only when they matter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from samantha.backends.scripted import ScriptedBackend
from samantha.domain.memory import CoreMemory, Memory, MemoryKind, Recalled
from samantha.engine.sections import Budgets, count_for_budget, prompt_sections
from samantha.persona.loader import load_persona, shipped_personas_dir
from samantha.state.inner import InnerState
from tests.conftest import MakeCompanion, collect

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def recalled(text: str, kind: MemoryKind = MemoryKind.FACT, days: int = 3) -> Recalled:
    at = NOW - timedelta(days=days)
    memory = Memory(
        id=abs(hash(text)) % 10_000,
        persona="samantha",
        kind=kind,
        text=text,
        importance=5,
        created_at=at,
        accessed_at=at,
    )
    return Recalled(memory=memory, score=1.0, recency=1.0, importance=0.5, relevance=1.0)


def sections(
    window: int, core: str = "", hits: tuple[Recalled, ...] = (), asked: str = ""
) -> dict[str, str]:
    from samantha.domain.conversation import Message, Role

    persona = load_persona(shipped_personas_dir() / "samantha.yaml").filled("Theo")
    history = [
        Message(
            id=1,
            conversation_id=1,
            role=Role.USER,
            speaker="Theo",
            text=asked or "Hello",
            created_at=NOW,
        )
    ]
    made = prompt_sections(
        persona,
        "Theo",
        CoreMemory(about_user=core),
        history,
        NOW,
        None,
        InnerState.first_meeting(persona.temperament, persona.relationship, NOW),
        hits,
        [],
        None,
        400,
        window=window,
    )
    return {s.name: s.text for s in made}


def test_a_small_window_gets_a_compact_persona_within_its_budget() -> None:
    large, small = sections(32_000)["persona"], sections(2048)["persona"]
    assert "How you sound, for example:" in large
    assert "How you sound, for example:" not in small
    assert count_for_budget(small) <= Budgets.for_window(2048, 400).persona
    # Who she is, how she speaks and what she values stay.
    assert small.startswith("You are Samantha")
    assert "How you speak:" in small
    assert "You value:" in small


def test_budgets_scale_with_the_window() -> None:
    small, large = Budgets.for_window(2048, 400), Budgets.for_window(32_000, 400)
    assert small.persona < large.persona
    assert small.core < large.core
    assert small.memories < large.memories == 400


def test_core_memory_and_memories_are_prose_not_bullets() -> None:
    made = sections(
        8192,
        core="- I work as a nurse.\n* My sister is called Ana.",
        hits=(recalled("- We went to the harbour."),),
    )
    assert "I work as a nurse." in made["core memory"]
    assert "My sister is called Ana." in made["core memory"]
    assert "We went to the harbour." in made["memories"]
    for text in made.values():
        assert not any(line.lstrip().startswith(("- ", "* ")) for line in text.splitlines())


def test_a_fact_core_memory_holds_is_not_recalled_again() -> None:
    made = sections(
        8192,
        core="I work as a nurse.",
        hits=(recalled("I work as a nurse."), recalled("I hate night shifts.")),
    )
    assert made["core memory"].count("I work as a nurse.") == 1
    assert "I work as a nurse." not in made["memories"]
    assert "I hate night shifts." in made["memories"]


def test_her_own_words_come_back_only_with_a_promise_or_when_asked_about() -> None:
    hits = (
        recalled("Jazz is the best thing humans ever made.", MemoryKind.REPLY),
        recalled("I'll remind you about the dentist on Friday.", MemoryKind.REPLY),
    )
    plain = sections(8192, hits=hits, asked="Any plans for Friday?")["memories"]
    assert "I'll remind you about the dentist on Friday." in plain
    assert "Jazz is the best thing" not in plain
    asked = sections(8192, hits=hits, asked="What did you say about jazz?")["memories"]
    assert "Jazz is the best thing humans ever made." in asked


async def test_samantha_prompt_preview_shows_each_sections_budget(
    make_companion: MakeCompanion,
) -> None:
    companion = make_companion(ScriptedBackend(context_window=2048))
    await collect(companion, "My sister is called Anna.")
    prompt = await companion.preview_prompt("How is my sister?")
    budgets = {s.name: s.budget for s in prompt.sections}
    expected = Budgets.for_window(2048, 400)
    assert budgets["persona"] == expected.persona
    assert budgets["core memory"] == expected.core
    persona = next(s for s in prompt.sections if s.name == "persona")
    assert persona.tokens <= expected.persona
