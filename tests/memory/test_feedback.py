"""Pseudo-relevance feedback: meaning searched again from the question moved towards the
best memory finds what that memory's talk says in other words."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from samantha.memory.recall import RecallSettings, feedback
from samantha.memory.stream import MemorySettings, MemoryStream
from samantha.memory.vectors import VectorIndex, to_blob

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
QUERY = [1.0, 0.0, 0.0]
#: Shares the question's word; its meaning leans towards the answer's.
NAMED = ("We talked about the zombie for the game.", [0.6, 0.8, 0.0])
#: No word of the question and orthogonal to it: only feedback reaches it.
ANSWER = ("Fissionator it is, then.", [0.0, 1.0, 0.0])
OTHER = ("The bakery on the corner shut.", [0.0, 0.0, 1.0])


def test_feedback_moves_the_query_towards_the_best_memory() -> None:
    on = RecallSettings(feedback_weight=1.0)
    moved = feedback([2.0, 0.0], [0.0, 3.0], on)
    assert moved is not None
    assert moved == pytest.approx([1.0, 1.0])
    assert feedback([2.0, 0.0], [0.0, 3.0], RecallSettings()) is None
    assert feedback([2.0, 0.0], None, on) is None


def test_an_index_gives_back_a_memorys_unit_vector() -> None:
    index = VectorIndex(2)
    index.add([(4, to_blob([3.0, 4.0])), (9, to_blob([0.0, 2.0]))])
    assert index.vector(4) == pytest.approx([0.6, 0.8])
    assert index.vector(9) == pytest.approx([0.0, 1.0])
    assert index.vector(5) is None


def _stream(tmp_path: Path, weight: float) -> MemoryStream:
    stream = MemoryStream.open(tmp_path / f"memory{weight}.db", persona="samantha")
    stream.settings = MemorySettings(recall=RecallSettings(dense_floor=0.4, feedback_weight=weight))
    stream.local_vectors = False
    vectors = []
    for text, vector in (NAMED, ANSWER, OTHER):
        vectors.append((stream.remember(text, at=START).id, vector))
    stream.set_vectors("toy", vectors)
    return stream


@pytest.fixture
def streams(tmp_path: Path) -> Iterator[tuple[MemoryStream, MemoryStream]]:
    off, on = _stream(tmp_path, 0.0), _stream(tmp_path, 1.0)
    yield off, on
    off.close()
    on.close()


def test_feedback_finds_the_talks_answer_the_question_alone_misses(
    streams: tuple[MemoryStream, MemoryStream],
) -> None:
    off, on = streams
    question = "what did we name the zombie?"
    # Moved halfway between the question and the named memory, the query's cosine with
    # the answer is 0.8 / |(1.6, 0.8)|, about 0.45: over the floor of 0.4.
    assert math.isclose(0.8 / math.hypot(1.6, 0.8), 0.447, abs_tol=0.001)
    without = off.recall(question, now=START, query_vector=QUERY, vector_model="toy")
    assert [h.memory.text for h in without] == [NAMED[0]]
    found = on.recall(question, now=START, query_vector=QUERY, vector_model="toy")
    assert [h.memory.text for h in found] == [NAMED[0], ANSWER[0]]
