"""The memory stream as a library: what the engine uses, and what a script can use directly.

    from samantha.memory.stream import MemoryStream
    with MemoryStream.open("chat.db", persona="samantha") as memory:
        memory.add_message("Theo", "My sister Anna lives in Lisbon.", at=some_datetime)
        for hit in memory.recall("how is your family?", k=5):
            print(hit.score, hit.memory.text, hit.memory.source_ids)

Every public method is one transaction and is synchronous; the engine runs them on the store's
database thread (``await store.run(lambda s: stream.recall(...))``) so the UI never waits.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Sequence
from contextlib import suppress
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from samantha.domain.conversation import Conversation, Message, Role
from samantha.domain.memory import (
    CoreBlock,
    CoreMemory,
    Memory,
    MemoryKind,
    NewFact,
    Recalled,
)
from samantha.memory import keeping
from samantha.memory.cues import read_cues
from samantha.memory.embedding import StaticEmbedder, local_embedder
from samantha.memory.extract import episode_importance, extract
from samantha.memory.recall import (
    RecallSettings,
    feedback,
    match_expression,
    meaning_floor,
    query_groups,
    query_terms,
    score,
)
from samantha.store import Store

if TYPE_CHECKING:
    from samantha.memory.vectors import VectorIndex

#: Facts this important (names, people, work, plans) also go into the always-present core block.
CORE_IMPORTANCE = 6
CORE_LIMIT = 1500
USER_NAME_BLOCK = "user_name"
NAME_LINE = re.compile(r"^[-\s]*my name is\b", re.IGNORECASE)


#: Rows at the end of a kept index file compared with the database before it is trusted, and
#: the cosine at which a row counts as the database's own vector.
_CHECKED_ROWS = 8
_SAME_VECTOR = 0.999


def _without_vector(
    s: Store, *, persona: str, model: str, limit: int, before: int | None
) -> list[Memory]:
    return s.memories.without_vector(persona, model, limit, before)


def _digest(name: str) -> str:
    """A short file-name-safe stand-in for a persona or model name."""
    return hashlib.sha1(name.encode()).hexdigest()[:12]


class MemorySettings(BaseModel):
    recall: RecallSettings = Field(default_factory=RecallSettings)
    #: Summed importance of new facts that prompts a reflection (Generative Agents used 150
    #: on a 1-10 scale over a whole day of a simulated life; a chat produces far fewer facts).
    reflect_threshold: int = Field(default=30, ge=1)
    core_limit: int = Field(default=CORE_LIMIT, ge=100)


class Added(BaseModel):
    message: Message
    episode: Memory
    facts: list[Memory]
    user_name: str | None = None


class MemoryStream:
    def __init__(self, store: Store, persona: str, settings: MemorySettings | None = None) -> None:
        self.store = store
        self.persona = persona.strip().lower()
        self.settings = settings or MemorySettings()
        self._owns_store = False
        #: Counts forgets and edits, so a cache of what was drawn from memories (summaries)
        #: knows to read again.
        self.revision = 0
        self._indexes: dict[str, VectorIndex] = {}
        #: Whether the packaged embedding model gives memories meaning (tests may turn it off
        #: to see words alone at work).
        self.local_vectors = True
        self._backlog_checked = False
        #: The words last embedded alone, with their vector (``_embedded``).
        self._last_vector: tuple[str, list[float]] | None = None

    @classmethod
    def open(cls, path: str | Path, persona: str = "samantha") -> MemoryStream:
        stream = cls(Store.open(Path(path)), persona)
        stream._owns_store = True
        return stream

    def close(self) -> None:
        if self._owns_store:
            self.store.run_sync(self.persist)
            self.store.close()

    def __enter__(self) -> MemoryStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- adding ------------------------------------------------------------------------------

    def conversation(self, title: str = "", at: datetime | None = None) -> Conversation:
        when = at or datetime.now().astimezone()
        return self.store.run_sync(
            lambda s: s.conversations.create(self.persona, when, title), write=True
        )

    def add_message(
        self,
        speaker: str,
        text: str,
        at: datetime,
        *,
        role: Role = Role.USER,
        conversation_id: int | None = None,
        intensity: float = 0.0,
        learn: bool = True,
    ) -> Added:
        """Store a message and its episode, then the facts in it (user messages only).

        The message is committed on its own first, so a fault in extraction never costs it.
        Importing an old chat log: pass each message's own speaker and time.
        """
        persona = self.persona

        def keep(s: Store) -> tuple[Message, Memory]:
            cid = conversation_id
            if cid is None:
                latest = s.conversations.latest(persona)
                cid = latest.id if latest else s.conversations.create(persona, at).id
            message = s.conversations.add_message(cid, role, speaker, text, at)
            mine = role is Role.USER
            weight = episode_importance(text, intensity) if mine else 1
            kind = MemoryKind.EPISODE if mine else MemoryKind.REPLY
            episode = s.memories.add(persona, kind, text[:4000], weight, at, [message.id])
            self._embed_memories(s, [episode])
            return message, episode

        message, episode = self.store.run_sync(keep, write=True)
        if role is not Role.USER or not learn:
            return Added(message=message, episode=episode, facts=[])
        found = extract(text, at)
        facts = self.store_facts(found.facts, at, [message.id])
        if found.user_name:
            self.set_user_name(found.user_name, at)
        return Added(message=message, episode=episode, facts=facts, user_name=found.user_name)

    def store_facts(
        self, facts: Sequence[NewFact], at: datetime, sources: Sequence[int]
    ) -> list[Memory]:
        """Store new facts; one already known is reinforced (sources added, recency renewed)
        instead of stored twice; one that changes a slot ("I moved to Lisbon") supersedes
        the old fact (``keeping.py``). Important ones also join the "about you" core block."""
        persona, limit = self.persona, self.settings.core_limit

        def work(s: Store) -> list[Memory]:
            stored = keeping.store_facts(
                s, persona, facts, at, sources, core_limit=limit, core_importance=CORE_IMPORTANCE
            )
            self._embed_memories(s, stored)
            return stored

        return self.store.run_sync(work, write=True) if facts else []

    def remember(
        self,
        text: str,
        *,
        kind: MemoryKind = MemoryKind.FACT,
        importance: int = 5,
        at: datetime | None = None,
        sources: Iterable[int] = (),
        due_at: datetime | None = None,
    ) -> Memory:
        when = at or datetime.now().astimezone()
        fact = NewFact(kind=kind, text=text, importance=importance, due_at=due_at)
        stored = self.store_facts([fact], when, list(sources))
        if stored:
            return stored[0]
        found = self.store.run_sync(lambda s: s.memories.find_same(self.persona, kind, text))
        assert found is not None
        return found

    # -- recalling ---------------------------------------------------------------------------

    def recall(
        self,
        query: str,
        k: int = 5,
        *,
        now: datetime | None = None,
        exclude_sources: Collection[int] = (),
        query_vector: Sequence[float] | None = None,
        vector_model: str | None = None,
        kinds: Iterable[MemoryKind] | None = None,
        touch: bool = True,
    ) -> list[Recalled]:
        """The ``k`` memories that best answer ``query``, each with its score parts and sources.

        Meaning comes from ``query_vector`` (the backend's embeddings, stored under
        ``vector_model``) or else from the packaged static model, when it is installed."""
        when = now or datetime.now().astimezone()
        groups = query_groups(query)
        terms = query_terms(query)
        settings = self.settings.recall
        persona = self.persona
        wanted = list(kinds) if kinds is not None else None
        cues = read_cues(query, when)
        model, vector = vector_model, query_vector
        if vector is None or model is None:
            local = self._local()
            if local is not None and query.strip():
                if not self._backlog_checked:
                    self._backlog_checked = True
                    self.embed_backlog()
                model, vector = local.name, self._embedded(local, query)

        read: dict[int, Memory] = {}
        counts: dict[int, bool] = {}

        def near(
            s: Store,
            index: VectorIndex | None,
            vector: Sequence[float] | None,
            lexical: list[tuple[Memory, float]],
            want: int,
        ) -> list[Recalled]:
            """The ``want`` best of the full-text candidates and those found by meaning near
            ``vector``."""
            dense: list[tuple[Memory, float]] = []
            weak: list[float] = []
            floor = settings.dense_floor
            if index is not None and vector is not None:
                hits = dict(index.search(vector, settings.candidates))
                hits.update(index.similarities([m.id for m, _ in lexical], vector))
                known = {m.id: m for m, _ in lexical}
                # Below the floor and without a word of the query, a memory is never
                # ranked: only whether it counts (its kind, still true) is read, for the
                # scale of similarities, not the memory itself.
                # The nearest-ten rule is for a question with words to find ("doctors" for
                # "Dr. Patel"); "ok" or "the the the" asks for nothing, and would get ten
                # arbitrary memories at full relevance.
                if terms:
                    floor = meaning_floor(settings, hits.values(), len(index))
                strong = [i for i, sim in hits.items() if i not in known and sim >= floor]
                faint = [i for i, sim in hits.items() if i not in known and sim < floor]
                # A second pass (feedback) reads only what the first did not.
                unread = [i for i in strong if i not in read]
                if unread:
                    read.update((m.id, m) for m in s.memories.many(unread))
                found = known | {i: read[i] for i in strong if i in read}
                dense = [(found[i], sim) for i, sim in hits.items() if i in found]
                if wanted is not None:
                    dense = [(m, sim) for m, sim in dense if m.kind in wanted]
                unknown = [i for i in faint if i not in counts]
                if unknown:
                    counted = s.memories.current_of(
                        unknown, [k.value for k in wanted] if wanted is not None else None
                    )
                    counts.update((i, i in counted) for i in unknown)
                weak = [hits[i] for i in faint if counts[i]]
            # A fact a newer one made untrue is history: never offered as what is so now.
            lexical = [(m, r) for m, r in lexical if m.superseded_at is None]
            dense = [(m, sim) for m, sim in dense if m.superseded_at is None]
            where = None
            if settings.same_conversation_decay < 1:
                chosen = {m.id: m for m, _ in lexical} | {m.id: m for m, _ in dense}
                where = s.memories.conversations_of(list(chosen.values()))
            return score(
                lexical,
                dense,
                when,
                settings,
                want,
                exclude_sources,
                groups,
                cues,
                where,
                weak,
                floor,
            )

        def work(s: Store) -> list[Recalled]:
            lexical = (
                s.memories.search(
                    persona,
                    match_expression(terms),
                    settings.candidates,
                    wanted,
                    skip_messages=exclude_sources,
                )
                if terms
                else []
            )
            index = None
            if vector is not None and model is not None:
                index = self._vector_index(s, model)
            if index is None or vector is None or not settings.feedback_weight:
                return near(s, index, vector, lexical, k)
            # Pseudo-relevance feedback (Rocchio): meaning is searched again from the question
            # moved towards the best memory's meaning; the first pass needs only that one.
            best = near(s, index, vector, lexical, 1)
            if not best:
                return best
            moved = feedback(vector, index.vector(best[0].memory.id), settings)
            return near(s, index, vector if moved is None else moved, lexical, k)

        # Searched outside any transaction (WAL readers block no one); only renewing what
        # came to mind takes the write lock, for a moment, so other windows never wait on
        # a search.
        ranked = self.store.run_sync(work)
        if touch and ranked:
            chosen = [r.memory.id for r in ranked]
            self.store.run_sync(lambda s: s.memories.touch(chosen, when), write=True)
        return ranked

    def _embedded(self, local: StaticEmbedder, query: str) -> list[float]:
        """The packaged model's vector of ``query``: the one just made for a memory of the same
        words (a turn recalls for the line it has just stored), or a new one."""
        last = self._last_vector
        if last is not None and last[0] == query:
            return last[1]
        vector: list[float] = local.embed([query])[0].tolist()
        return vector

    def _local(self) -> StaticEmbedder | None:
        """The packaged embedding model, unless this stream was opened without one."""
        return local_embedder() if self.local_vectors else None

    def embed(self, s: Store, memories: Sequence[Memory]) -> None:
        """Give memories stored outside this stream (her reply, kept with the turn's other
        writes) their packaged-model vectors, in the caller's transaction: without them a
        session's first recall embedded every reply of the last one."""
        self._embed_memories(s, memories)

    def _embed_memories(self, s: Store, memories: Sequence[Memory]) -> None:
        """Store the packaged model's vectors of new or changed memories, in the caller's
        transaction, so no recall ever waits on embedding a backlog."""
        local = self._local()
        if local is None or not memories:
            return
        matrix = local.embed([m.text for m in memories])
        if len(memories) == 1:
            # The user's line is stored (and embedded) just before it is recalled for.
            self._last_vector = (memories[0].text, matrix[0].tolist())
        rows = [
            (m.id, row.astype("<f4").tobytes()) for m, row in zip(memories, matrix, strict=True)
        ]
        s.memories.set_vectors(local.name, rows, local.dim)
        self._restored(local.name, rows)

    def _restored(self, model: str, rows: Sequence[tuple[int, bytes]]) -> None:
        """Vectors stored again for memories the loaded index already holds (an edit, a
        backlog filled in): loading "what is newer" would never see them, so they go in now.
        New memories are left to the next recall, which reads everything newer in id order
        (another process may have stored some in between)."""
        index = self._indexes.get(model)
        if index is None:
            return
        again = [(i, blob) for i, blob in rows if i <= index.newest]
        if again:
            index.add(again)
            if index.saved_as is None:
                self._unlink_files(model)

    def warm(self) -> None:
        """Embed any backlog and load the stored vectors now, at start-up or after an import,
        so the first recall costs what every other does. Loading is reading BLOBs, not
        embedding: a session never re-embeds what is stored."""
        local = self._local()
        if local is None:
            return
        self._backlog_checked = True
        self.embed_backlog()
        self.store.run_sync(lambda s: self._vector_index(s, local.name))
        self.store.run_sync(self.persist)

    def embed_backlog(self, batch: int = 2000) -> int:
        """Give every memory without a packaged-model vector one (a database from before the
        model, or written by a process without it). Returns how many were embedded."""
        local = self._local()
        if local is None:
            return 0
        done = 0
        before: int | None = None
        while True:
            # Each batch starts below the last: asked from the top, every batch walked past
            # all the memories the earlier ones had embedded (quadratic: minutes at 1M).
            missing = self.store.run_sync(
                partial(
                    _without_vector,
                    persona=self.persona,
                    model=local.name,
                    limit=batch,
                    before=before,
                )
            )
            if not missing:
                return done
            self.store.run_sync(partial(self._embed_memories, memories=missing), write=True)
            done += len(missing)
            before = min(m.id for m in missing)

    def _vector_index(self, s: Store, model: str) -> VectorIndex | None:
        """The persona's vectors of ``model``: from the file a session kept (``persist``)
        when there is one that agrees with the database, else read from it, once; then only
        the new ones on each call."""
        index = self._indexes.get(model)
        if index is None:
            index = self._kept_index(s, model) or self._read_index(s, model)
            if index is None:
                return None
            self._indexes[model] = index
        else:
            index.add(s.memories.vectors(self.persona, model, index.newest))
        return index

    def _read_index(self, s: Store, model: str) -> VectorIndex | None:
        from samantha.memory.vectors import VectorIndex

        rows = s.memories.vectors(self.persona, model)
        if not rows:
            return None
        index = VectorIndex(len(rows[0][1]) // 4)
        index.add(rows)
        return index

    def _kept_index(self, s: Store, model: str) -> VectorIndex | None:
        """The saved index, checked against the database: its last rows must be there with
        the same vectors (a file left from another database, or written before a change it
        missed, is thrown away); what was stored since it was written is read and added."""
        import numpy as np

        from samantha.memory.vectors import VectorIndex

        path = self._index_file(model)
        index = VectorIndex.load(path) if path is not None else None
        if index is None:
            return None
        tail = index.tail_of_file(_CHECKED_ROWS)
        rows = s.memories.vectors(self.persona, model, tail[0][0] - 1)
        stored = dict(rows)
        agree = 0
        for memory_id, unit in tail:
            blob = stored.get(memory_id)
            if blob is None:
                continue
            vector = np.frombuffer(blob, dtype="<f4")
            norm = float(np.linalg.norm(vector)) or 1.0
            # The same vector, stored compactly or not (int8 moves a cosine by ~1e-4); another
            # database's vector for this id is as unlike it as any two memories are.
            if len(vector) != index.dim or float(np.dot(vector / norm, unit)) < _SAME_VECTOR:
                agree = -1
                break
            agree += 1
        if agree <= 0:
            self._unlink_files(model)
            return None
        missing = [i for i, _ in tail if i not in stored]
        if missing and index.remove(missing):
            self._unlink_files(model)
        index.add([(i, blob) for i, blob in rows if i > index.newest])
        return index

    def _index_file(self, model: str) -> Path | None:
        """Where the index of ``model`` is kept beside the database (None in memory)."""
        path = self.store.path
        if not path.name or path.name == ":memory:":
            return None
        return path.with_name(f"{self._files_prefix()}{_digest(model)}.idx")

    def _files_prefix(self) -> str:
        return f"{self.store.path.name}-vectors-{_digest(self.persona)}-"

    def _unlink_files(self, model: str | None = None) -> None:
        """Delete kept index files that no longer say what the database says (all of this
        persona's, with no model given): forgetting must not leave a memory's meaning on
        disk, and the next ``persist`` writes them anew."""
        if model is not None:
            path = self._index_file(model)
            paths = [path] if path is not None else []
        else:
            paths = list(self.store.path.parent.glob(f"{self._files_prefix()}*.idx"))
        for name, index in self._indexes.items():
            if model is None or name == model:
                index.saved_as = None
        for path in paths:
            with suppress(OSError):
                path.unlink()

    def persist(self, _: Store | None = None) -> None:
        """Keep the loaded indexes in files for the next session, once they are big enough
        to be slow to read and when the file lacks a tenth of them (a turn's new vectors are
        read from the database, cheaply, until then)."""
        from samantha.memory.vectors import PERSIST_FROM

        for model, index in self._indexes.items():
            path = self._index_file(model)
            if path is None or len(index) < PERSIST_FROM:
                continue
            if index.saved_as is None or index.unsaved > len(index) // 10:
                with suppress(OSError):
                    index.save(path)

    def discard_vectors(self, memory_ids: Sequence[int]) -> None:
        """Memories deleted outside ``forget`` (a reply regenerated, a conversation deleted):
        their vectors leave the loaded indexes and any kept file that holds them."""
        if not memory_ids:
            return
        for model, index in self._indexes.items():
            if index.remove(memory_ids):
                self._unlink_files(model)
        # A file kept by an earlier session for a model not loaded here (`samantha memory
        # forget` searches nothing first) may hold them too: it goes, and is written anew.
        loaded = {self._index_file(model) for model in self._indexes}
        for path in self.store.path.parent.glob(f"{self._files_prefix()}*.idx"):
            if path not in loaded:
                with suppress(OSError):
                    path.unlink()

    def set_vectors(self, model: str, vectors: Sequence[tuple[int, Sequence[float]]]) -> None:
        from samantha.memory.vectors import to_blob

        rows = [(memory_id, to_blob(vector)) for memory_id, vector in vectors]

        def work(s: Store) -> None:
            for (memory_id, blob), (_, vector) in zip(rows, vectors, strict=True):
                s.memories.set_vector(memory_id, model, blob, len(vector))
            self._restored(model, rows)

        self.store.run_sync(work, write=True)

    def missing_vectors(self, model: str, limit: int = 64) -> list[Memory]:
        return self.store.run_sync(lambda s: s.memories.without_vector(self.persona, model, limit))

    def due_plans(
        self,
        now: datetime,
        back: timedelta = timedelta(days=3),
        ahead: timedelta = timedelta(days=3),
    ) -> list[Memory]:
        """Plans (and dated facts) from a few days ago to a few days ahead: her sense of the
        person's week."""
        return self.store.run_sync(
            lambda s: s.memories.due_between(self.persona, now - back, now + ahead)
        )

    # -- looking and erasing -----------------------------------------------------------------

    def get(self, memory_id: int) -> Memory | None:
        return self.store.run_sync(lambda s: s.memories.get(memory_id))

    def listing(self, limit: int = 200, kinds: Iterable[MemoryKind] | None = None) -> list[Memory]:
        wanted = list(kinds) if kinds is not None else None
        return self.store.run_sync(
            lambda s: s.memories.listing(self.persona, kinds=wanted, limit=limit)
        )

    def search(
        self, text: str, limit: int = 50, kinds: Iterable[MemoryKind] | None = None
    ) -> list[Memory]:
        terms = query_terms(text) or [w for w in text.lower().split() if w]
        if not terms:
            return []
        wanted = list(kinds) if kinds is not None else None
        hits = self.store.run_sync(
            lambda s: s.memories.search(self.persona, match_expression(terms), limit, wanted)
        )
        return [m for m, _ in hits]

    def count(self, kinds: Iterable[MemoryKind] | None = None) -> int:
        wanted = list(kinds) if kinds is not None else None
        return self.store.run_sync(lambda s: s.memories.count(self.persona, wanted))

    def edit(self, memory_id: int, text: str) -> Memory | None:
        def work(s: Store) -> Memory | None:
            memory = keeping.edit(s, self.persona, memory_id, text)
            if memory is not None:
                self._embed_memories(s, [memory])
            return memory

        edited = self.store.run_sync(work, write=True)
        self.revision += 1
        if edited is not None:
            # The old meaning leaves the kept files of every model (the packaged model's new
            # vector is already in its loaded index, through ``_restored``).
            self._unlink_files()
        return edited

    def forget(self, memory_ids: Sequence[int]) -> int:
        """Erase memories. Forgetting a fact also erases the episodes of the messages it came
        from, or the same words would come straight back through them; the messages themselves
        stay in the conversation. The same fact in other words, the reflections drawn from it,
        its core line and the summary lines that retell it go too (``keeping.forget``)."""

        def work(s: Store) -> tuple[int, list[int]]:
            doomed = keeping.forget(s, self.persona, memory_ids)
            return s.memories.delete(doomed), doomed

        removed, doomed = self.store.run_sync(work, write=True)
        self.revision += 1
        self.discard_vectors(doomed)
        return removed

    # -- core memory ---------------------------------------------------------------------------

    def core(self) -> CoreMemory:
        blocks = self.store.run_sync(lambda s: s.memories.core(self.persona))
        # The name has its own block; a "My name is" line in the other one only repeats it,
        # and a line said twice (a database from before merging) is shown once.
        about = keeping.unique_lines(
            ln for ln in blocks.get("about_user", "").splitlines() if not NAME_LINE.match(ln)
        )
        return CoreMemory(
            about_user=about,
            about_me=blocks.get("about_me", ""),
            user_name=blocks.get(USER_NAME_BLOCK) or None,
        )

    def set_core(self, block: CoreBlock, text: str, at: datetime | None = None) -> None:
        when = at or datetime.now().astimezone()
        limited = text.strip()[: self.settings.core_limit]
        self.store.run_sync(
            lambda s: s.memories.set_core(self.persona, block, limited, when), write=True
        )

    def set_user_name(self, name: str, at: datetime | None = None) -> None:
        when = at or datetime.now().astimezone()
        self.store.run_sync(
            lambda s: s.memories.set_core(self.persona, USER_NAME_BLOCK, name.strip()[:64], when),
            write=True,
        )
