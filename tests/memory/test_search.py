"""Full-text search narrowed to the query's rarest words: a common word no longer makes every
search rank thousands of rows, and what the rare words find still comes first."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from samantha.domain.memory import Memory, MemoryKind
from samantha.memory.recall import match_expression
from samantha.memory.stream import MemoryStream
from samantha.store import Store, memory_search

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
#: Small, so a "very common" word needs a few dozen memories, not thousands.
BUDGET = 10


@pytest.fixture
def memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryStream]:
    monkeypatch.setattr(memory_search, "RANK_BUDGET", BUDGET)
    with MemoryStream.open(tmp_path / "memory.db", persona="samantha") as stream:
        yield stream


def add(
    stream: MemoryStream,
    texts: Sequence[str],
    persona: str = "samantha",
    kind: MemoryKind = MemoryKind.EPISODE,
) -> list[Memory]:
    def work(s: Store) -> list[Memory]:
        return [
            s.memories.add(persona, kind, text, 3, START + timedelta(minutes=i))
            for i, text in enumerate(texts)
        ]

    return stream.store.run_sync(work, write=True)


def search(
    stream: MemoryStream,
    words: Sequence[str],
    limit: int = 100,
    persona: str = "samantha",
    kinds: Sequence[MemoryKind] | None = None,
) -> list[str]:
    match = match_expression(words)
    hits = stream.store.run_sync(lambda s: s.memories.search(persona, match, limit, kinds))
    return [m.text for m, _ in hits]


def test_a_very_common_word_no_longer_swamps_a_rare_one(memory: MemoryStream) -> None:
    add(memory, [f"Went for coffee number {i} today." for i in range(40)])
    add(memory, ["Coffee with Anselm by the river.", "Anselm moved to Tartu."])
    found = search(memory, ["coffee", "anselm"])
    # Only the rare word's memories are ranked; the forty about coffee alone are not.
    assert sorted(found) == ["Anselm moved to Tartu.", "Coffee with Anselm by the river."]


def test_the_common_words_still_rank_the_rare_words_memories(memory: MemoryStream) -> None:
    add(memory, [f"Went for coffee number {i} today." for i in range(40)])
    add(memory, [f"Read a good book, part {i}." for i in range(100)])
    # On its own word a shorter memory scores higher; the one that also has coffee must win.
    both = "Coffee with Anselm by the river, lovely."
    add(memory, ["Anselm moved to Tartu in spring.", both, "Anselm phoned me late at night."])
    assert search(memory, ["coffee", "anselm"])[0] == both


def test_a_word_in_no_memory_does_not_hide_the_others(memory: MemoryStream) -> None:
    add(memory, [f"Went for coffee number {i} today." for i in range(40)])
    assert len(search(memory, ["weather", "coffee"], limit=5)) == 5


def test_a_new_word_is_found_at_once_though_counts_are_kept(memory: MemoryStream) -> None:
    add(memory, [f"Went for coffee number {i} today." for i in range(5)])
    assert search(memory, ["coffee", "quince"]) != []  # counts "quince" (none) and "coffee"
    add(memory, ["Made quince jelly."])
    assert "Made quince jelly." in search(memory, ["coffee", "quince"])


def test_only_the_newest_memories_of_a_word_over_the_budget_are_ranked(
    memory: MemoryStream,
) -> None:
    add(memory, [f"Went for coffee number {i} today." for i in range(30)])
    found = search(memory, ["coffee"])
    assert sorted(found) == sorted(f"Went for coffee number {i} today." for i in range(20, 30))


def test_another_personas_newer_memories_do_not_crowd_out_this_ones(
    memory: MemoryStream,
) -> None:
    add(memory, ["Coffee at dawn, just us."])
    add(memory, [f"Coffee chat number {i}." for i in range(30)], persona="theodora")
    assert search(memory, ["coffee"]) == ["Coffee at dawn, just us."]


def test_a_kind_filter_widens_past_other_kinds(memory: MemoryStream) -> None:
    add(memory, [f"Anselm said hello {i}." for i in range(8)])
    add(memory, ["Anselm is my brother."], kind=MemoryKind.PERSON)
    found = search(memory, ["anselm"], limit=3, kinds=[MemoryKind.PERSON])
    assert found == ["Anselm is my brother."]


def test_recall_through_the_stream_prefers_the_rare_word(memory: MemoryStream) -> None:
    for i in range(40):
        memory.add_message("Theo", f"Had a coffee at the station, number {i}.", START)
    memory.add_message("Theo", "Ottilie is learning the cello.", START)
    hits = memory.recall("coffee with Ottilie?", k=3, now=START, touch=False)
    assert hits
    assert all("Ottilie" in hit.memory.text for hit in hits)


def found_texts(stream: MemoryStream, words: list[str], persona: str = "samantha") -> list[str]:
    match = match_expression(words)
    return [
        m.text
        for m, _ in stream.store.run_sync(lambda s: s.memories.search(persona, match, 10, None))
    ]


def test_a_rare_word_only_another_persona_has_does_not_hide_hers(memory: MemoryStream) -> None:
    add(memory, [f"Coffee chat number {i}." for i in range(30)])
    add(memory, ["Anselm phoned.", "Anselm again."], persona="theodora")
    found = found_texts(memory, ["coffee", "anselm"])
    assert len(found) == 10
    assert all(text.startswith("Coffee chat") for text in found)


def test_a_forgotten_rare_word_does_not_hide_the_rest(memory: MemoryStream) -> None:
    [anselm] = add(memory, ["Anselm phoned."])
    add(memory, [f"Coffee chat number {i}." for i in range(30)])
    assert found_texts(memory, ["coffee", "anselm"]) == ["Anselm phoned."]
    memory.store.run_sync(lambda s: s.memories.delete([anselm.id]), write=True)
    found = found_texts(memory, ["coffee", "anselm"])
    assert len(found) == 10
    assert "Anselm phoned." not in found


def test_memories_read_back_are_the_memories_stored(memory: MemoryStream) -> None:
    """Rows are turned into models without validation, field by field: each must come back
    equal to the validated model that was stored, sources in order, through every reader."""
    due = START + timedelta(days=3)
    said = [
        memory.add_message("Theo", text, START, learn=False).message.id
        for text in ("one", "two", "three")
    ]

    def work(s: Store) -> tuple[list[Memory], list[Memory]]:
        stored = [
            s.memories.add("samantha", MemoryKind.FACT, "the orchard", 4, START, said[2:0:-1]),
            s.memories.add(
                "samantha", MemoryKind.PLAN, "dentist on Friday", 6, START, said[:1], due
            ),
            s.memories.add("samantha", MemoryKind.FACT, "no source at all", 2, START),
        ]
        ids = [m.id for m in stored]
        read = s.memories.many(ids)
        assert [m.id for m in s.memories.many(list(reversed(ids)))] == list(reversed(ids))
        assert s.memories.message_conversations([]) == {}
        return stored, read

    stored, read = memory.store.run_sync(work, write=True)
    assert [Memory.model_validate(m.model_dump()) for m in read] == stored
    assert read[0].source_ids == [said[1], said[2]]
    assert read[1].model_dump() == stored[1].model_dump()
    found = memory.search("orchard")
    assert found == [stored[0]]
