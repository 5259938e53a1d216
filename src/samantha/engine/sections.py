"""What the engine puts in front of the model each turn: the prompt's sections (in the order
``prompt.py`` documents) and the scene the offline voice renders. Pure functions of a
persona already filled with the names, her state and what came to mind."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from samantha.domain.conversation import Message
from samantha.domain.memory import EPISODE_KINDS, CoreMemory, Memory, MemoryKind, Recalled
from samantha.engine.care import care_instruction
from samantha.engine.prompt import PERSONA_LEVELS, Section, persona_text, time_text
from samantha.engine.tokens import byte_bound
from samantha.memory.mind import Mind
from samantha.persona import Persona
from samantha.persona.lorebook import scan
from samantha.state.appraisal import Appraisal
from samantha.state.inner import InnerState
from samantha.timefmt import humanize
from samantha.voice.scene import Scene

#: After this long without a word, she mentions the time away.
ABSENCE = timedelta(hours=12)
#: "My name is Theo." (how the extractor keeps a name): the offline voice does not recall it.
NAME_FACT = re.compile(r"(?:my name is|i'm called|i am called|call me)\b", re.IGNORECASE)


def count_for_budget(text: str) -> int:
    """Section budgets use the byte bound: cheap, and never under the true count."""
    return byte_bound(text) // 3 + 1


def _speaker_of(kind: MemoryKind, user: str) -> str:
    """Whose words a recalled memory is, so the model never takes her words for theirs."""
    if kind is MemoryKind.REPLY:
        return "You said: "
    if kind is MemoryKind.REFLECTION:
        return "Your thought: "
    return f"{user} said: "


@dataclass(frozen=True)
class Budgets:
    """Tokens each section may take, scaled to the window: a 2k-token local model gets a
    compact persona and a few lines of memory, a 128k one everything. The shares keep the
    sections well under half the window, so the conversation keeps the rest."""

    persona: int
    core: int
    memories: int

    @classmethod
    def for_window(cls, window: int, memory_tokens: int) -> Budgets:
        return cls(
            persona=max(120, window * 12 // 100),
            core=max(60, window * 6 // 100),
            memories=min(memory_tokens, max(40, window * 5 // 100)),
        )


def compact_persona(persona: Persona, budget: int) -> str:
    """The fullest rendering of her persona that fits ``budget`` (the most compact when none
    does: the window fitting cuts it further, marked)."""
    text = persona_text(persona)
    for level in range(1, PERSONA_LEVELS):
        if count_for_budget(text) <= budget:
            break
        text = persona_text(persona, level)
    return text


def _plain(line: str) -> str:
    """A line without its list marker: Markdown bullets in the prompt come back as bullets
    in her replies, and she speaks in prose."""
    return _BULLET.sub("", line).strip()


_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")
#: Her own words worth recalling: what she promised or offered to do.
_PROMISE = re.compile(r"\b(?:i'll|i will|i promise|i'm going to|let me|i can make|i wrote)\b", re.I)
#: A message about what she said ("what did you recommend?"): her words are the answer.
_ABOUT_HER_WORDS = re.compile(
    r"\byou\s+(?:sa(?:id|y)|t(?:old|ell)|mention(?:ed)?|suggest(?:ed)?|recommend(?:ed)?"
    r"|promised?|wr(?:ote|ite)|ma(?:de|ke)|gave|give|offer(?:ed)?)\b",
    re.I,
)


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def prompt_sections(
    persona: Persona,
    user_name: str | None,
    core: CoreMemory,
    history: Sequence[Message],
    now: datetime,
    last_seen: datetime | None,
    state: InnerState,
    recalled: Sequence[Recalled],
    plans: Sequence[Memory],
    summary: str | None,
    memory_tokens: int,
    *,
    care: str | None = None,
    window: int = 8192,
) -> list[Section]:
    """``persona`` is already filled with the user's name (``Persona.filled``)."""
    user = user_name or "the user"
    budgets = Budgets.for_window(window, memory_tokens)
    sections = [
        Section("persona", compact_persona(persona, budgets.persona), budget=budgets.persona)
    ]
    known = [f"Their name is {user_name}."] if user_name else []
    room = budgets.core - count_for_budget("\n".join(known))
    for line in (_plain(ln) for ln in core.about_user.splitlines()):
        if line and (cost := count_for_budget(line)) <= room:
            known.append(line)
            room -= cost
    if known:
        about = f"What you know about {user}, in their words:\n" + "\n".join(known)
        sections.append(Section("core memory", about, budget=budgets.core))
    if core.about_me.strip():
        mine = "\n".join(_plain(ln) for ln in core.about_me.splitlines() if ln.strip())
        sections.append(Section("core memory (you)", "About yourself:\n" + mine))
    asked = history[-1].text if history else ""
    # Said once is enough: a recalled line that core memory already holds is left out.
    seen = {_key(line) for line in known}
    mood = [
        f"Your mood: {state.mood.label}. {state.mood.style_note()}",
        state.relationship.prompt_note(persona.relationship, user),
    ]
    sections.append(Section("mood", "\n".join(m for m in mood if m)))
    plan_lines = Mind.plan_lines(plans, now, user)
    sections.append(Section("time", time_text(now, user, last_seen, plan_lines)))
    entries = scan(persona.lorebook, [m.text for m in history], count_for_budget).in_prompt_order()
    if entries:
        lore = "\n".join(e.content for e in entries)
        sections.append(Section("lorebook", "World notes:\n" + lore, optional=True))
    lines = []
    budget = budgets.memories
    for hit in recalled:
        memory = hit.memory
        key = _key(memory.text)
        if key in seen:
            continue
        if (
            memory.kind is MemoryKind.REPLY
            and not _PROMISE.search(memory.text)
            and not _ABOUT_HER_WORDS.search(asked)
        ):
            # Her past replies come back only when they hold a promise, or when asked about
            # what she said: otherwise she reads her own (maybe wrong) words as facts.
            continue
        when = humanize(now - memory.created_at)
        line = f"{_speaker_of(memory.kind, user)}{_plain(memory.text)} ({when} ago)"
        cost = count_for_budget(line)
        if cost > budget:
            break
        budget -= cost
        seen.add(key)
        lines.append(line)
    if lines:
        remembered = "Things you remember that may matter now, with when:\n" + "\n".join(lines)
        sections.append(Section("memories", remembered, optional=True, budget=budgets.memories))
    if summary is not None:
        earlier = "Earlier in this conversation (a summary):\n" + summary
        sections.append(Section("summary", earlier, optional=True, trim_from="start"))
    if persona.post_history_instructions:
        sections.append(Section("instructions", persona.post_history_instructions))
    if care is not None:
        # Last in the system text, nearest the message: it outranks her usual manner.
        sections.append(Section("care", care_instruction(user, care)))
    return sections


