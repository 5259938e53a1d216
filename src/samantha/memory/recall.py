"""Which memories come to mind: recency + importance + relevance (Generative Agents, 2023).

Relevance is BM25 from SQLite's FTS5 index fused, by a weighted sum, with the cosine similarity
of the backend's embeddings or else of the packaged static model (``embedding.py``). Only
memories that share words with the query, or are close enough in meaning, are candidates: a
very important memory does not come up when nothing calls it. Cues in the question (who said
it, when) then reorder the candidates (``cues.py``).
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from samantha.domain.memory import Memory, MemoryKind, Recalled
from samantha.memory.cues import Cues

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


class RecallSettings(BaseModel):
    """How she remembers. Relevance counts most. The weights for answering a question
    (``samantha.memory.bank.QUESTION_SETTINGS``) were chosen on the dev half of LongMemEval-S
    (benchmarks/longmemeval.py), never on its test half; these defaults are the engine's, for
    what she brings up unprompted, where recency and importance weigh more."""

    half_life_hours: float = Field(default=720.0, gt=0)
    recency_weight: float = Field(default=0.25, ge=0)
    importance_weight: float = Field(default=0.25, ge=0)
    relevance_weight: float = Field(default=1.5, ge=0)
    #: How many full-text (and dense) candidates are scored in full.
    candidates: int = Field(default=80, ge=1)
    #: Share of relevance from meaning (cosine) when vectors exist; the rest is words (BM25).
    dense_weight: float = Field(default=0.7, ge=0, le=1)
    #: Share of the words' relevance that is coverage (how many query words a memory has).
    coverage_weight: float = Field(default=0.3, ge=0, le=1)
    #: A memory found by meaning alone must be at least this similar to count at all.
    dense_floor: float = Field(default=0.5, ge=-1, le=1.5)
    #: The nearest this many memories in meaning count whatever their similarity (0 = off):
    #: when the question's words are not the ones its memories use ("doctors" for "Dr.
    #: Patel"), a static model's cosines can all fall under the floor, and the floor then
    #: hides the very memories meaning alone could find.
    dense_always: int = Field(default=0, ge=0)
    #: Pseudo-relevance feedback (0 = off): meaning is searched a second time from the
    #: question's vector moved this far towards the best memory's, whose words say what
    #: the question only asks about ("the zombie we named" finds that talk's other lines).
    feedback_weight: float = Field(default=0.0, ge=0)
    #: A memory of the speaker the question asks about (the person's words, or hers when it
    #: says "you said") has its relevance multiplied by this.
    speaker_boost: float = Field(default=1.5, ge=0)
    #: Relevance multiplier for a memory from the span the question names ("last month").
    time_boost: float = Field(default=1.0, ge=0)
    #: Share of a neighbouring message's relevance (the line before or after) a memory gets.
    neighbour_weight: float = Field(default=0.0, ge=0, le=1)
    #: Relevance multiplier for a message that is nothing but one question: in a chat an old
    #: question rarely holds the answer, but in LongMemEval the person's questions often say
    #: what they like ("how do I keep my living room dust-free with a cat?").
    question_penalty: float = Field(default=0.3, ge=0, le=1)
    #: Each memory already chosen from a conversation multiplies the next one's score by this
    #: (1 = off): spreads the recalled memories over the talks that bear on the question.
    same_conversation_decay: float = Field(default=1.0, gt=0, le=1)


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
    return _Coverage(groups)(text)


class _Coverage:
    """``coverage`` with the groups prepared once per recall, not once per candidate. A word
    counts when its first five letters (a crude stem) start a word of the lower-cased text,
    that is, follow its start or a character that is not a letter or digit. Splitting every
    long candidate into words cost more than the rest of a recall, and so did testing each
    stem on its own: one expression finds them all in one pass."""

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        prefixes = [frozenset(w[:5] for w in group) for group in groups]
        self.size = len(prefixes)
        # Longest first: where two stems start at the same place ("siste", "sis"), the
        # longer is found, and every group with a stem it begins with counts.
        stems = sorted({p for group in prefixes for p in group}, key=lambda p: (-len(p), p))
        self.covers = {
            stem: frozenset(
                i for i, group in enumerate(prefixes) if any(stem.startswith(p) for p in group)
            )
            for stem in stems
        }
        self.pattern = (
            re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, stems)) + ")") if stems else None
        )

    def __call__(self, text: str) -> float:
        if self.pattern is None:
            return 0.0
        found = set(self.pattern.findall(text.lower()))
        if not found:
            return 0.0
        counted: set[int] = set()
        for stem in found:
            counted |= self.covers[stem]
        return len(counted) / self.size


def match_expression(terms: Sequence[str]) -> str:
    """An FTS5 query that matches any term; quoting keeps user text from being FTS syntax."""
    return " OR ".join('"' + t.replace('"', "") + '"' for t in terms)


#: The nearest ``dense_always`` count only while they are at most this share of the memories
#: searched: in a small memory the nearest ten are all of it, and every memory would come to
#: mind for any message.
ALWAYS_SHARE = 0.05


def meaning_floor(settings: RecallSettings, similarities: Iterable[float], searched: int) -> float:
    """The similarity a memory found by meaning alone must reach: ``dense_floor``, lowered
    (never raised) to the ``dense_always``-th best of ``similarities`` (the dense search's,
    which hold the nearest of the ``searched`` memories)."""
    always = min(settings.dense_always, int(ALWAYS_SHARE * searched))
    if always <= 0:
        return settings.dense_floor
    nearest = heapq.nlargest(always, similarities)
    return min(settings.dense_floor, nearest[-1]) if nearest else settings.dense_floor


def feedback(
    query: Sequence[float], best: Sequence[float] | None, settings: RecallSettings
) -> list[float] | None:
    """The query's vector moved towards the best memory's (Rocchio, one pseudo-relevant
    memory), both at unit length; None when feedback is off or the memory has no vector."""
    if best is None or not settings.feedback_weight or len(best) != len(query):
        return None
    import numpy as np

    q = np.asarray(query, dtype=np.float32)
    b = np.asarray(best, dtype=np.float32)
    moved = q / (np.linalg.norm(q) or 1.0) + settings.feedback_weight * b / (
        np.linalg.norm(b) or 1.0
    )
    return [float(x) for x in moved]


def recency(memory: Memory, now: datetime, half_life_hours: float) -> float:
    hours = max(0.0, (now - memory.accessed_at).total_seconds() / 3600)
    return float(0.5 ** (hours / half_life_hours))


def _only_a_question(text: str) -> bool:
    """A message that is nothing but one question: it matches a new question word for word but
    never holds the answer. A long message that ends by asking something usually does."""
    body = text.strip()
    return body.endswith("?") and not re.search(r"[.!?]\s", body[:-1]) and len(body) < 200


Scored = tuple[float, int, Memory, float, float, float]


def _spread(
    ranked: list[Scored], conversation_of: Mapping[int, int], decay: float, k: int
) -> list[Scored]:
    """Greedy re-ranking in which each memory already taken from a conversation multiplies the
    next one's score by ``decay``: a question about several talks gets all of them, not the
    one that says the most words about it. Only the first few places are re-ranked."""
    pool = ranked[: max(4 * k, 40)]
    taken: dict[int, int] = {}
    out: list[Scored] = []
    while pool and len(out) < 2 * k:
        best_i, best = 0, -1.0
        for i, row in enumerate(pool):
            where = conversation_of.get(row[1], -row[1])
            value = row[0] * decay ** taken.get(where, 0)
            if value > best:
                best_i, best = i, value
        row = pool.pop(best_i)
        where = conversation_of.get(row[1], -row[1])
        taken[where] = taken.get(where, 0) + 1
        out.append(row)
    return out + pool + ranked[max(4 * k, 40) :]


def score(
    lexical: Sequence[tuple[Memory, float]],
    dense: Sequence[tuple[Memory, float]],
    now: datetime,
    settings: RecallSettings,
    k: int,
    exclude_sources: Collection[int] = (),
    groups: Sequence[Sequence[str]] = (),
    cues: Cues | None = None,
    conversation_of: Mapping[int, int] | None = None,
    weak: Sequence[float] = (),
    floor: float | None = None,
) -> list[Recalled]:
    """Rank candidates. ``lexical`` carries BM25 ranks (lower is better), ``dense`` cosine
    similarities; ``groups`` (from ``query_groups``) let word coverage steady the lexical
    relevance, and ``cues`` (who, when) reorder what words and meaning found. ``weak`` are
    the similarities of dense candidates below ``dense_floor`` and without a word of the
    query: they can never be ranked, so they are not read, but they still set the scale
    the others' meaning is measured on. ``floor`` is the similarity a memory found by
    meaning alone needs (``meaning_floor``; ``dense_floor`` when not given)."""
    memories: dict[int, Memory] = {}
    words: dict[int, float] = {}
    meaning: dict[int, float] = {}
    covered = _Coverage(groups)
    if lexical:
        strengths = {m.id: -rank for m, rank in lexical}
        top = max(strengths.values()) or 1.0
        mix = settings.coverage_weight if groups else 0.0
        for memory, _ in lexical:
            memories[memory.id] = memory
            bm25 = max(0.0, strengths[memory.id] / top)
            cover = covered(memory.text) if mix else 0.0
            words[memory.id] = (1 - mix) * bm25 + mix * cover
    if dense or weak:
        sims = [sim for _, sim in dense] + list(weak)
        # Cosines of a static model crowd together; measured from the weakest of a full
        # candidate list they spread out. A handful of memories is measured from zero.
        high = max(sims)
        low = min(sims) if len(sims) >= 20 else min(0.0, high - 1.0)
        spread = (high - low) or 1.0
        least = settings.dense_floor if floor is None else floor
        for memory, sim in dense:
            if memory.id not in words and sim < least:
                continue
            memories[memory.id] = memory
            meaning[memory.id] = max(0.0, sim - low) / spread
    share = settings.dense_weight if dense or weak else 0.0
    relevance: dict[int, float] = {}
    # The loops below run for every candidate (well over a hundred a turn): settings and cues
    # are read once, not per memory.
    penalty, speaker, timely = (
        settings.question_penalty,
        settings.speaker_boost,
        settings.time_boost,
    )
    her_words = cues.her_words if cues is not None else None
    start, end = (cues.start, cues.end) if cues is not None else (None, None)
    dated = start is not None and end is not None
    episode, reply = MemoryKind.EPISODE, MemoryKind.REPLY
    for memory_id, memory in memories.items():
        relevant = (1 - share) * words.get(memory_id, 0.0) + share * meaning.get(memory_id, 0.0)
        kind = memory.kind
        if kind is episode and _only_a_question(memory.text):
            relevant *= penalty
        if her_words is not None:
            if (kind is reply) == her_words:
                relevant *= speaker
            if dated and start <= memory.created_at <= end:  # type: ignore[operator]
                relevant *= timely
        relevance[memory_id] = relevant
    if settings.neighbour_weight and relevance:
        by_message = {m.source_ids[0]: i for i, m in memories.items() if len(m.source_ids) == 1}
        lifted = {}
        for memory_id, memory in memories.items():
            near = 0.0
            if len(memory.source_ids) == 1:
                for other in (memory.source_ids[0] - 1, memory.source_ids[0] + 1):
                    if (j := by_message.get(other)) is not None:
                        near = max(near, relevance[j])
            lifted[memory_id] = relevance[memory_id] + settings.neighbour_weight * near
        relevance = lifted
    best = max(relevance.values(), default=0.0) or 1.0
    hidden = set(exclude_sources)
    # Scored as plain tuples; only the k that are returned become ``Recalled`` models.
    ranked: list[Scored] = []
    half_life = settings.half_life_hours
    by_recency, by_importance, by_relevance = (
        settings.recency_weight,
        settings.importance_weight,
        settings.relevance_weight,
    )
    for memory_id, memory in memories.items():
        sources = memory.source_ids
        if sources and hidden.issuperset(sources):
            continue  # it is already in the prompt, verbatim
        relevant = relevance[memory_id] / best
        # ``recency``, inlined: the same arithmetic, without a call per candidate.
        hours = max(0.0, (now - memory.accessed_at).total_seconds() / 3600)
        fresh, weight = float(0.5 ** (hours / half_life)), memory.importance / 10
        total = by_recency * fresh + by_importance * weight + by_relevance * relevant
        ranked.append((total, memory_id, memory, fresh, weight, relevant))
    ranked.sort(key=lambda r: (-r[0], -r[1]))
    if conversation_of and settings.same_conversation_decay < 1:
        ranked = _spread(ranked, conversation_of, settings.same_conversation_decay, k)
    # The same words twice (a fact and the message it was the whole of) take one place.
    seen: set[str] = set()
    unique: list[Recalled] = []
    for total, _, memory, fresh, weight, relevant in ranked:
        if len(unique) == k:
            break
        # Long texts are compared by their start and length: normalising a whole reply
        # costs more than the rest of the ranking.
        text = " ".join(memory.text[:300].lower().split()).rstrip(".!?") + f"/{len(memory.text)}"
        if text not in seen:
            seen.add(text)
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
