"""Dense recall at 100,000 memories in a few milliseconds, without a vector database.

Python's bundled SQLite cannot load extensions such as sqlite-vec, so vectors live in a BLOB
column and are searched here. Up to ``EXACT_UP_TO`` vectors every one is scored exactly. A
float32 scan of 100k x 384 reads 150 MB per query (about 16 ms on two cores); past that size
each vector is also kept as its sign bits (48 bytes), the Hamming distance over the first 256
of them picks a thousand candidates, and only they are rescored exactly. This is the
binary-quantisation-with-rescoring scheme that vector stores use, in thirty lines of numpy.

Past ``PERSIST_FROM`` vectors the index is also kept in a file beside the database (``save``),
memory-mapped by the next session (``load``): its first recall reads only the pages it
scans, where building the index meant reading and normalising every stored vector (about a
second at 100k). Vectors stored since the file was written are read from the database as a
small growing part; a memory forgotten or changed makes the file stale, and it is deleted
(the next ``save`` writes it anew).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

#: How many Hamming-nearest candidates are rescored with exact cosine similarity, and on how
#: many 64-bit words of sign bits they are chosen. At 1M clustered 384-dim vectors (the recall
#: benchmark's), 256 candidates by all 384 bits kept 91% of the exact top 10 and took 11.8 ms
#: of CPU a query; 1,024 by the first 256 bits kept all of it in 6.6 ms (40 queries).
RESCORE = 1024
PREFILTER_WORDS = 4
#: Up to this many vectors every one is scored exactly: the rows are kept unit-length in one
#: contiguous float32 matrix, so a scan is one pass over it (10k x 256 took 0.4 ms of CPU
#: here, 20k about 0.8 ms) and loses nothing. Sign bits and rescoring kept only 86% of
#: the exact top 80 on a seeded chat's vectors, so they wait for memories this exact scan
#: cannot afford.
EXACT_UP_TO = 20_000
#: Rows whose sign-bit distances are summed at a time (a slice's temporaries stay in cache).
_SLICE = 16_384
#: Rows the matrices start with; they double when full, so adding a turn's vectors copies
#: nothing (concatenating them anew on every turn copied the whole matrix).
_START = 1024
#: From this many vectors the index is kept in a file between sessions: below it, reading the
#: vectors from the database takes a few tens of milliseconds and a file would only double
#: what is on disk.
PERSIST_FROM = 20_000
#: The file: magic, then dim, rows, sign-bit words and the newest id (little-endian int64),
#: padded to 64 bytes; then ids (int64), unit rows (float32) and sign bits (uint64, words x
#: rows), each 8-byte aligned.
_MAGIC = b"SAMVEC01"
_HEADER = struct.Struct("<8sqqqq")
_HEADER_SIZE = 64


def to_blob(vector: Sequence[float]) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype="<f4").tobytes()


class _Frozen:
    """The rows of a saved index, memory-mapped read-only: pages are read as a scan needs them."""

    def __init__(
        self, ids: NDArray[np.int64], unit: NDArray[np.float32], bits: NDArray[np.uint64]
    ) -> None:
        self.ids, self.unit, self.bits = ids, unit, bits
        self.n = len(ids)
        self.newest = int(ids[-1]) if self.n else 0

    def has(self, memory_ids: NDArray[np.int64]) -> NDArray[np.bool_]:
        import numpy as np

        at = np.searchsorted(self.ids, memory_ids)
        inside = at < self.n
        found: NDArray[np.bool_] = np.zeros(len(memory_ids), dtype=bool)
        found[inside] = self.ids[at[inside]] == memory_ids[inside]
        return found


def _hamming_nearest(
    bits: NDArray[np.uint64], qbits: NDArray[np.uint64], size: int
) -> NDArray[np.intp]:
    """The ``size`` rows (in row order) whose sign bits differ least from the query's.

    Distances are summed a slice of rows at a time, so the XOR and popcount temporaries
    stay in cache instead of streaming a full-size copy of the bits through memory twice
    (at 1M x 384 that halved the scan: 37 -> 20 ms of CPU). The nearest are then found by
    counting: a distance is a small integer (at most the dimension), so a histogram gives
    the cut-off in one pass, where a partition of a million rows took another 9 ms. Rows
    at the cut-off distance are taken in row order (memory id order)."""
    import numpy as np

    words, n = bits.shape
    distance = np.empty(n, dtype=np.uint16)
    step = min(n, _SLICE)
    xor = np.empty((words, step), dtype=np.uint64)
    counts = np.empty((words, step), dtype=np.uint8)
    for start in range(0, n, step):
        stop = min(n, start + step)
        m = stop - start
        np.bitwise_xor(bits[:, start:stop], qbits[:, None], out=xor[:, :m])
        np.bitwise_count(xor[:, :m], out=counts[:, :m])
        np.sum(counts[:, :m], axis=0, dtype=np.uint16, out=distance[start:stop])
    histogram = np.bincount(distance, minlength=words * 64 + 1)
    cut = int(np.searchsorted(np.cumsum(histogram), size))
    below = np.flatnonzero(distance < cut)
    at = np.flatnonzero(distance == cut)[: size - len(below)]
    pool: NDArray[np.intp] = np.sort(np.concatenate([below, at]))
    return pool


def _nearest(
    ids: NDArray[np.int64],
    unit: NDArray[np.float32],
    bits: NDArray[np.uint64],
    q: NDArray[np.float32],
    qbits: NDArray[np.uint64] | None,
    k: int,
) -> list[tuple[int, float]]:
    """The ``k`` rows nearest ``q``, best first: every row scored exactly up to
    ``EXACT_UP_TO`` rows, past that the Hamming-nearest ``RESCORE`` rescored."""
    import numpy as np

    n = len(ids)
    if not n or k <= 0:
        return []
    if n > max(RESCORE, EXACT_UP_TO) and qbits is not None:
        pool = _hamming_nearest(bits[:PREFILTER_WORDS], qbits[:PREFILTER_WORDS], RESCORE)
        similarity = unit[pool] @ q
        ids = ids[pool]
    else:
        # A view of the filled rows: no copy, one pass. einsum, not ``@``: BLAS hands a
        # product this size to its threads, which then spin on the other core (0.73 ms
        # of CPU for 0.19 ms of wall time at 10k x 256, against einsum's 0.38 ms).
        similarity = np.einsum("ij,j->i", unit, q)
    if k < len(similarity):
        best = np.argpartition(-similarity, k - 1)[:k]
    else:
        best = np.arange(len(similarity))
    # Best first; equal similarities in id order, as a full sort of the rows gave.
    order = best[np.lexsort((ids[best], -similarity[best]))]
    return [(int(ids[i]), float(similarity[i])) for i in order]


class VectorIndex:
    """An in-memory index over one persona's vectors from one embedding model.

    Rows are kept in id order (vectors are loaded by id and new memories have higher ids), so
    finding a memory's row is a binary search, not a scan of every id. An index loaded from a
    file (``load``) keeps those rows mapped as they are and grows a second part for the rest;
    a row of the file that was removed or stored again is only marked dead there."""

    def __init__(self, dim: int) -> None:
        import numpy as np

        self.dim = dim
        self._n = 0
        self._ids: NDArray[np.int64] = np.empty(_START, dtype=np.int64)
        self._unit: NDArray[np.float32] = np.empty((_START, dim), dtype=np.float32)
        #: Sign bits stored word-major (words x rows): summing popcounts down six long rows
        #: is several times faster than across a hundred thousand short ones.
        self._bits: NDArray[np.uint64] = np.empty(((dim + 63) // 64, _START), dtype=np.uint64)
        self.newest = 0
        self._frozen: _Frozen | None = None
        #: Ids of the file's rows that no longer count (forgotten, or stored again since).
        self._dead: set[int] = set()
        #: The file this index was loaded from or saved to, while it still says what the
        #: index says (``stale`` forgets it).
        self.saved_as: Path | None = None

    def __len__(self) -> int:
        frozen = self._frozen.n if self._frozen is not None else 0
        return frozen - len(self._dead) + self._n

    @property
    def unsaved(self) -> int:
        """Rows the saved file lacks: grown since it was loaded or written."""
        return self._n if self.saved_as is not None else len(self)

    def _signs(self, unit: NDArray[np.float32]) -> NDArray[np.uint64]:
        import numpy as np

        width = self._bits.shape[0] * 64
        padded = np.zeros((unit.shape[0], width), dtype=bool)
        padded[:, : self.dim] = unit > 0
        return np.packbits(padded, axis=1).view(np.uint64)

    def _reserve(self, rows: int) -> None:
        """Room for ``rows`` more rows, doubling the matrices when they are full."""
        import numpy as np

        need = self._n + rows
        if need <= self._ids.shape[0]:
            return
        size = max(need, 2 * self._ids.shape[0])
        n = self._n
        ids = np.empty(size, dtype=np.int64)
        unit = np.empty((size, self.dim), dtype=np.float32)
        bits = np.empty((self._bits.shape[0], size), dtype=np.uint64)
        ids[:n], unit[:n], bits[:, :n] = self._ids[:n], self._unit[:n], self._bits[:, :n]
        self._ids, self._unit, self._bits = ids, unit, bits

    def _bury(self, memory_ids: NDArray[np.int64]) -> bool:
        """Mark these ids dead in the file's rows; whether any of them was there."""
        if self._frozen is None or not len(memory_ids):
            return False
        found = memory_ids[self._frozen.has(memory_ids)]
        self._dead.update(int(i) for i in found)
        return bool(len(found))

    def add(self, rows: Sequence[tuple[int, bytes]]) -> None:
        import numpy as np

        rows = [(i, b) for i, b in rows if len(b) == self.dim * 4]
        if not rows:
            return
        ids = np.fromiter((i for i, _ in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(b for _, b in rows), dtype="<f4").reshape(-1, self.dim)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        unit = (matrix / np.where(norms == 0, 1, norms)).astype(np.float32)
        # A row of the file stored again: this copy replaces it, and the file is stale.
        frozen = self._frozen
        if frozen is not None and int(ids.min()) <= frozen.newest and self._bury(ids):
            self.saved_as = None
        self._reserve(len(rows))
        n, m = self._n, len(rows)
        self._ids[n : n + m] = ids
        self._unit[n : n + m] = unit
        self._bits[:, n : n + m] = self._signs(unit).T
        self._n = n + m
        in_order = bool(np.all(ids[1:] > ids[:-1])) and (n == 0 or ids[0] > self._ids[n - 1])
        if not in_order:
            self._sort()
        self.newest = max(self.newest, int(ids.max()))

    def _sort(self) -> None:
        """Rows back in id order (a vector stored again keeps its newest copy only)."""
        import numpy as np

        ids = self._ids[: self._n]
        # The last row of each id is its newest vector: stable sort, then keep last of a run.
        order = np.argsort(ids, kind="stable")
        ordered = ids[order]
        last = np.append(ordered[1:] != ordered[:-1], True)
        keep = order[last]
        self._keep(keep)

    def _keep(self, rows: NDArray[np.intp]) -> None:
        m = len(rows)
        self._ids[:m] = self._ids[rows]
        self._unit[:m] = self._unit[rows]
        self._bits[:, :m] = self._bits[:, rows]
        self._n = m

    def _rows(self, memory_ids: NDArray[np.int64]) -> NDArray[np.intp]:
        """The rows of these memory ids (those that have one) in the growing part."""
        import numpy as np

        ids = self._ids[: self._n]
        at = np.searchsorted(ids, memory_ids)
        at = at[at < self._n]
        rows: NDArray[np.intp] = np.unique(at[np.isin(ids[at], memory_ids)])
        return rows

    def remove(self, memory_ids: Sequence[int]) -> bool:
        """Drop these ids; whether the saved file held any of them (it is then stale)."""
        import numpy as np

        wanted = np.asarray(memory_ids, dtype=np.int64)
        gone = self._rows(wanted)
        if len(gone):
            keep = np.setdiff1d(np.arange(self._n), gone)
            self._keep(keep)
        stale = self._bury(wanted)
        if stale:
            self.saved_as = None
        return stale

    def _query(self, query: Sequence[float]) -> NDArray[np.float32]:
        import numpy as np

        q = np.asarray(query, dtype=np.float32)
        unit: NDArray[np.float32] = q / (np.linalg.norm(q) or 1.0)
        return unit

    def search(self, query: Sequence[float], k: int) -> list[tuple[int, float]]:
        """The ``k`` most similar memory ids with their cosine similarity, best first."""
        if not len(self) or len(query) != self.dim or k <= 0:
            return []
        q = self._query(query)
        qbits = self._signs(q[None, :])[0]
        n = self._n
        found = _nearest(self._ids[:n], self._unit[:n], self._bits[:, :n], q, qbits, k)
        frozen = self._frozen
        if frozen is None:
            return found
        dead = self._dead
        old = _nearest(frozen.ids, frozen.unit, frozen.bits, q, qbits, k + len(dead))
        found += [(i, s) for i, s in old if i not in dead]
        found.sort(key=lambda hit: (-hit[1], hit[0]))
        return found[:k]

    def vector(self, memory_id: int) -> list[float] | None:
        """The unit vector of one memory, or None when it has none."""
        import numpy as np

        wanted = np.asarray([memory_id], dtype=np.int64)
        rows = self._rows(wanted)
        if len(rows):
            return [float(x) for x in self._unit[rows[0]]]
        frozen = self._frozen
        if frozen is None or memory_id in self._dead or not frozen.has(wanted)[0]:
            return None
        # A row of the kept file (an index loaded by a later session).
        return [float(x) for x in frozen.unit[int(np.searchsorted(frozen.ids, memory_id))]]

    def similarities(self, memory_ids: Sequence[int], query: Sequence[float]) -> dict[int, float]:
        """Exact cosine similarity of these memories (those with a vector) to the query: the
        full-text candidates get their meaning scored even when it is not among the nearest."""
        import numpy as np

        if not len(self) or not memory_ids or len(query) != self.dim:
            return {}
        q = self._query(query)
        wanted = np.asarray(memory_ids, dtype=np.int64)
        found: dict[int, float] = {}
        frozen = self._frozen
        if frozen is not None:
            here = wanted[frozen.has(wanted)]
            rows = np.searchsorted(frozen.ids, here)
            for i, s in zip(here, frozen.unit[rows] @ q, strict=True):
                if int(i) not in self._dead:
                    found[int(i)] = float(s)
        rows = self._rows(wanted)
        similarity = self._unit[rows] @ q
        found.update({int(self._ids[r]): float(s) for r, s in zip(rows, similarity, strict=True)})
        return found

    # -- kept between sessions ----------------------------------------------------------------

    def tail_of_file(self, count: int) -> list[tuple[int, NDArray[np.float32]]]:
        """The file's last ``count`` rows (id, unit vector): to check the file against the
        database it claims to index."""
        frozen = self._frozen
        if frozen is None:
            return []
        return [
            (int(frozen.ids[r]), frozen.unit[r]) for r in range(max(0, frozen.n - count), frozen.n)
        ]

    def save(self, path: Path) -> None:
        """Write every live row to ``path`` (atomically: a reader sees the old file or the new
        one), readable only by the user, as the database is."""
        import numpy as np

        parts_ids, parts_unit, parts_bits = [], [], []
        frozen = self._frozen
        if frozen is not None:
            live = np.ones(frozen.n, dtype=bool)
            if self._dead:
                dead = np.fromiter(self._dead, dtype=np.int64, count=len(self._dead))
                live[np.searchsorted(frozen.ids, dead)] = False
            parts_ids.append(frozen.ids[live])
            parts_unit.append(frozen.unit[live])
            parts_bits.append(frozen.bits[:, live])
        n = self._n
        parts_ids.append(self._ids[:n])
        parts_unit.append(self._unit[:n])
        parts_bits.append(self._bits[:, :n])
        ids = np.concatenate(parts_ids)
        order = np.argsort(ids, kind="stable")
        ids = ids[order]
        words = self._bits.shape[0]
        header = _HEADER.pack(_MAGIC, self.dim, len(ids), words, int(ids[-1]) if len(ids) else 0)
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(header.ljust(_HEADER_SIZE, b"\0"))
                out.write(ids.astype("<i8").tobytes())
                unit = np.concatenate(parts_unit)[order]
                out.write(unit.astype("<f4").tobytes())
                if (len(ids) * self.dim) % 2:
                    out.write(b"\0" * 4)
                out.write(np.concatenate(parts_bits, axis=1)[:, order].astype("<u8").tobytes())
            os.replace(temporary, path)
        except BaseException:
            with suppress(OSError):
                temporary.unlink()
            raise
        self.saved_as = path
        self._adopt(path)

    def _adopt(self, path: Path) -> None:
        """Serve the rows from ``path`` (just written): the growing part starts empty."""
        loaded = _read(path, self.dim)
        if loaded is None:
            return
        self._frozen, self._dead, self._n = loaded, set(), 0
        self.newest = max(self.newest, loaded.newest)

    @classmethod
    def load(cls, path: Path) -> VectorIndex | None:
        """The index saved at ``path``, memory-mapped; None when there is none or it is not
        one this code wrote."""
        try:
            with path.open("rb") as head:
                raw = head.read(_HEADER.size)
        except OSError:
            return None
        if len(raw) < _HEADER.size:
            return None
        magic, dim, _, _, _ = _HEADER.unpack(raw)
        if magic != _MAGIC or dim <= 0:
            return None
        frozen = _read(path, dim)
        if frozen is None:
            return None
        index = cls(dim)
        index._frozen = frozen
        index.newest = frozen.newest
        index.saved_as = path
        return index


def _read(path: Path, dim: int) -> _Frozen | None:
    import numpy as np

    try:
        with path.open("rb") as head:
            magic, stored_dim, n, words, _ = _HEADER.unpack(head.read(_HEADER.size))
        if magic != _MAGIC or stored_dim != dim or n <= 0 or words != (dim + 63) // 64:
            return None
        unit_at = _HEADER_SIZE + 8 * n
        bits_at = unit_at + 4 * n * dim + (4 if (n * dim) % 2 else 0)
        if path.stat().st_size != bits_at + 8 * words * n:
            return None
        ids = np.memmap(path, dtype="<i8", mode="r", offset=_HEADER_SIZE, shape=(n,))
        unit = np.memmap(path, dtype="<f4", mode="r", offset=unit_at, shape=(n, dim))
        bits = np.memmap(path, dtype="<u8", mode="r", offset=bits_at, shape=(words, n))
    except (OSError, ValueError, struct.error):
        return None
    return _Frozen(ids, unit, bits)
