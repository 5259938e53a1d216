"""Learning that a model does better than rules: extraction, reflection and summaries.

Each has instructions for the model, a pydantic reading of its JSON (anything invalid reads as
``None`` and the caller falls back), and an offline way that needs no model at all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date, datetime, time

from pydantic import BaseModel, Field, ValidationError

from samantha.domain.conversation import Message, Role
from samantha.domain.memory import FACT_KINDS, Memory, MemoryKind, NewFact
from samantha.memory.extract import tidy
from samantha.memory.keeping import STORED_LIMIT
from samantha.memory.sentences import Mood, mood

EXTRACTION_INSTRUCTIONS = """You read one message a person wrote to their companion and list the
facts worth remembering about the person and their world: people and their names, likes and
dislikes, work, feelings, plans with dates, promises. Write each fact in the person's own first
person ("My sister is called Anna."). Reply with JSON only, no prose:
{"facts": [{"kind": "person|preference|fact|plan|feeling|promise", "text": "...",
"importance": 1-10, "date": "YYYY-MM-DD or null"}], "user_name": "name they asked to be called, or null"}
Today is {today}. Resolve relative dates ("next Friday") against it. No facts: {"facts": []}."""

REFLECTION_INSTRUCTIONS = """You are {name}, thinking back over what {user} has told you. From the
numbered memories below, write one to three short insights about {user}'s life or feelings that no
single memory says ("He seems lonely since the move."). Reply with JSON only:
{"insights": [{"text": "...", "sources": [memory numbers]}]}"""

SUMMARY_INSTRUCTIONS = """Update the running summary of a conversation between {user} and {name}
with the messages below. Keep names, dates, feelings and anything promised; drop small talk. At
most 150 words, in the third person, plain prose. Reply with the summary only."""


def _json_object(text: str) -> object:
    """The first JSON object in a reply; models like to wrap JSON in prose or code fences."""
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if match is None:
        raise ValueError("no JSON object")
    return json.loads(match.group(0))


class _ModelFact(BaseModel):
    kind: str
    #: A long fact is summarised to fit (``extract.tidy``), not refused with its neighbours.
    text: str = Field(min_length=1, max_length=8000)
    importance: int = Field(default=5, ge=1, le=10)
    date: str | None = None


class _ModelExtraction(BaseModel):
    facts: list[_ModelFact] = Field(default_factory=list, max_length=20)
    user_name: str | None = Field(default=None, max_length=64)


#: A capitalised word inside a sentence: a name, if it is not a month, a day or "I".
_NAMED = re.compile(r"(?<=\w[ ,])([A-Z][a-z][\w'-]*)")
#: A capitalised first word said to be someone ("Anna is my sister", "Anna's wedding"):
#: a name too, unless it is a pronoun.
_NAMED_FIRST = re.compile(
    r"^(?!(?:She|He|It|They|This|That|There|Who|What|Her|His|My|Our|Their|Your)\b)"
    r"([A-Z][a-z][\w-]*)(?='s\b| is (?:my|their|his|her|our|the)\b|,)"
)
_GIVEN_NAME = re.compile(r"\b(?:called|named|name is|name's) ([A-Z][a-z][\w-]*)")
_CALENDAR = {
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday",
    "Friday", "Saturday", "Sunday", "I", "I'm", "I've", "I'll", "I'd",
}  # fmt: skip
_WORD = re.compile(r"[a-z][a-z'-]{3,}")
_COMMON = {
    "that", "this", "with", "have", "they", "them", "their", "there", "what", "when", "will",
    "would", "about", "from", "been", "were", "your", "just", "like", "really", "called",
    "named", "name", "going", "some", "very", "into", "than", "then", "also", "much",
}  # fmt: skip


def grounded(fact: str, source: str) -> bool:
    """Whether a fact a model drew from ``source`` is in it: every name it gives is there,
    and at least one of its words (or that word's stem). A small model answers with the
    instructions' example ("My sister is called Anna.") or invents a name; neither is a
    memory of theirs."""
    said = source.lower()
    named = [*_NAMED_FIRST.findall(fact.strip()), *_NAMED.findall(fact)]
    for name in named:
        if name not in _CALENDAR and not _names(name.removesuffix("'s"), source):
            return False
    # A month or a day given as a name ("my sister is called June") is a name all the same.
    for name in _GIVEN_NAME.findall(fact):
        if not _names(name, source):
            return False
    words = [w for w in _WORD.findall(fact.lower()) if w not in _COMMON]
    return not words or any(w[:4] in said for w in words)


def _names(name: str, source: str) -> bool:
    """Whether ``source`` says ``name`` as a word of its own: "Tom" is not in "tomorrow"."""
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", source, re.IGNORECASE) is not None


def parse_facts(
    reply: str, at: datetime, source: str | None = None
) -> tuple[list[NewFact], str | None] | None:
    """The model's facts, or ``None`` if its reply is not the JSON asked for. With
    ``source`` (the message they were drawn from), facts not grounded in it are dropped."""
    try:
        found = _ModelExtraction.model_validate(_json_object(reply))
    except (ValueError, ValidationError):
        return None
    facts: list[NewFact] = []
    for item in found.facts:
        text = tidy(item.text, STORED_LIMIT)
        if not text or mood(item.text) is not Mood.STATEMENT:
            continue  # a question or request in the model's list tells nothing about them
        if source is not None and not grounded(text, source):
            continue
        if any(f.text.lower() == text.lower() for f in facts):
            continue
        try:
            kind = MemoryKind(item.kind.strip().lower())
        except ValueError:
            kind = MemoryKind.FACT
        if kind not in FACT_KINDS:
            kind = MemoryKind.FACT
        due = None
        if item.date:
            try:
                due = datetime.combine(date.fromisoformat(item.date), time(12), tzinfo=at.tzinfo)
            except ValueError:
                due = None
        if kind is MemoryKind.PLAN and (due is None or due.date() < at.astimezone().date()):
            kind = MemoryKind.FACT  # something that happened, kept with its date: no plan
        facts.append(NewFact(kind=kind, text=text, importance=item.importance, due_at=due))
    name = found.user_name.strip() if found.user_name and found.user_name.strip() else None
    if name and name.lower() in {"null", "none", "unknown"}:
        name = None
    if name and source is not None and not _names(name, source):
        name = None  # a name they never gave
    return facts, name


class _Insight(BaseModel):
    text: str = Field(min_length=1, max_length=400)
    sources: list[int] = Field(default_factory=list)


class _Insights(BaseModel):
    insights: list[_Insight] = Field(min_length=1, max_length=5)


def reflection_prompt(memories: Sequence[Memory]) -> str:
    return "\n".join(f"{n}. {m.text}" for n, m in enumerate(memories, start=1))


def parse_insights(reply: str, memories: Sequence[Memory]) -> list[tuple[str, list[Memory]]] | None:
    try:
        found = _Insights.model_validate(_json_object(reply))
    except (ValueError, ValidationError):
        return None
    out = []
    for insight in found.insights:
        cited = [memories[n - 1] for n in insight.sources if 1 <= n <= len(memories)]
        out.append((insight.text.strip(), cited or list(memories)))
    return out


def offline_reflection(memories: Sequence[Memory]) -> tuple[str, list[Memory]] | None:
    """Without a model: what has mattered most lately, gathered in one line."""
    ranked = sorted(
        (m for m in memories if m.kind in FACT_KINDS), key=lambda m: (-m.importance, -m.id)
    )[:4]
    if len(ranked) < 2:
        return None
    items = "; ".join(m.text.rstrip(".") for m in ranked)
    return f"What has mattered to them lately: {items}.", ranked


def summary_prompt(previous: str, messages: Sequence[Message]) -> str:
    lines = [f"Summary so far: {previous or '(none yet)'}", "", "New messages:"]
    lines += [f"{m.speaker}: {m.text[:1000]}" for m in messages]
    return "\n".join(lines)


def offline_summary(previous: str, messages: Sequence[Message], limit: int = 1200) -> str:
    """Without a model: the first sentence of each thing the user said, oldest dropping off
    first once the summary is long, so it stays a bounded reminder rather than a transcript."""
    lines = [ln for ln in previous.splitlines() if ln.strip()]
    for message in messages:
        if message.role is not Role.USER or not message.text.strip():
            continue
        first = re.split(r"(?<=[.!?])\s", message.text.strip(), maxsplit=1)[0][:160]
        lines.append(f"- {message.created_at:%d %b}: they said \u201c{first}\u201d")
    while len("\n".join(lines)) > limit and len(lines) > 1:
        lines.pop(0)
    return "\n".join(lines)
