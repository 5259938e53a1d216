"""Prompt assembly in one documented order, each section counted, under the window's budget.

Two system messages: what changes seldom leads, what changes every turn sits beside the
newest message. A server keeps the prompt it evaluated last and reuses the longest prefix the
next one shares with it (llama.cpp, Ollama, vLLM, OpenAI): with the clock, her mood and the
recalled memories ahead of the history, every turn re-read the whole conversation.

The lead system message, before the history:

1. persona          who she is, how she speaks, her values and examples
2. core memory      what she always knows about the user, and about herself
3. summary          a rolling summary of the part of the conversation that no longer fits

Then the history (recent messages, oldest first), and just before the newest message, the
moment:

4. mood             her mood and the relationship's stage and strain
5. time             the date and time, how long since the last talk, plans near or just past
6. lorebook         world entries whose keywords came up
7. memories         what came to mind for this message, with when
8. instructions     the persona's post_history_instructions, if any
9. care             a way to reach help, when the message sounds like a crisis

When the history does not end with the person's message (her greeting, a nudge), the moment
joins the lead message: there is no newest message to sit beside. Backends whose chat
template refuses a system message mid-conversation fold it into the newest message
(``backends.base.fold_system``).

Persona, core memory, mood and time always go in. When the budget is tight the optional ones
give way first, in the order lorebook, summary, memories (least to most tied to this
message); then the oldest messages are left out; a single message too large for the window is
cut in the middle, marked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from samantha.backends.base import ChatMessage
from samantha.domain.conversation import Message, MessageStatus, Role
from samantha.engine.tokens import MESSAGE_OVERHEAD, Accuracy, TokenCounter, byte_bound
from samantha.persona import Persona
from samantha.timefmt import humanize

#: Optional sections, in the order they give way when the budget is tight.
TRIM_ORDER = ("lorebook", "summary", "memories")
#: Sections that change from turn to turn: sent beside the newest message, after the history,
#: so the conversation before it stays a prefix the server has already read.
MOMENT = frozenset({"mood", "time", "lorebook", "memories", "instructions", "care"})


@dataclass(frozen=True)
class Section:
    name: str
    text: str
    optional: bool = False
    #: Which lines give way first when the section must shrink: a summary loses its oldest
    #: lines, a ranked list (memories, lorebook) its last, least relevant ones.
    trim_from: Literal["start", "end"] = "end"
    #: The tokens it was allowed before the window was fitted (``sections.Budgets``).
    budget: int | None = None

    def shrunk(self) -> Section | None:
        """The section one line shorter; ``None`` once only its heading would be left."""
        head, *lines = self.text.splitlines()
        if len(lines) <= 1:
            return None
        lines = lines[1:] if self.trim_from == "start" else lines[:-1]
        return replace(self, text="\n".join([head, *lines]))


class PromptSection(BaseModel):
    name: str
    tokens: int
    text: str
    #: Left out because the budget was tight.
    dropped: bool = False
    #: What the section was allowed, when it has a budget of its own.
    budget: int | None = None


class Prompt(BaseModel):
    messages: list[ChatMessage]
    #: Tokens of the whole prompt: exact, approximate or an upper-bound estimate (see accuracy).
    tokens: int
    accuracy: Accuracy
    budget: int
    dropped: int = 0
    sections: list[PromptSection] = []

    @property
    def system(self) -> str:
        """Everything she is told besides the messages, lead and moment together."""
        return "\n\n".join(m.content for m in self.messages if m.role == "system")


#: How much of the persona a rendering keeps, fullest first: a small window gets the
#: first that fits its budget. Examples go first (long, and a small model copies them), then
#: the backstory and situation, then her personality and boundaries; who she is, how she
#: speaks and what she values stay.
PERSONA_LEVELS = 5


def persona_text(persona: Persona, level: int = 0) -> str:
    """Who she is. ``persona`` comes filled with the names (``Persona.filled``): the engine
    fills it once per user name, not on every turn. ``level``: how compact (see
    ``PERSONA_LEVELS``)."""
    p = persona
    parts = [f"You are {p.name}" + (f", {p.tagline}." if p.tagline else ".")]
    description = p.description if level < 4 else _first_sentence(p.description)
    parts += [t for t in (description, p.personality if level < 3 else "") if t]
    if p.backstory and level < 2:
        parts.append(p.backstory)
    if p.scenario and level < 2:
        parts.append("The situation: " + p.scenario)
    if p.voice:
        parts.append("How you speak: " + p.voice)
    if p.values:
        parts.append("You value: " + "; ".join(p.values) + ".")
    if p.boundaries and level < 3:
        parts.append("Your boundaries: " + "; ".join(p.boundaries) + ".")
    if p.example_dialogues and level < 1:
        parts.append("How you sound, for example:\n" + "\n\n".join(p.example_dialogues))
    if p.system_prompt:
        parts.append(p.system_prompt)
    parts.append(f"Stay in character as {p.name}. Reply in plain prose, briefly.")
    return "\n\n".join(parts)


def _first_sentence(text: str) -> str:
    end = next(
        (i for i, c in enumerate(text) if c in ".!?" and text[i + 1 : i + 2] in {" ", ""}), -1
    )
    return text[: end + 1] if end >= 0 else text


def time_text(
    now: datetime, user: str, last_seen: datetime | None, plans: Sequence[str] = ()
) -> str:
    local = now.astimezone()
    parts = [f"It is now {local:%A, %d %B %Y, %H:%M} ({local.tzname()})."]
    if last_seen is not None and now - last_seen > timedelta(hours=1):
        parts.append(f"You last spoke with {user} {humanize(now - last_seen)} ago.")
    parts.extend(plans)
    return "\n".join(parts)


def _as_chat(message: Message, partner: str | None = None) -> ChatMessage:
    text = message.text
    if message.status is MessageStatus.INTERRUPTED and message.role is Role.ASSISTANT:
        text += " [you were interrupted here]"
    if partner is not None and message.role is Role.USER and message.speaker != partner:
        # A third voice in a group talk: the user role alone would pass it off as the partner's.
        text = f"[{message.speaker}, joining in:] {text}"
    role = "assistant" if message.role is Role.ASSISTANT else "user"
    return ChatMessage(role=role, content=text)


def _estimate(text: str) -> int:
    return math.ceil(byte_bound(text) / 3)


def compose(
    sections: Sequence[Section],
    history: Sequence[Message],
    counter: TokenCounter,
    window: int,
    reply_reserve: int,
    cache: dict[int, int] | None = None,
    chats: dict[int, Any] | None = None,
    partner: str | None = None,
) -> Prompt:
    """Fit ``sections`` plus the newest part of ``history`` into ``window - reply_reserve``.

    ``cache`` (token counts) and ``chats`` (converted messages with their byte lengths) are
    keyed by message id and kept by the caller between turns: stored messages never change.
    ``partner``: in a group talk, whom she is talking with; anyone else's lines are labelled.
    """
    budget = max(256, window - min(reply_reserve, window // 2))
    present = [s for s in sections if s.text.strip()]
    converted = chats if chats is not None else {}
    pairs: list[tuple[ChatMessage, int]] = []
    for message in history:
        pair = converted.get(message.id)
        if pair is None:
            chat = _as_chat(message, partner)
            pair = converted[message.id] = (chat, byte_bound(chat.content))
        pairs.append(pair)
    chats_list = [chat for chat, _ in pairs]
    system = "\n\n".join(s.text for s in present)
    # Fast path: byte lengths bound BPE token counts from above, so no tokenizer is needed.
    # Two system messages (the lead and the moment) each cost a message's overhead.
    upper = byte_bound(system) + sum(size for _, size in pairs)
    upper += MESSAGE_OVERHEAD * (len(pairs) + 2)
    if upper <= budget:
        shown = [
            PromptSection(name=s.name, tokens=_estimate(s.text), text=s.text, budget=s.budget)
            for s in present
        ]
        history_bytes = sum(size for _, size in pairs)
        shown.append(_history_section(len(pairs), math.ceil(history_bytes / 3)))
        return Prompt(
            messages=_assemble(present, chats_list),
            tokens=math.ceil(upper / 3),
            accuracy="estimate",
            budget=budget,
            sections=shown,
        )
    cache = cache if cache is not None else {}

    def cost(index: int) -> int:
        message_id = history[index].id
        if message_id not in cache:
            cache[message_id] = counter.count(chats_list[index].content) + MESSAGE_OVERHEAD
        return cache[message_id]

    counts = {s.name: counter.count(s.text) for s in present}
    kept_sections = list(present)
    # The sections are sent joined by blank lines, and those cost tokens too: leaving them out
    # of the sum let the system text outgrow its room and the prompt its budget.
    separator = counter.count("\n\n")

    def sections_tokens() -> int:
        joins = separator * max(0, len(kept_sections) - 1)
        return sum(counts[s.name] for s in kept_sections) + joins

    # Recent messages keep at least a third of the budget (when they need it), and the newest
    # up to half: a long summary or many memories must not push the conversation out of view.
    recent = 0
    for position in range(len(chats_list) - 1, -1, -1):
        if recent >= budget // 3:
            break
        recent += cost(position)
    newest = cost(len(chats_list) - 1) if chats_list else 0
    floor = max(min(recent, budget // 3), min(newest, budget // 2))
    # The moment stands beside the newest message when that is theirs: two system messages.
    split = bool(chats_list) and chats_list[-1].role == "user"
    room = budget - 2 * MESSAGE_OVERHEAD - floor
    for name in TRIM_ORDER:
        while sections_tokens() > room:
            index = next((i for i, s in enumerate(kept_sections) if s.name == name), None)
            if index is None:
                break
            smaller = kept_sections[index].shrunk()
            if smaller is None:
                del kept_sections[index]
                break
            kept_sections[index] = smaller
            counts[name] = counter.count(smaller.text)
    # A window too small for even the sections that always go in: cut the largest, marked,
    # rather than send a prompt that leaves the reply no room.
    for _ in range(len(kept_sections)):
        # Measured on the text as sent: a tokenizer may merge across the joins, either way.
        excess = _system_tokens(counter, kept_sections, split) - MESSAGE_OVERHEAD - room
        if excess <= 0:
            break
        index = max(range(len(kept_sections)), key=lambda i: counts[kept_sections[i].name])
        section = kept_sections[index]
        allowed = max(16, counts[section.name] - excess - 8)
        cut = counter.truncate(section.text, allowed)
        kept_sections[index] = replace(section, text=cut)
        counts[section.name] = counter.count(cut)
    used = _system_tokens(counter, kept_sections, split)
    kept: list[ChatMessage] = []
    history_tokens = 0
    for index in range(len(chats_list) - 1, -1, -1):
        need = cost(index)
        if used + need <= budget:
            kept.append(chats_list[index])
            used += need
            history_tokens += need
            continue
        if not kept:
            # The newest message alone is too big: keep its start and end rather than nothing.
            room = max(64, budget - used - MESSAGE_OVERHEAD)
            text = counter.truncate(chats_list[index].content, room)
            kept.append(ChatMessage(role=chats_list[index].role, content=text))
            need = counter.count(text) + MESSAGE_OVERHEAD
            used += need
            history_tokens += need
        break
    kept.reverse()
    final = {s.name: s for s in kept_sections}
    shown = [
        PromptSection(
            name=s.name,
            tokens=counts[s.name] if s.name in final else 0,
            text=final[s.name].text if s.name in final else s.text,
            dropped=s.name not in final,
            budget=s.budget,
        )
        for s in present
    ]
    shown.append(_history_section(len(kept), history_tokens, len(chats_list) - len(kept)))
    return Prompt(
        messages=_assemble(kept_sections, kept),
        tokens=used,
        accuracy=counter.accuracy,
        budget=budget,
        dropped=len(chats_list) - len(kept),
        sections=shown,
    )


def _system_tokens(counter: TokenCounter, sections: Sequence[Section], split: bool) -> int:
    """The system text's tokens as sent, framing included: the lead and the moment are two
    messages when the moment has a newest message to stand beside (``split``), else one."""
    if not split:
        return counter.count("\n\n".join(s.text for s in sections)) + MESSAGE_OVERHEAD
    lead = "\n\n".join(s.text for s in sections if s.name not in MOMENT)
    moment = "\n\n".join(s.text for s in sections if s.name in MOMENT)
    texts = [text for text in (lead, moment) if text]
    return sum(counter.count(text) for text in texts) + MESSAGE_OVERHEAD * len(texts)


def _assemble(sections: Sequence[Section], chats: Sequence[ChatMessage]) -> list[ChatMessage]:
    """The lead system message, the history, and the moment just before the newest message."""
    lead = "\n\n".join(s.text for s in sections if s.name not in MOMENT)
    moment = "\n\n".join(s.text for s in sections if s.name in MOMENT)
    if not moment or not chats or chats[-1].role != "user":
        whole = "\n\n".join(text for text in (lead, moment) if text)
        return [ChatMessage(role="system", content=whole), *chats]
    return [
        ChatMessage(role="system", content=lead),
        *chats[:-1],
        ChatMessage(role="system", content=moment),
        chats[-1],
    ]


def _history_section(count: int, tokens: int, left_out: int = 0) -> PromptSection:
    note = f"{count} recent messages" + (f" ({left_out} older ones left out)" if left_out else "")
    return PromptSection(name="history", tokens=tokens, text=note)
