"""The one place a companion is put together: from settings, with the store, backend, clock
and key a test or a duet may bring. The app, the CLI, the duet, the script runner and the
test fixtures all build her here, so wiring never drifts between them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from samantha.backends.base import Source, create_backend
from samantha.clock import Clock, SystemClock
from samantha.config import Paths, Settings
from samantha.engine.feelings import Feelings
from samantha.engine.memories import MemoryKeeper
from samantha.engine.parts import Parts
from samantha.engine.prompting import PromptBuilder, counter_for
from samantha.engine.records import Records
from samantha.engine.session import Session
from samantha.engine.speaking import speaker_for
from samantha.engine.tokens import ModelCounter
from samantha.memory.mind import Mind
from samantha.memory.recall import RecallSettings
from samantha.memory.stream import MemorySettings, MemoryStream
from samantha.persona import Persona, find_persona, load_persona
from samantha.store import Store

if TYPE_CHECKING:
    from samantha.engine.companion import Companion


def build_companion(
    settings: Settings,
    *,
    paths: Paths | None = None,
    persona: Persona | None = None,
    store: Store | None = None,
    backend: Source | None = None,
    clock: Clock | None = None,
    key: str | None = None,
) -> Companion:
    """Her persona file, the backend adapter (or offline voice) and the database, from
    ``settings``; anything passed in is used instead. ``key``: whose life this is in the
    database, the persona's by default (a duet keeps each side's feelings for the other apart)."""
    from samantha.engine.companion import Companion

    paths = paths or Paths.from_env()
    persona = persona or load_persona(find_persona(settings.persona, paths.personas_dir))
    source = backend or create_backend(settings.backend_spec())
    store = store or Store.open(paths.db_path)
    return Companion(assemble(settings, persona, source, store, clock or SystemClock(), key))


def assemble(
    settings: Settings,
    persona: Persona,
    source: Source,
    store: Store,
    clock: Clock,
    key: str | None = None,
) -> Parts:
    speaker = speaker_for(source)
    key = (key or persona.key).strip().lower()
    stream = MemoryStream(
        store,
        key,
        MemorySettings(recall=RecallSettings(half_life_hours=settings.memory_half_life_hours)),
    )
    mind = Mind(
        stream,
        speaker.model,
        extractor=settings.extractor,
        embedding_model=settings.embedding_model,
        timeout=settings.request_timeout,
    )
    session = Session(store, key, clock)
    memories = MemoryKeeper(stream, mind, clock)
    feelings = Feelings(
        persona,
        store,
        key,
        clock,
        model=speaker.model if settings.appraiser == "model" else None,
        timeout=settings.request_timeout,
    )
    counter = counter_for(source.model, exact=speaker.exact_tokens)
    if speaker.model is not None:
        counter = ModelCounter(counter, speaker.model.tokenizer)
    builder = PromptBuilder(
        persona,
        counter,
        window=source.context_window,
        reply_tokens=persona.max_reply_tokens or settings.reply_tokens,
        memory_tokens=settings.memory_tokens,
    )
    return Parts(
        persona=persona,
        key=key,
        settings=settings,
        clock=clock,
        store=store,
        speaker=speaker,
        session=session,
        memories=memories,
        feelings=feelings,
        builder=builder,
        records=Records(store, key, session, memories),
    )
