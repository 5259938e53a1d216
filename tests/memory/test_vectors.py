"""The vector index answers what a plain scan of every stored vector answers, however it grows."""

from __future__ import annotations

import numpy as np

from samantha.memory.vectors import VectorIndex, to_blob


def _rows(ids: range, dim: int, seed: int) -> list[tuple[int, bytes]]:
    rng = np.random.default_rng(seed)
    return [(i, to_blob(rng.normal(size=dim).tolist())) for i in ids]


def _brute(rows: list[tuple[int, bytes]], query: np.ndarray, k: int) -> list[int]:
    ids = [i for i, _ in rows]
    matrix = np.stack([np.frombuffer(b, dtype="<f4") for _, b in rows])
    unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    sims = unit @ (query / np.linalg.norm(query))
    return [ids[j] for j in np.argsort(-sims)[:k]]


def test_search_matches_a_full_scan_after_growing_turn_by_turn() -> None:
    dim = 16
    index = VectorIndex(dim)
    first = _rows(range(1, 1500), dim, 1)
    index.add(first)
    later = _rows(range(1500, 2600), dim, 2)
    for row in later:  # one memory a turn, past the starting capacity
        index.add([row])
    query = np.random.default_rng(3).normal(size=dim)
    found = index.search(query.tolist(), 10)
    assert [i for i, _ in found] == _brute(first + later, query, 10)
    sims = [s for _, s in found]
    assert sims == sorted(sims, reverse=True)
    assert len(index) == 2599
    assert index.newest == 2599


def test_similarities_and_remove_find_rows_by_id() -> None:
    dim = 8
    index = VectorIndex(dim)
    rows = _rows(range(10, 40, 3), dim, 4)
    index.add(rows)
    query = np.ones(dim)
    sims = index.similarities([13, 16, 999], query.tolist())
    assert set(sims) == {13, 16}
    index.remove([13, 999])
    assert set(index.similarities([13, 16], query.tolist())) == {16}
    assert 13 not in {i for i, _ in index.search(query.tolist(), 100)}
    assert len(index) == len(rows) - 1


def test_vectors_added_out_of_order_are_found_and_the_newest_copy_wins() -> None:
    dim = 4
    index = VectorIndex(dim)
    index.add([(5, to_blob([1, 0, 0, 0])), (9, to_blob([0, 1, 0, 0]))])
    index.add([(7, to_blob([0, 0, 1, 0])), (5, to_blob([0, 0, 0, 1]))])
    assert index.similarities([5, 7, 9], [0, 0, 0, 1]) == {5: 1.0, 7: 0.0, 9: 0.0}
    assert [i for i, _ in index.search([0, 0, 1, 0], 1)] == [7]
    assert len(index) == 3
