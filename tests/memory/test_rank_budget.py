"""How many rows a full-text search may rank: the whole budget while memory is small, a share
of the memories (never below a floor) once it is large."""

from __future__ import annotations

from samantha.store.memory_search import RANK_BUDGET, RANK_FLOOR, SCALED_FROM, rank_budget


def test_a_small_memory_keeps_the_whole_budget() -> None:
    assert rank_budget(600) == RANK_BUDGET
    assert rank_budget(SCALED_FROM - 1) == RANK_BUDGET


def test_a_large_memory_ranks_a_share_of_it_within_floor_and_budget() -> None:
    assert rank_budget(10_000) == RANK_FLOOR
    assert rank_budget(50_000) == 500
    assert rank_budget(100_000) == RANK_BUDGET
    assert rank_budget(1_000_000) == RANK_BUDGET
