"""A big vector index is kept in a file between sessions, and the file never says more (or
other) than the database: what was forgotten or changed is gone from it, and a file that
belongs to another database is not used."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from samantha.memory import vectors
from samantha.memory.stream import MemoryStream

MODEL = "test-4"
WHEN = datetime(2025, 3, 1, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _small_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors, "PERSIST_FROM", 10)


def _open(path: Path) -> MemoryStream:
    stream = MemoryStream.open(path)
    stream.local_vectors = False
    return stream


def _fill(stream: MemoryStream, count: int, seed: int) -> dict[int, list[float]]:
    rng = np.random.default_rng(seed)
    made: dict[int, list[float]] = {}
    for n in range(count):
        memory = stream.remember(f"thing number {seed}-{n}", at=WHEN)
        made[memory.id] = rng.normal(size=4).tolist()
    stream.set_vectors(MODEL, list(made.items()))
    return made


def _nearest(stream: MemoryStream, query: list[float], k: int = 3) -> list[int]:
    index = stream.store.run_sync(lambda s: stream._vector_index(s, MODEL))
    assert index is not None
    return [i for i, _ in index.search(query, k)]


def _files(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}-vectors-*.idx"))


def _no_reading(stream: MemoryStream) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("the index was read from the database again")

    stream._read_index = refuse  # type: ignore[method-assign]


def test_the_next_session_uses_the_kept_file_and_finds_what_was_added_since(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chat.db"
    with _open(path) as first:
        made = _fill(first, 30, 1)
        target = next(iter(made))
        assert _nearest(first, made[target], 1) == [target]
    assert len(_files(path)) == 1
    with _open(path) as second:
        _no_reading(second)
        newer = _fill(second, 3, 2)
        late = max(newer)
        assert _nearest(second, made[target], 1) == [target]
        assert _nearest(second, newer[late], 1) == [late]


def test_forgetting_takes_a_memory_out_of_the_kept_file(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    with _open(path) as first:
        made = _fill(first, 30, 3)
        _nearest(first, [1.0, 0, 0, 0])
    target = next(iter(made))
    with _open(path) as second:
        assert _nearest(second, made[target], 1) == [target]
        second.forget([target])
        assert _files(path) == []
        assert target not in _nearest(second, made[target], 30)
    assert len(_files(path)) == 1
    with _open(path) as third:
        _no_reading(third)
        assert target not in _nearest(third, made[target], 30)


def test_a_changed_vector_replaces_the_kept_one(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    with _open(path) as first:
        made = _fill(first, 30, 4)
        _nearest(first, [1.0, 0, 0, 0])
    target = next(iter(made))
    moved = [-v for v in made[target]]
    with _open(path) as second:
        assert _nearest(second, made[target], 1) == [target]
        second.set_vectors(MODEL, [(target, moved)])
        assert _nearest(second, moved, 1) == [target]
        assert target not in _nearest(second, made[target], 3)
    with _open(path) as third:
        assert _nearest(third, moved, 1) == [target]


def test_a_file_from_another_database_is_not_used(tmp_path: Path) -> None:
    mine, other = tmp_path / "mine.db", tmp_path / "other.db"
    with _open(mine) as first:
        made = _fill(first, 30, 5)
        _nearest(first, [1.0, 0, 0, 0])
    with _open(other) as second:
        theirs = _fill(second, 30, 6)
        _nearest(second, [1.0, 0, 0, 0])
    (kept,) = _files(mine)
    (foreign,) = _files(other)
    shutil.copyfile(foreign, kept)
    with _open(mine) as again:
        target = next(iter(made))
        assert _nearest(again, made[target], 1) == [target]
        assert set(_nearest(again, theirs[next(iter(theirs))], 30)) <= set(made)


def test_a_memory_of_the_kept_file_still_has_its_vector(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    with _open(path) as first:
        made = _fill(first, 30, 7)
        _nearest(first, [1.0, 0, 0, 0])
    target = next(iter(made))
    with _open(path) as second:
        _no_reading(second)
        index = second.store.run_sync(lambda s: second._vector_index(s, MODEL))
        assert index is not None
        found = index.vector(target)
        assert found is not None
        expected = np.asarray(made[target]) / np.linalg.norm(made[target])
        assert np.allclose(found, expected, atol=1e-2)
        second.forget([target])
        assert index.vector(target) is None


def test_forgetting_before_any_recall_still_takes_it_out_of_the_kept_file(
    tmp_path: Path,
) -> None:
    """`samantha memory forget` runs no search first, so no index is loaded: the file kept
    by an earlier session must not go on holding the forgotten memory's meaning."""
    path = tmp_path / "chat.db"
    with _open(path) as first:
        made = _fill(first, 30, 3)
        _nearest(first, [1.0, 0, 0, 0])
    assert _files(path)
    target = next(iter(made))
    with _open(path) as second:
        second.forget([target])
    with _open(path) as third:
        assert target not in _nearest(third, made[target], 30)
