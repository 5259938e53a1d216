"""Prompt assembly: the persona's system text, then as many recent messages as fit.

Order (documented for persona authors): system/persona, mood and relationship notes, time,
then recent messages, oldest
first. When history does not fit the window minus the reply reserve, the oldest messages are
left out first; a single message too large for the window is cut in the middle, marked.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from samantha.backends.base import ChatMessage
from samantha.models import Message, MessageStatus, Role
from samantha.persona import Persona
from samantha.timefmt import humanize
from samantha.tokens import MESSAGE_OVERHEAD, Accuracy, TokenCounter, byte_bound


class Prompt(BaseModel):
    messages: list[ChatMessage]
    #: Tokens of the whole prompt: exact, approximate or an upper-bound estimate (see accuracy).
    tokens: int
    accuracy: Accuracy
    budget: int
    dropped: int = 0


def system_text(
    persona: Persona,
    now: datetime,
    user_name: str | None,
    last_seen: datetime | None,
    notes: Sequence[str] = (),
) -> str:
    user = user_name or "the user"
    parts = [f"You are {persona.name}" + (f", {persona.tagline}." if persona.tagline else ".")]
    for text in (persona.description, persona.backstory):
        if text:
            parts.append(persona.fill(text, user))
    if persona.voice:
        parts.append("How you speak: " + persona.fill(persona.voice, user))
    if persona.values:
        parts.append("You value: " + "; ".join(persona.values) + ".")
    if persona.boundaries:
        parts.append("Your boundaries: " + "; ".join(persona.boundaries) + ".")
    if persona.example_dialogues:
        examples = "\n\n".join(persona.fill(d, user) for d in persona.example_dialogues)
        parts.append("How you sound, for example:\n" + examples)
    parts.extend(notes)
    local = now.astimezone()
    parts.append(f"It is now {local:%A, %d %B %Y, %H:%M} ({local.tzname()}).")
    if last_seen is not None and now - last_seen > timedelta(hours=1):
        parts.append(f"You last spoke with {user} {humanize(now - last_seen)} ago.")
    parts.append(f"Stay in character as {persona.name}. Reply in plain prose, briefly.")
    return "\n\n".join(parts)


def _as_chat(message: Message) -> ChatMessage:
    text = message.text
    if message.status is MessageStatus.INTERRUPTED and message.role is Role.ASSISTANT:
        text += " [you were interrupted here]"
    role = "assistant" if message.role is Role.ASSISTANT else "user"
    return ChatMessage(role=role, content=text)


def compose(
    system: str,
    history: Sequence[Message],
    counter: TokenCounter,
    window: int,
    reply_reserve: int,
    cache: dict[int, int] | None = None,
    chats: dict[int, Any] | None = None,
) -> Prompt:
    """Fit ``system`` plus the newest part of ``history`` into ``window - reply_reserve``.

    ``cache`` (token counts) and ``chats`` (converted messages with their byte lengths) are
    keyed by message id and kept by the caller between turns: stored messages never change.
    """
    budget = max(256, window - min(reply_reserve, window // 2))
    converted = chats if chats is not None else {}
    pairs: list[tuple[ChatMessage, int]] = []
    for message in history:
        pair = converted.get(message.id)
        if pair is None:
            chat = _as_chat(message)
            pair = converted[message.id] = (chat, byte_bound(chat.content))
        pairs.append(pair)
    chats_list = [chat for chat, _ in pairs]
    # Fast path: byte lengths bound BPE token counts from above, so no tokenizer is needed.
    upper = byte_bound(system) + sum(size for _, size in pairs)
    upper += MESSAGE_OVERHEAD * (len(pairs) + 1)
    if upper <= budget:
        return Prompt(
            messages=[ChatMessage(role="system", content=system), *chats_list],
            tokens=math.ceil(upper / 3),
            accuracy="estimate",
            budget=budget,
        )
    cache = cache if cache is not None else {}
    chats_seq = chats_list

    def cost(index: int) -> int:
        message_id = history[index].id
        if message_id not in cache:
            cache[message_id] = counter.count(chats_seq[index].content) + MESSAGE_OVERHEAD
        return cache[message_id]

    used = counter.count(system) + MESSAGE_OVERHEAD
    kept: list[ChatMessage] = []
    for index in range(len(chats_seq) - 1, -1, -1):
        need = cost(index)
        if used + need <= budget:
            kept.append(chats_seq[index])
            used += need
            continue
        if not kept:
            # The newest message alone is too big: keep its start and end rather than nothing.
            room = max(64, budget - used - MESSAGE_OVERHEAD)
            text = counter.truncate(chats_seq[index].content, room)
            kept.append(ChatMessage(role=chats_seq[index].role, content=text))
            used += counter.count(text) + MESSAGE_OVERHEAD
        break
    kept.reverse()
    return Prompt(
        messages=[ChatMessage(role="system", content=system), *kept],
        tokens=used,
        accuracy=counter.accuracy,
        budget=budget,
        dropped=len(chats_seq) - len(kept),
    )
