"""Keeping facts true: storing a fact merges it with what she already knows and retires what it
makes untrue; forgetting or editing a fact reaches everything drawn from it.

Runs inside the caller's transaction (``MemoryStream`` gives it the store on the database
thread), so a fact, the core block that quotes it and the facts it supersedes change together.

What is derived from a fact, and so follows it:
- the "about you" core block, which quotes important facts line by line;
- reflections, which cite the messages of the facts they were drawn from;
- conversation summaries, which retell the first sentence of what the person said;
- the same fact told twice in other words ("I'm a nurse" / "I work as a nurse").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from samantha.domain.memory import EPISODE_KINDS, Memory, MemoryKind, NewFact
from samantha.memory.extract import tidy
from samantha.memory.slots import Slot, conflicts, slots_of
from samantha.store import Store

#: The kinds that state something about the person which a newer fact can make untrue.
STATE_KINDS = frozenset({MemoryKind.FACT, MemoryKind.PERSON, MemoryKind.PREFERENCE})
#: The longest fact stored (the domain model's own limit is 500).
STORED_LIMIT = 480
ABOUT_USER = "about_user"


def _key(text: str) -> str:
    """Words compared without case, spacing or closing punctuation."""
    return " ".join(text.lower().split()).rstrip(".!? ")


def _values(slots: Sequence[Slot]) -> frozenset[tuple[str, str]]:
    return frozenset((s.key, s.value) for s in slots if s.value and not s.ends)


def in_core(kind: MemoryKind, text: str, importance: int, threshold: int) -> bool:
    """Important facts about the person join the core block; plans are in the time section
    and the name has a block of its own, so neither is quoted there."""
    if importance < threshold or kind is MemoryKind.PLAN:
        return False
    return not any(s.key == "name" for s in slots_of(text))


def add_line(block: str, text: str, limit: int) -> str:
    """Append a line to a core block; past the limit, the oldest automatic lines give way."""
    lines = [ln for ln in block.splitlines() if ln.strip()]
    if any(_key(ln.strip("- ")) == _key(text) for ln in lines):
        return block
    lines.append(f"- {text}")
    while len("\n".join(lines)) > limit and len(lines) > 1:
        lines.pop(0)
    return "\n".join(lines)


def unique_lines(lines: Iterable[str]) -> str:
    """The lines, each said once (compared without case or closing punctuation)."""
    seen: set[str] = set()
    kept = []
    for line in lines:
        key = _key(line.strip("- "))
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(line)
    return "\n".join(kept)


def drop_lines(block: str, texts: Sequence[str]) -> str:
    doomed = {_key(t) for t in texts}
    return "\n".join(ln for ln in block.splitlines() if _key(ln.strip("- ")) not in doomed)


def store_facts(
    s: Store,
    persona: str,
    facts: Sequence[NewFact],
    at: datetime,
    sources: Sequence[int],
    *,
    core_limit: int,
    core_importance: int,
) -> list[Memory]:
    """Store new facts and return the ones stored. A fact already known, in the same words
    or as the same value of the same slot, is reinforced instead (sources added, recency
    renewed); one that gives a slot a new value supersedes the old fact."""
    stored: list[Memory] = []
    core = s.memories.core(persona).get(ABOUT_USER, "")
    before = core
    current: list[tuple[Memory, list[Slot]]] | None = None
    for fact in facts:
        # Kept in the words given (the extractors tidy their own; what the person wrote on
        # the memory screen stays as written), only ever shortened to fit.
        text = (
            fact.text.strip() if len(fact.text) <= STORED_LIMIT else tidy(fact.text, STORED_LIMIT)
        )
        if not text:
            continue
        other = text.rstrip(".") if text.endswith(".") else text + "."
        same = s.memories.find_same(persona, fact.kind, text) or s.memories.find_same(
            persona, fact.kind, other
        )
        slots = slots_of(text)
        outdated: list[Memory] = []
        if same is None and slots:
            if current is None:
                current, core = _settle(s, persona, core)
            new_values = _values(slots)
            for old, old_slots in current:
                if any(conflicts(o, n) for o in old_slots for n in slots):
                    outdated.append(old)
                elif new_values and _values(old_slots) == new_values and old.kind is fact.kind:
                    same = old
        if same is not None and not outdated:
            s.memories.add_sources(same.id, sources)
            s.memories.touch([same.id], at)
            continue
        memory = s.memories.add(persona, fact.kind, text, fact.importance, at, sources, fact.due_at)
        stored.append(memory)
        if outdated:
            s.memories.supersede([m.id for m in outdated], at, memory.id)
            # A message that told only what is no longer so is history too, or recall would
            # offer "I live in Porto" word for word beside the move.
            told = s.memories.only_outdated_from(
                sorted({i for m in outdated for i in m.source_ids})
            )
            s.memories.supersede(s.memories.episodes_of(told), at, memory.id)
            core = drop_lines(core, [m.text for m in outdated])
            gone = {m.id for m in outdated}
            current = [(m, sl) for m, sl in current or [] if m.id not in gone]
        if current is not None and fact.kind in STATE_KINDS and slots:
            current.append((memory, slots))
        if in_core(fact.kind, text, fact.importance, core_importance):
            core = add_line(core, text, core_limit)
    if core != before or stored:
        s.memories.set_core(persona, ABOUT_USER, core, at)
    return stored


def _settle(s: Store, persona: str, core: str) -> tuple[list[tuple[Memory, list[Slot]]], str]:
    """The current facts with their slots, after retiring any that a later one already made
    untrue (a database from before supersession holds both "I live in Porto" and "I moved
    to Lisbon"). Returns them and the core block without the retired lines."""
    current: list[tuple[Memory, list[Slot]]] = []
    found = [
        (i, sl)
        for i, text in s.memories.current_texts(persona, STATE_KINDS)
        if (sl := slots_of(text))
    ]
    memories = {m.id: m for m in s.memories.many([i for i, _ in found])}
    for memory_id, slots in found:  # oldest first; only facts that speak of a slot
        memory = memories[memory_id]
        outdated = [
            old
            for old, old_slots in current
            if any(conflicts(o, n) for o in old_slots for n in slots)
        ]
        if outdated:
            s.memories.supersede([m.id for m in outdated], memory.created_at, memory.id)
            core = drop_lines(core, [m.text for m in outdated])
            gone = {m.id for m in outdated}
            current = [(m, sl) for m, sl in current if m.id not in gone]
        current.append((memory, slots))
    return current, core


def forget(s: Store, persona: str, memory_ids: Sequence[int]) -> list[int]:
    """Everything to erase with these memories, with the core block and summaries already
    cleaned of them. Returns the ids to delete (the caller deletes them)."""
    doomed = set(memory_ids)
    chosen = s.memories.many(list(memory_ids))
    facts = [m for m in chosen if m.kind not in EPISODE_KINDS]
    if facts:
        # The same fact in other words goes too, or she would still know it.
        wanted = {_key(m.text) for m in facts}
        values = {v for m in facts if (v := _values(slots_of(m.text)))}
        kinds = STATE_KINDS | {MemoryKind.PROMISE}
        alike = [
            i
            for i, text in s.memories.current_texts(persona, kinds)
            if _key(text) in wanted or (values and _values(slots_of(text)) in values)
        ]
        for other in s.memories.many(alike):
            facts.append(other)
            doomed.add(other.id)
    messages = sorted({i for m in facts for i in m.source_ids})
    # The messages stay in the transcript, but a model is never sent them (nor her replies to
    # them) again, and they no longer come to mind as episodes.
    doomed.update(s.memories.episodes_of(s.conversations.withhold(messages)))
    reflections = s.memories.reflections_from(persona, messages)
    doomed.update(r.id for r in reflections)
    texts = [m.text for m in facts] + [r.text for r in reflections]
    blocks = s.memories.core(persona)
    core = blocks.get(ABOUT_USER, "")
    cleaned = drop_lines(core, texts)
    if cleaned != core:
        s.memories.set_core(persona, ABOUT_USER, cleaned, datetime.now().astimezone())
    _scrub_summaries(s, messages, [m.text for m in facts])
    return sorted(doomed)


def _scrub_summaries(s: Store, messages: Sequence[int], texts: Sequence[str]) -> None:
    """Drop the lines of a conversation's summary that retell a forgotten message or fact."""
    said: dict[int, list[str]] = {}
    for conversation, words in s.memories.messages_said(list(messages)):
        first = re.split(r"(?<=[.!?])\s", words.strip(), maxsplit=1)[0][:160]
        said.setdefault(conversation, []).append(_key(first))
    needles = [_key(t) for t in texts if len(_key(t)) > 8]
    for conversation, firsts in said.items():
        found = s.memories.summary(conversation)
        if found is None:
            continue
        summary, upto = found
        kept = [
            line
            for line in summary.splitlines()
            if not any(n and n in line.lower() for n in [*firsts, *needles])
        ]
        if len(kept) != len(summary.splitlines()):
            s.memories.set_summary(conversation, "\n".join(kept), upto, datetime.now().astimezone())


def edit(s: Store, persona: str, memory_id: int, text: str) -> Memory | None:
    """Change a memory's words, and with them the core line that quoted it; reflections
    drawn from the old words are redrawn from the new (quoted words replaced) or dropped."""
    old = s.memories.get(memory_id)
    if old is None:
        return None
    s.memories.update(memory_id, text=text)
    if old.kind in EPISODE_KINDS:
        return s.memories.get(memory_id)
    core = s.memories.core(persona).get(ABOUT_USER, "")
    lines = core.splitlines()
    changed = [f"- {text}" if _key(ln.strip("- ")) == _key(old.text) else ln for ln in lines]
    if changed != lines:
        s.memories.set_core(persona, ABOUT_USER, "\n".join(changed), datetime.now().astimezone())
    doomed = []
    for reflection in s.memories.reflections_from(persona, old.source_ids):
        quoted = old.text.rstrip(".")
        if quoted and quoted in reflection.text:
            s.memories.update(reflection.id, text=reflection.text.replace(quoted, text.rstrip(".")))
        else:
            doomed.append(reflection.id)
    if doomed:
        s.memories.delete(doomed)
    return s.memories.get(memory_id)