_CONTENT_WORD = re.compile(r"[a-z][a-z'-]{3,}")
#: Words too common to tie a question to a line of what she knows.
_COMMON = frozenset(
    [
        "what",
        "what's",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "why",
        "how",
        "have",
        "does",
        "doing",
        "done",
        "about",
        "with",
        "your",
        "mine",
        "that",
        "this",
        "there",
        "their",
        "they",
        "them",
        "from",
        "into",
        "been",
        "were",
        "will",
        "would",
        "could",
        "should",
        "tell",
        "remember",
        "know",
        "name",
        "called",
    ]
)


def _known_about(asked: str, known: str) -> list[str]:
    """Lines of core memory that share a content word with the question, best first."""
    words = {w.removesuffix("'s") for w in _CONTENT_WORD.findall(asked.lower())} - _COMMON
    if not words:
        return []
    scored = []
    for line in (line.strip().lstrip("-• ").strip() for line in known.splitlines()):
        if not line or NAME_FACT.match(line):
            continue
        shared = words & {w.removesuffix("'s") for w in _CONTENT_WORD.findall(line.lower())}
        if shared:
            scored.append((len(shared), line))
    return [line for _, line in sorted(scored, key=lambda pair: -pair[0])][:1]


def scene_for(
    persona: Persona,
    user_name: str | None,
    now: datetime,
    last_contact: datetime | None,
    state: InnerState,
    appraisal: Appraisal,
    recalled: Sequence[Recalled] = (),
    plans: Sequence[Memory] = (),
    *,
    first_meeting: bool = False,
    was_strained: bool = False,
    asked: str = "",
    known: str = "",
) -> Scene:
    """``persona`` is already filled with the user's name (``Persona.filled``). ``asked`` is
    the message she answers and ``known`` her core memory about them: a question about
    something she always knows is answered from it, even when it is too recent to be recalled."""
    voice = persona.offline_voice
    away = humanize(now - last_contact) if last_contact and now - last_contact > ABSENCE else None
    # The offline voice mentions a fact she recalled, not a raw earlier message of theirs,
    # nor their name (she calls them by it; "you told me your name is Theo" is odd).
    facts = [
        r.memory.text
        for r in recalled
        if r.memory.kind not in EPISODE_KINDS
        and r.relevance >= 0.3
        and not NAME_FACT.match(r.memory.text)
    ]
    if not facts and asked.rstrip().endswith("?"):
        facts = _known_about(asked, known)
    today = now.astimezone().date()
    # Only plans are asked after ("how did it go?"); a dated fact ("My dog died this
    # morning") is in her sense of the week, never something coming up.
    plans = [p for p in plans if p.kind is MemoryKind.PLAN and p.due_at]
    past = [p.text for p in plans if p.due_at and p.due_at.astimezone().date() < today]
    coming = [p.text for p in plans if p.due_at and p.due_at.astimezone().date() >= today]
    return Scene(
        character=persona.name,
        user_name=user_name,
        openers=voice.openers,
        comfort=voice.comfort,
        gentle=voice.gentle,
        delight=voice.delight,
        curiosity=voice.curiosity,
        musings=voice.musings,
        not_told=voice.not_told,
        self_questions=voice.self_questions,
        check_ins=voice.check_ins,
        advice_back=voice.advice_back,
        thanks_back=voice.thanks_back,
        reassurance=voice.reassurance,
        farewells=voice.farewells,
        greetings=persona.greetings,
        hurt=voice.hurt,
        forgiving=voice.forgiving,
        name_heard=voice.name_heard,
        missed_you=voice.missed_you,
        mood=state.mood.name,
        mood_intensity=state.mood.intensity,
        strained=state.relationship.strained,
        events=list(appraisal.tags),
        memories=facts,
        past_plans=past,
        upcoming_plans=coming,
        time_away=away,
        first_meeting=first_meeting,
        was_strained=was_strained,
    )
