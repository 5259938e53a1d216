"""A regression check, not a quality figure: this set was written by this project, and its
questions were known when recall was tuned (recall quality is measured on public data, in
benchmarks/longmemeval.py). Prints Recall@5/@10 of planted facts over months of synthetic
conversations: BM25 alone against the full score (recency + importance + relevance), a toy dense fusion, and a weight grid.

The set (``memory_data.conversation_set``): 60 conversations over six months; three facts planted
early in each of the first 48 ("my sister is called Anna", "I work as a nurse at ...", "my dog
Rex ...", friends' jobs, cities, children), distractors on the same topics with other values
scattered before and after, and each fact asked about once or twice in later conversations
("What's my sister's name again?"). Messages go in through ``MemoryStream.add_message`` with their
own timestamps, so the clock moves. Just before a question is stored, every configuration
recalls with it (k=10, now = the question's time, the current conversation excluded as the
engine does, touch=False so the configurations share one database); a hit is a recalled
memory whose sources include the planting message or whose text contains the planted value.
The engine itself recalls with touch=True (recalled memories get their recency renewed), so the
default and the suggested weights are also replayed that way, each on its own database. Another
replay narrows the full-text search as hard as it is at 100,000 memories (``at_scale``).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from memory_data import ConversationSet, Fact, Line, conversation_set, library_revision
from samantha.domain.conversation import Role
from samantha.domain.memory import MemoryKind, Recalled
from samantha.memory.recall import RecallSettings, query_terms
from samantha.memory.stream import MemorySettings, MemoryStream
from samantha.store import memory_search

if TYPE_CHECKING:
    from numpy.typing import NDArray

#: Three independent sets; the weight grid is tuned on the first and checked on the other two.
SEEDS = (5, 6, 7)
K = 10
#: What the engine recalls (and touches) on every user turn (``Settings.recall_k``).
ENGINE_K = 5
TOY_MODEL = "toy-random-indexing-384"
TOY_DIM = 384
#: Hand-made synonym groups for the toy embedding, written knowing this set's questions: they
#: show the fusion plumbing working, not what a real embedding model would score.
_SYNONYMS = (
    "work works working job jobs living career employed",
    "name names called named call",
    "live lives home flat",
    "afraid scared terrified fear frightened",
    "study studied studying degree university phd",
    "play plays playing instrument learning",
    "car drive drives driving",
    "sport sports train trains training obsessed",
    "engaged marrying marry wedding fiance",
    "move moved moving",
    "travel trip visit visiting dream holiday",
    "allergic allergy",
    "hometown grew originally",
    "favourite favorite",
)
_CANONICAL = {w: group.split()[0] for group in _SYNONYMS for w in group.split()}


_WORD_VECTORS: dict[str, NDArray[np.float32]] = {}


def _word_vector(word: str) -> NDArray[np.float32]:
    vector = _WORD_VECTORS.get(word)
    if vector is None:
        gen = np.random.default_rng(zlib.crc32(word.encode()))
        vector = gen.standard_normal(TOY_DIM).astype(np.float32)
        _WORD_VECTORS[word] = vector
    return vector


def toy_embedding(text: str) -> list[float]:
    """A toy: the sum of a fixed random vector per (synonym-folded, crudely stemmed) content
    word ("random indexing"). Dense like a real embedding, but it knows no meaning beyond the
    hand-made synonym groups and has no idea which words are rare."""
    total = np.zeros(TOY_DIM, dtype=np.float32)
    for term in query_terms(text, limit=64):
        word = _CANONICAL.get(term, term)
        if term not in _CANONICAL:
            for suffix in ("ing", "ed", "s"):
                if word.endswith(suffix) and len(word) > len(suffix) + 3:
                    word = word[: -len(suffix)]
                    break
        total += _word_vector(word)
    norm = float(np.linalg.norm(total)) or 1.0
    return (total / norm).tolist()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Config:
    label: str
    settings: RecallSettings
    dense: bool = False
    #: False: recall with the vector only (an empty query text), to see the toy on its own.
    lexical: bool = True
    #: An experiment the library does not do: drop episodes that are questions.
    drop_questions: bool = False


@dataclass
class Outcome:
    """Rank (1-based) of the first hit per question, or None when not in the top K."""

    ranks: list[int | None] = field(default_factory=list)

    def recall_at(self, k: int, picks: Sequence[int] | None = None) -> float:
        chosen = self.ranks if picks is None else [self.ranks[i] for i in picks]
        return sum(1 for r in chosen if r is not None and r <= k) / max(1, len(chosen))

    def mrr(self) -> float:
        return sum(1 / r for r in self.ranks if r is not None) / max(1, len(self.ranks))


@dataclass(frozen=True)
class Question:
    fact: Fact
    conversation: int
    days_since: float
    #: The how-many-th time this fact is asked (1 or 2).
    nth: int


def _weights(recency: float, importance: float, half_life: float = 168.0) -> RecallSettings:
    return RecallSettings(
        recency_weight=recency, importance_weight=importance, half_life_hours=half_life
    )


BM25 = Config("BM25 alone (recency 0, importance 0)", _weights(0, 0))
_DEFAULTS = RecallSettings()
FULL = Config(
    f"full score (defaults: rec {_DEFAULTS.recency_weight:g}, imp {_DEFAULTS.importance_weight:g},"
    f" rel {_DEFAULTS.relevance_weight:g}, {_DEFAULTS.half_life_hours:g} h)",
    _DEFAULTS,
)
TOY_BM25 = Config("TOY dense+BM25 RRF, recency 0, importance 0", _weights(0, 0), dense=True)
TOY_FULL = Config("TOY dense+BM25 RRF, default weights", RecallSettings(), dense=True)
TOY_ALONE = Config(
    "TOY dense alone (no query text), recency 0, importance 0",
    _weights(0, 0),
    dense=True,
    lexical=False,
)
NO_QUESTIONS = Config(
    "EXPERIMENT: full score, question episodes dropped",
    RecallSettings(),
    drop_questions=True,
)
NO_QUESTIONS_BM25 = Config(
    "EXPERIMENT: BM25 alone, question episodes dropped",
    _weights(0, 0),
    drop_questions=True,
)
GRID = [
    Config(f"rec {r:<4g} imp {i:<4g} half-life {h:g} h", _weights(r, i, h))
    for h in (168.0, 720.0)
    for r in (0.0, 0.1, 0.25, 0.5)
    for i in (0.0, 0.25, 0.5)
    if not (r == 0 and h != 168.0)
]


def _hit_rank(fact: Fact, planted_at: int, recalled: Sequence[Recalled]) -> int | None:
    for rank, hit in enumerate(recalled, start=1):
        memory = hit.memory
        if planted_at in memory.source_ids or fact.found_in(memory.text):
            return rank
    return None


def _recall(
    stream: MemoryStream,
    config: Config,
    line: Line,
    in_view: Sequence[int],
    vector: list[float] | None,
) -> list[Recalled]:
    """The top K for one question under one configuration, without touching anything."""
    recalled = stream.recall(
        line.text if config.lexical else "",
        K * 4 if config.drop_questions else K,
        now=line.at,
        exclude_sources=in_view,
        query_vector=vector if config.dense else None,
        vector_model=TOY_MODEL if config.dense else None,
        touch=False,
    )
    if config.drop_questions:
        recalled = [
            r
            for r in recalled
            if not (r.memory.kind is MemoryKind.EPISODE and r.memory.text.rstrip().endswith("?"))
        ]
    return recalled[:K]


def replay(
    data: ConversationSet,
    configs: Sequence[Config],
    folder: Path,
    *,
    touch: bool = False,
    vectors: bool = False,
) -> tuple[dict[str, Outcome], list[Question], float]:
    """Ingest the set in time order; at each question, every config recalls before it is stored.

    With ``touch``, every user message also recalls (k=5, touch=True) as the engine's turns
    do, so recalled memories have their recency renewed; each config then needs its own
    database, so pass one config.
    """
    assert not touch or len(configs) == 1
    stream = MemoryStream.open(folder / f"replay-{len(list(folder.iterdir()))}.db")
    streams = {
        c.label: MemoryStream(stream.store, stream.persona, MemorySettings(recall=c.settings))
        for c in configs
    }
    outcomes = {c.label: Outcome() for c in configs}
    questions: list[Question] = []
    planted: dict[int, tuple[int, Line]] = {}
    asked: dict[int, int] = {}
    began = time.perf_counter()
    try:
        conversation_id: int | None = None
        current = -1
        in_view: list[int] = []
        for line in data.lines:
            if line.conversation != current:
                current = line.conversation
                conversation_id = stream.conversation(f"day {current}", line.at).id
                in_view = []
            fact = line.asks
            if fact is not None:
                message_id, plant = planted[id(fact)]
                asked[id(fact)] = asked.get(id(fact), 0) + 1
                days = (line.at - plant.at).total_seconds() / 86400
                questions.append(Question(fact, line.conversation, days, asked[id(fact)]))
                vector = toy_embedding(line.text) if vectors else None
                for config in configs:
                    recalled = _recall(streams[config.label], config, line, in_view, vector)
                    outcomes[config.label].ranks.append(_hit_rank(fact, message_id, recalled))
            if touch and line.user:
                # What the engine does on every user turn: recall its k=5, renewing their recency.
                streams[configs[0].label].recall(
                    line.text, ENGINE_K, now=line.at, exclude_sources=in_view, touch=True
                )
            added = stream.add_message(
                "you" if line.user else "Samantha",
                line.text,
                line.at,
                role=Role.USER if line.user else Role.ASSISTANT,
                conversation_id=conversation_id,
            )
            in_view.append(added.message.id)
            if line.plants is not None:
                planted[id(line.plants)] = (added.message.id, line)
            if vectors:
                fresh = [added.episode, *added.facts]
                stream.set_vectors(TOY_MODEL, [(m.id, toy_embedding(m.text)) for m in fresh])
        stored = stream.count()
    finally:
        stream.close()
    elapsed = time.perf_counter() - began
    print(
        f"  replayed {len(data.lines)} messages -> {stored} memories, {len(questions)} questions"
        f" x {len(configs)} configs{' (touch=True)' if touch else ''} in {elapsed:.1f} s"
    )
    return outcomes, questions, elapsed


def _table(
    title: str,
    rows: Sequence[Config],
    outcomes: dict[str, Outcome],
    picks: Sequence[int] | None = None,
) -> None:
    width = max(len(c.label) for c in rows)
    print(f"\n{title}")
    print(f"  {'configuration':<{width}}  R@5    R@10   MRR@10")
    for c in rows:
        o = outcomes[c.label]
        mrr = f"{o.mrr():.3f}" if picks is None else "  -  "
        print(
            f"  {c.label:<{width}}  {o.recall_at(5, picks):.3f}  {o.recall_at(10, picks):.3f}  {mrr}"
        )


def _breakdown(
    title: str,
    configs: Sequence[Config],
    outcomes: dict[str, Outcome],
    questions: Sequence[Question],
    key: Callable[[Question], str],
) -> None:
    groups: dict[str, list[int]] = {}
    for index, q in enumerate(questions):
        groups.setdefault(key(q), []).append(index)
    names = sorted(groups)
    print(f"\n{title} (R@5 / R@10; n = questions)")
    header = "".join(f"{n + f' (n={len(groups[n])})':>22}" for n in names)
    print(f"  {'':<12}{header}")
    for c in configs:
        cells = "".join(
            f"{outcomes[c.label].recall_at(5, groups[n]):>15.2f} / "
            f"{outcomes[c.label].recall_at(10, groups[n]):.2f}"
            for n in names
        )
        print(f"  {c.label.split(' (')[0][:12]:<12}{cells}")


def _delay(q: Question) -> str:
    if q.days_since < 14:
        return "a < 2 weeks"
    if q.days_since < 56:
        return "b 2-8 weeks"
    return "c > 8 weeks"


def _merge(parts: Sequence[dict[str, Outcome]]) -> dict[str, Outcome]:
    merged: dict[str, Outcome] = {}
    for part in parts:
        for label, outcome in part.items():
            merged.setdefault(label, Outcome()).ranks.extend(outcome.ranks)
    return merged


def _paired(a: Config, b: Config, outcomes: dict[str, Outcome], k: int) -> str:
    """How many questions each of two configs gets right at k that the other misses."""
    wins = losses = 0
    for x, y in zip(outcomes[a.label].ranks, outcomes[b.label].ranks, strict=True):
        hit_x, hit_y = x is not None and x <= k, y is not None and y <= k
        wins += hit_x and not hit_y
        losses += hit_y and not hit_x
    return f"@{k}: {wins} questions better, {losses} worse"


#: The memory count at which ``memory_search.RANK_BUDGET`` is checked here (recall_latency's size).
AT_SCALE = 100_000


def at_scale(sets: Sequence[ConversationSet], folder: Path) -> None:
    """Replay with the full-text search narrowed as hard as it is at ``AT_SCALE`` memories.

    A search ranks only about ``RANK_BUDGET`` rows, taking the query's rarest words first;
    this set's few thousand memories rarely reach that, so the budget is scaled down by
    ``AT_SCALE`` over the set's size (about one memory per message) to see what narrowing
    costs in recall where it bites. Halving it again shows the margin.
    """
    budget = memory_search.RANK_BUDGET
    rows: list[Config] = []
    results: dict[str, Outcome] = {}
    try:
        for share in (1.0, 0.5):
            parts = []
            for data in sets:
                memory_search.RANK_BUDGET = max(
                    1, round(budget * share * len(data.lines) / AT_SCALE)
                )
                parts.append(replay(data, [BM25, FULL], folder)[0])
            merged = _merge(parts)
            for config in (BM25, FULL):
                label = (
                    f"{config.label.split(' (')[0]}, budget {budget * share:,.0f} at {AT_SCALE:,}"
                )
                rows.append(Config(label, config.settings))
                results[label] = merged[config.label]
    finally:
        memory_search.RANK_BUDGET = budget
    _table(
        f"Narrowed full-text search (RANK_BUDGET {budget:,}) as at {AT_SCALE:,} memories:",
        rows,
        results,
    )


def main() -> None:
    began = time.perf_counter()
    sets = [conversation_set(seed) for seed in SEEDS]
    print(
        f"recall quality: seeds {', '.join(map(str, SEEDS))}; per seed {sets[0].conversations}"
        f" conversations over ~6 months, {len(sets[0].facts)} planted facts; in all "
        f"{sum(len(d.lines) for d in sets)} messages and "
        f"{sum(1 for d in sets for line in d.lines if line.asks)} questions; k={K}; "
        f"python {sys.version.split()[0]}"
    )
    print(f"  samantha at {library_revision()}")
    folder = Path(tempfile.mkdtemp(prefix="samantha-recall-quality-"))
    main_configs = [
        BM25,
        FULL,
        NO_QUESTIONS_BM25,
        NO_QUESTIONS,
        TOY_ALONE,
        TOY_BM25,
        TOY_FULL,
        *GRID,
    ]
    try:
        per_seed: list[dict[str, Outcome]] = []
        questions: list[Question] = []
        for seed, data in zip(SEEDS, sets, strict=True):
            print(f"seed {seed}: {data.start:%Y-%m-%d} to {data.end:%Y-%m-%d}")
            result, asked, _ = replay(data, main_configs, folder, vectors=True)
            per_seed.append(result)
            questions += asked
        outcomes = _merge(per_seed)

        _table("Main comparison, all seeds (touch=False):", [BM25, FULL], outcomes)
        for seed, result in zip(SEEDS, per_seed, strict=True):
            print(
                f"  seed {seed}: R@5 {result[BM25.label].recall_at(5):.3f} -> "
                f"{result[FULL.label].recall_at(5):.3f}, R@10 "
                f"{result[BM25.label].recall_at(10):.3f} -> {result[FULL.label].recall_at(10):.3f}"
                " (BM25 alone -> full score)"
            )
        print(
            f"  full score against BM25 alone, same questions: {_paired(FULL, BM25, outcomes, 5)};"
            f" {_paired(FULL, BM25, outcomes, 10)}"
        )
        _breakdown("By fact group", [BM25, FULL], outcomes, questions, lambda q: q.fact.group)
        _breakdown("By time since planted", [BM25, FULL], outcomes, questions, _delay)
        _breakdown(
            "First vs repeated question (a repeat has the earlier question in memory)",
            [BM25, FULL],
            outcomes,
            questions,
            lambda q: "asked once" if q.nth == 1 else "asked again",
        )
        at_scale(sets, folder)
        _table(
            "TOY dense fusion (random-indexing bag-of-words + hand-made synonyms; NOT a real"
            " model):",
            [TOY_ALONE, TOY_BM25, TOY_FULL],
            outcomes,
        )
        _table(
            "EXPERIMENT, not in the library (k=40 recalled, episodes that are questions dropped,"
            " top 10 kept; it cannot lose on this metric, as no fact is planted as a question):",
            [NO_QUESTIONS_BM25, NO_QUESTIONS],
            outcomes,
        )
        print(
            f"  dropped-questions full score against the library's full score: "
            f"{_paired(NO_QUESTIONS, FULL, outcomes, 5)}; {_paired(NO_QUESTIONS, FULL, outcomes, 10)}"
        )

        _table("GRID (relevance weight 1.5 throughout; synthetic data; all seeds):", GRID, outcomes)
        tune, held = per_seed[0], _merge(per_seed[1:])
        best = min(
            GRID,
            key=lambda c: (
                -tune[c.label].recall_at(5) - tune[c.label].recall_at(10),
                c.settings.recency_weight,
            ),
        )
        print(f"\nBest grid point on seed {SEEDS[0]}: {best.label}; on the other seeds:")
        _table("", [BM25, FULL, best], held)

        # The engine recalls with touch=True: replay the default and the grid's pick that way.
        # At recency weight 0 touching changes nothing a config ranks by, so those rows are the
        # touch=False results (same questions, same order).
        print("\nReplays with touch=True (every user turn recalls k=5 and renews them):")
        importance_only = next(
            c
            for c in GRID
            if c.settings.recency_weight == 0 and c.settings.importance_weight == 0.5
        )
        replayed = [c for c in (FULL, best) if c.settings.recency_weight > 0]
        touched: list[dict[str, Outcome]] = []
        for data in sets:
            for config in replayed:
                result, _, _ = replay(data, [config], folder, touch=True)
                touched.append(result)
        engine = _merge(touched)
        for config in (BM25, importance_only, best):
            engine.setdefault(config.label, outcomes[config.label])
        rows = list({c.label: c for c in (BM25, importance_only, FULL, best)}.values())
        _table("touch=True, all seeds (recency-0 rows: touch has no effect):", rows, engine)
        for config in rows[1:]:
            print(
                f"  {config.label} against BM25 alone: {_paired(config, BM25, engine, 5)}; "
                f"{_paired(config, BM25, engine, 10)}"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\nbenchmark took {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
