"""Where a script starts: her mood, the relationship and what she already knows.

Everything is set through the engine (``set_inner_state``, ``remember``, ``set_user_name``);
a starting point that cannot be (a stage the bond does not reach) is a ScriptError with its line.
"""

from __future__ import annotations

from datetime import UTC, datetime

from samantha.conversation_tests.errors import ScriptError
from samantha.conversation_tests.loader import ScriptFile
from samantha.conversation_tests.model import GivenMood, GivenRelationship
from samantha.engine import Companion
from samantha.persona import Persona
from samantha.state.inner import InnerState
from samantha.state.mood import PAD, Mood, MoodName
from samantha.state.relationship import Relationship

#: A named starting mood is this point in its octant: clearly that mood, not an extreme one.
MOOD_POINT = (0.45, 0.35, 0.3)
_SIGNS: dict[MoodName, tuple[int, int, int]] = {
    "exuberant": (1, 1, 1),
    "relaxed": (1, -1, 1),
    "docile": (1, -1, -1),
    "dependent": (1, 1, -1),
    "bored": (-1, -1, -1),
    "disdainful": (-1, -1, 1),
    "anxious": (-1, 1, -1),
    "hostile": (-1, 1, 1),
    # Names with an axis in the neutral band (samantha.state.mood): that axis starts at 0.
    "sad": (-1, -1, 0),
    "cheerful": (1, 1, 0),
    "content": (1, -1, 0),
    "upset": (-1, 1, 0),
    "alert": (0, 1, 0),
    "calm": (0, -1, 0),
    "neutral": (0, 0, 0),
}


async def prepare(loaded: ScriptFile, companion: Companion, now: datetime) -> None:
    check_stage_names(loaded, companion.persona)
    given = loaded.script.state
    if given is None:
        return
    persona = companion.persona
    if given.mood is not None or given.relationship is not None:
        current = await companion.inner_state()
        mood = current.mood
        if given.mood is not None:
            pad = starting_pad(given.mood, current.mood.pad, loaded.where("state", "mood"))
            mood = Mood(pad=pad, at=now)
        relationship = current.relationship
        if given.relationship is not None:
            where = loaded.where("state", "relationship")
            relationship = starting_relationship(given.relationship, persona, now, where)
        await companion.set_inner_state(InnerState.of(mood, relationship, persona.relationship))
    for memory in given.memories:
        due = memory.due
        if due is not None and due.tzinfo is None:
            due = due.replace(tzinfo=UTC)
        await companion.remember(
            memory.text, kind=memory.kind, importance=memory.importance, due_at=due
        )
    if given.user_name:
        await companion.set_user_name(given.user_name)


def starting_pad(given: GivenMood, baseline: PAD, where: str) -> PAD:
    point = [baseline.pleasure, baseline.arousal, baseline.dominance]
    if given.name is not None:
        signs = _SIGNS[given.name]
        point = [sign * size for sign, size in zip(signs, MOOD_POINT, strict=True)]
    for index, value in enumerate((given.pleasure, given.arousal, given.dominance)):
        if value is not None:
            point[index] = value
    pad = PAD.clamped(*point)
    named = Mood(pad=pad, at=datetime.now(UTC)).name
    if given.name is not None and named != given.name:
        raise ScriptError(
            f"{where}: those values make her {named}, not {given.name}: change the numbers or "
            "drop the name."
        )
    return pad


def starting_relationship(
    given: GivenRelationship, persona: Persona, now: datetime, where: str
) -> Relationship:
    rules = persona.relationship
    names = [s.name for s in rules.stages]
    trust = 0.3 if given.trust is None else given.trust
    tension = given.tension or 0.0
    closeness = given.closeness or 0.0
    index = 0
    if given.stage is not None:
        if given.stage not in names:
            raise ScriptError(
                f"{where}: {persona.name} has no stage '{given.stage}': "
                f"use one of {', '.join(names)}."
            )
        index = names.index(given.stage)
        floor = rules.stages[index].threshold
        if given.closeness is None:
            # Just over the stage's threshold, so the first message does not move it back.
            closeness = min(1.0, max(0.0, (floor + 0.02 - 0.35 * trust + 0.3 * tension) / 0.65))
    bond = Relationship(closeness=closeness, trust=trust, tension=tension, at=now).bond
    reached = max(i for i, s in enumerate(rules.stages) if bond >= s.threshold or i == 0)
    if given.stage is None:
        index = reached
    elif bond < rules.stages[index].threshold - rules.hysteresis or (reached > index > 0):
        # (Anyone may still be a stranger: leaving the first stage takes a real first talk
        # and a return, not just a bond over its threshold.)
        raise ScriptError(
            f"{where}: closeness {closeness:.2f}, trust {trust:.2f} and tension {tension:.2f} "
            f"make a bond of {bond:.2f}, which is the stage '{names[reached]}', not "
            f"'{given.stage}': change the numbers or leave out closeness."
        )
    strained = given.strained if given.strained is not None else tension >= rules.strain_on
    return Relationship(
        closeness=closeness,
        trust=trust,
        tension=tension,
        stage_index=index,
        strained=strained,
        at=now,
        last_contact=now,
    )


def check_stage_names(loaded: ScriptFile, persona: Persona) -> None:
    """A stage the persona does not have can never match: that is a typo, said up front."""
    names = [s.name for s in persona.relationship.stages]
    for index, step in enumerate(loaded.script.steps):
        blocks = [("expect", step.expect)]
        if step.xfail is not None:
            blocks.append(("xfail", step.xfail.expect))
        for place, block in blocks:
            expect = block.relationship if block else None
            if expect is None:
                continue
            for key in ("stage", "stage_not"):
                for position, stage in enumerate(getattr(expect, key)):
                    if stage in names:
                        continue
                    head: tuple[str | int, ...] = ("steps", index, "expect")
                    if place == "xfail":
                        head = ("steps", index, "xfail", "expect")
                    loc = (*head, "relationship", key, position)
                    raise ScriptError(
                        f"{loaded.where(*loc)}: {persona.name} has no stage '{stage}': use one "
                        f"of {', '.join(names)}."
                    )
