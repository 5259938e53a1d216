"""How a memory's vector is kept on disk: int8 with one float32 scale, a quarter of float32.

A 256-dimension float32 vector took 1 KB per memory, several times the words of a chat line
it stood for. Recall ranks by cosine similarity, and rounding each component to one of 255
steps of the vector's own largest component moves a cosine by about 1e-3 of its range, less
than the gaps recall's ranking turns on (benchmarks/longmemeval.py scores the same). Callers
never see the format: they hand in and get back float32 bytes (``<f4``), as before.

Layout: 4 bytes little-endian float32 scale, then one signed byte per dimension; a component
is ``byte * scale``.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Bytes before the components: the float32 scale.
HEADER = 4
_STEPS = 127


def encode_float32(blob: bytes, dim: int | None = None) -> bytes:
    """Float32 bytes (``<f4``) as the stored form. ``dim``, when given, must match."""
    import numpy as np

    vector = np.frombuffer(blob, dtype="<f4")
    if dim is not None and vector.size != dim:
        raise ValueError(f"a vector of {vector.size} float32 values, not {dim}")
    return _encode(vector)


def _encode(vector: object) -> bytes:
    import numpy as np

    values = np.nan_to_num(np.asarray(vector, dtype=np.float32))
    peak = float(np.abs(values).max()) if values.size else 0.0
    scale = peak / _STEPS if peak > 0 else 0.0
    steps = np.rint(values / scale) if scale else np.zeros_like(values)
    quantised = np.clip(steps, -_STEPS, _STEPS).astype(np.int8)
    header: bytes = np.array([scale], dtype="<f4").tobytes()
    return header + quantised.tobytes()


def decode_to_float32(blobs: Sequence[bytes]) -> list[bytes]:
    """Stored vectors back as float32 bytes, in one pass when they share a size (a
    session's first recall loads every vector of a model at once)."""
    import numpy as np

    if not blobs:
        return []
    size = len(blobs[0])
    if any(len(b) != size for b in blobs):
        return [decode_to_float32([b])[0] for b in blobs]
    rows = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(blobs), size)
    scales = rows[:, :HEADER].copy().view("<f4")
    values = rows[:, HEADER:].view(np.int8).astype(np.float32) * scales
    return [row.astype("<f4").tobytes() for row in values]


def dimensions(blob: bytes) -> int:
    return len(blob) - HEADER
