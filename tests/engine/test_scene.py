"""What the engine hands the offline voice: facts worth saying back, not the user's name."""

from __future__ import annotations

from datetime import UTC, datetime

from samantha.config import Paths
from samantha.domain.memory import Memory, MemoryKind, Recalled
from samantha.engine.sections import scene_for
from samantha.persona import find_persona, load_persona
from samantha.state.appraisal import Appraisal
from samantha.state.inner import InnerState
from samantha.state.mood import PAD

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)


def recalled(memory_id: int, text: str, kind: MemoryKind = MemoryKind.FACT) -> Recalled:
    memory = Memory(
        id=memory_id,
        persona="samantha",
        kind=kind,
        text=text,
        importance=7,
        created_at=NOW,
        accessed_at=NOW,
    )
    return Recalled(memory=memory, score=1.0, recency=1.0, importance=0.7, relevance=0.9)


def test_her_recollections_leave_out_the_name_she_already_calls_you(
    isolated_home: object,
) -> None:
    persona = load_persona(find_persona("samantha", Paths.from_env().personas_dir))
    state = InnerState.first_meeting(persona.temperament, persona.relationship, NOW)
    hints = scene_for(
        persona,
        "Theo",
        NOW,
        None,
        state,
        Appraisal(impulse=PAD()),
        [
            recalled(1, "My name is Theo."),
            recalled(2, "My sister is called Anna.", MemoryKind.PERSON),
            recalled(3, "Theo misses Anna", MemoryKind.EPISODE),
        ],
    )
    assert hints.memories == ["My sister is called Anna."]
