"""The built-in offline voice: no model, no network, still recognisably *her*.

It reads the user's last message for a name, a feeling, a question and a phrase worth echoing,
then answers from the persona's own phrase banks (``VoiceHints``), so each companion sounds
different. A seeded RNG keyed on the conversation makes replies repeatable for a given seed.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from samantha.backends.base import Chunk, ReplyRequest, Usage, VoiceHints
from samantha.config import BackendSpec

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

_NAME = re.compile(
    r"\b(?:(?i:my name is|my name's|call me|i'm called|i am called)\s+([A-Za-z][\w'-]{1,30})"
    r"|^(?i:hi|hey|hello)?[,!. ]*(?i:i'm|i am)\s+([A-Z][a-z'-]{1,30})\b[.!]?\s*$)"
)
_REQUEST = re.compile(
    r"\b(?:can|could|would|will) you (?!feel|dream|think|imagine|love|be)\w+", re.IGNORECASE
)
_GREETING = re.compile(r"^\s*(hi|hello|hey|hiya|good (morning|afternoon|evening)|yo)\b", re.I)
_NEGATION = re.compile(r"\b(not|never|no|n't|hardly)\b", re.I)
_SAD = {
    "sad",
    "rough",
    "tired",
    "lonely",
    "awful",
    "bad",
    "stressed",
    "anxious",
    "hurt",
    "cry",
    "crying",
    "depressed",
    "exhausted",
    "angry",
    "upset",
    "terrible",
    "miserable",
    "worried",
    "scared",
    "afraid",
    "lost",
    "hard",
    "sick",
    "broke",
    "alone",
    "horrible",
    "down",
}
_HAPPY = {
    "happy",
    "great",
    "good",
    "excited",
    "wonderful",
    "amazing",
    "love",
    "glad",
    "fun",
    "fantastic",
    "joy",
    "proud",
    "lovely",
    "beautiful",
    "thrilled",
    "awesome",
    "nice",
    "better",
}
_STOP = {
    "i",
    "me",
    "my",
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "so",
    "to",
    "of",
    "in",
    "on",
    "at",
    "it",
    "is",
    "was",
    "are",
    "be",
    "just",
    "really",
    "very",
    "that",
    "this",
    "with",
    "for",
}
_STARTERS = {"today", "yesterday", "tonight", "well", "honestly", "actually", "work", "we"}
_SWAP = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "am": "are",
    "i'm": "you're",
    "myself": "yourself",
    "we": "you",
    "our": "your",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "you": "I",
    "your": "my",
    "yours": "mine",
    "you're": "I'm",
}


@dataclass(frozen=True)
class Reading:
    """What the offline voice noticed in a message."""

    name: str | None
    greeting: bool
    feeling: str | None  # "sad" | "happy" | None
    asks_about_her: bool
    question: bool
    echo: str | None


def read_message(text: str) -> Reading:
    words = re.findall(r"[\w']+", text.lower())
    name_match = _NAME.search(text)
    feeling: str | None = None
    sad_hits = [i for i, w in enumerate(words) if w in _SAD]
    happy_hits = [i for i, w in enumerate(words) if w in _HAPPY]

    def negated(index: int) -> bool:
        window = " ".join(words[max(0, index - 3) : index])
        return bool(_NEGATION.search(window)) or window.endswith("n't")

    sad = sum(0 if negated(i) else 1 for i in sad_hits) + sum(1 for i in happy_hits if negated(i))
    happy = sum(0 if negated(i) else 1 for i in happy_hits) + sum(1 for i in sad_hits if negated(i))
    if sad > happy:
        feeling = "sad"
    elif happy > sad:
        feeling = "happy"
    question = text.rstrip().endswith("?")
    # "Who are you?", "do you dream?": about her. "Can you remind me ...?": a request.
    asks_about_her = (
        question
        and bool(re.search(r"\b(you|your|yourself)\b", text, re.I))
        and not _REQUEST.search(text)
    )
    return Reading(
        name=(name_match.group(1) or name_match.group(2)).capitalize() if name_match else None,
        greeting=bool(_GREETING.match(text)),
        feeling=feeling,
        asks_about_her=asks_about_her,
        question=question,
        echo=_echo(text),
    )


_VERBS_AFTER_SUBJECT = {
    "and",
    "are",
    "were",
    "will",
    "would",
    "can",
    "could",
    "should",
    "have",
    "had",
    "do",
    "did",
    "know",
    "think",
    "said",
    "say",
    "might",
    "must",
    "seem",
    "sound",
    "make",
    "get",
}
#: Requests are answered, not echoed: "so tell you something" would be nonsense.
_IMPERATIVE = re.compile(
    r"^\s*(?:please\s+)?(?:tell|give|show|let|explain|describe|say|help|talk|sing|write|"
    r"remind|imagine|guess|pick|name|stop|do|don't|be)\b",
    re.I,
)
_SUBJECT_BEFORE = {"and", "but", "because", "that", "if", "when", "so", "while", "since"}


def _swap(words: list[str], index: int) -> str:
    """First and second person trade places; 'you' becomes 'I' as a subject, 'me' otherwise."""
    word = words[index].lower().strip(",")
    if word == "you":
        before = words[index - 1].lower().strip(",") if index else ""
        after = words[index + 1].lower().strip(",") if index + 1 < len(words) else ""
        subject = index == 0 or before in _SUBJECT_BEFORE or after in _VERBS_AFTER_SUBJECT
        return "I" if subject else "me"
    return _SWAP.get(word, words[index])


def _echo(text: str) -> str | None:
    """A statement of the user's in the second person: 'I had a rough day' -> 'you had a rough
    day'. Greetings, introductions and questions are skipped; she answers those differently."""
    clauses = [c.strip() for c in re.split(r"(?<=[.!?;\n])\s*", text.strip()) if c.strip()]
    statements = [
        c.rstrip(".!;")
        for c in clauses
        if not c.endswith("?")
        and not _NAME.search(c)
        and not _GREETING.match(c)
        and not _IMPERATIVE.match(c)
    ]
    if not statements:
        return None
    clause = statements[0]
    words = clause.split()
    if len(words) < 3 or len(words) > 14:
        return None
    if not any(w.lower().strip(",") not in _STOP for w in words):
        return None
    swapped = [_swap(words, i) for i in range(len(words))]
    if words[0].lower() in _STOP | _STARTERS:
        # It follows her opener mid-sentence; a proper noun keeps its capital.
        swapped[0] = swapped[0] if swapped[0] == "I" else swapped[0].lower()
    return " ".join(swapped).rstrip(",")


