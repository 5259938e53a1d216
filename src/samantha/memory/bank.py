"""The public memory API: what a script, an importer or a benchmark uses to remember and recall.

    from samantha.memory import open_memory
    with open_memory("chat.db") as memory:
        memory.add("I adopted a cat called Miso.", speaker="Theo", role="user", at=when)
        for hit in memory.recall("what is my cat called?", k=5):
            print(hit.score, hit.relevance, hit.memory.text, hit.memory.source_ids)

It is a thin face over ``MemoryStream`` (which the engine drives turn by turn): the same
database, the same ranking, plus importing a whole old chat log in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from samantha.domain.conversation import Role
from samantha.domain.memory import EPISODE_KINDS, Memory, MemoryKind, Recalled
from samantha.memory.extract import episode_importance, extract
from samantha.memory.recall import RecallSettings
from samantha.memory.stream import MemorySettings, MemoryStream
from samantha.store import Store

#: Weights for answering a question someone asked. Recency and importance only break ties:
#: they are for what she brings up unprompted, and must not bury what a question names.
#: Chosen on the dev half of LongMemEval-S (benchmarks/longmemeval.py).
QUESTION_SETTINGS = RecallSettings(
    recency_weight=0.02,
    importance_weight=0.0,
    relevance_weight=1.0,
    dense_floor=0.3,
    dense_always=10,
    feedback_weight=0.3,
    coverage_weight=0.0,
    speaker_boost=2.0,
    candidates=50,
    question_penalty=1.0,
)

#: Places of ``messages_for`` kept for conversations the first places do not already cover.
QUESTION_SPREAD = 1
#: Asked once when a memory is opened or has imported a log, and thrown away (``warm``).
_WARM_QUERY = "warm up the words and meanings"


class Line(BaseModel):
    """One message of a chat log to import: who said it, as whom, and when."""

    model_config = ConfigDict(frozen=True)

    text: str
    speaker: str
    role: Role = Role.USER
    at: datetime
    #: Lines with the same conversation key are one conversation (a session of the log).
    conversation: str = ""


class Imported(BaseModel):
    """What an import stored: the new message ids, in the order of the lines."""

    message_ids: list[int] = Field(default_factory=list)
    facts: int = 0


class MemoryBank:
    """One persona's memory in one database file."""

    def __init__(self, stream: MemoryStream) -> None:
        self.stream = stream

    @property
    def store(self) -> Store:
        return self.stream.store

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> MemoryBank:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- adding ------------------------------------------------------------------------------

    def add(
        self,
        text: str,
        *,
        speaker: str,
        role: Role | str = Role.USER,
        at: datetime,
        learn: bool = True,
    ) -> int:
        """Remember one message (and, from the person's messages, the facts in it). Returns
        the message id that recalled memories point back to."""
        added = self.stream.add_message(speaker, text, at, role=Role(role), learn=learn)
        return added.message.id

    def import_log(self, lines: Iterable[Line], *, learn: bool = True) -> Imported:
        """Import an old chat log, keeping each line's speaker and date: one transaction for
        all of it, one conversation per ``conversation`` key, vectors embedded in batches."""
        stream, persona = self.stream, self.stream.persona
        items = list(lines)

        def work(s: Store) -> Imported:
            conversations: dict[str, int] = {}
            ids: list[int] = []
            episodes: list[Memory] = []
            for line in items:
                cid = conversations.get(line.conversation)
                if cid is None:
                    cid = s.conversations.create(persona, line.at, line.conversation).id
                    conversations[line.conversation] = cid
                role = Role(line.role)
                message = s.conversations.add_message(cid, role, line.speaker, line.text, line.at)
                mine = role is Role.USER
                weight = episode_importance(line.text, 0.0) if mine else 1
                kind = MemoryKind.EPISODE if mine else MemoryKind.REPLY
                episodes.append(
                    s.memories.add(persona, kind, line.text[:4000], weight, line.at, [message.id])
                )
                ids.append(message.id)
            stream._embed_memories(s, episodes)
            return Imported(message_ids=ids)

        imported = self.store.run_sync(work, write=True)
        if learn:
            facts = 0
            for line, message_id in zip(items, imported.message_ids, strict=True):
                if Role(line.role) is Role.USER:
                    found = extract(line.text, line.at)
                    facts += len(stream.store_facts(found.facts, line.at, [message_id]))
            imported = imported.model_copy(update={"facts": facts})
        self.warm()
        return imported

    # -- recalling ---------------------------------------------------------------------------

    def warm(self) -> None:
        """Make the first question cost what every other does: the stored vectors are loaded,
        and one throwaway recall has SQLite prepare the recall's statements and read the
        index's pages into this connection's cache. On a fresh 500-message memory those
        one-time costs were a third of the first search (LongMemEval-S, 4.3 ms -> 3.0 ms
        median CPU); a session pays them here, once, instead of on the first question."""
        self.stream.warm()
        if self.stream.count():
            self.messages_for(_WARM_QUERY, 2)

    def recall(
        self,
        query: str,
        k: int = 5,
        *,
        now: datetime | None = None,
        kinds: Iterable[MemoryKind] | None = None,
    ) -> list[Recalled]:
        """The ``k`` memories that best answer ``query`` asked at ``now``: each with its score
        parts (relevance, recency, importance) and ``memory.source_ids``, the messages it came
        from. Asking does not change what is remembered (no recency renewal)."""
        return self.stream.recall(query, k, now=now, kinds=kinds, touch=False)

    def messages_for(
        self, query: str, k: int = 10, *, now: datetime | None = None, spread: int | None = None
    ) -> list[int]:
        """The ids of the ``k`` messages that best answer ``query``, best first: recalled
        memories traced back to what was said (a fact and its message count once).

        The last ``spread`` places (``QUESTION_SPREAD`` by default) go to the best messages
        from conversations not yet among the first: a question about several talks needs all
        of them, more than a third line from the talk that says the most."""
        hits = self.recall(query, k * 3, now=now)
        ranked: list[int] = []
        for hit in hits:
            for message_id in hit.memory.source_ids:
                if message_id not in ranked:
                    ranked.append(message_id)
        spread = QUESTION_SPREAD if spread is None else spread
        if spread <= 0 or len(ranked) <= k:
            return ranked[:k]
        where = self.store.run_sync(lambda s: s.memories.message_conversations(ranked))
        out = ranked[: k - spread]
        seen = {where.get(m) for m in out}
        rest = ranked[k - spread :]
        while len(out) < k and rest:
            fresh = next((m for m in rest if where.get(m) not in seen), rest[0])
            rest.remove(fresh)
            seen.add(where.get(fresh))
            out.append(fresh)
        return out

    def get(self, memory_id: int) -> Memory | None:
        return self.stream.get(memory_id)

    def listing(self, limit: int = 200, kinds: Iterable[MemoryKind] | None = None) -> list[Memory]:
        return self.stream.listing(limit, kinds)

    def count(self, kinds: Iterable[MemoryKind] | None = None) -> int:
        return self.stream.count(kinds)

    # -- changing ----------------------------------------------------------------------------

    def edit(self, memory_id: int, text: str) -> Memory | None:
        """Correct what a memory says; its words and meaning are indexed anew."""
        return self.stream.edit(memory_id, text)

    def forget(self, memory_ids: Sequence[int]) -> int:
        """Erase memories (a fact takes the episodes it came from along; the messages stay)."""
        return self.stream.forget(memory_ids)

    def episodes(self) -> list[Memory]:
        """Every message memory, newest first."""
        return self.stream.listing(limit=1_000_000, kinds=EPISODE_KINDS)


def open_memory(
    path: str | Path,
    persona: str = "samantha",
    *,
    settings: RecallSettings | None = None,
    semantic: bool = True,
) -> MemoryBank:
    """Open (creating and migrating if needed) the memory in the database at ``path``.

    ``semantic=False`` recalls by words alone, without the packaged embedding model."""
    store = Store.open(Path(path))
    stream = MemoryStream(
        store, persona, MemorySettings(recall=settings or QUESTION_SETTINGS.model_copy())
    )
    stream._owns_store = True
    stream.local_vectors = semantic
    bank = MemoryBank(stream)
    bank.warm()
    return bank
