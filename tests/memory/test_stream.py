"""The memory stream as a library: add, recall with score parts and provenance, forget."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from samantha.domain.conversation import Role
from samantha.domain.memory import MemoryKind
from samantha.memory.stream import MemoryStream
from samantha.memory.vectors import VectorIndex, to_blob

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def memory(tmp_path: Path) -> Iterator[MemoryStream]:
    with MemoryStream.open(tmp_path / "memory.db", persona="samantha") as stream:
        yield stream


def test_an_imported_message_keeps_its_own_speaker_and_date(memory: MemoryStream) -> None:
    long_ago = datetime(2024, 5, 1, 20, 0, tzinfo=UTC)
    added = memory.add_message("Theo", "My sister Anna lives in Lisbon.", long_ago)
    assert added.message.speaker == "Theo"
    assert added.message.created_at == long_ago
    assert added.episode.created_at == long_ago
    assert {f.text for f in added.facts} >= {"My sister is called Anna."}


def test_recall_ranks_by_relevance_and_shows_its_parts_and_sources(memory: MemoryStream) -> None:
    anna = memory.add_message("Theo", "My sister is called Anna.", START)
    memory.add_message("Theo", "I had pasta for lunch, it was fine.", START + timedelta(minutes=1))
    hits = memory.recall("How is your sister doing?", k=5, now=START + timedelta(days=7))
    assert hits, "the sister should come to mind"
    top = hits[0]
    assert "Anna" in top.memory.text
    assert top.memory.source_ids == [anna.message.id]
    assert 0 < top.recency < 1
    assert top.relevance == pytest.approx(1.0)
    weights = memory.settings.recall
    assert top.score == pytest.approx(
        weights.recency_weight * top.recency
        + weights.importance_weight * top.importance
        + weights.relevance_weight * top.relevance
    )
    assert all("pasta" not in h.memory.text for h in hits)


def test_nothing_comes_to_mind_for_a_message_that_shares_nothing(memory: MemoryStream) -> None:
    memory.add_message("Theo", "My sister is called Anna.", START)
    assert memory.recall("hi, how are you?", now=START) == []


def test_recency_favours_what_was_said_lately_when_relevance_ties(memory: MemoryStream) -> None:
    old = memory.remember("Sunday football with the neighbours.", at=START - timedelta(days=60))
    new = memory.remember("Football practice moved to Sunday.", at=START - timedelta(days=1))
    hits = memory.recall("football on sunday", now=START)
    assert [h.memory.id for h in hits[:2]] == [new.id, old.id]
    assert hits[0].recency > hits[1].recency


def test_recall_refreshes_recency_unless_asked_not_to(memory: MemoryStream) -> None:
    fact = memory.remember("I love jazz.", at=START)
    later = START + timedelta(days=30)
    memory.recall("jazz", now=later, touch=False)
    assert memory.get(fact.id).accessed_at == START  # type: ignore[union-attr]
    memory.recall("jazz", now=later)
    assert memory.get(fact.id).accessed_at == later  # type: ignore[union-attr]


def test_memories_already_in_the_prompt_are_not_recalled_again(memory: MemoryStream) -> None:
    added = memory.add_message("Theo", "My sister is called Anna.", START)
    hits = memory.recall("sister", now=START, exclude_sources={added.message.id})
    assert hits == []


def test_saying_a_fact_twice_reinforces_it_instead_of_storing_it_twice(
    memory: MemoryStream,
) -> None:
    first = memory.add_message("Theo", "I love jazz.", START)
    second = memory.add_message("Theo", "I love jazz.", START + timedelta(days=2))
    assert second.facts == []
    facts = memory.listing(kinds=[MemoryKind.PREFERENCE])
    assert len(facts) == 1
    assert facts[0].source_ids == [first.message.id, second.message.id]


def test_forgetting_a_fact_erases_it_and_the_episodes_it_came_from(memory: MemoryStream) -> None:
    added = memory.add_message("Theo", "My sister is called Anna.", START)
    person = next(f for f in added.facts if f.kind is MemoryKind.PERSON)
    assert "Anna" in memory.core().about_user
    memory.forget([person.id])
    assert memory.get(person.id) is None
    assert memory.get(added.episode.id) is None
    assert "Anna" not in memory.core().about_user
    for _ in range(3):
        assert all("Anna" not in h.memory.text for h in memory.recall("sister Anna", now=START))
    # The conversation itself is not rewritten.
    assert memory.store.run_sync(lambda s: s.conversations.message(added.message.id)) is not None


def test_core_memory_holds_important_facts_and_stays_bounded(tmp_path: Path) -> None:
    with MemoryStream.open(tmp_path / "m.db") as memory:
        memory.settings.core_limit = 100
        memory.add_message("Theo", "My sister is called Anna.", START)
        memory.add_message("Theo", "I work as a nurse at the city hospital on nights.", START)
        memory.add_message("Theo", "My brother is called Bruno.", START)
        core = memory.core().about_user
        assert len(core) <= 100
        assert "Bruno" in core  # the newest stays; the oldest gave way
        assert "Anna" not in core


def test_the_user_name_is_remembered(memory: MemoryStream) -> None:
    added = memory.add_message("you", "Call me Theo.", START)
    assert added.user_name == "Theo"
    assert memory.core().user_name == "Theo"


def test_her_own_messages_are_episodes_but_teach_no_facts(memory: MemoryStream) -> None:
    added = memory.add_message("Samantha", "I love the rain.", START, role=Role.ASSISTANT)
    assert added.facts == []
    assert added.episode.importance == 1


def test_plans_near_now_are_found_by_date(memory: MemoryStream) -> None:
    memory.add_message("Theo", "My interview is on Friday.", START)
    later = START + timedelta(days=7)
    plans = memory.due_plans(later, back=timedelta(days=5), ahead=timedelta(days=5))
    assert [p.text for p in plans] == ["My interview is on Friday."]
    assert memory.due_plans(START + timedelta(days=30)) == []


def _toy_vector(text: str, dim: int = 32) -> list[float]:
    """A bag of hashed words: texts sharing words point the same way."""
    vector = [0.0] * dim
    for word in text.lower().replace(".", "").split():
        vector[hashlib.sha256(word.encode()).digest()[0] % dim] += 1.0
    return vector


def test_dense_recall_finds_what_words_alone_miss(memory: MemoryStream) -> None:
    anna = memory.remember("My sister is called Anna.", at=START)
    memory.remember("I had pasta for lunch.", at=START)
    # Pretend the embedding model knows "sibling" means "sister": same vector.
    vectors = {
        "My sister is called Anna.": _toy_vector("sister"),
        "I had pasta for lunch.": _toy_vector("pasta"),
    }
    memory.set_vectors("toy", [(m.id, vectors[m.text]) for m in memory.listing()])
    assert memory.recall("meine Schwester", now=START) == []
    hits = memory.recall(
        "meine Schwester", now=START, query_vector=_toy_vector("sister"), vector_model="toy"
    )
    assert hits
    assert hits[0].memory.id == anna.id


def test_vector_index_rescoring_returns_exact_neighbours() -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    data = rng.standard_normal((2000, 64)).astype(np.float32)
    index = VectorIndex(64)
    index.add([(i + 1, to_blob(row.tolist())) for i, row in enumerate(data)])
    query = data[123] + 0.05 * rng.standard_normal(64).astype(np.float32)
    hits = index.search(query.tolist(), 5)
    assert hits[0][0] == 124
    assert math.isclose(hits[0][1], 1.0, abs_tol=0.01)
    index.remove([124])
    assert all(i != 124 for i, _ in index.search(query.tolist(), 5))


def test_a_fact_and_the_message_it_was_the_whole_of_take_one_place(
    memory: MemoryStream,
) -> None:
    memory.add_message("Theo", "My sister Anna lives in Lisbon.", START)
    hits = memory.recall("Lisbon", now=START)
    texts = [h.memory.text for h in hits]
    assert texts.count("My sister Anna lives in Lisbon.") == 1


def test_an_old_question_gives_way_to_the_answer(memory: MemoryStream) -> None:
    memory.add_message("Theo", "What's my parrot's name again?", START)
    answer = memory.add_message("Theo", "Our parrot Kiwi learned a new word.", START)
    hits = memory.recall("what is my parrot's name?", now=START + timedelta(days=1))
    assert hits[0].memory.source_ids == [answer.message.id]
