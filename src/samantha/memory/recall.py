"""Which memories come to mind: recency + importance + relevance (Generative Agents, 2023).

Relevance is BM25 from SQLite's FTS5 index and, when the backend serves embeddings, cosine
similarity fused with BM25 by reciprocal rank. Only memories that share something with the
query are candidates: a very important memory does not come up when nothing calls it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime
from functools import lru_cache

from pydantic import BaseModel, Field

from samantha.domain.memory import Memory, MemoryKind, Recalled

_WORD = re.compile(r"[^\W_]{2,}", re.UNICODE)
#: Words that carry no topic; matching on them would recall everything.
STOPWORDS = frozenset(
    """a about after again all also am an and any are as at be because been before being but by
    can could did do does doing don done for from get got had has have having he her here hers
    him his how i if in into is it its just know like me more most my no not now of off on once
    only or other our out over own really said same say says she should so some still such than
    that the their them then there these they thing things think this those through to too very
    was way we well were what when where which while who why will with would yes yet you your
    yours yeah ok okay oh hi hey hello lol im ive youre dont cant tell told talk let lets want
    much many maybe something anything today tomorrow yesterday time going gonna
    remember remind recall forget forgot mind again called name named names call""".split()  # noqa: SIM905
)
#: Reciprocal-rank-fusion constant (Cormack et al., 2009).
RRF_K = 60


class RecallSettings(BaseModel):
    """How she remembers. Relevance counts most: on our synthetic months of chat
    (benchmarks/recall_quality.py) heavier recency or importance weights lost recall."""

    half_life_hours: float = Field(default=720.0, gt=0)
    recency_weight: float = Field(default=0.25, ge=0)
    importance_weight: float = Field(default=0.25, ge=0)
    relevance_weight: float = Field(default=1.5, ge=0)
    #: How many full-text (and dense) candidates are scored in full.
    candidates: int = Field(default=80, ge=1)


#: Words that name a whole topic, and the words memories about it use: "how is your family?"
#: should bring up "my sister is called Anna" although they share no word.
TOPICS = {
    "family": "sister brother mother mom mum father dad parents son daughter wife husband kids "
    "children grandma grandmother grandpa grandfather aunt uncle cousin niece nephew",
    "relatives": "sister brother mother father parents cousin aunt uncle",
    "siblings": "sister brother",
    "sibling": "sister brother",
    "parents": "mother mom mum father dad",
    "job": "work works working office boss colleague career",
    "work": "job office boss colleague career",
    "career": "job work",
    "pet": "dog cat",
    "pets": "dog cat",
    "partner": "wife husband boyfriend girlfriend fiance fiancee",
    "friends": "friend",
    "home": "live lives moved",
    "hobbies": "love like enjoy",
}


def query_groups(text: str, limit: int = 16) -> list[list[str]]:
    """The query's content words, each with the words its topic is spoken of in."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if word not in STOPWORDS and not word.isdigit():
            seen.setdefault(word, None)
        if len(seen) >= limit:
            break
    return [[word, *TOPICS.get(word, "").split()] for word in seen]


def query_terms(text: str, limit: int = 16) -> list[str]:
    terms: dict[str, None] = {}
    for group in query_groups(text, limit):
        for word in group:
            terms.setdefault(word, None)
    return list(terms)


def coverage(text: str, groups: Sequence[Sequence[str]]) -> float:
    """How many of the query's words (or their topic's words) the memory has, 0..1. BM25 alone
    swings wildly in a small memory, where a common word scores near nothing."""
    return _coverage(text, _prefixes(groups))


def _prefixes(groups: Sequence[Sequence[str]]) -> list[frozenset[str]]:
    """Each group as the set of its words' first five letters (a crude stem)."""
    return [frozenset(w[:5] for w in group) for group in groups]


def _coverage(text: str, prefixes: Sequence[frozenset[str]]) -> float:
    """``coverage`` with the groups prepared once per recall, not once per candidate."""
    if not prefixes:
        return 0.0
    words = _stems(text)
    return sum(1 for group in prefixes if not group.isdisjoint(words)) / len(prefixes)


@lru_cache(maxsize=8192)
def _stems(text: str) -> frozenset[str]:
    """A memory's words as crude stems. The same memories come up turn after turn, and
    splitting each candidate's text anew was a third of a recall's time."""
    return frozenset(w[:5] for w in _WORD.findall(text.lower()))


def match_expression(terms: Sequence[str]) -> str:
    """An FTS5 query that matches any term; quoting keeps user text from being FTS syntax."""
    return " OR ".join('"' + t.replace('"', "") + '"' for t in terms)


def recency(memory: Memory, now: datetime, half_life_hours: float) -> float:
    hours = max(0.0, (now - memory.accessed_at).total_seconds() / 3600)
    return float(0.5 ** (hours / half_life_hours))


def score(
    lexical: Sequence[tuple[Memory, float]],
    dense: Sequence[tuple[Memory, float]],
    now: datetime,
    settings: RecallSettings,
    k: int,
    exclude_sources: Collection[int] = (),
    groups: Sequence[Sequence[str]] = (),
) -> list[Recalled]:
    """Rank candidates. ``lexical`` carries BM25 ranks (lower is better), ``dense`` cosines;
    ``groups`` (from ``query_groups``) let word coverage steady the lexical relevance."""
    relevance: dict[int, float] = {}
    memories: dict[int, Memory] = {}
    if dense:
        fused: dict[int, float] = {}
        for ranking in (lexical, dense):
            for position, (memory, _) in enumerate(ranking):
                memories[memory.id] = memory
                fused[memory.id] = fused.get(memory.id, 0.0) + 1.0 / (RRF_K + position + 1)
        top = max(fused.values())
        relevance = {i: v / top for i, v in fused.items()}
    elif lexical:
        strengths = {m.id: -rank for m, rank in lexical}
        top = max(strengths.values()) or 1.0
        for memory, _ in lexical:
            memories[memory.id] = memory
            relevance[memory.id] = max(0.0, strengths[memory.id] / top)
    hidden = set(exclude_sources)
    prefixes = _prefixes(groups)
    # Scored as plain tuples; only the k that are returned become ``Recalled`` models.
    ranked: list[tuple[float, int, Memory, float, float, float]] = []
    for memory_id, memory in memories.items():
        if memory.source_ids and hidden.issuperset(memory.source_ids):
            continue  # it is already in the prompt, verbatim
        relevant = relevance[memory_id]
        if groups:
            relevant = 0.7 * relevant + 0.3 * _coverage(memory.text, prefixes)
        if memory.kind is MemoryKind.EPISODE and memory.text.rstrip().endswith("?"):
            # An old question matches a new one word for word but never holds the answer.
            relevant *= 0.3
        fresh, weight = recency(memory, now, settings.half_life_hours), memory.importance / 10
        total = (
            settings.recency_weight * fresh
            + settings.importance_weight * weight
            + settings.relevance_weight * relevant
        )
        ranked.append((total, memory_id, memory, fresh, weight, relevant))
    ranked.sort(key=lambda r: (-r[0], -r[1]))
    # The same words twice (a fact and the message it was the whole of) take one place.
    seen: set[str] = set()
    unique: list[Recalled] = []
    for total, _, memory, fresh, weight, relevant in ranked:
        if len(unique) == k:
            break
        words = " ".join(memory.text.lower().split()).rstrip(".!?")
        if words not in seen:
            seen.add(words)
            unique.append(
                Recalled(
                    memory=memory,
                    score=total,
                    recency=fresh,
                    importance=weight,
                    relevance=relevant,
                )
            )
    return unique
