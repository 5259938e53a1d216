"""The sign-bit prefilter keeps exactly the rows a full partition by Hamming distance keeps."""

from __future__ import annotations

import numpy as np
import pytest

from samantha.memory import vectors
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


def test_past_the_exact_scan_the_prefilter_keeps_the_exact_neighbours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vectors, "EXACT_UP_TO", 1000)
    rng = np.random.default_rng(9)
    centres = rng.standard_normal((50, 384)).astype(np.float32)
    data = centres[rng.integers(0, 50, size=6000)] + 0.05 * rng.standard_normal((6000, 384))
    index = vectors.VectorIndex(384)
    index.add([(i + 1, vectors.to_blob(row.tolist())) for i, row in enumerate(data)])
    unit = data / np.linalg.norm(data, axis=1, keepdims=True)
    for probe in (7, 1234, 5999):
        query = data[probe] + 0.01 * rng.standard_normal(384)
        exact = np.argsort(-(unit @ (query / np.linalg.norm(query))))[:10] + 1
        found = [i for i, _ in index.search(query.tolist(), 10)]
        assert found[0] == probe + 1
        assert len(set(found) & set(exact.tolist())) >= 9