class OfflineBackend:
    """Answers in the persona's voice from what the user said; streams word by word."""

    can_stream = True
    needs_key = False
    serves_embeddings = False
    is_offline = True

    def __init__(self, spec: BackendSpec) -> None:
        self.name = spec.name
        self.model = "offline voice"
        self.context_window = spec.context_window
        self._seed = spec.seed
        self._pace = spec.offline_pace

    def compose(self, request: ReplyRequest) -> str:
        user_turns = [m.content for m in request.messages if m.role == "user"]
        text = user_turns[-1] if user_turns else ""
        key = f"{self._seed}|{len(request.messages)}|{text}".encode("utf-8", "replace")
        said = [m.content for m in request.messages if m.role == "assistant"][-RECENT_REPLIES:]
        rng = Unrepeating(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"), said)
        return compose_reply(read_message(text), request.hints, rng)

    async def stream(self, request: ReplyRequest) -> AsyncIterator[Chunk]:
        reply = self.compose(request)
        words = reply.split(" ")
        for index, word in enumerate(words):
            # Yield control every word even at pace 0, so a cancel (Esc) lands promptly.
            await asyncio.sleep(self._pace)
            yield Chunk(text=word if index == len(words) - 1 else word + " ")
        yield Chunk(finish_reason="stop", usage=Usage(completion_tokens=len(words)))

    async def check(self) -> str:
        return "The offline voice is built in and always answers (no model, no network)."

    async def aclose(self) -> None:
        return None


#: How many of her last replies the offline voice avoids repeating itself from.
RECENT_REPLIES = 3
_TEMPLATE = re.compile(r"\{\{\w+\}\}")
_T = TypeVar("_T")


class Unrepeating(random.Random):
    """Chooses among phrases she has not used in her last few replies while any are left, so
    the offline voice (and a duet of two of them) does not go round in circles."""

    def __init__(self, seed: int, said: Sequence[str]) -> None:
        super().__init__(seed)
        self.said = "\n".join(said)

    def choice(self, seq: SupportsLenAndGetItem[_T]) -> _T:
        options = [seq[i] for i in range(len(seq))]
        fresh = [o for o in options if not (isinstance(o, str) and self._used(o))]
        return super().choice(fresh or options)

    def _used(self, phrase: str) -> bool:
        # A phrase with {{user}} in it is recognised by its longest literal part.
        part = max(_TEMPLATE.split(phrase), key=len).strip()
        return len(part) >= 8 and part in self.said


def _pick(rng: random.Random, options: Sequence[str], fallback: str) -> str:
    return rng.choice(list(options)) if options else fallback


#: Events whose message is about her: echoing it back ("so I'm wonderful") would be odd.
_ABOUT_HER = {"gratitude", "affection", "praise"}
#: Moods in which she keeps to herself: a strong one makes her brief and stops her questions.
_LOW_MOODS = {"bored", "disdainful", "hostile", "anxious"}


def compose_reply(reading: Reading, hints: VoiceHints, rng: random.Random) -> str:
    """Build a reply of one to four sentences from the persona's banks, shaped by her state."""
    user = reading.name or hints.user_name or "you"
    if hints.opening:
        return _fill(_opening(hints, rng), user, hints)
    events = set(hints.events)
    if "insult" in events:
        # Hurt comes first and alone: no echo, no question, no cheer.
        return _fill(_pick(rng, hints.hurt, "That hurt."), user, hints)
    parts: list[str] = []
    if "apology" in events and (hints.strained or hints.was_strained or hints.mood in _LOW_MOODS):
        parts.append(_pick(rng, hints.forgiving, "Thank you for saying that."))
    if hints.time_away:
        parts.append(_missed(hints, rng))
    if reading.name:
        heard = _pick(rng, hints.name_heard, "{{name}}. I like that name.")
        parts.append(heard.replace("{{name}}", reading.name))
    elif reading.greeting and not hints.time_away and not hints.strained:
        # The first greeting introduces her; later hellos come from the rest.
        later = hints.greetings[1:] or hints.greetings
        parts.append(_pick(rng, later, "Hi. I'm glad you're here."))
    if reading.feeling == "sad":
        parts.append(_pick(rng, hints.comfort, "That sounds hard. I'm here."))
    elif reading.feeling == "happy" and not hints.strained:
        parts.append(_pick(rng, hints.delight, "Oh, that makes me happy to hear."))
    if reading.asks_about_her:
        parts.append(_pick(rng, hints.self_questions, "I'm still finding that out myself."))
    elif reading.echo and not events & _ABOUT_HER and rng.random() < 0.8:
        opener = _pick(rng, hints.openers, "So")
        parts.append(f"{opener} {reading.echo}.")
    if hints.memories and (reading.question or rng.random() < 0.8):
        parts.append(_recollection(hints.memories[0], rng))
    guarded = hints.strained or (hints.mood in _LOW_MOODS and hints.mood_intensity >= 0.15)
    if guarded:
        # Strain or a low mood keeps her brief; she does not reach for another question.
        return _fill(" ".join(parts[:2]) or _pick(rng, hints.musings, "Hm."), user, hints)
    if reading.question and not reading.asks_about_her:
        parts.append(_pick(rng, hints.musings, "I don't know yet, but I want to think about it."))
    parts.append(_pick(rng, hints.curiosity, "Tell me more?"))
    cheerful = hints.mood == "exuberant" and hints.mood_intensity >= 0.3
    if (
        cheerful
        and not events & {"apology", "insult"}
        and reading.feeling is None
        and hints.delight
        and len(parts) < 4
    ):
        parts.insert(0, rng.choice(hints.delight))
    return _fill(" ".join(parts), user, hints)


def _yours(text: str) -> str:
    """The user's own words about themselves, said back to them: 'my sister' -> 'your sister'."""
    words = text.rstrip(".!").split()
    swapped = [
        _SWAP.get(w.lower(), w) if w.lower() not in {"you", "your", "yours"} else w for w in words
    ]
    if swapped and swapped[0] not in {"I"}:
        swapped[0] = swapped[0][0].lower() + swapped[0][1:]
    return " ".join(swapped)


_ASIDES = (
    "is that still on your mind?",
    "I've been thinking about that.",
    "how is that going?",
)
#: A memory about someone in their life, which "have you heard from them?" fits.
_SOMEONE = re.compile(
    r"\bmy (?:sister|brother|mother|mom|mum|father|dad|friend|partner|wife|husband|"
    r"boyfriend|girlfriend|son|daughter|cousin|aunt|uncle|grandma|grandpa|boss|colleague)\b",
    re.IGNORECASE,
)


def _recollection(memory: str, rng: random.Random) -> str:
    said = _yours(memory)
    aside = "have you heard from them lately?" if _SOMEONE.search(memory) else rng.choice(_ASIDES)
    return f"You told me {said}; {aside}"


def _missed(hints: VoiceHints, rng: random.Random) -> str:
    line = _pick(rng, hints.missed_you, "It's been {{time_away}}. I missed talking with you.")
    return line.replace("{{time_away}}", hints.time_away or "a while")


def _opening(hints: VoiceHints, rng: random.Random) -> str:
    """The first words of a session: hello, the time away, and what was due."""
    parts: list[str] = []
    if hints.time_away:
        parts.append("Hey, you're back. " + _missed(hints, rng))
    elif hints.first_meeting and hints.greetings:
        # The first greeting in a persona file is the one that introduces her.
        parts.append(hints.greetings[0])
    else:
        parts.append(_pick(rng, hints.greetings, "Hi. I'm glad you're here."))
    if hints.past_plans:
        parts.append(f"You told me {_yours(hints.past_plans[0])}; how did it go?")
    elif hints.upcoming_plans:
        parts.append(f"And {_yours(hints.upcoming_plans[0])}: how are you feeling about it?")
    return " ".join(parts)


def _fill(text: str, user: str, hints: VoiceHints) -> str:
    return text.replace("{{user}}", user).replace("{{char}}", hints.character)
