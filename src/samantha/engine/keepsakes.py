"""Keepsakes: a piece she makes for the user (a letter, a poem, a song, a toast, a note to
their future self), written in her own voice from what she remembers of them for that
request. A model writes it from a prompt made for the form; the offline voice fills the
form's template with the recalled facts (``samantha.voice.keepsake``). Each piece is kept
with its request, form and the memories it drew on; a revision is a new version that keeps
the old one."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from samantha.backends.base import ChatMessage, Chunk
from samantha.domain.memory import Memory, MemoryKind, Recalled
from samantha.engine.parts import Parts
from samantha.engine.prompting import Spoken
from samantha.engine.results import ReplyChunk
from samantha.engine.sections import NAME_FACT
from samantha.engine.speaking import Line
from samantha.engine.streaming import Streamed
from samantha.engine.text import clean_text
from samantha.engine.turn import Turns
from samantha.errors import InputError, StorageError
from samantha.state.appraisal import appraise
from samantha.store.keepsakes import Keepsake
from samantha.voice.keepsake import (
    FORMS,
    Detail,
    KeepsakeScene,
    compose_keepsake,
    name_of,
    relation_of,
    revise_keepsake,
)

#: How many memories she draws on for one piece.
KEEPSAKE_RECALL = 8
#: A piece may run longer than a chat reply.
KEEPSAKE_TOKENS = 900

_FORM_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("song", re.compile(r"\b(?:song|lyrics?|chorus|ballad|lullaby)\b", re.I)),
    ("poem", re.compile(r"\b(?:poem|poetry|haiku|sonnet|verses?|rhyme|limerick)\b", re.I)),
    ("toast", re.compile(r"\b(?:toast|speech)\b", re.I)),
    ("note", re.compile(r"\bfuture (?:self|me)\b|\bnote to (?:my ?self|me)\b", re.I)),
    ("letter", re.compile(r"\b(?:letter|card|note|message|email|e-mail)\b", re.I)),
)
#: What a piece about the user may draw on when the request's words find little.
_ABOUT_THEM = frozenset(
    {MemoryKind.FACT, MemoryKind.PERSON, MemoryKind.PLAN, MemoryKind.PREFERENCE}
)
#: What each form asks of a model.
FORM_ASKS = {
    "letter": "a letter from them, with a greeting and a sign-off in their name",
    "poem": "a short poem (two to four stanzas), with a title",
    "song": "song lyrics with labelled verses and a chorus that repeats",
    "toast": "a toast they can say aloud in under two minutes, ending with raised glasses",
    "note": "a note from them to their future self, in their own first person",
}


def form_of(request: str) -> str:
    """Which kind of piece is asked for: 'a toast for Dad's 60th' -> 'toast'."""
    for form, words in _FORM_WORDS:
        if words.search(request):
            return form
    return "letter"


@dataclass(frozen=True)
class KeepsakeDone:
    """The end of a piece: it as stored, and the memories it drew on."""

    keepsake: Keepsake
    memories: list[Memory] = field(default_factory=list)


KeepsakeEvent = ReplyChunk | KeepsakeDone


