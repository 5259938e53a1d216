"""The nearest memories in meaning count even when every similarity is under the floor, as
long as they are a small share of the memory (in a tiny one they would be all of it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from samantha.memory.recall import RecallSettings, meaning_floor
from samantha.memory.stream import MemorySettings, MemoryStream

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
QUERY = [1.0, 0.0, 0.0]
#: Cosine 0.6 and 0.1 to the query: both under a floor of 0.9.
NEAR = [0.6, 0.8, 0.0]
FAR = [0.1, 0.0, 0.995]
NEAR_TEXT = "Dr. Patel prescribed a nasal spray."
QUESTION = "which doctors did I see?"


def test_the_floor_is_lowered_to_the_nth_nearest_and_never_raised() -> None:
    sims = [0.9, 0.2, 0.1, 0.05]
    assert meaning_floor(RecallSettings(dense_floor=0.5), sims, 1000) == 0.5
    assert meaning_floor(RecallSettings(dense_floor=0.5, dense_always=2), sims, 1000) == 0.2
    assert meaning_floor(RecallSettings(dense_floor=0.1, dense_always=2), sims, 1000) == 0.1
    assert meaning_floor(RecallSettings(dense_floor=0.5, dense_always=9), sims, 1000) == 0.05
    assert meaning_floor(RecallSettings(dense_floor=0.5, dense_always=2), [], 1000) == 0.5


def test_in_a_small_memory_the_nearest_are_fewer() -> None:
    sims = [0.3, 0.2, 0.1, 0.05]
    settings = RecallSettings(dense_floor=0.5, dense_always=2)
    assert meaning_floor(settings, sims, 40) == 0.2
    assert meaning_floor(settings, sims, 20) == 0.3  # one memory in twenty: the nearest only
    assert meaning_floor(settings, sims, 19) == 0.5  # fewer: none is let in under the floor


def _stream(tmp_path: Path, always: int, fillers: int) -> MemoryStream:
    settings = MemorySettings(recall=RecallSettings(dense_floor=0.9, dense_always=always))
    stream = MemoryStream.open(tmp_path / f"memory{always}-{fillers}.db", persona="samantha")
    stream.settings = settings
    stream.local_vectors = False
    near = stream.remember(NEAR_TEXT, at=START)
    vectors = [(near.id, NEAR)]
    for n in range(fillers):
        far = stream.remember(f"The bakery on corner {n} shut.", at=START)
        vectors.append((far.id, FAR))
    stream.set_vectors("toy", vectors)
    return stream


@pytest.fixture
def streams(tmp_path: Path) -> Iterator[list[MemoryStream]]:
    made = [_stream(tmp_path, 0, 19), _stream(tmp_path, 1, 19), _stream(tmp_path, 1, 1)]
    yield made
    for stream in made:
        stream.close()


def test_the_nearest_memory_comes_up_though_under_the_floor(
    streams: list[MemoryStream],
) -> None:
    off, on, small = streams
    assert off.recall(QUESTION, now=START, query_vector=QUERY, vector_model="toy") == []
    hits = on.recall(QUESTION, now=START, query_vector=QUERY, vector_model="toy")
    assert [h.memory.text for h in hits] == [NEAR_TEXT]
    assert small.recall(QUESTION, now=START, query_vector=QUERY, vector_model="toy") == []


def test_a_query_of_no_words_gets_nothing_by_the_nearest_rule(
    streams: list[MemoryStream],
) -> None:
    """'ok' or 'the the the' asks for nothing: the nearest-ten rule would bring arbitrary
    memories at full relevance (seen through the public memory API in review)."""
    _, on, _ = streams
    for empty in ("ok", "the the the", "?"):
        assert on.recall(empty, now=START, query_vector=QUERY, vector_model="toy") == []
