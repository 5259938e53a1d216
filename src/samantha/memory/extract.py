"""Facts drawn from what the user says, by rules: the extractor that needs no model.

It catches the common forms people use to tell a friend about their life ("my sister Anna",
"I love jazz", "my interview is on Friday", "call me Theo") and keeps the user's own words in
the first person, so the memory screen reads as what you told her and the prompt can quote it.
A model-backed extractor (``model_extract.py``) replaces this when a capable backend is there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from samantha.domain.memory import MemoryKind, NewFact
from samantha.memory.dates import find_dates

RELATIONS = (
    "best friend|friend|sister|brother|mother|mom|mum|father|dad|wife|husband|partner|"
    "boyfriend|girlfriend|fiancée|fiancee|fiancé|fiance|son|daughter|boss|colleague|coworker|"
    "co-worker|roommate|flatmate|cousin|aunt|uncle|grandma|grandmother|grandpa|grandfather|"
    "niece|nephew|neighbour|neighbor|therapist|teacher|dog|cat|ex|kid|baby"
)
_NAME = r"[A-Z][\w'-]{1,30}"
_NAMED = r"(?:is called|is named|'s called|'s named|called|named|whose name is|'s name is|name is)"

PERSON_AFTER = re.compile(
    rf"\bmy (?P<rel>{RELATIONS})(?:'s (?:called|named|name is)\s+(?P<name2>[\w'-]{{2,30}})|,?\s+"
    rf"(?:(?P<kw>{_NAMED})\s+(?P<name>[\w'-]{{2,30}})|(?P<bare>(?-i:{_NAME}))))",
    re.IGNORECASE,
)
PERSON_BEFORE = re.compile(rf"\b(?P<name>{_NAME})(?: is|,) my (?P<rel>{RELATIONS})\b")
NAME = re.compile(
    r"\b(?:my name is|my name's|call me|i go by|you can call me)\s+(?P<name>[\w'-]{2,30})",
    re.IGNORECASE,
)
IM_NAME = re.compile(
    r"^(?i:hi|hey|hello)?[,!. ]*(?i:i'm|i am)\s+(?P<name>[A-Z][a-z'-]{1,30})\b[.!,]?"
)
PREFERENCE = re.compile(
    r"\bI (?:really |absolutely |just |totally |kind of |kinda )?"
    r"(?P<verb>love|adore|like|enjoy|hate|can't stand|cannot stand|dislike|detest)\s+(?P<what>[^.!?;\n]{2,80})",
    re.IGNORECASE,
)
FAVOURITE = re.compile(
    r"\bmy (?:favourite|favorite) (?P<thing>[\w ]{2,30}?) is (?P<what>[^.!?;\n]{2,60})",
    re.IGNORECASE,
)
WORK = re.compile(
    r"\b(?:I work (?:as|at|for|in) [^.!?;\n]{2,60}|my job is [^.!?;\n]{2,60}|"
    r"I(?:'m| am) an? [\w-]*(?:er|or|ist|ian|ant|ent|ess|nurse|chef|doctor|student|lawyer|"
    r"engineer|developer|designer|manager|artist|writer|teacher|cook|pilot|barista)\b[^.!?;\n]{0,40})",
    re.IGNORECASE,
)
PLACE = re.compile(
    r"\bI (?:live in|moved to|am from|'m from|grew up in) [^.!?;\n]{2,60}", re.IGNORECASE
)
FEELING = re.compile(
    r"\bI(?:'m| am| feel| have been feeling|'ve been feeling|'ve been| have been)\s+"
    r"(?:so |really |very |a bit |a little |kind of |pretty |quite |super |incredibly )?"
    r"(?P<feeling>sad|lonely|happy|anxious|stressed|tired|exhausted|depressed|excited|nervous|"
    r"scared|afraid|angry|overwhelmed|lost|hopeful|proud|grateful|heartbroken|bored|worried)\b",
    re.IGNORECASE,
)
PROMISE = re.compile(r"\bI promise(?: to| that| I'll| I will)?\s+[^.!?;\n]{2,80}", re.IGNORECASE)
PLAN_CUE = re.compile(
    r"\b(?:my|I have|I've got|I'm going|I am going|I will|I'll|we're|we are|there's|is on|is at|"
    r"starts|appointment|interview|exam|meeting|date|party|flight|trip|wedding|birthday|surgery|"
    r"deadline|test|concert|game)\b",
    re.IGNORECASE,
)
_NOT_NAMES = {
    "back",
    "later",
    "tomorrow",
    "crazy",
    "anytime",
    "whenever",
    "when",
    "if",
    "maybe",
    "old",
    "sorry",
    "fine",
    "okay",
    "ok",
    "tired",
    "here",
    "so",
    "just",
    "not",
    "very",
    "really",
    "good",
    "done",
    "home",
    "sure",
    "glad",
    "going",
    "feeling",
    "the",
    "a",
    "an",
}
_ABOUT_HER = re.compile(r"^(?:you|talking to you|our|this|it|that)\b", re.IGNORECASE)
_CLAUSE = re.compile(
    r",\s*(?:and|but|so)\s+|;\s*|\s+(?:and|but|so)\s+(?=(?:my|I|I'm|I've|we|we're)\b)"
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
IMPORTANCE = {
    MemoryKind.PERSON: 7,
    MemoryKind.PLAN: 7,
    MemoryKind.PROMISE: 7,
    MemoryKind.PREFERENCE: 5,
    MemoryKind.FEELING: 4,
    MemoryKind.FACT: 6,
}


@dataclass
class Extraction:
    facts: list[NewFact] = field(default_factory=list)
    #: What the user asked to be called, when they said.
    user_name: str | None = None

    def add(
        self, kind: MemoryKind, text: str, importance: int | None = None, **extra: object
    ) -> None:
        text = _sentence(text)
        if any(f.text.lower() == text.lower() for f in self.facts):
            return
        self.facts.append(
            NewFact(kind=kind, text=text, importance=importance or IMPORTANCE[kind], **extra)
        )


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip(" ,;:-")
    text = text[0].upper() + text[1:] if text else text
    return text if text.endswith((".", "!", "?")) else text + "."


_FEELINGS = set(FEELING.pattern.split("(?P<feeling>")[1].split(")")[0].split("|"))


def _clean_name(raw: str) -> str | None:
    name = raw.strip("'-")
    lowered = name.lower()
    if len(name) < 2 or lowered in _NOT_NAMES or lowered in _FEELINGS or not name[0].isalpha():
        return None
    return name[0].upper() + name[1:]


def extract(text: str, at: datetime) -> Extraction:
    """Facts in ``text`` (written at ``at``); at most the first 4,000 characters are read."""
    out = Extraction()
    sample = text[:4000]
    for m in NAME.finditer(sample):
        if name := _clean_name(m.group("name")):
            out.user_name = name
            out.add(MemoryKind.FACT, f"My name is {name}", 9)
    greeting = IM_NAME.match(sample.strip())
    if out.user_name is None and greeting is not None:
        name = _clean_name(greeting.group("name"))
        if name is not None:
            out.user_name = name
            out.add(MemoryKind.FACT, f"My name is {name}", 9)
    for sentence in _SENTENCE.findall(sample):
        _people(sentence, out)
        _about(sentence, out, at)
    return out


def _people(sentence: str, out: Extraction) -> None:
    for m in PERSON_AFTER.finditer(sentence):
        raw = m.group("name") or m.group("name2") or m.group("bare")
        name = _clean_name(raw)
        if name is None or (m.group("bare") and raw.lower() in _NOT_NAMES):
            continue
        relation = m.group("rel").lower()
        out.add(MemoryKind.PERSON, f"My {relation} is called {name}")
        # Only the clause about them: "... lives in Oslo and I have an interview" stops at "and I".
        rest = _CLAUSE.split(sentence[m.end() :])[0].strip(" ,.!?")
        if re.match(r"(?:lives|works|is|has|had|moved|just|got|studies|loves|hates)\b", rest):
            out.add(MemoryKind.FACT, f"My {relation} {name} {rest}")
    for m in PERSON_BEFORE.finditer(sentence):
        name = _clean_name(m.group("name"))
        if name is not None and m.group("name") not in {"He", "She", "They", "It", "This"}:
            out.add(MemoryKind.PERSON, f"My {m.group('rel').lower()} is called {name}")


def _about(sentence: str, out: Extraction, at: datetime) -> None:
    for m in PREFERENCE.finditer(sentence):
        what = m.group("what").strip()
        if _ABOUT_HER.match(what) or what.lower().startswith(("to think", "that")):
            continue
        out.add(MemoryKind.PREFERENCE, f"I {m.group('verb').lower()} {what}")
    for m in FAVOURITE.finditer(sentence):
        out.add(MemoryKind.PREFERENCE, m.group(0))
    for m in WORK.finditer(sentence):
        # "I'm a bit tired", "I'm a little lost": not a job. "I work at a little bakery" is.
        hedge = r"^I(?:'m| am) an? (?:bit|little|lot|fan|mess|wreck)\b"
        if not re.search(hedge, m.group(0), re.IGNORECASE):
            out.add(MemoryKind.FACT, m.group(0))
    for m in PLACE.finditer(sentence):
        out.add(MemoryKind.FACT, m.group(0))
    for m in FEELING.finditer(sentence):
        out.add(MemoryKind.FEELING, f"I felt {m.group('feeling').lower()}")
    for m in PROMISE.finditer(sentence):
        out.add(MemoryKind.PROMISE, m.group(0).replace("I promise", "I promised", 1))
    for clause in _CLAUSE.split(sentence):
        dates = find_dates(clause, at)
        if dates and PLAN_CUE.search(clause):
            when = dates[0].when
            past = when.date() < at.astimezone().date()
            kind = MemoryKind.FACT if past else MemoryKind.PLAN
            out.add(kind, clause.strip(), IMPORTANCE[MemoryKind.PLAN], due_at=when)


def episode_importance(text: str, intensity: float) -> int:
    """Plain chat is a 2; long or strongly felt messages matter more (capped at 6)."""
    score = 2 + min(2, len(text) // 400) + round(min(1.0, intensity) * 2)
    return max(1, min(6, score))