class Keepsakes:
    def __init__(self, parts: Parts) -> None:
        self.p = parts

    # -- writing -----------------------------------------------------------------------------

    async def write(self, request: str) -> AsyncGenerator[KeepsakeEvent, None]:
        """Her piece for ``request`` as it streams, then ``KeepsakeDone`` once it is stored.
        Closed early (Esc), nothing is kept: half a poem is no keepsake."""
        request = " ".join(clean_text(request).split())[:500]
        if not request:
            raise InputError("Say what to write: a letter, a poem, a song, a toast or a note.")
        form = form_of(request)
        memories = await self.drawn_on(request)
        if self.p.speaker.offline:
            text = compose_keepsake(await self._scene(form, request, memories))
            source: AsyncIterator[Chunk] = _words(text)
        else:
            source = self.p.speaker.speak(await self._line(form, request, memories))
        streamed = Streamed(KEEPSAKE_TOKENS)
        async with aclosing(streamed.read(source)) as chunks:  # type: ignore[type-var]
            async for text in chunks:
                yield ReplyChunk(text)
        made = streamed.text.strip()
        if not made:
            raise InputError("Nothing came of it this time: ask again in other words.")
        p, key, now, ids = self.p, self.p.key, self.p.clock.now(), [m.id for m in memories]
        kept = await p.store.run(
            lambda s: s.keepsakes.add(key, form, request, made, now, ids), write=True
        )
        yield KeepsakeDone(kept, memories)

    async def revise(self, keepsake_id: int, how: str) -> AsyncGenerator[KeepsakeEvent, None]:
        """A new version of a piece, as asked ('make it shorter', 'warmer'); the old one stays."""
        how = " ".join(clean_text(how).split())[:300]
        if not how:
            raise InputError("Say how to change it: shorter, warmer, funnier ...")
        old = await self.get(keepsake_id)
        memories = await self._memories(old.memory_ids)
        if self.p.speaker.offline:
            scene = await self._scene(old.form, old.request, memories, seed=old.version)
            source: AsyncIterator[Chunk] = _words(revise_keepsake(old.text, how, scene))
        else:
            line = await self._line(old.form, old.request, memories, revising=(old, how))
            source = self.p.speaker.speak(line)
        streamed = Streamed(KEEPSAKE_TOKENS)
        async with aclosing(streamed.read(source)) as chunks:  # type: ignore[type-var]
            async for text in chunks:
                yield ReplyChunk(text)
        made = streamed.text.strip()
        if not made:
            raise InputError("Nothing came of it this time: ask again in other words.")
        key, now = self.p.key, self.p.clock.now()
        kept = await self.p.store.run(
            lambda s: s.keepsakes.add(
                key, old.form, old.request, made, now, old.memory_ids, revision_of=old, how=how
            ),
            write=True,
        )
        yield KeepsakeDone(kept, memories)

    # -- reading -----------------------------------------------------------------------------

    async def listing(self, limit: int = 200) -> list[Keepsake]:
        key = self.p.key
        return await self.p.store.run(lambda s: s.keepsakes.listing(key, limit))

    async def get(self, keepsake_id: int) -> Keepsake:
        key = self.p.key
        found = await self.p.store.run(lambda s: s.keepsakes.get(keepsake_id))
        if found is None or found.persona != key:
            raise InputError(f"There is no keepsake {keepsake_id}: list them first.")
        return found

    async def versions(self, keepsake_id: int) -> list[Keepsake]:
        origin = (await self.get(keepsake_id)).origin
        return await self.p.store.run(lambda s: s.keepsakes.versions(origin))

    async def delete(self, keepsake_id: int) -> int:
        """A piece and every version of it; how many versions went."""
        await self.get(keepsake_id)
        return await self.p.store.run(lambda s: s.keepsakes.delete(keepsake_id), write=True)

    async def memories_of(self, keepsake: Keepsake) -> list[Memory]:
        return await self._memories(keepsake.memory_ids)

    async def export(self, keepsake_id: int, folder: Path) -> Path:
        """The piece as Markdown in ``folder``, written whole or not at all."""
        keepsake = await self.get(keepsake_id)
        memories = await self._memories(keepsake.memory_ids)
        text = as_markdown(keepsake, memories, self.p.persona.name)
        path = folder / f"keepsake-{keepsake.origin}-v{keepsake.version}-{keepsake.form}.md"
        await asyncio.to_thread(write_whole, path, text)
        return path

    # -- what a piece is made from ---------------------------------------------------------

    async def drawn_on(self, request: str) -> list[Memory]:
        """What comes to mind for the request: facts, people and plans first, the user's own
        words where no fact says it, never her replies; the ones that bear on it first."""
        recalled: list[Recalled] = await self.p.memories.recall(request, KEEPSAKE_RECALL * 2)
        relation = relation_of(request)
        if relation:
            # "my sister" brings her name and news even when the request says neither.
            seen = {r.memory.id for r in recalled}
            more = await self.p.memories.recall(f"my {relation}", KEEPSAKE_RECALL)
            recalled += [r for r in more if r.memory.id not in seen]
        heard = [Detail(text=r.memory.text) for r in recalled]
        name = name_of(relation, heard, request) if relation else None
        if name:
            # And what was said of them by name ("Mira's fiancé is called Tom").
            seen = {r.memory.id for r in recalled}
            more = await self.p.memories.recall(name, KEEPSAKE_RECALL)
            recalled += [r for r in more if r.memory.id not in seen]
        if not relation and len(recalled) < 3:
            # A piece about them: what she knows best of their life, when the words found little.
            known = await self.p.memories.listing(None, 40)
            seen = {r.memory.id for r in recalled}
            best = sorted(
                (
                    m
                    for m in known
                    if m.kind in _ABOUT_THEM and m.id not in seen and not NAME_FACT.search(m.text)
                ),
                key=lambda m: -m.importance,
            )
            recalled += [
                Recalled(memory=m, score=0.0, recency=0.0, importance=0.0, relevance=0.0)
                for m in best[: 3 - len(recalled)]
            ]
        kept: list[Memory] = []
        texts: set[str] = set()
        ranked = sorted(recalled, key=lambda r: (r.relevance <= 0, -r.score))
        for item in ranked:
            memory = item.memory
            if memory.kind is MemoryKind.REPLY or memory.superseded_at is not None:
                continue
            said = memory.text.strip().rstrip(".").lower()
            if said in texts or any(said in t or t in said for t in texts if len(t) > 12):
                continue
            texts.add(said)
            kept.append(memory)
        facts = [m for m in kept if m.kind is not MemoryKind.EPISODE]
        words = [m for m in kept if m.kind is MemoryKind.EPISODE]
        return (facts + words)[:KEEPSAKE_RECALL]

    async def _memories(self, ids: Sequence[int]) -> list[Memory]:
        wanted = list(ids)
        return await self.p.store.run(lambda s: s.memories.many(wanted))

    async def _scene(
        self, form: str, request: str, memories: Sequence[Memory], seed: int = 0
    ) -> KeepsakeScene:
        p = self.p
        state = await p.feelings.current()
        core = await p.memories.core()
        details = [
            Detail(text=m.text, when=_when(m.due_at))
            for m in memories
            if m.kind is not MemoryKind.REFLECTION
        ]
        return KeepsakeScene(
            form=form if form in FORMS else "letter",
            request=request,
            character=p.persona.name,
            user_name=p.session.user_name or core.user_name,
            details=details,
            mood=state.mood.name,
            stage=state.stage,
            closeness=state.relationship.closeness,
            seed=p.settings.seed + seed,
        )

    async def _line(
        self,
        form: str,
        request: str,
        memories: Sequence[Memory],
        revising: tuple[Keepsake, str] | None = None,
    ) -> Line:
        """Her whole prompt (persona, what she knows, her mood), the recalled memories, and
        the ask for this form."""
        p = self.p
        now = p.clock.now()
        state = await p.feelings.current()
        recalled = [
            Recalled(memory=m, score=1.0, recency=1.0, importance=1.0, relevance=1.0)
            for m in memories
        ]
        turns = Turns(p)
        await turns.know_user()
        moment = await turns.moment(now, None, state, recalled, ())
        prompt = await p.builder.build([], moment)
        user = p.session.user_name or "the user"
        if revising is None:
            ask = (
                f'{user} asks you to write something for them: "{request}". Write it as '
                f"{FORM_ASKS.get(form, FORM_ASKS['letter'])}, in your own voice, from what you "
                "know of them and the people in their life (the memories above). Name the real "
                "people, places and dates you remember; invent nothing about them. Answer with "
                "the piece only, no preface and no comment after it."
            )
        else:
            old, how = revising
            ask = (
                f'Earlier {user} asked you for this ("{old.request}") and you wrote:\n\n'
                f"{old.text}\n\nNow they ask: {how}. Write the new version in full, keeping "
                "what is true of them. Answer with the piece only."
            )
        messages = [*prompt.messages, ChatMessage(role="user", content=f"({ask})")]
        scene = p.builder.scene(moment, appraise(""), Spoken.of(messages))
        return Line(messages, scene, KEEPSAKE_TOKENS, p.persona.temperature)


