"""Facts that change over time, duplicates that merge, and forgetting or editing that reaches
everything drawn from a fact: core memory, reflections, summaries and the prompt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from samantha.domain.memory import MemoryKind, NewFact
from samantha.memory.slots import Slot, conflicts, slots_of
from samantha.memory.stream import MemoryStream
from tests.conftest import MakeCompanion, collect

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[MemoryStream]:
    with MemoryStream.open(tmp_path / "memory.db", persona="samantha") as stream:
        stream.local_vectors = False
        yield stream


def _said(memory: MemoryStream, *lines: str) -> None:
    for step, line in enumerate(lines):
        memory.add_message("Theo", line, START + timedelta(days=step))


def _facts(memory: MemoryStream) -> dict[str, datetime | None]:
    """Every non-episode memory's words, with when it stopped being true."""
    kinds = [MemoryKind.FACT, MemoryKind.PERSON, MemoryKind.PREFERENCE]
    return {m.text: m.superseded_at for m in memory.listing(kinds=kinds)}


@pytest.mark.parametrize(
    ("old", "new", "gone", "now"),
    [
        ("I live in Porto.", "I moved to Lisbon.", "I live in Porto.", "I moved to Lisbon."),
        (
            "I work as a nurse.",
            "I got a job as a teacher.",
            "I work as a nurse.",
            "I got a job as a teacher.",
        ),
        ("I'm single.", "I got engaged last week.", "I'm single.", "I got engaged last week."),
        (
            "I have a cat.",
            "My cat died this morning.",
            "I have a cat.",
            "My cat died this morning.",
        ),
        (
            "My boss is called Jan.",
            "My boss is called Kim.",
            "My boss is called Jan.",
            "My boss is called Kim.",
        ),
    ],
)
def test_a_newer_fact_supersedes_the_old_one_which_is_kept_for_history(
    memory: MemoryStream, old: str, new: str, gone: str, now: str
) -> None:
    _said(memory, old, new)
    facts = _facts(memory)
    assert facts[gone] == START + timedelta(days=1)  # kept, with when it stopped being true
    assert facts[now] is None
    core = memory.core().about_user
    assert now in core
    assert gone not in core


def test_a_superseded_fact_is_never_recalled_as_what_is_so_now(memory: MemoryStream) -> None:
    _said(memory, "I live in Porto.", "I moved to Lisbon.")
    hits = memory.recall("Porto Lisbon live moved", k=10, now=START + timedelta(days=3))
    texts = [h.memory.text for h in hits if h.memory.kind is MemoryKind.FACT]
    assert "I moved to Lisbon." in texts
    assert "I live in Porto." not in texts


def test_facts_about_different_things_do_not_supersede_each_other(memory: MemoryStream) -> None:
    _said(memory, "I live in Porto.", "I work as a nurse.", "I'm from Braga.", "I have a dog.")
    assert all(when is None for when in _facts(memory).values())
    assert "I live in Porto." in memory.core().about_user


def test_the_same_fact_in_other_words_is_kept_once(memory: MemoryStream) -> None:
    _said(memory, "I work as a nurse.", "I am a nurse.", "I work as a nurse")
    facts = _facts(memory)
    assert [t for t in facts if "nurse" in t] == ["I work as a nurse."]
    core = memory.core().about_user
    assert core.count("nurse") == 1


def test_the_users_name_is_kept_once_and_not_repeated_in_core(memory: MemoryStream) -> None:
    _said(memory, "Hi, I'm Theo.", "My name is Theo")
    memory.store_facts(
        [NewFact(kind=MemoryKind.FACT, text="My name is Theo", importance=9)], START, []
    )
    core = memory.core()
    assert core.user_name == "Theo"
    assert "name" not in core.about_user.lower()
    assert [t for t in _facts(memory) if "Theo" in t] == ["My name is Theo."]


def test_a_new_name_supersedes_the_old(memory: MemoryStream) -> None:
    _said(memory, "My name is Theo.", "Actually, call me Theodore.")
    facts = _facts(memory)
    assert facts["My name is Theo."] is not None
    assert facts["My name is Theodore."] is None


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("I live in Porto.", Slot("home", "porto")),
        ("I've just moved to New York City last month.", Slot("home", "new york city")),
        ("We moved to a flat in Lisbon.", Slot("home", "lisbon")),
        ("I'm a nurse at St Mary's.", Slot("job", "nurse")),
        ("I work at Google.", Slot("workplace", "google")),
        ("I'm married.", Slot("relationship", "married")),
        ("I'm 34 years old.", Slot("age", "34")),
        ("Our dog passed away.", Slot("pet:dog", "gone", ends=True)),
    ],
)
def test_slots_are_read_from_the_words(text: str, slot: Slot) -> None:
    assert slot in slots_of(text)


@pytest.mark.parametrize(
    "text", ["I moved into a new flat.", "I'm a big fan of jazz.", "I lived in Porto as a kid."]
)
def test_words_that_name_no_clear_value_have_no_slot(text: str) -> None:
    assert not [s for s in slots_of(text) if s.key in {"home", "job"}]


def test_an_event_that_ends_a_state_is_never_itself_superseded() -> None:
    died = Slot("pet:cat", "gone", ends=True)
    assert conflicts(Slot("pet:cat", ""), died)
    assert not conflicts(died, Slot("pet:cat", ""))


# -- forgetting and editing ------------------------------------------------------------------


def _reflect(memory: MemoryStream, text: str, cited: list[int]) -> int:
    stored = memory.store.run_sync(
        lambda s: s.memories.add("samantha", MemoryKind.REFLECTION, text, 8, START, cited),
        write=True,
    )
    return stored.id


