"""The sign-bit prefilter keeps exactly the rows a full partition by Hamming distance keeps."""

from __future__ import annotations

import numpy as np

from samantha.memory.vectors import _hamming_nearest


def test_the_nearest_by_sign_bits_are_those_a_full_sort_finds() -> None:
    rng = np.random.default_rng(4)
    bits = rng.integers(0, 2**63, size=(3, 50_000), dtype=np.uint64)
    query = rng.integers(0, 2**63, size=3, dtype=np.uint64)
    distance = np.bitwise_count(bits ^ query[:, None]).sum(axis=0)
    found = _hamming_nearest(bits, query, 256)
    assert len(found) == 256
    assert list(found) == sorted(set(found.tolist()))
    expected = np.sort(distance)[:256]
    assert sorted(distance[found].tolist()) == expected.tolist()
    # Rows at the cut-off distance are the first ones, in row order.
    cut = expected[-1]
    taken = [int(i) for i in found if distance[i] == cut]
    assert taken == np.flatnonzero(distance == cut)[: len(taken)].tolist()