def _when(due: datetime | None) -> str | None:
    return f"in {due.astimezone():%B}" if due is not None else None


async def _words(text: str) -> AsyncIterator[Chunk]:
    """The offline piece, streamed a line at a time (each a chance for Esc to land)."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        await asyncio.sleep(0)
        yield Chunk(text=line if index == len(lines) - 1 else line + "\n")
    yield Chunk(finish_reason="stop")


def as_markdown(keepsake: Keepsake, memories: Sequence[Memory], author: str) -> str:
    """A piece as a Markdown file: what was asked, when, by whom, and what it drew on."""
    when = keepsake.created_at.astimezone()
    lines = [
        f"# {keepsake.form.capitalize()}: {keepsake.request}",
        "",
        f"*Written by {author}, {when:%d %B %Y at %H:%M}, version {keepsake.version}"
        + (f" (asked: {keepsake.how})" if keepsake.how else "")
        + ".*",
        "",
        keepsake.text.strip(),
        "",
    ]
    if memories:
        lines += ["---", "", "Drawn from what she remembers:", ""]
        lines += [f"- {m.text}" for m in memories]
        lines.append("")
    return "\n".join(lines)


def write_whole(path: Path, text: str) -> None:
    """Written under a temporary name beside ``path`` and renamed once every byte is on
    disk, so a full disk leaves the older export (or nothing), never half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise StorageError(f"Cannot write {path} ({exc.strerror or exc}).") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise StorageError(f"Cannot write {path} ({exc.strerror or exc}).") from exc


__all__ = ["KeepsakeDone", "KeepsakeEvent", "Keepsakes", "as_markdown", "form_of"]