def test_forgetting_a_fact_reaches_core_reflections_and_its_other_wordings(
    memory: MemoryStream,
) -> None:
    first = memory.add_message("Theo", "I work as a nurse.", START)
    # An old database may hold the same fact twice in other words; both must go.
    memory.store.run_sync(
        lambda s: s.memories.add(
            "samantha", MemoryKind.FACT, "I am a nurse", 6, START, [first.message.id]
        ),
        write=True,
    )
    memory.add_message("Theo", "My sister is called Anna.", START + timedelta(minutes=1))
    reflection = _reflect(
        memory, "What has mattered to them lately: I work as a nurse.", [first.message.id]
    )
    fact = next(f for f in first.facts if "nurse" in f.text)
    memory.forget([fact.id])
    left = [m.text for m in memory.listing()]
    assert not [t for t in left if "nurse" in t]
    assert memory.get(reflection) is None
    core = memory.core().about_user
    assert "nurse" not in core
    assert "My sister is called Anna." in core  # what was not forgotten stays


def test_forgetting_a_fact_scrubs_the_summary_that_retells_it(memory: MemoryStream) -> None:
    added = memory.add_message("Theo", "My sister is called Anna. She is great.", START)
    cid = added.message.conversation_id
    summary = '- 02 Mar: they said "My sister is called Anna."\n- 02 Mar: they said "Hello."'
    memory.store.run_sync(
        lambda s: s.memories.set_summary(cid, summary, added.message.id, START), write=True
    )
    memory.forget([added.facts[0].id])
    kept = memory.store.run_sync(lambda s: s.memories.summary(cid))
    assert kept is not None
    assert "Anna" not in kept[0]
    assert "Hello" in kept[0]


def test_editing_a_fact_reaches_its_core_line_and_reflections(memory: MemoryStream) -> None:
    added = memory.add_message("Theo", "My sister is called Anna.", START)
    other = memory.add_message("Theo", "I work as a nurse.", START)
    quoted = _reflect(
        memory,
        "What has mattered to them lately: My sister is called Anna; I work as a nurse.",
        [added.message.id, other.message.id],
    )
    loose = _reflect(memory, "She seems close to her family.", [added.message.id])
    memory.edit(added.facts[0].id, "My sister is called Hanna.")
    core = memory.core().about_user
    assert "My sister is called Hanna." in core
    assert "Anna." not in core
    changed = memory.get(quoted)
    assert changed is not None
    assert "My sister is called Hanna" in changed.text
    assert memory.get(loose) is None  # drawn from the old words in ways that can't be redone


async def test_a_forgotten_fact_leaves_the_prompt(make_companion: MakeCompanion) -> None:
    companion = make_companion()
    await collect(companion, "I work as a nurse at St Mary's.")
    await companion.new_conversation()
    prompt = await companion.preview_prompt("How was your day?")
    assert "nurse" in "\n".join(m.content for m in prompt.messages)
    memories = await companion.memories()
    fact = next(m for m in memories if m.kind is MemoryKind.FACT and "nurse" in m.text)
    await companion.forget(fact.id)
    assert "nurse" not in (await companion.core_memory()).about_user
    prompt = await companion.preview_prompt("How was your day? Anything about nurses?")
    assert "nurse" not in "\n".join(m.content for m in prompt.messages).replace(
        "Anything about nurses?", ""
    )


async def test_a_move_replaces_the_old_home_in_the_prompt(make_companion: MakeCompanion) -> None:
    companion = make_companion()
    await collect(companion, "I live in Porto.")
    await companion.new_conversation()
    await collect(companion, "I moved to Lisbon!")
    await companion.new_conversation()
    prompt = await companion.preview_prompt("Where do I live now?")
    text = "\n".join(m.content for m in prompt.messages)
    assert "I moved to Lisbon." in text
    assert "I live in Porto." not in text


async def test_forgetting_refreshes_the_summary_her_mind_holds(memory: MemoryStream) -> None:
    from samantha.memory.mind import Mind

    mind = Mind(memory, None)
    added = memory.add_message("Theo", "My sister is called Anna.", START)
    cid = added.message.conversation_id
    summary = '- 02 Mar: they said "My sister is called Anna."'
    memory.store.run_sync(
        lambda s: s.memories.set_summary(cid, summary, added.message.id, START), write=True
    )
    held = await mind.summary(cid)
    assert held is not None
    assert "Anna" in held[0]
    memory.forget([added.facts[0].id])
    held = await mind.summary(cid)
    assert held is not None
    assert "Anna" not in held[0]


def test_core_from_an_older_database_shows_each_line_once(memory: MemoryStream) -> None:
    memory.set_core("about_user", "- I work as a nurse.\n- My name is Theo.\n- I work as a nurse")
    assert memory.core().about_user == "- I work as a nurse."


def test_an_older_database_holding_both_is_settled_by_the_next_fact(
    memory: MemoryStream,
) -> None:
    def old_row(text: str, day: int) -> None:
        memory.store.run_sync(
            lambda s: s.memories.add(
                "samantha", MemoryKind.FACT, text, 6, START + timedelta(days=day)
            ),
            write=True,
        )

    old_row("I live in Porto.", 0)
    old_row("I moved to Lisbon.", 1)
    memory.set_core("about_user", "- I live in Porto.\n- I moved to Lisbon.")
    memory.add_message("Theo", "I work as a nurse.", START + timedelta(days=2))
    facts = _facts(memory)
    assert facts["I live in Porto."] == START + timedelta(days=1)
    assert facts["I moved to Lisbon."] is None
    assert "Porto" not in memory.core().about_user
