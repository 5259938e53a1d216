"""Prints recall latency (p50/p95/p99/max ms) at 10,000 and 100,000 stored memories, for the
full-text path (BM25 + recency + importance), the packaged static model's path (its 256-dim
vectors fused with BM25, what runs when the backend serves no embeddings) and the backend's dense
path (384-dim vectors fused with BM25).

Memories are chat episodes and short extracted facts drawn from word lists (people, places,
plans, feelings), each with its source message, spread over a year; every memory has a vector
from one of 2,000 random clusters, so a query vector drawn near a cluster has real neighbours.
Both sizes live in one database built in a temporary folder: 10,000 memories are loaded and
measured, then 90,000 more, and a fresh ``MemoryStream`` measures again. Timed calls are
``MemoryStream.recall(query, k=5)`` as the engine makes them, with touch=False (the default
for previews) and touch=True (each recall then renews the memories it returns, a write).
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from memory_data import clustered_vectors, fact_text, library_revision, memory_text, near, query
from samantha.domain.conversation import Role
from samantha.domain.memory import MemoryKind
from samantha.memory.extract import IMPORTANCE
from samantha.memory.recall import match_expression, query_terms
from samantha.memory.stream import MemoryStream
from samantha.store import Store
from samantha.store.memory_search import RANK_BUDGET

SIZES = (10_000, 100_000)
DIM = 384
CLUSTERS = 2_000
MODEL = "bench-384"
K = 5
WARMUP = 30
MEASURED = 300
TARGET_P95_MS = 10.0
#: Whole chat messages as queries (1-3 sentences, up to 16 terms): what the engine recalls with.
MESSAGE_QUERIES = 100
MESSAGE_LABEL = "fts msg touch=False"
SEED = 11
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
#: Share of memories that are extracted facts (the rest are episodes).
FACT_SHARE = 0.15
_FACT_KINDS = (MemoryKind.FACT, MemoryKind.PERSON, MemoryKind.PREFERENCE, MemoryKind.FEELING)


def _percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    rank = max(1, round(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass(frozen=True)
class Stats:
    p50: float
    p95: float
    p99: float
    high: float
    #: CPU time of this process (p50, p95): what other load on the machine inflates least.
    cpu: tuple[float, float] = (float("nan"), float("nan"))

    @classmethod
    def of(cls, values: Sequence[float], cpu: Sequence[float] = ()) -> Stats:
        ordered = sorted(values)
        spent = sorted(cpu)
        return cls(
            statistics.median(ordered),
            _percentile(ordered, 95),
            _percentile(ordered, 99),
            ordered[-1],
            (statistics.median(spent), _percentile(spent, 95)) if spent else cls.cpu,
        )

    def __str__(self) -> str:
        text = (
            f"p50 {self.p50:6.2f}  p95 {self.p95:6.2f}  p99 {self.p99:6.2f}  max {self.high:6.2f}"
        )
        if self.cpu == self.cpu:  # not NaN
            text += f"  | cpu p50 {self.cpu[0]:6.2f}  p95 {self.cpu[1]:6.2f}"
        return text


def load(
    stream: MemoryStream, start: int, stop: int, vectors: np.ndarray, rng: random.Random
) -> int:
    """Store memories ``start``..``stop`` (by position in the year) in one transaction, each
    with its source message and vector; returns how many messages were added."""
    span = timedelta(days=365) / SIZES[-1]
    first = NOW - timedelta(days=365)
    persona = stream.persona

    def work(s: Store) -> int:
        conversation = s.conversations.create(persona, first + span * start)
        messages = 0
        position = start
        while position < stop:
            at = first + span * position
            if position % 50 == 0:
                conversation = s.conversations.create(persona, at)
            text = memory_text(rng)
            user = rng.random() < 0.6
            role, speaker = (Role.USER, "you") if user else (Role.ASSISTANT, "Samantha")
            message = s.conversations.add_message(conversation.id, role, speaker, text, at)
            messages += 1
            # As add_message stores them: the user's words an episode, hers a reply.
            group = [
                (MemoryKind.EPISODE, text, rng.choice((1, 2, 2, 2, 3, 4)))
                if user
                else (MemoryKind.REPLY, text, 1)
            ]
            if user and rng.random() < FACT_SHARE / 0.6:
                kind = rng.choice(_FACT_KINDS)
                group.append((kind, fact_text(rng), IMPORTANCE[kind]))
            for kind, body, importance in group[: stop - position]:
                memory = s.memories.add(persona, kind, body, importance, at, [message.id])
                blob = vectors[position].astype("<f4").tobytes()
                s.memories.set_vector(memory.id, MODEL, blob, DIM)
                position += 1
        return messages

    return stream.store.run_sync(work, write=True)


def _with_local(stream: MemoryStream, on: bool) -> MemoryStream:
    """The stream with the packaged embedding model on (the "local" path) or off ("fts": words
    alone, as before the model; "dense": the backend's vectors are passed in)."""
    stream.local_vectors = on
    return stream


def timed(calls: Sequence[Callable[[], object]]) -> list[float]:
    return clocked(calls)[0]


def clocked(calls: Sequence[Callable[[], object]]) -> tuple[list[float], list[float]]:
    """Wall-clock and process CPU milliseconds of each call."""
    wall, cpu = [], []
    for call in calls:
        began, spent = time.perf_counter(), time.process_time()
        call()
        cpu.append((time.process_time() - spent) * 1000)
        wall.append((time.perf_counter() - began) * 1000)
    return wall, cpu


def measure(
    stream: MemoryStream,
    texts: list[str],
    vecs: list[list[float]],
    messages: list[str],
    size: int,
) -> dict[str, Stats]:
    """Warm up, then time each path with touch off and on, and the full-text path with whole
    messages as queries (what the engine passes)."""
    results: dict[str, Stats] = {}
    began = time.perf_counter()
    stream.recall(texts[0], K, now=NOW, query_vector=vecs[0], vector_model=MODEL, touch=False)
    print(
        f"  {size:>7,}  first dense recall (loads the vector index): "
        f"{(time.perf_counter() - began) * 1000:.0f} ms"
    )
    began = time.perf_counter()
    stream.warm()
    print(
        f"  {size:>7,}  packaged model: vectors for the backlog and index loaded in "
        f"{(time.perf_counter() - began) * 1000:.0f} ms (once per database; stored after)"
    )
    for path in ("fts", "local", "dense"):
        for touch in (False, True):

            def call(i: int, path: str = path, touch: bool = touch) -> Callable[[], object]:
                dense = path == "dense"
                return lambda: _with_local(stream, path == "local").recall(
                    texts[i],
                    K,
                    now=NOW,
                    query_vector=vecs[i] if dense else None,
                    vector_model=MODEL if dense else None,
                    touch=touch,
                )

            timed([call(i) for i in range(WARMUP)])
            stats = Stats.of(*clocked([call(WARMUP + i) for i in range(MEASURED)]))
            label = f"{path} touch={touch}"
            results[label] = stats
            print(f"  {size:>7,}  {label:<19} ms  {stats}")
    stream.local_vectors = False
    calls = [lambda m=m: stream.recall(m, K, now=NOW, touch=False) for m in messages]
    timed(calls[:WARMUP])
    stats = Stats.of(*clocked(calls[WARMUP:]))
    results[MESSAGE_LABEL] = stats
    print(f"  {size:>7,}  {MESSAGE_LABEL:<19} ms  {stats}")
    return results


def breakdown(
    stream: MemoryStream,
    path: Path,
    texts: list[str],
    vecs: list[list[float]],
    messages: list[str],
) -> None:
    """Where a recall's time goes: each step of ``MemoryStream.recall`` timed on its own."""
    persona, store = stream.persona, stream.store
    # The stream's own (private) index, exactly as recall uses it.
    index = store.run_sync(lambda s: stream._vector_index(s, MODEL))
    assert index is not None
    reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def matching(terms: list[str]) -> int:
        sql = "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH ?"
        return int(reader.execute(sql, (match_expression(terms),)).fetchone()[0])

    def narrowed(terms: list[str]) -> int:
        """Rows bm25 is computed for once ``MemoryRepository.search`` has narrowed the query."""
        match, floor, _ = store.run_sync(lambda s: s.memories.searcher.narrowed(terms))
        sql = "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH ? AND rowid >= ?"
        return int(reader.execute(sql, (match, floor)).fetchone()[0])

    def search(text: str) -> Callable[[], object]:
        match = match_expression(query_terms(text))
        return lambda: store.run_sync(lambda s: s.memories.search(persona, match, 80))

    def ann(vector: list[float]) -> Callable[[], object]:
        return lambda: index.search(vector, 80)

    def many(ids: list[int]) -> Callable[[], object]:
        return lambda: store.run_sync(lambda s: s.memories.many(ids))

    def newer() -> object:
        return store.run_sync(lambda s: s.memories.vectors(persona, MODEL, index.newest))

    queries = range(WARMUP, WARMUP + MEASURED)
    matches = sorted(matching(query_terms(texts[i])) for i in queries)
    ranked = sorted(narrowed(query_terms(texts[i])) for i in queries)
    whole = sorted(narrowed(query_terms(m)) for m in messages[WARMUP:])
    total = stream.count()
    terms = sorted({t for i in queries for t in query_terms(texts[i])})
    share = sorted(matching([t]) / total * 100 for t in terms)
    reader.close()
    print(
        f"  FTS matches per query: median {statistics.median(matches):,.0f}, "
        f"p95 {_percentile(matches, 95):,}; rows ranked by bm25 after narrowing (RANK_BUDGET "
        f"{RANK_BUDGET:,}): median {statistics.median(ranked):,.0f}, p95 "
        f"{_percentile(ranked, 95):,} (whole messages: median {statistics.median(whole):,.0f}, "
        f"p95 {_percentile(whole, 95):,}); "
        f"the {len(terms)} distinct query terms each match a median "
        f"{statistics.median(share):.2f}% of memories (p95 {_percentile(share, 95):.2f}%)"
    )
    hits = [[i for i, _ in index.search(vecs[q], 80)] for q in queries]
    for label, (wall, cpu) in (
        (
            "memories.search (narrowed, FTS5 bm25, top 80, hydrated)",
            clocked([search(texts[i]) for i in queries]),
        ),
        ("VectorIndex.search (Hamming 256 + rescoring)", clocked([ann(vecs[i]) for i in queries])),
        ("memories.many (hydrate 80 dense hits)", clocked([many(h) for h in hits])),
        ("memories.vectors(after newest) per recall", clocked([newer for _ in queries])),
    ):
        print(f"  {label:<56} ms  {Stats.of(wall, cpu)}")

    # The binary index against an exact scan: how many of the true top 10 it returns.
    unit, ids = index._unit, index._ids
    overlap = []
    for i in list(queries)[:100]:
        q = np.asarray(vecs[i], dtype=np.float32)
        exact = set(ids[np.argsort(-(unit @ (q / np.linalg.norm(q))))[:10]].tolist())
        overlap.append(len(exact & {m for m, _ in index.search(vecs[i], 10)}) / 10)
    print(f"  binary index recall@10 against an exact cosine scan: {statistics.fmean(overlap):.3f}")


def main() -> None:
    began = time.perf_counter()
    rng = random.Random(SEED)
    load_avg = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"recall latency: k={K}, {DIM}-dim vectors in {CLUSTERS:,} clusters, {WARMUP} warm-up + "
        f"{MEASURED} measured queries per path, python {sys.version.split()[0]}, "
        f"numpy {np.__version__}, load average {load_avg} on {os.cpu_count()} CPUs"
    )
    print(f"  samantha at {library_revision()}")
    vectors, centres, _ = clustered_vectors(SIZES[-1], DIM, CLUSTERS, SEED)
    texts = [query(rng) for _ in range(WARMUP + MEASURED)]
    messages = [memory_text(rng) for _ in range(WARMUP + MESSAGE_QUERIES)]
    vecs = near(centres, SEED + 1, WARMUP + MEASURED)
    print(f"  example queries: {' | '.join(texts[WARMUP : WARMUP + 4])}")
    print(f"  example message query: {messages[WARMUP]}")
    folder = Path(tempfile.mkdtemp(prefix="samantha-recall-latency-"))
    results: dict[int, dict[str, Stats]] = {}
    try:
        path = folder / "memories.db"
        loaded = 0
        for size in SIZES:
            built = time.perf_counter()
            with MemoryStream.open(path) as stream:
                added = load(stream, loaded, size, vectors, rng)
                loaded = size
                print(
                    f"  {size:>7,}  loaded {stream.count():,} memories ({added:,} more "
                    f"messages) in {time.perf_counter() - built:.1f} s; "
                    f"database {path.stat().st_size / 2**20:.0f} MiB"
                )
            with MemoryStream.open(path) as stream:
                results[size] = measure(stream, texts, vecs, messages, size)
                if size == SIZES[-1]:
                    print(f"breakdown at {size:,} (each step alone):")
                    breakdown(stream, path, texts, vecs, messages)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    small, large = results[SIZES[0]], results[SIZES[-1]]
    print(
        f"growth {SIZES[0]:,} -> {SIZES[-1]:,} (x{SIZES[-1] // SIZES[0]} memories), wall clock "
        "and process CPU time (the CPU figures are what other load on the machine skews least):"
    )
    for label, stats in large.items():
        before = small[label]
        verdict = "ok" if stats.p95 < TARGET_P95_MS else "OVER TARGET"
        print(
            f"  {label:<19} p50 x{stats.p50 / before.p50:.1f}, p95 x{stats.p95 / before.p95:.1f}"
            f" (cpu x{stats.cpu[0] / before.cpu[0]:.1f}, x{stats.cpu[1] / before.cpu[1]:.1f});"
            f" p95 at {SIZES[-1]:,} = {stats.p95:.1f} ms (cpu {stats.cpu[1]:.1f});"
            f" target < {TARGET_P95_MS:g} ms: {verdict}"
        )
    print(f"benchmark took {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
