"""Full-text search of memories that costs what the query's rarest words cost.

FTS5 computes bm25 for every matching row before the best are kept, so a plain OR of a
message's words ranks every memory that holds a common one (thousands, at 100k memories). A
search here is narrowed first to the rows of its rarest words (``RANK_BUDGET`` at most);
commoner words still score those rows. Rows are ranked inside FTS5 alone and only the winners
are read, by the repository (``owned``), which knows personas and kinds.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence

from samantha.domain.memory import Memory

_DISJUNCTION = re.compile(r'"[^"]*"(?: OR "[^"]*")*')
_QUOTED = re.compile(r'"([^"]*)"')

#: Rows FTS5 may rank per search. It computes bm25 for every matching row before the best are
#: kept (~1 us a row, more per extra word), so this bounds a search's cost however many
#: memories there are. 1,000 is 1% of 100,000 memories; on benchmarks/recall_quality.py a
#: budget of 1% of the memories loses no recall, 0.5% does.
RANK_BUDGET = 1000
#: Past this many memories a search ranks a share of them (``RANK_SHARE``, at least
#: ``RANK_FLOOR`` rows) instead of the whole budget: 1,000 rows cost ~1.4 ms of CPU at 10k
#: memories, 300 about 0.85 ms, and 300 rows is still 3% of 10k memories, three times the
#: share that lost nothing on recall_quality.py. Below it (LongMemEval's haystacks hold ~600
#: messages) nothing changes.
SCALED_FROM = 5000
RANK_SHARE = 0.01
RANK_FLOOR = 300
#: Common words that still score the rare words' rows: each costs a seek per row, and past
#: the rarest few they changed no result on benchmarks/recall_quality.py.
SCORING_WORDS = 4
#: Rounds of "the rarest words found nothing of hers: try the next" before all are ranked.
NARROWING_TRIES = 3
#: At most this many prompt messages are kept out of a search (a prompt's worth, well within
#: SQLite's limit on parameters).
MAX_SKIPPED = 2000
#: Per database file: its size (highest memory id) when counted, and each word's memory count.
_FREQUENCIES: dict[str, tuple[int, dict[str, int]]] = {}

#: The persona's memories (of the kinds, if given) among these ids, read in full.
Owned = Callable[[list[int], str, list[str] | None], dict[int, Memory]]


def expression_terms(match: str) -> list[str] | None:
    """The words of a ``samantha.memory.recall.match_expression`` (quoted words OR'ed), or
    None for any other FTS5 expression, which is then run as it is."""
    if not _DISJUNCTION.fullmatch(match):
        return None
    return _QUOTED.findall(match)


def _disjunction(words: Sequence[str]) -> str:
    return " OR ".join(f'"{w}"' for w in words)


def _path_of(conn: sqlite3.Connection) -> str:
    return str(conn.execute("PRAGMA database_list").fetchone()[2])


def forget_counts(conn: sqlite3.Connection) -> None:
    """Word counts go stale when memories go or change (the highest id may not move)."""
    _FREQUENCIES.pop(_path_of(conn), None)


def rank_budget(size: int) -> int:
    """Rows a search may rank in a memory of ``size`` (its highest memory id)."""
    if size < SCALED_FROM:
        return RANK_BUDGET
    return min(RANK_BUDGET, max(RANK_FLOOR, round(size * RANK_SHARE)))


class MemorySearch:
    def __init__(self, conn: sqlite3.Connection, owned: Owned) -> None:
        self._conn = conn
        self._owned = owned
        #: The database file, naming its cache of word counts ("" in memory: not cached).
        self._path = _path_of(conn)

    def search(
        self,
        persona: str,
        match: str,
        limit: int,
        wanted: list[str] | None,
        skipped: list[int],
    ) -> list[tuple[Memory, float]]:
        """The persona's best ``limit`` matches for ``match``, leaving out the ``skipped``
        memory ids; a ``match_expression`` is narrowed first (``narrowed``)."""
        words = expression_terms(match)
        if words is None:
            return self._ranked(match, 0, limit, persona, wanted, skipped)
        size = self._size()
        if size <= RANK_BUDGET:
            # A small memory is ranked whole: choosing the rarest words would cost more.
            return self._ranked(match, 0, limit, persona, wanted, skipped)
        budget = rank_budget(size)
        # The rarest words can find nothing of hers: another persona's word, one only in the
        # prompt's own messages, or one just forgotten. Then the next rarest are tried.
        left = list(words)
        for _ in range(NARROWING_TRIES):
            narrowed, floor, used = self.narrowed(left, budget, size)
            found = self._ranked(narrowed, floor, limit, persona, wanted, skipped)
            left = [w for w in left if w not in used]
            if found or not used or not left:
                return found
        return self._ranked(_disjunction(left), 0, limit, persona, wanted, skipped)

    def _ranked(
        self,
        match: str,
        floor: int,
        limit: int,
        persona: str,
        wanted: list[str] | None,
        skipped: list[int],
    ) -> list[tuple[Memory, float]]:
        """Rank ``match`` inside FTS5 and read only the persona's best ``limit``; widened
        while other personas' or kinds' memories took places."""
        unless = f" AND rowid NOT IN ({','.join('?' * len(skipped))})" if skipped else ""
        inner = limit
        while True:
            ranked = self._conn.execute(
                "SELECT rowid, bm25(memories_fts) AS rank FROM memories_fts"
                f" WHERE memories_fts MATCH ? AND rowid >= ?{unless} ORDER BY rank LIMIT ?",
                (match, floor, *skipped, inner),
            ).fetchall()
            found = self._owned([r[0] for r in ranked], persona, wanted)
            if len(found) >= limit or len(found) == len(ranked):
                break
            if len(ranked) == inner:
                inner *= 8
            elif floor:
                floor = 0  # the newest matches were others': rank them all
            else:
                break
        return [(found[r[0]], float(r[1])) for r in ranked if r[0] in found][:limit]

    def narrowed(
        self, words: Sequence[str], budget: int | None = None, size: int | None = None
    ) -> tuple[str, int, list[str]]:
        """An expression matching only the query's rarest words, the lowest rowid to rank,
        and the words it must match (none when no word occurs at all).

        Words are taken rarest first while their memories add up to at most ``budget``
        (``rank_budget`` of the memory's size unless given)
        (always the rarest one that occurs at all). A word in thousands of memories adds
        thousands of rows to rank and little signal (its IDF is low), so the commoner words
        no longer match on their own: ``(rare) AND (rare OR common)`` matches exactly the rows
        of ``rare``, while bm25 scores every phrase, so of those rows the ones that also hold
        the common words still rank first. When even the rarest word is over the budget, only
        its newest ``budget`` memories are ranked.
        """
        size = self._size() if size is None else size
        budget = rank_budget(size) if budget is None else budget
        docs = self._frequencies(words, size)
        present = sorted((w for w in words if docs[w]), key=lambda w: docs[w])
        if not present:
            return _disjunction(words), 0, []
        kept = present[:1]
        total = docs[present[0]]
        for word in present[1:]:
            if total + docs[word] > budget:
                break
            kept.append(word)
            total += docs[word]
        expression = _disjunction(kept)
        if len(kept) < len(present):
            scoring = present[: len(kept) + SCORING_WORDS]
            expression = f"({expression}) AND ({_disjunction(scoring)})"
        floor = 0
        if total > budget:
            # The kept words alone match the same rows as the expression (its second half
            # holds them too), and walking one word's rows is a fifth of the cost.
            row = self._conn.execute(
                "SELECT rowid FROM memories_fts WHERE memories_fts MATCH ?"
                " ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                (_disjunction(kept), budget - 1),
            ).fetchone()
            floor = int(row[0]) if row else 0
        return expression, floor, kept

    def _size(self) -> int:
        return int(self._conn.execute("SELECT coalesce(max(id), 0) FROM memories").fetchone()[0])

    def _frequencies(self, words: Sequence[str], size: int) -> dict[str, int]:
        """How many memories hold each word. Counting reads the word's whole posting list, so
        counts are kept per database file (in this process) until it has grown by a tenth:
        choosing the rarest words needs their order, not exact figures. A word in no memory is
        counted again each time (a cheap lookup), so a memory that brings it is found at once.
        """
        path = self._path
        cache = _FREQUENCIES.get(path) if path else None
        if cache is None or not cache[0] <= size <= cache[0] * 1.1 + 100:
            cache = (size, {})
            if path:
                _FREQUENCIES[path] = cache
        known = cache[1]
        counts: dict[str, int] = {}
        for word in words:
            count = known.get(word)
            if count is None:
                count = int(
                    self._conn.execute(
                        "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH ?",
                        (_disjunction([word]),),
                    ).fetchone()[0]
                )
                if count:
                    known[word] = count
            counts[word] = count
        return counts
